#version 450
// Direct 2-D convolution on windows of an image, for PixelCNN's masked convs and its 1x1 head.
//
// The input buffer holds the window (in_r0, in_c0, in_h, in_w) of a conceptual image
// [B, Cin, img_h, img_w]; the output buffer gets the window (out_r0, out_c0, out_h, out_w) of
// the conv's output [B, Cout, img_h, img_w]. The kernel has KH rows (the masked ones below the
// centre dropped) and KW columns; tap (di, dj) reads image position
// (R + di - pad, C + dj - pad). Positions outside the image are the conv's zero padding;
// positions outside the input window are never needed by construction (see band.c) and read
// as zero. y = relu?(bias + sum) with weights [Cout, Cin, KH, KW].
// One invocation per output value: the per-pixel windows are small, so a plain loop beats
// the GEMM engine's im2col + tiled GEMM there (its fixed costs dominate at this size).
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

layout(push_constant) uniform Push {
  uint B, Cin, Cout, KH, KW;
  int pad, img_h, img_w;
  int in_r0, in_c0, in_h, in_w;
  int out_r0, out_c0, out_h, out_w;
  uint relu, gx;
} p;

void main() {
  const uint i = (gl_WorkGroupID.y * p.gx + gl_WorkGroupID.x) * 64u + gl_LocalInvocationID.x;
  const uint ow = uint(p.out_w), oh = uint(p.out_h);
  if (i >= p.B * p.Cout * oh * ow) return;
  const uint oj = i % ow;
  uint t = i / ow;
  const uint oi = t % oh;
  t /= oh;
  const uint co = t % p.Cout, b = t / p.Cout;
  const int R = p.out_r0 + int(oi), C = p.out_c0 + int(oj);
  float s = bias[co];
  for (uint ci = 0u; ci < p.Cin; ++ci) {
    const uint xbase = (b * p.Cin + ci) * uint(p.in_h);
    const uint wbase = (co * p.Cin + ci) * p.KH;
    for (uint di = 0u; di < p.KH; ++di) {
      const int rr = R + int(di) - p.pad;
      const int ir = rr - p.in_r0;
      if (rr < 0 || rr >= p.img_h || ir < 0 || ir >= p.in_h) continue;
      const uint xrow = (xbase + uint(ir)) * uint(p.in_w);
      const uint wrow = (wbase + di) * p.KW;
      for (uint dj = 0u; dj < p.KW; ++dj) {
        const int cc = C + int(dj) - p.pad;
        const int ic = cc - p.in_c0;
        if (cc < 0 || cc >= p.img_w || ic < 0 || ic >= p.in_w) continue;
        s += w[wrow + dj] * x[xrow + uint(ic)];
      }
    }
  }
  if (p.relu != 0u) s = max(s, 0.0);
  y[i] = s;
}
