#version 450
#extension GL_GOOGLE_include_directive : enable
// Pointwise activations; act numbers follow vkg_act in kernels/activation.h.
#include "kl_common.glsl"
#include "kl_math.glsl"
#include "kl_act.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, act; float param; } pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  y[i] = kl_act(x[i], pc.act, pc.param);
}
