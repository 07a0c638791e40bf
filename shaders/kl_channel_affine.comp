#version 450
#extension GL_GOOGLE_include_directive : enable
// y = x * scale[c] + shift[c] with c = (i / spatial) % channels (inference batch norm).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer S { float sc[]; };
layout(std430, binding = 2) readonly buffer T { float sh[]; };
layout(std430, binding = 3) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, channels, spatial; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint c = (i / pc.spatial) % pc.channels;
  y[i] = x[i] * sc[c] + sh[c];
}
