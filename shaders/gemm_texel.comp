#version 450
#extension GL_GOOGLE_include_directive : enable
// Register-blocked GEMM for CPU Vulkan devices (lavapipe). Workgroup x walks row blocks and y
// column blocks, so that the row blocks sharing a B column slice run back to back (cache reuse).
//
// Why this shape: on lavapipe shared memory and per-lane storage loads are scalar loops,
// while texelFetch from an RGBA32F texel buffer with a subgroup-uniform address is a single
// vector load. So every invocation of a workgroup shares the same RM rows of A (uniform
// address: the row block depends only on the workgroup id) and owns RN4*4 columns of B,
// read as vec4 along N. A is read as vec4 along K (4 k-steps per accumulator update).
//
// Operand layouts (in texels of 4 floats): A[z][m][k4] at a_off4 + z*a_zs4 + m*lda4 + k4,
// B[z][k][n4] at b_off4 + z*b_zs4 + k*ldb4 + n4. The host guarantees K4*4 rows of B and
// K4 texels of each A row are readable and that the K tail (if any) is zero in both.
// Rows >= M and column texels >= ceil(N/4) are clamped on read and dropped on store.
//
// Store: element (m, n) of z goes to C[c_off + z*c_zs + m*c_sm + (g/c_div)*c_sq +
// (g%c_div)*c_sn] with g = n0 + n, which covers plain row-major C, transposed C and the
// [batch][channel][pixel] layout of convolution outputs.
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const int RM = 32;  // rows per invocation (shared by the workgroup)
layout(constant_id = 2) const int RN4 = 2;  // column texels per invocation
// vkg_act applied to each stored element (0 none). A specialization constant, not a push
// constant: with the activation code in the unrolled store loop the whole GEMM ran 10-20%
// slower on lavapipe even when no activation was asked for.
layout(constant_id = 3) const int ACT = 0;

layout(binding = 0) uniform samplerBuffer At;
layout(binding = 1) uniform samplerBuffer Bt;
layout(std430, binding = 2) buffer Cbuf { float c[]; };
layout(std430, binding = 3) readonly buffer BiasBuf { float bias[]; };

layout(push_constant) uniform Push {
  uint M, N, K4, lda4, ldb4, a_off4, b_off4, a_zs4, b_zs4;
  uint n0, c_off, c_zs, c_sm, c_sn, c_div, c_sq;
  uint bias_mode, bias_zs, beta_on;  // bias_mode: 0 none, 1 bias[z*bias_zs + m], 2 bias[z*bias_zs + n]
  float alpha, beta;
  uint act_unused;  // the tiled variant's act (the texel one uses ACT)
  float act_param;
} p;

#include "kl_math.glsl"
#include "kl_act.glsl"

void main() {
  const uint z = gl_WorkGroupID.z;
  const uint m0 = gl_WorkGroupID.x * uint(RM);
  const uint nt0 = (gl_WorkGroupID.y * gl_WorkGroupSize.x + gl_LocalInvocationID.x) * uint(RN4);
  const uint n4_last = (p.N + 3u) / 4u - 1u;
  const uint abase = p.a_off4 + z * p.a_zs4;
  const uint bbase = p.b_off4 + z * p.b_zs4;

  vec4 acc[RM][RN4];
  for (int r = 0; r < RM; ++r)
    for (int j = 0; j < RN4; ++j) acc[r][j] = vec4(0.0);

  uint bcol[RN4];
  for (int j = 0; j < RN4; ++j) bcol[j] = bbase + min(nt0 + uint(j), n4_last);

  for (uint k4 = 0u; k4 < p.K4; ++k4) {
    vec4 b0[RN4], b1[RN4], b2[RN4], b3[RN4];
    const uint krow = k4 * 4u * p.ldb4;
    for (int j = 0; j < RN4; ++j) {
      const uint o = bcol[j] + krow;
      b0[j] = texelFetch(Bt, int(o));
      b1[j] = texelFetch(Bt, int(o + p.ldb4));
      b2[j] = texelFetch(Bt, int(o + 2u * p.ldb4));
      b3[j] = texelFetch(Bt, int(o + 3u * p.ldb4));
    }
    for (int r = 0; r < RM; ++r) {
      const uint row = min(m0 + uint(r), p.M - 1u);
      const vec4 a = texelFetch(At, int(abase + row * p.lda4 + k4));
      for (int j = 0; j < RN4; ++j)
        acc[r][j] += a.x * b0[j] + a.y * b1[j] + a.z * b2[j] + a.w * b3[j];
    }
  }

  // The column part of each store address (two integer divisions, which lavapipe runs lane by
  // lane) once per column rather than once per element.
  uint ccol[RN4 * 4];
  for (int j = 0; j < RN4; ++j)
    for (int e = 0; e < 4; ++e) {
      const uint g = p.n0 + (nt0 + uint(j)) * 4u + uint(e);
      ccol[j * 4 + e] = p.c_off + z * p.c_zs + (g / p.c_div) * p.c_sq + (g % p.c_div) * p.c_sn;
    }
  for (int r = 0; r < RM; ++r) {
    const uint m = m0 + uint(r);
    if (m >= p.M) break;
    for (int j = 0; j < RN4; ++j) {
      for (int e = 0; e < 4; ++e) {
        const uint n = (nt0 + uint(j)) * 4u + uint(e);
        if (n >= p.N) continue;
        const uint idx = ccol[j * 4 + e] + m * p.c_sm;
        float v = p.alpha * acc[r][j][e];
        if (p.beta_on != 0u) v += p.beta * c[idx];
        if (p.bias_mode == 1u) v += bias[z * p.bias_zs + m];
        else if (p.bias_mode == 2u) v += bias[z * p.bias_zs + n];
        c[idx] = ACT != 0 ? kl_act(v, uint(ACT), p.act_param) : v;
      }
    }
  }
}
