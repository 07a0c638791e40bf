#version 450
// im2col for one chunk of output pixels: dst[g][k][n] for k < Kp, n < ncp, where
// k = (ci*KH + kh)*KW + kw within group g and n is output pixel n0 + n of the flattened
// [batch][OH][OW] grid. Padding, K tail and pixels past the end read as zero.
//
// Each invocation owns one pixel n and a block of cb input channels (workgroup y) and walks
// their KH*KW taps with running indices. Why: on lavapipe integer division is scalarised per
// lane, and the first version (one element per invocation, eight divisions each) spent more
// time than the GEMM it fed. Loop trips per invocation: cb*KH*KW (+3), kept far below
// lavapipe's 65535 by the host's choice of cb.
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Src { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint C, H, W;          // input channels (all groups), size
  uint cin_g, KH, KW;
  uint OH, OW;
  uint sh, sw, pt, pl, dh, dw;
  uint K, Kp, n0, ntot, ncp;
  uint cb;               // input channels per invocation
} p;

void main() {
  const uint n = gl_GlobalInvocationID.x, blk = gl_WorkGroupID.y, g = gl_WorkGroupID.z;
  if (n >= p.ncp) return;
  const uint gn = p.n0 + n;
  const bool valid = gn < p.ntot;
  uint b = 0u, oh = 0u, ow = 0u;
  if (valid) {
    const uint ohw = p.OH * p.OW;
    b = gn / ohw;
    const uint pix = gn - b * ohw;
    oh = pix / p.OW;
    ow = pix - oh * p.OW;
  }
  const int ih0 = int(oh * p.sh) - int(p.pt), iw0 = int(ow * p.sw) - int(p.pl);
  const uint ci0 = blk * p.cb, ci1 = min(ci0 + p.cb, p.cin_g);
  uint o = (g * p.Kp + ci0 * p.KH * p.KW) * p.ncp + n;
  for (uint ci = ci0; ci < ci1; ++ci) {
    const uint plane = (b * p.C + g * p.cin_g + ci) * p.H;
    for (uint kh = 0u; kh < p.KH; ++kh) {
      const int ih = ih0 + int(kh * p.dh);
      const bool row_ok = valid && ih >= 0 && ih < int(p.H);
      const uint xrow = (plane + uint(ih)) * p.W;
      for (uint kw = 0u; kw < p.KW; ++kw) {
        const int iw = iw0 + int(kw * p.dw);
        float v = 0.0;
        if (row_ok && iw >= 0 && iw < int(p.W)) v = x[xrow + uint(iw)];
        dst[o] = v;
        o += p.ncp;
      }
    }
  }
  if (blk == 0u)
    for (uint k = p.K; k < p.Kp; ++k) dst[(g * p.Kp + k) * p.ncp + n] = 0.0;
}
