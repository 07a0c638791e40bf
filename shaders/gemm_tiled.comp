#version 450
#extension GL_GOOGLE_include_directive : enable
// Shared-memory tiled GEMM for GPUs: a 64x64 tile of C per workgroup of 16x16 invocations,
// each computing 4x4, K in steps of 16 through shared memory. Operands are storage buffers
// addressed through arbitrary strides (transposes need no packing). The store mapping is
// the one of gemm_texel.comp.
layout(local_size_x = 16, local_size_y = 16) in;

const uint TM = 64u, TN = 64u, TK = 16u;

layout(std430, binding = 0) readonly buffer Abuf { float a[]; };
layout(std430, binding = 1) readonly buffer Bbuf { float b[]; };
layout(std430, binding = 2) buffer Cbuf { float c[]; };
layout(std430, binding = 3) readonly buffer BiasBuf { float bias[]; };

layout(push_constant) uniform Push {
  uint M, N, K;
  uint a_off, a_zs, a_sm, a_sk;
  uint b_off, b_zs, b_sk, b_sn;
  uint n0, c_off, c_zs, c_sm, c_sn, c_div, c_sq;
  uint bias_mode, bias_zs, beta_on;
  float alpha, beta;
  uint act;  // vkg_act applied last (0 none): conv + bias + ReLU is one pass over C
  float act_param;
} p;

#include "kl_math.glsl"
#include "kl_act.glsl"

shared float As[TK][TM];
shared float Bs[TK][TN];

void main() {
  const uint z = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.y * TM;
  const uint nb0 = gl_WorkGroupID.x * TN;
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16u + tx;
  const uint abase = p.a_off + z * p.a_zs;
  const uint bbase = p.b_off + z * p.b_zs;

  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0u; k0 < p.K; k0 += TK) {
    for (uint t = tid; t < TK * TM; t += 256u) {
      const uint kk = t / TM, mm = t % TM;
      const uint m = m0 + mm, k = k0 + kk;
      As[kk][mm] = (m < p.M && k < p.K) ? a[abase + m * p.a_sm + k * p.a_sk] : 0.0;
    }
    for (uint t = tid; t < TK * TN; t += 256u) {
      const uint kk = t / TN, nn = t % TN;
      const uint n = nb0 + nn, k = k0 + kk;
      Bs[kk][nn] = (n < p.N && k < p.K) ? b[bbase + k * p.b_sk + n * p.b_sn] : 0.0;
    }
    barrier();
    for (uint kk = 0u; kk < TK; ++kk) {
      float av[4], bv[4];
      for (int i = 0; i < 4; ++i) av[i] = As[kk][ty + 16u * uint(i)];
      for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16u * uint(j)];
      for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
    }
    barrier();
  }

  for (int i = 0; i < 4; ++i) {
    const uint m = m0 + ty + 16u * uint(i);
    if (m >= p.M) continue;
    for (int j = 0; j < 4; ++j) {
      const uint n = nb0 + tx + 16u * uint(j);
      if (n >= p.N) continue;
      const uint g = p.n0 + n;
      const uint idx = p.c_off + z * p.c_zs + m * p.c_sm + (g / p.c_div) * p.c_sq + (g % p.c_div) * p.c_sn;
      float v = p.alpha * acc[i][j];
      if (p.beta_on != 0u) v += p.beta * c[idx];
      if (p.bias_mode == 1u) v += bias[z * p.bias_zs + m];
      else if (p.bias_mode == 2u) v += bias[z * p.bias_zs + n];
      c[idx] = p.act != 0u ? kl_act(v, p.act, p.act_param) : v;
    }
  }
}
