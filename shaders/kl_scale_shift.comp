#version 450
#extension GL_GOOGLE_include_directive : enable
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n; float a, b; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  y[i] = x[i] * pc.a + pc.b;
}
