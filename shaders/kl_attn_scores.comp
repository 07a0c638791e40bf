#version 450
#extension GL_GOOGLE_include_directive : enable
// s[bh, i, j] = scale * dot(q[bh, i, :], k[bh, j, :]); one invocation per score. With causal set,
// query i sits at position p = i + lk - lq and sees keys j <= p, and also every j < n_unmasked when
// p < n_unmasked (minGPT's mask); other scores are -inf.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) writeonly buffer S { float s[]; };
layout(push_constant) uniform P { uint n, lq, lk, d; float scale; uint causal, n_unmasked; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint j = id % pc.lk;
  uint row = id / pc.lk;        // bh * lq + i
  uint bh = row / pc.lq;
  if (pc.causal != 0u) {
    uint pos = row % pc.lq + pc.lk - pc.lq;
    if (j > pos && !(pos < pc.n_unmasked && j < pc.n_unmasked)) { s[id] = uintBitsToFloat(0xff800000u); return; }
  }
  uint qb = row * pc.d, kb = (bh * pc.lk + j) * pc.d;
  float a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  uint t = 0u;
  for (; t + 4u <= pc.d; t += 4u) {
    a0 += q[qb + t] * k[kb + t]; a1 += q[qb + t + 1u] * k[kb + t + 1u];
    a2 += q[qb + t + 2u] * k[kb + t + 2u]; a3 += q[qb + t + 3u] * k[kb + t + 3u];
  }
  for (; t < pc.d; t++) a0 += q[qb + t] * k[kb + t];
  s[id] = ((a0 + a1) + (a2 + a3)) * pc.scale;
}
