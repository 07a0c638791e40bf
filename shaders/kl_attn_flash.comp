#version 450
#extension GL_GOOGLE_include_directive : enable
// Fused attention with an online softmax (flash attention): o = softmax(scale q k^T) v without
// storing the scores. One invocation per (query row, key chunk, block of up to E output dims),
// numbered row-fastest, so that the lanes of a subgroup are consecutive queries reading the
// same keys and values (uniform addresses). Keys go 4 at a time: their 4 scores against the
// query row, then the running max m and sum l are updated and the accumulator is rescaled
// once per 4 keys. Keys past the chunk's end (the last block) read the chunk's last key and
// get a score of -BIG, i.e. weight 0. The host sizes chunks under lavapipe's loop limit.
// part == 0 (one chunk): o[row, e] = acc / l. part != 0: o is the partial buffer
// [rows, nch, dv + 2] of (acc, m, l) that kl_attn_flash_merge combines.
#include "kl_common.glsl"
#define E 64
#define BIG 3.0e38
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint n, rows, lq, lk, d, dv, chunk, nch, part; float scale; } pc;

float dot_row(uint qb, uint kr) {
  float a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
  uint t = 0u;
  for (; t + 4u <= pc.d; t += 4u) {
    a0 += q[qb + t] * k[kr + t]; a1 += q[qb + t + 1u] * k[kr + t + 1u];
    a2 += q[qb + t + 2u] * k[kr + t + 2u]; a3 += q[qb + t + 3u] * k[kr + t + 3u];
  }
  for (; t < pc.d; t++) a0 += q[qb + t] * k[kr + t];
  return ((a0 + a1) + (a2 + a3)) * pc.scale;
}

void main() {
  uint id = kl_index();
  if (id >= pc.n) return;
  uint row = id % pc.rows;
  uint t = id / pc.rows;
  uint c = t % pc.nch;
  uint e0 = (t / pc.nch) * uint(E);
  uint ne = min(pc.dv - e0, uint(E));
  uint bh = row / pc.lq;
  uint j0 = c * pc.chunk, j1 = min(j0 + pc.chunk, pc.lk);
  uint qb = row * pc.d, kb = bh * pc.lk * pc.d, vb = bh * pc.lk * pc.dv + e0;
  float acc[E];
  for (uint e = 0u; e < ne; e++) acc[e] = 0.0;
  float m = -BIG, l = 0.0;
  for (uint j = j0; j < j1; j += 4u) {
    uint ja = j, jb = min(j + 1u, j1 - 1u), jc = min(j + 2u, j1 - 1u), jd = min(j + 3u, j1 - 1u);
    float s0 = dot_row(qb, kb + ja * pc.d);
    float s1 = j + 1u < j1 ? dot_row(qb, kb + jb * pc.d) : -BIG;
    float s2 = j + 2u < j1 ? dot_row(qb, kb + jc * pc.d) : -BIG;
    float s3 = j + 3u < j1 ? dot_row(qb, kb + jd * pc.d) : -BIG;
    float mn = max(max(m, s0), max(max(s1, s2), s3));
    float corr = exp(m - mn);
    float p0 = exp(s0 - mn), p1 = exp(s1 - mn), p2 = exp(s2 - mn), p3 = exp(s3 - mn);
    l = l * corr + ((p0 + p1) + (p2 + p3));
    m = mn;
    uint va = vb + ja * pc.dv, vbb = vb + jb * pc.dv, vc = vb + jc * pc.dv, vd = vb + jd * pc.dv;
    for (uint e = 0u; e < ne; e++)
      acc[e] = acc[e] * corr + ((p0 * v[va + e] + p1 * v[vbb + e]) + (p2 * v[vc + e] + p3 * v[vd + e]));
  }
  if (pc.part == 0u) {
    float inv = 1.0 / l;
    uint ob = row * pc.dv + e0;
    for (uint e = 0u; e < ne; e++) o[ob + e] = acc[e] * inv;
  } else {
    uint pb = (row * pc.nch + c) * (pc.dv + 2u);
    for (uint e = 0u; e < ne; e++) o[pb + e0 + e] = acc[e];
    if (e0 == 0u) {
      o[pb + pc.dv] = m;
      o[pb + pc.dv + 1u] = l;
    }
  }
}
