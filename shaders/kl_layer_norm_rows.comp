#version 450
#extension GL_GOOGLE_include_directive : enable
// Layer norm of short rows in one pass, one invocation per row (rows of len <= 8192 floats: three
// loops of len stay under lavapipe's 65535 iterations): mean, then the mean squared deviation
// (two-pass, like kl_rowstat), then y = (x - mean) / sqrt(var + eps) (* gamma + beta).
// One dispatch instead of four where rows are few or short (a decoding step: B rows of n_embd).
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer G { float gam[]; };
layout(std430, binding = 2) readonly buffer B { float bet[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform P { uint rows, len, affine; float eps; } pc;
void main() {
  uint r = kl_index();
  if (r >= pc.rows) return;
  uint b = r * pc.len;
  float s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  uint q = pc.len & ~3u;
  for (uint i = 0u; i < q; i += 4u) {
    s0 += x[b + i]; s1 += x[b + i + 1u]; s2 += x[b + i + 2u]; s3 += x[b + i + 3u];
  }
  for (uint i = q; i < pc.len; i++) s0 += x[b + i];
  float mean = ((s0 + s1) + (s2 + s3)) / float(pc.len);
  float v0 = 0.0, v1 = 0.0;
  for (uint i = 0u; i + 1u < pc.len; i += 2u) {
    float d0 = x[b + i] - mean, d1 = x[b + i + 1u] - mean;
    v0 += d0 * d0; v1 += d1 * d1;
  }
  if ((pc.len & 1u) != 0u) { float d = x[b + pc.len - 1u] - mean; v0 += d * d; }
  float inv = inversesqrt((v0 + v1) / float(pc.len) + pc.eps);
  for (uint i = 0u; i < pc.len; i++) {
    float v = (x[b + i] - mean) * inv;
    y[b + i] = pc.affine != 0u ? v * gam[i] + bet[i] : v;
  }
}
