#version 450
#extension GL_GOOGLE_include_directive : enable
// torch upsample_bilinear2d, align_corners=False: scale = in / out (f32); torch forms the
// source index max(scale * (dst + 0.5) - 0.5, 0) in double and rounds only the weight to f32,
// which matters when downsampling (the f32 index would be an ulp of ~400 off); here the
// product is kept exact as p + e (TwoProduct) so the weight comes out the same.
#include "kl_common.glsl"
#include "kl_math.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, h, w, oh, ow; float sh, sw; } pc;
void src_index(float s, uint o, uint n, out uint i0, out uint i1, out float lam) {
  float a = float(o) + 0.5;
  precise float p = s * a;
  float e = kl_two_prod_err(s, a, p);
  precise float t = p - 0.5;  // exact
  float fi = floor(t);
  precise float l = (t - fi) + e;
  if (l < 0.0) { fi -= 1.0; l += 1.0; }
  if (t < 0.0) { fi = 0.0; l = 0.0; }
  i0 = uint(fi);
  i1 = i0 + (i0 < n - 1u ? 1u : 0u);
  lam = l;
}
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint ox = i % pc.ow, oy = (i / pc.ow) % pc.oh, nc = i / (pc.ow * pc.oh);
  uint y0, y1, x0, x1;
  float ly, lx;
  src_index(pc.sh, oy, pc.h, y0, y1, ly);
  src_index(pc.sw, ox, pc.w, x0, x1, lx);
  float hy = 1.0 - ly, hx = 1.0 - lx;
  uint b = nc * pc.h * pc.w;
  precise float r = hy * (hx * x[b + y0 * pc.w + x0] + lx * x[b + y0 * pc.w + x1]) +
                    ly * (hx * x[b + y1 * pc.w + x0] + lx * x[b + y1 * pc.w + x1]);
  y[i] = r;
}
