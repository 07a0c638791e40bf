#version 450
#extension GL_GOOGLE_include_directive : enable
// KV cache append: k, v [B, T, H * D] (token-major, as a linear layer writes them) into the caches
// [B, H, cap, D] at positions pos .. pos + T - 1. One invocation per element of k.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer K { float k[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
layout(std430, binding = 2) buffer KC { float kc[]; };
layout(std430, binding = 3) buffer VC { float vc[]; };
layout(push_constant) uniform P { uint n, t, h, d, cap, pos; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint hd = pc.h * pc.d;
  uint e = id % hd, row = id / hd;
  uint tt = row % pc.t, b = row / pc.t;
  uint hh = e / pc.d, dd = e % pc.d;
  uint at = ((b * pc.h + hh) * pc.cap + pc.pos + tt) * pc.d + dd;
  kc[at] = k[id];
  vc[at] = v[id];
}
