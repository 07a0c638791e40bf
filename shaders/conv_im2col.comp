#version 450
// im2col for one chunk of output pixels: dst[g][k][n] for k < Kp, n < ncp, where
// k = (ci*KH + kh)*KW + kw within group g and n is output pixel n0 + n of the flattened
// [batch][OH][OW] grid. Padding, K tail and pixels past the end read as zero.
layout(local_size_x = 64, local_size_y = 4) in;

layout(std430, binding = 0) readonly buffer Src { float x[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };

layout(push_constant) uniform Push {
  uint C, H, W;          // input channels (all groups), size
  uint cin_g, KH, KW;
  uint OH, OW;
  uint sh, sw, pt, pl, dh, dw;
  uint K, Kp, n0, ntot, ncp;
} p;

void main() {
  const uint n = gl_GlobalInvocationID.x, k = gl_GlobalInvocationID.y, g = gl_WorkGroupID.z;
  if (n >= p.ncp || k >= p.Kp) return;
  float v = 0.0;
  const uint gn = p.n0 + n;
  if (k < p.K && gn < p.ntot) {
    const uint kw = k % p.KW, t = k / p.KW;
    const uint kh = t % p.KH, ci = t / p.KH;
    const uint ohw = p.OH * p.OW;
    const uint b = gn / ohw, pix = gn % ohw;
    const uint oh = pix / p.OW, ow = pix % p.OW;
    const int ih = int(oh * p.sh + kh * p.dh) - int(p.pt);
    const int iw = int(ow * p.sw + kw * p.dw) - int(p.pl);
    if (ih >= 0 && ih < int(p.H) && iw >= 0 && iw < int(p.W))
      v = x[((b * p.C + g * p.cin_g + ci) * p.H + uint(ih)) * p.W + uint(iw)];
  }
  dst[(g * p.Kp + k) * p.ncp + n] = v;
}
