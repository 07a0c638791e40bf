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
  uint sy = min(oy * pc.h / pc.oh, pc.h - 1u), sx = min(ox * pc.w / pc.ow, pc.w - 1u);
  y[i] = x[(nc * pc.h + sy) * pc.w + sx];
}
