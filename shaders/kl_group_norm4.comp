#version 450
#extension GL_GOOGLE_include_directive : enable
// Group norm in one pass per row: invocation r owns row r (sample r / groups, group r % groups:
// cpg planes of spatial4 vec4s, contiguous), computes its mean and biased variance (two passes
// over the row, as kl_rowstat: mean first, then the squared deviations) and writes
// act((x - mean) * inv_std (* gamma[c] + beta[c])) as vec4s. One dispatch instead of
// kl_rowstat's three plus the apply pass; every load and store is a vec4 (on lavapipe each is a
// loop over the lanes, so a vec4 costs about what a float does). The caller keeps rows short
// enough for lavapipe's 65535-iteration limit (three passes of len / 4).
#include "kl_common.glsl"
#include "kl_math.glsl"
#include "kl_act.glsl"
layout(std430, binding = 0) readonly buffer X { vec4 x[]; };
layout(std430, binding = 1) readonly buffer G { float gam[]; };
layout(std430, binding = 2) readonly buffer B { float bet[]; };
layout(std430, binding = 3) buffer Y { vec4 y[]; };
layout(push_constant) uniform P { uint rows, groups, cpg, spatial4, affine, act; float eps, act_param; } pc;
void main() {
  const uint r = kl_index();
  if (r >= pc.rows) return;
  const uint n4 = pc.cpg * pc.spatial4, base = r * n4;
  vec4 s = vec4(0.0);
  for (uint i = 0u; i < n4; ++i) s += x[base + i];
  const float mean = ((s.x + s.y) + (s.z + s.w)) / float(4u * n4);
  vec4 q = vec4(0.0);
  for (uint i = 0u; i < n4; ++i) {
    const vec4 d = x[base + i] - mean;
    q += d * d;
  }
  const float inv = inversesqrt(((q.x + q.y) + (q.z + q.w)) / float(4u * n4) + pc.eps);
  const uint c0 = (r % pc.groups) * pc.cpg;
  uint i = base;
  for (uint c = c0; c < c0 + pc.cpg; ++c) {
    const float g = pc.affine != 0u ? gam[c] : 1.0, b = pc.affine != 0u ? bet[c] : 0.0;
    for (uint k = 0u; k < pc.spatial4; ++k, ++i) {
      vec4 v = (x[i] - mean) * inv;
      if (pc.affine != 0u) v = v * g + b;
      if (pc.act != 0u)
        for (int e = 0; e < 4; ++e) v[e] = kl_act(v[e], pc.act, pc.act_param);
      y[i] = v;
    }
  }
}
