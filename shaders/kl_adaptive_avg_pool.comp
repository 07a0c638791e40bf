#version 450
#extension GL_GOOGLE_include_directive : enable
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, h, w, oh, ow; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint ox = i % pc.ow, oy = (i / pc.ow) % pc.oh, nc = i / (pc.ow * pc.oh);
  uint ys = oy * pc.h / pc.oh, ye = ((oy + 1u) * pc.h + pc.oh - 1u) / pc.oh;
  uint xs = ox * pc.w / pc.ow, xe = ((ox + 1u) * pc.w + pc.ow - 1u) / pc.ow;
  uint b = nc * pc.h * pc.w;
  float acc = 0.0;
  for (uint yy = ys; yy < ye; yy++)
    for (uint xx = xs; xx < xe; xx++) acc += x[b + yy * pc.w + xx];
  y[i] = acc / float((ye - ys) * (xe - xs));
}
