#version 450
#extension GL_GOOGLE_include_directive : enable
// o[bh, i, e] = sum_j p[bh, i, j] * v[bh, j, e]; one invocation per output.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer Pm { float p[]; };
layout(std430, binding = 1) readonly buffer V { float v[]; };
layout(std430, binding = 2) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint n, lq, lk, dv; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint e = id % pc.dv;
  uint row = id / pc.dv;  // bh * lq + i
  uint bh = row / pc.lq;
  uint pb = row * pc.lk, vb = bh * pc.lk * pc.dv + e;
  float a0 = 0.0, a1 = 0.0;
  uint j = 0u;
  for (; j + 2u <= pc.lk; j += 2u) {
    a0 += p[pb + j] * v[vb + j * pc.dv];
    a1 += p[pb + j + 1u] * v[vb + (j + 1u) * pc.dv];
  }
  if (j < pc.lk) a0 += p[pb + j] * v[vb + j * pc.dv];
  o[id] = a0 + a1;
}
