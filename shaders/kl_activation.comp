#version 450
#extension GL_GOOGLE_include_directive : enable
// Pointwise activations; act numbers follow vkg_act in kernels/activation.h.
#include "kl_common.glsl"
#include "kl_math.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform P { uint n, act; float param; } pc;
float sigm(float v) { return 1.0 / (1.0 + exp(-v)); }
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  float v = x[i], r = v;
  switch (pc.act) {
    case 1u: r = max(v, 0.0); break;
    case 2u: r = v >= 0.0 ? v : v * pc.param; break;
    case 3u: r = v * sigm(v); break;
    case 4u: // 0.5 v erfc(-v / sqrt 2): no cancellation for negative v
      r = 0.5 * v * kl_erfc(-v * 0.70710678118654752); break;
    case 5u: { // 0.5 v (1 + tanh(u)) = v * sigmoid(2u)
      float u = 0.79788456080286536 * (v + 0.044715 * v * v * v);
      r = v * sigm(2.0 * u); break;
    }
    case 6u: {
      float e = exp(-2.0 * abs(v));
      r = sign(v) * (1.0 - e) / (1.0 + e); break;
    }
    case 7u: r = sigm(v); break;
    default: break;
  }
  y[i] = r;
}
