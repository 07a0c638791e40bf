#version 450
#extension GL_GOOGLE_include_directive : enable
// Direct convolution for narrow outputs (groups 1, dilation 1 along W) on CPU devices,
// row-blocked: one invocation computes P = 4 neighbouring output pixels of a row, for the Cout
// (<= 4 NV) output channels co0.. of this dispatch (the host runs one dispatch per 4 channels). Per input row of a tap row it loads the (P - 1) * SW + KW input values the 4
// pixels' windows cover once (conv_direct.comp loads P * KW, every load per lane on lavapipe)
// and fetches each weight texel once for the 4 pixels. KW, SW and the accumulator count NV
// (vec4s per pixel: ceil(Cout / 4), 1..4) are specialization constants, so the window and the
// accumulators are registers. Weights: texel wt[k * wstride + co0 / 4 + v] = w[co0 + 4v..][k],
// zero-padded. The host runs NV = 1: more accumulators per pixel were slower (register spills,
// presumably; runtime/src/kernels/conv_direct.c has the numbers).
// The sums run in conv_direct.comp's order (ci, kh, kw). Loop trips per invocation: Cin*KH
// (kept far below lavapipe's 65535 by the host). xcs / xbs: x's channel and batch strides
// (xcs = 0 reads one channel as every input channel). KHC > 0 (= KH, with xcs = 0: a
// grayscale image into an RGB stem): the KHC tap rows' windows are loaded once and serve every
// input channel, the sums in the same order (so bitwise what the replicated input gives).
layout(local_size_x = 64) in;
layout(constant_id = 0) const int KW = 3;
layout(constant_id = 1) const int SW = 1;
layout(constant_id = 2) const int NV = 2;
layout(constant_id = 3) const int KHC = 0;
const int P = 4;
const int L = (P - 1) * SW + KW;
const int VCN = KHC * L + 1; // the cached windows (+ 1: never an empty array)
layout(binding = 0) uniform samplerBuffer Wt;
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(push_constant) uniform Push {
  uint C, H, W, Cout, KH, OH, OW, OWB, sh, pt, pl, dh, ntot, gx, has_bias, act, xcs, xbs;
  float act_param;
  uint co0, Ctot, wstride; // this dispatch's first output channel (a multiple of 4) and count
                           // (Cout), y's channels, weight texels per tap
} p;

#include "kl_math.glsl"
#include "kl_act.glsl"

void main() {
  const uint n = gl_GlobalInvocationID.x + gl_WorkGroupID.y * p.gx * 64u;
  if (n >= p.ntot) return;
  const uint rows = p.OH * p.OWB;
  const uint b = n / rows;
  const uint r = n - b * rows;
  const uint oh = r / p.OWB;
  const uint ow0 = (r - oh * p.OWB) * uint(P);
  const int ih0 = int(oh * p.sh) - int(p.pt), iw0 = int(ow0) * SW - int(p.pl);
  vec4 acc[NV * P];
  for (int j = 0; j < NV * P; ++j) acc[j] = vec4(0.0);
  int k = 0;
  if (KHC > 0) {
    float vc[VCN];
    for (int kh = 0; kh < KHC; ++kh) {
      const int ih = ih0 + kh * int(p.dh);
      const bool row_ok = ih >= 0 && ih < int(p.H);
      const uint xrow = b * p.xbs + uint(ih) * p.W;
      for (int j = 0; j < L; ++j) {
        const int iw = iw0 + j;
        vc[kh * L + j] = (row_ok && iw >= 0 && iw < int(p.W)) ? x[xrow + uint(iw)] : 0.0;
      }
    }
    for (uint ci = 0u; ci < p.C; ++ci) {
      for (int kh = 0; kh < KHC; ++kh) {
        for (int kw = 0; kw < KW; ++kw) {
          for (int u = 0; u < NV; ++u) {
            const vec4 wu = texelFetch(Wt, k * int(p.wstride) + int(p.co0 >> 2u) + u);
            for (int q = 0; q < P; ++q) acc[u * P + q] += vc[kh * L + q * SW + kw] * wu;
          }
          ++k;
        }
      }
    }
  }
  for (uint ci = 0u; ci < (KHC > 0 ? 0u : p.C); ++ci) {
    const uint plane = b * p.xbs + ci * p.xcs;
    for (uint kh = 0u; kh < p.KH; ++kh) {
      const int ih = ih0 + int(kh * p.dh);
      const bool row_ok = ih >= 0 && ih < int(p.H);
      const uint xrow = plane + uint(ih) * p.W;
      float v[L];
      for (int j = 0; j < L; ++j) {
        const int iw = iw0 + j;
        v[j] = (row_ok && iw >= 0 && iw < int(p.W)) ? x[xrow + uint(iw)] : 0.0;
      }
      for (int kw = 0; kw < KW; ++kw) {
        for (int u = 0; u < NV; ++u) {
          const vec4 wu = texelFetch(Wt, k * int(p.wstride) + int(p.co0 >> 2u) + u);
          for (int q = 0; q < P; ++q) acc[u * P + q] += v[q * SW + kw] * wu;
        }
        ++k;
      }
    }
  }
  const uint ohw = p.OH * p.OW;
  for (int q = 0; q < P; ++q) {
    const uint ow = ow0 + uint(q);
    if (ow >= p.OW) break;
    const uint obase = (b * p.Ctot + p.co0) * ohw + oh * p.OW + ow;
    for (int u = 0; u < NV; ++u)
      for (int c = 0; c < 4; ++c) {
        const uint co = uint(u * 4 + c);
        if (co >= p.Cout) break;
        float s = acc[u * P + q][c];
        if (p.has_bias != 0u) s += bias[p.co0 + co];
        y[obase + co * ohw] = p.act != 0u ? kl_act(s, p.act, p.act_param) : s;
      }
  }
}
