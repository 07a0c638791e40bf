#version 450
#extension GL_GOOGLE_include_directive : enable
// One Philox block (4 words) per invocation: block j of sample s covers elements 4j..4j+3.
#include "kl_common.glsl"
#include "kl_math.glsl"
#include "kl_philox.glsl"
layout(std430, binding = 0) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, per, blocks, first_lo, first_hi, seed_lo, seed_hi, stream, normal; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint s = id / pc.blocks, j = id % pc.blocks;
  uint lo = pc.first_lo + s;
  uint hi = pc.first_hi + (lo < s ? 1u : 0u);
  uvec4 w = kl_philox(uvec4(j, lo, hi, pc.stream), uvec2(pc.seed_lo, pc.seed_hi));
  vec4 v;
  if (pc.normal != 0u) {
    float r0 = sqrt(2.0 * kl_neg_log(kl_u01_open0(w.x)));
    float r1 = sqrt(2.0 * kl_neg_log(kl_u01_open0(w.z)));
    vec2 a = kl_sincos(6.28318530717958648 * kl_u01(w.y));
    vec2 b = kl_sincos(6.28318530717958648 * kl_u01(w.w));
    v = vec4(r0 * a.y, r0 * a.x, r1 * b.y, r1 * b.x);
  } else {
    v = vec4(kl_u01(w.x), kl_u01(w.y), kl_u01(w.z), kl_u01(w.w));
  }
  uint e = 4u * j, base = s * pc.per + e;
  for (uint q = 0u; q < 4u; q++)
    if (e + q < pc.per) y[base + q] = v[q];
}
