#version 450
#extension GL_GOOGLE_include_directive : enable
// StyleGAN2's modulated-conv epilogue + bias_act over x [N, C, S]:
//   v = x * (demod ? inversesqrt(ss[n, c] + eps) : 1) + noise_strength * noise[(n), s] + bias[c]
//   v = act(v) * gain; clamp to +-clamp when clamp >= 0; y = v + residual[n, c, s] (when given).
// act: 0 identity, 1 relu, 2 leaky relu (alpha).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer SS { float ss[]; };
layout(std430, binding = 2) readonly buffer NZ { float nz[]; };
layout(std430, binding = 3) readonly buffer B { float bias[]; };
layout(std430, binding = 4) readonly buffer R { float res[]; };
layout(std430, binding = 5) buffer Y { float y[]; };
layout(push_constant) uniform P {
  uint n, channels, spatial, flags, act;  // flags: 1 demod, 2 noise, 4 noise per sample, 8 bias, 16 residual
  float eps, noise_strength, alpha, gain, clamp_;
} pc;
void main() {
  uint i = kl_index();
  if (i >= pc.n) return;
  uint s = i % pc.spatial, nc = i / pc.spatial, c = nc % pc.channels, b = nc / pc.channels;
  float v = x[i];
  if ((pc.flags & 1u) != 0u) v = v * inversesqrt(ss[nc] + pc.eps);
  if ((pc.flags & 2u) != 0u) v = v + nz[((pc.flags & 4u) != 0u ? b * pc.spatial : 0u) + s] * pc.noise_strength;
  if ((pc.flags & 8u) != 0u) v = v + bias[c];
  if (pc.act == 1u) v = max(v, 0.0);
  else if (pc.act == 2u) v = v < 0.0 ? v * pc.alpha : v;
  v = v * pc.gain;
  if (pc.clamp_ >= 0.0) v = clamp(v, -pc.clamp_, pc.clamp_);
  if ((pc.flags & 16u) != 0u) v = v + res[i];
  y[i] = v;
}
