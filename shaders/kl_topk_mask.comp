#version 450
#extension GL_GOOGLE_include_directive : enable
// Top-k filter of temperature-scaled logits, one invocation per (row, i):
// m[r, i] = l[r, i] * inv_t if fewer than k entries of the row are strictly greater (torch.topk's
// threshold: ties with the k-th value are kept), else -inf. k == 0 keeps everything.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer L { float l[]; };
layout(std430, binding = 1) writeonly buffer M { float m[]; };
layout(push_constant) uniform P { uint n, c, k; float inv_t; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint r = id / pc.c, rb = r * pc.c;
  float x = l[id];
  uint greater = 0u;
  if (pc.k != 0u)
    for (uint j = 0u; j < pc.c; j++) greater += l[rb + j] > x ? 1u : 0u;
  m[id] = (pc.k == 0u || greater < pc.k) ? x * pc.inv_t : uintBitsToFloat(0xff800000u);
}
