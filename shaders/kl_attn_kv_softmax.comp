#version 450
#extension GL_GOOGLE_include_directive : enable
// Decoding attention, softmax of the scores in place: one invocation per (b, h) row of the first n of
// cap entries: p_j = exp(s_j - max) * (1 / sum exp(s - max)), as kl_softmax_apply.
#include "kl_common.glsl"
layout(std430, binding = 0) buffer S { float s[]; };
layout(push_constant) uniform P { uint rows, cap, n; } pc;
void main() {
  uint r = kl_index();
  if (r >= pc.rows) return;
  uint b = r * pc.cap;
  float m = s[b];
  for (uint j = 1u; j < pc.n; j++) m = max(m, s[b + j]);
  float sum = 0.0;
  for (uint j = 0u; j < pc.n; j++) sum += exp(s[b + j] - m);
  float inv = 1.0 / sum;
  for (uint j = 0u; j < pc.n; j++) s[b + j] = exp(s[b + j] - m) * inv;
}
