#version 450
#extension GL_GOOGLE_include_directive : enable
// Nearest code within a chunk of the codebook, by exact squared distance in f32 in order
// d = 0..D-1 without contraction; strict < keeps the lowest index on ties. One invocation
// per (row, chunk); kl_argbest_merge picks across chunks.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer C { float cb[]; };
layout(std430, binding = 2) writeonly buffer Pt { vec2 part[]; };
layout(push_constant) uniform P { uint n, k, d, kchunk, nch; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint i = id / pc.nch, ch = id % pc.nch;
  uint c0 = ch * pc.kchunk, c1 = min(c0 + pc.kchunk, pc.k);
  uint best = c0;
  float bd = 1.0 / 0.0;
  for (uint c = c0; c < c1; c++) {
    precise float acc = 0.0;
    for (uint t = 0u; t < pc.d; t++) {
      precise float df = x[i * pc.d + t] - cb[c * pc.d + t];
      acc = acc + df * df;
    }
    if (acc < bd || c == c0) { bd = acc; best = c; }
  }
  part[id] = vec2(bd, uintBitsToFloat(best));
}
