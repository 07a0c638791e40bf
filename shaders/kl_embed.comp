#version 450
#extension GL_GOOGLE_include_directive : enable
// y[b, t, c] = tok[id, c] (+ pos[pos0 + t, c]), id = idx[b * stride + col0 + t] (i32, or the low word
// of an i64; ids >= V are clamped to V - 1: callers check ranges). One invocation per output.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer I { uint idx[]; };
layout(std430, binding = 1) readonly buffer E { float tok[]; };
layout(std430, binding = 2) readonly buffer Pe { float pos[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, t, c, v, stride, col0, pos0, is64, has_pos; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint ch = id % pc.c, row = id / pc.c;  // row = b * t + tt
  uint tt = row % pc.t, b = row / pc.t;
  uint at = b * pc.stride + pc.col0 + tt;
  uint tokid = pc.is64 != 0u ? (idx[2u * at + 1u] != 0u ? 0xffffffffu : idx[2u * at]) : idx[at];
  tokid = min(tokid, pc.v - 1u);
  float e = tok[tokid * pc.c + ch];
  if (pc.has_pos != 0u) e += pos[(pc.pos0 + tt) * pc.c + ch];
  y[id] = e;
}
