#version 450
#extension GL_GOOGLE_include_directive : enable
// avg (mode 0: count_include_pad, 1: exclude) and max (mode 2, padding = -inf) pooling.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, h, w, oh, ow, kh, kw, sh, sw, ph, pw, mode; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint ox = i % pc.ow, oy = (i / pc.ow) % pc.oh, nc = i / (pc.ow * pc.oh);
  int y0 = int(oy * pc.sh) - int(pc.ph), x0 = int(ox * pc.sw) - int(pc.pw);
  int y1 = min(y0 + int(pc.kh), int(pc.h)), x1 = min(x0 + int(pc.kw), int(pc.w));
  int ys = max(y0, 0), xs = max(x0, 0);
  uint b = nc * pc.h * pc.w;
  float acc = pc.mode == 2u ? -1.0 / 0.0 : 0.0;
  for (int yy = ys; yy < y1; yy++)
    for (int xx = xs; xx < x1; xx++) {
      float v = x[b + uint(yy) * pc.w + uint(xx)];
      acc = pc.mode == 2u ? max(acc, v) : acc + v;
    }
  if (pc.mode == 0u) acc /= float(pc.kh * pc.kw);
  else if (pc.mode == 1u) acc /= float(max((y1 - ys) * (x1 - xs), 1));
  y[i] = acc;
}
