#version 450
#extension GL_GOOGLE_include_directive : enable
// Merges per-chunk (value, index bits) candidates of each row in chunk order: the smallest
// value wins, the earlier chunk on ties (so the lowest index). out: i32, or i64 as words.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer Pt { vec2 part[]; };
layout(std430, binding = 1) writeonly buffer O { uint o[]; };
layout(push_constant) uniform P { uint n, nch, wide; } pc;
void main() {
  uint r = kl_index();
  if (r >= pc.n) return;
  vec2 best = part[r * pc.nch];
  for (uint c = 1u; c < pc.nch; c++) {
    vec2 v = part[r * pc.nch + c];
    if (v.x < best.x) best = v;
  }
  uint idx = floatBitsToUint(best.y);
  if (pc.wide != 0u) { o[2u * r] = idx; o[2u * r + 1u] = 0u; }
  else o[r] = idx;
}
