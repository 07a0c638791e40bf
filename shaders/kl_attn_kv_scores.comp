#version 450
#extension GL_GOOGLE_include_directive : enable
// Decoding attention, scores: s[bh, j] = scale * dot(q[b, h * D :], kc[b, h, j, :]) for j < n, with
// q [B, 1, H * D] (one new token) and the key cache [B, H, cap, D]. One invocation per score.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer KC { float kc[]; };
layout(std430, binding = 2) writeonly buffer S { float s[]; };
layout(push_constant) uniform P { uint cnt, h, d, cap, n; float scale; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.cnt) return;
  uint j = id % pc.n, bh = id / pc.n;
  uint qb = bh * pc.d, kb = (bh * pc.cap + j) * pc.d;  // q of (b, h) starts at (b * H + h) * D
  float a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  uint t = 0u;
  for (; t + 4u <= pc.d; t += 4u) {
    a0 += q[qb + t] * kc[kb + t]; a1 += q[qb + t + 1u] * kc[kb + t + 1u];
    a2 += q[qb + t + 2u] * kc[kb + t + 2u]; a3 += q[qb + t + 3u] * kc[kb + t + 3u];
  }
  for (; t < pc.d; t++) a0 += q[qb + t] * kc[kb + t];
  s[bh * pc.cap + j] = ((a0 + a1) + (a2 + a3)) * pc.scale;
}
