#version 450
#extension GL_GOOGLE_include_directive : enable
// Decoding attention, output: y[b, h * D + e] = sum_j softmax(s[bh, :n])_j * vc[b, h, j, e]
// (max-subtracted, f32). One invocation per output element; y is [B, 1, H * D].
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer S { float s[]; };
layout(std430, binding = 1) readonly buffer VC { float vc[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint cnt, h, d, cap, n; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.cnt) return;
  uint e = id % pc.d, bh = id / pc.d;
  uint sb = bh * pc.cap, vb = bh * pc.cap * pc.d + e;
  float m = s[sb];
  for (uint j = 1u; j < pc.n; j++) m = max(m, s[sb + j]);
  float sum = 0.0, acc = 0.0;
  for (uint j = 0u; j < pc.n; j++) {
    float p = exp(s[sb + j] - m);
    sum += p;
    acc += p * vc[vb + j * pc.d];
  }
  y[id] = acc / sum;
}
