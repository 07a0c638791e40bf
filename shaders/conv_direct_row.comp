#version 450
#extension GL_GOOGLE_include_directive : enable
// Direct convolution for narrow outputs (Cout <= 8, groups 1, dilation 1 along W) on CPU
// devices, row-blocked: one invocation computes P = 4 neighbouring output pixels of a row, all
// Cout channels. Per input row of a tap row it loads the (P - 1) * SW + KW input values the 4
// pixels' windows cover once (conv_direct.comp loads P * KW, every load per lane on lavapipe)
// and fetches each weight texel once for the 4 pixels. KW, SW and the accumulator count NV
// (1: Cout <= 4, 2: Cout <= 8) are specialization constants, so the window is registers.
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
  vec4 a0[P], a1[P];
  for (int q = 0; q < P; ++q) a0[q] = a1[q] = vec4(0.0);
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
          const vec4 w0 = texelFetch(Wt, 2 * k);
          for (int q = 0; q < P; ++q) a0[q] += vc[kh * L + q * SW + kw] * w0;
          if (NV == 2) {
            const vec4 w1 = texelFetch(Wt, 2 * k + 1);
            for (int q = 0; q < P; ++q) a1[q] += vc[kh * L + q * SW + kw] * w1;
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
        const vec4 w0 = texelFetch(Wt, 2 * k);
        for (int q = 0; q < P; ++q) a0[q] += v[q * SW + kw] * w0;
        if (NV == 2) {
          const vec4 w1 = texelFetch(Wt, 2 * k + 1);
          for (int q = 0; q < P; ++q) a1[q] += v[q * SW + kw] * w1;
        }
        ++k;
      }
    }
  }
  const uint ohw = p.OH * p.OW;
  for (int q = 0; q < P; ++q) {
    const uint ow = ow0 + uint(q);
    if (ow >= p.OW) break;
    const uint obase = b * p.Cout * ohw + oh * p.OW + ow;
    for (uint co = 0u; co < p.Cout; ++co) {
      float s = co < 4u ? a0[q][co] : a1[q][co - 4u];
      if (p.has_bias != 0u) s += bias[co];
      y[obase + co * ohw] = p.act != 0u ? kl_act(s, p.act, p.act_param) : s;
    }
  }
}
