#version 450
// adaLN modulation with an optional residual (vkg_modulate):
//   y[i] = (has_res ? res[i] : 0) + x[i] * (one + mod[b * m + scale_col + d]) + (shift_col >= 0 ? mod[b * m + shift_col + d] : 0)
// with b = i / per_sample, d = i % dim.
#extension GL_GOOGLE_include_directive : enable
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer M { float md[]; };
layout(std430, binding = 2) readonly buffer R { float res[]; };
layout(std430, binding = 3) buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, per_sample, dim, m, scale_col;
  int shift_col;
  float one;
  uint has_res;
} pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint b = i / pc.per_sample, d = i % pc.dim, row = b * pc.m;
  precise float v = x[i] * (pc.one + md[row + pc.scale_col + d]);
  if (pc.shift_col >= 0) v = v + md[row + uint(pc.shift_col) + d];
  if (pc.has_res != 0u) v = res[i] + v;
  y[i] = v;
}
