// Group norm in one pass per row, included by kl_group_norm4.comp (GN_T vec4: planes of whole
// vec4s) and kl_group_norm1.comp (GN_T float: any plane size). Invocation r owns row r (sample
// r / groups, group r % groups: cpg planes of `spatial` GN_T elements, contiguous), computes its mean and biased variance (two passes
// over the row, as kl_rowstat: mean first, then the squared deviations) and writes
// act((x - mean) * inv_std (* gamma[c] + beta[c])). One dispatch instead of kl_rowstat's
// three plus the apply pass; with vec4s every load and store moves 4 floats (on lavapipe each
// is a loop over the lanes, so a vec4 costs about what a float does). The caller keeps rows
// short enough for lavapipe's 65535-iteration limit (three passes over the row).
// The including shader defines GN_T, GN_W (floats per GN_T), gn_sum and gn_act, and includes
// kl_math.glsl and kl_act.glsl.
#include "kl_common.glsl"
layout(std430, binding = 0) readonly buffer X { GN_T x[]; };
layout(std430, binding = 1) readonly buffer G { float gam[]; };
layout(std430, binding = 2) readonly buffer B { float bet[]; };
layout(std430, binding = 3) buffer Y { GN_T y[]; };
layout(push_constant) uniform P { uint rows, groups, cpg, spatial, affine, act; float eps, act_param; } pc;
void main() {
  const uint r = kl_index();
  if (r >= pc.rows) return;
  const uint n = pc.cpg * pc.spatial, base = r * n;
  GN_T s = GN_T(0.0);
  for (uint i = 0u; i < n; ++i) s += x[base + i];
  const float mean = gn_sum(s) / float(GN_W * n);
  GN_T q = GN_T(0.0);
  for (uint i = 0u; i < n; ++i) {
    const GN_T d = x[base + i] - mean;
    q += d * d;
  }
  const float inv = inversesqrt(gn_sum(q) / float(GN_W * n) + pc.eps);
  const uint c0 = (r % pc.groups) * pc.cpg;
  uint i = base;
  for (uint c = c0; c < c0 + pc.cpg; ++c) {
    const float g = pc.affine != 0u ? gam[c] : 1.0, b = pc.affine != 0u ? bet[c] : 0.0;
    for (uint k = 0u; k < pc.spatial; ++k, ++i) {
      GN_T v = (x[i] - mean) * inv;
      if (pc.affine != 0u) v = v * g + b;
      if (pc.act != 0u) v = gn_act(v, pc.act, pc.act_param);
      y[i] = v;
    }
  }
}
