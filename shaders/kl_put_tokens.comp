#version 450
#extension GL_GOOGLE_include_directive : enable
// seq[r, col] = idx[r] for a token sequence seq [N, L] of i32 (or i64: low word, high word 0).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer I { uint idx[]; };
layout(std430, binding = 1) writeonly buffer S { uint seq[]; };
layout(push_constant) uniform P { uint n, len, col, is64; } pc;
void main() {
  uint r = kl_index();
  if (r >= pc.n) return;
  uint at = r * pc.len + pc.col;
  if (pc.is64 != 0u) { seq[2u * at] = idx[r]; seq[2u * at + 1u] = 0u; }
  else seq[at] = idx[r];
}
