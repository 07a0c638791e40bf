#version 450
#extension GL_GOOGLE_include_directive : enable
// y = x * inversesqrt(mean(x^2) + eps) per row of len floats (StyleGAN's normalize_2nd_moment).
// One invocation per row; len <= VKG_K_CHUNK (the wrapper checks).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint rows, len; float eps; } pc;
void main() {
  uint r = kl_index();
  if (r >= pc.rows) return;
  uint o = r * pc.len;
  float acc = 0.0;
  for (uint j = 0u; j < pc.len; j++) acc += x[o + j] * x[o + j];
  float k = inversesqrt(acc / float(pc.len) + pc.eps);
  for (uint j = 0u; j < pc.len; j++) y[o + j] = x[o + j] * k;
}
