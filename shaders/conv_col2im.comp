#version 450
// The gather half of conv_transpose2d: y[b][co][oh][ow] = bias[co] + sum over the kernel
// taps that land on (oh, ow) of cols[g][(c*KH + kh)*KW + kw][(b*H + ih)*W + iw], where
// oh = ih*sh - pad_h + kh*dh. A gather (not a scatter) keeps it deterministic.
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Cols { float cols[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer BiasBuf { float bias[]; };

layout(push_constant) uniform Push {
  uint B, Cout, cout_g, H, W, OH, OW, KH, KW;
  uint sh, sw, ph, pw, dh, dw;
  uint ld;   // row stride of cols (>= B*H*W)
  uint has_bias;
  uint gx;   // groups along x of the dispatch grid (the grid is 2-D for large outputs)
} p;

void main() {
  const uint i = (gl_WorkGroupID.y * p.gx + gl_WorkGroupID.x) * 64u + gl_LocalInvocationID.x;
  const uint total = p.B * p.Cout * p.OH * p.OW;
  if (i >= total) return;
  const uint ow = i % p.OW;
  uint t = i / p.OW;
  const uint oh = t % p.OH;
  t /= p.OH;
  const uint co = t % p.Cout, b = t / p.Cout;
  const uint g = co / p.cout_g, c = co % p.cout_g;
  const uint rows_g = p.cout_g * p.KH * p.KW;
  float s = (p.has_bias != 0u) ? bias[co] : 0.0;
  for (uint kh = 0u; kh < p.KH; ++kh) {
    const int th = int(oh + p.ph) - int(kh * p.dh);
    if (th < 0 || (uint(th) % p.sh) != 0u) continue;
    const uint ih = uint(th) / p.sh;
    if (ih >= p.H) continue;
    for (uint kw = 0u; kw < p.KW; ++kw) {
      const int tw = int(ow + p.pw) - int(kw * p.dw);
      if (tw < 0 || (uint(tw) % p.sw) != 0u) continue;
      const uint iw = uint(tw) / p.sw;
      if (iw >= p.W) continue;
      const uint row = g * rows_g + (c * p.KH + kh) * p.KW + kw;
      s += cols[row * p.ld + (b * p.H + ih) * p.W + iw];
    }
  }
  y[i] = s;
}
