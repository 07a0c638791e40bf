#version 450
#extension GL_GOOGLE_include_directive : enable
// Combines kl_attn_flash's per-chunk partials p[row, c] = (acc[dv], m, l):
// o[row, e] = sum_c acc_c[e] exp(m_c - M) / sum_c l_c exp(m_c - M), M = max_c m_c.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer Pt { float p[]; };
layout(std430, binding = 1) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint n, dv, nch; } pc;
void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint e = id % pc.dv, row = id / pc.dv;
  uint stride = pc.dv + 2u, base = row * pc.nch * stride;
  float mx = p[base + pc.dv];
  for (uint c = 1u; c < pc.nch; c++) mx = max(mx, p[base + c * stride + pc.dv]);
  float l = 0.0, a = 0.0;
  for (uint c = 0u; c < pc.nch; c++) {
    uint b = base + c * stride;
    float w = exp(p[b + pc.dv] - mx);
    l += p[b + pc.dv + 1u] * w;
    a += p[b + e] * w;
  }
  o[id] = a / l;
}
