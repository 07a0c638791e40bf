#version 450
#extension GL_GOOGLE_include_directive : enable
// Decoding attention, output: y[b, h * D + e] = sum_j p[bh, j] * vc[b, h, j, e] over the first n
// positions (p from kl_attn_kv_softmax). One invocation per output element; y is [B, 1, H * D].
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer S { float p[]; };
layout(std430, binding = 1) readonly buffer VC { float vc[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint cnt, h, d, cap, n; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.cnt) return;
  uint e = id % pc.d, bh = id / pc.d;
  uint pb = bh * pc.cap, vb = bh * pc.cap * pc.d + e;
  float a0 = 0.0, a1 = 0.0;
  uint j = 0u;
  for (; j + 2u <= pc.n; j += 2u) {
    a0 += p[pb + j] * vc[vb + j * pc.d];
    a1 += p[pb + j + 1u] * vc[vb + (j + 1u) * pc.d];
  }
  if (j < pc.n) a0 += p[pb + j] * vc[vb + j * pc.d];
  y[id] = a0 + a1;
}
