#version 450
#extension GL_GOOGLE_include_directive : enable
// Sum over reduced axes. Output i decomposes over kshape (kept dims, strides ks into x);
// r in [0, count) over rshape (reduced dims, strides rs). One invocation per (output,
// chunk of rchunk reduced elements): lavapipe stops an invocation after 65535 loop
// iterations, so long reductions go through partial sums (y then holds [n, nch]).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, count, rchunk, nch; float scale; uint kshape[6]; uint ks[6]; uint rshape[6]; uint rs[6]; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint i = id / pc.nch, ch = id % pc.nch;
  uint rem = i, base = 0u;
  for (int d = 5; d >= 0; d--) {
    base += (rem % pc.kshape[d]) * pc.ks[d];
    rem /= pc.kshape[d];
  }
  uint r0 = ch * pc.rchunk, r1 = min(r0 + pc.rchunk, pc.count);
  float total = 0.0;
  for (uint rb = r0; rb < r1; rb += 256u) {
    uint re = min(rb + 256u, r1);
    float part = 0.0;
    for (uint r = rb; r < re; r++) {
      uint q = r, off = base;
      for (int d = 5; d >= 0; d--) {
        off += (q % pc.rshape[d]) * pc.rs[d];
        q /= pc.rshape[d];
      }
      part += x[off];
    }
    total += part;
  }
  y[id] = total * pc.scale;
}
