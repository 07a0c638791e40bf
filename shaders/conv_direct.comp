#version 450
#extension GL_GOOGLE_include_directive : enable
// Direct convolution for narrow outputs (Cout <= 8, groups 1) on CPU devices: one invocation
// per output pixel computes all Cout channels (two vec4 accumulators), walking the Cin*KH*KW
// taps with running indices. The weights come from a texel buffer wt[k][co4] (k = (ci*KH +
// kh)*KW + kw, Cout padded to 8 with zeros) whose address depends only on the loop counter,
// so per tap the kernel does one per-lane load of x and two texel fetches; y = act(conv +
// bias) is stored once. Why: im2col + GEMM for such shapes (the Inception stem, a UNet's
// conv_out) writes and re-reads a Cin*KH*KW-row copy of the input and, with M = Cout < 8,
// packs it once more for the transposed GEMM. Loop trips per invocation: Cin*KH*KW, kept
// below lavapipe's 65535 by the host.
layout(local_size_x = 64) in;
layout(binding = 0) uniform samplerBuffer Wt;
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };
layout(push_constant) uniform Push {
  uint C, H, W, Cout, KH, KW, OH, OW, sh, sw, pt, pl, dh, dw, ntot, gx, has_bias, act;
  float act_param;
} p;

#include "kl_math.glsl"
#include "kl_act.glsl"

void main() {
  const uint n = gl_GlobalInvocationID.x + gl_WorkGroupID.y * p.gx * 64u;
  if (n >= p.ntot) return;
  const uint ohw = p.OH * p.OW;
  const uint b = n / ohw;
  const uint pix = n - b * ohw;
  const uint oh = pix / p.OW;
  const uint ow = pix - oh * p.OW;
  const int ih0 = int(oh * p.sh) - int(p.pt), iw0 = int(ow * p.sw) - int(p.pl);
  vec4 a0 = vec4(0.0), a1 = vec4(0.0);
  int k = 0;
  for (uint ci = 0u; ci < p.C; ++ci) {
    const uint plane = (b * p.C + ci) * p.H;
    for (uint kh = 0u; kh < p.KH; ++kh) {
      const int ih = ih0 + int(kh * p.dh);
      const bool row_ok = ih >= 0 && ih < int(p.H);
      const uint xrow = (plane + uint(ih)) * p.W;
      for (uint kw = 0u; kw < p.KW; ++kw) {
        const int iw = iw0 + int(kw * p.dw);
        const float v = (row_ok && iw >= 0 && iw < int(p.W)) ? x[xrow + uint(iw)] : 0.0;
        a0 += v * texelFetch(Wt, 2 * k);
        a1 += v * texelFetch(Wt, 2 * k + 1);
        ++k;
      }
    }
  }
  const uint obase = b * p.Cout * ohw + pix;
  for (uint co = 0u; co < p.Cout; ++co) {
    float v = co < 4u ? a0[co] : a1[co - 4u];
    if (p.has_bias != 0u) v += bias[co];
    y[obase + co * ohw] = p.act != 0u ? kl_act(v, p.act, p.act_param) : v;
  }
}
