#version 450
#extension GL_GOOGLE_include_directive : enable
// Top-p (nucleus) filter, one invocation per (row, i), as transformers' top_k_top_p_filtering: with
// p = softmax(m) (stats: per-row max and 1 / sum), entry i is kept iff the probability of the
// entries ranked before it (larger, or equal with a lower index) is <= top_p; others become -inf.
// The most likely entry is always kept.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer M { float m[]; };
layout(std430, binding = 1) readonly buffer St { vec2 stats[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint n, c; float top_p; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint r = id / pc.c, i = id % pc.c, rb = r * pc.c;
  float x = m[id];
  vec2 st = stats[r];
  float before = 0.0;
  for (uint j = 0u; j < pc.c; j++) {
    float y = m[rb + j];
    if (y > x || (y == x && j < i)) before += exp(y - st.x);
  }
  o[id] = (before * st.y <= pc.top_p && !isinf(x)) ? x : uintBitsToFloat(0xff800000u);
}
