#version 450
#extension GL_GOOGLE_include_directive : enable
// Gumbel-max over a chunk of classes, one invocation per (row, chunk): the best of
// logit * inv_t - ln(-ln u) is stored negated so kl_argbest_merge (a min) picks the row's max.
#include "kl_common.glsl"
#include "kl_philox.glsl"
layout(std430, binding = 0) readonly buffer L { float lg[]; };
layout(std430, binding = 1) writeonly buffer Pt { vec2 part[]; };
layout(push_constant) uniform P { uint n, c, cchunk, nch, greedy; float inv_t; uint first_lo, first_hi, seed_lo, seed_hi, stream; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint r = id / pc.nch, ch = id % pc.nch;
  uint c0 = ch * pc.cchunk, c1 = min(c0 + pc.cchunk, pc.c);  // cchunk is a multiple of 4
  uint lo = pc.first_lo + r;
  uint hi = pc.first_hi + (lo < r ? 1u : 0u);
  float best = -1.0 / 0.0;
  uint bi = c0;
  uvec4 w = uvec4(0u);
  for (uint c = c0; c < c1; c++) {
    float v = lg[r * pc.c + c];
    if (pc.greedy == 0u) {
      if ((c & 3u) == 0u) w = kl_philox(uvec4(c >> 2, lo, hi, pc.stream), uvec2(pc.seed_lo, pc.seed_hi));
      float u = (float(w[c & 3u] >> 9) + 0.5) * (1.0 / 8388608.0);  // in (0, 1), exact in f32
      v = v * pc.inv_t - log(kl_neg_log(u));
    }
    if (v > best || c == c0) { best = v; bi = c; }
  }
  part[id] = vec2(-best, uintBitsToFloat(bi));
}
