#version 450
// Fused attention with an online softmax (flash attention): o = softmax(scale q k^T) v without
// storing the scores. One invocation per (query row, key chunk, block of up to E output dims):
// workgroup x covers 64 query rows of one (batch*head, chunk, block), given by workgroup y (and
// z), so that key and value addresses are uniform across the workgroup. Keys go 4 at a time:
// their 4 scores against the query row in one pass over D, then the running max m and sum l
// are updated and the accumulator rescaled once per 4 keys. Keys past the chunk's end (in its
// last block) read the chunk's last key and get a score of -BIG, i.e. weight 0. The host sizes
// chunks under lavapipe's loop limit.
// part == 0 (one chunk): o[row, e] = acc / l. part != 0: o is the partial buffer
// [rows, nch, dv + 2] of (acc, m, l) that kl_attn_flash_merge combines.
layout(local_size_x = 64) in;
#define E 256
#define BIG 3.0e38
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint rows, lq, lk, d, dv, chunk, nch, part; float scale; } pc;

// Scores of query row qb against the 4 key rows k0..k3 in one pass over D (q read once).
vec4 scores4(uint qb, uint k0, uint k1, uint k2, uint k3) {
  vec4 s = vec4(0.0);
  uint t = 0u;
  for (; t + 4u <= pc.d; t += 4u) {
    vec4 qv = vec4(q[qb + t], q[qb + t + 1u], q[qb + t + 2u], q[qb + t + 3u]);
    s.x += dot(qv, vec4(k[k0 + t], k[k0 + t + 1u], k[k0 + t + 2u], k[k0 + t + 3u]));
    s.y += dot(qv, vec4(k[k1 + t], k[k1 + t + 1u], k[k1 + t + 2u], k[k1 + t + 3u]));
    s.z += dot(qv, vec4(k[k2 + t], k[k2 + t + 1u], k[k2 + t + 2u], k[k2 + t + 3u]));
    s.w += dot(qv, vec4(k[k3 + t], k[k3 + t + 1u], k[k3 + t + 2u], k[k3 + t + 3u]));
  }
  for (; t < pc.d; t++) s += q[qb + t] * vec4(k[k0 + t], k[k1 + t], k[k2 + t], k[k3 + t]);
  return s * pc.scale;
}

void main() {
  uint i = gl_GlobalInvocationID.x;  // query within its batch*head
  if (i >= pc.lq) return;
  uint t = gl_WorkGroupID.y + gl_WorkGroupID.z * gl_NumWorkGroups.y;  // (e block, chunk, bh)
  if (t >= (pc.rows / pc.lq) * pc.nch * ((pc.dv + uint(E) - 1u) / uint(E))) return;  // z padding
  uint bh = t % (pc.rows / pc.lq);
  t /= pc.rows / pc.lq;
  uint c = t % pc.nch;
  uint e0 = (t / pc.nch) * uint(E);
  uint ne = min(pc.dv - e0, uint(E));
  uint row = bh * pc.lq + i;
  uint j0 = c * pc.chunk, j1 = min(j0 + pc.chunk, pc.lk);
  uint qb = row * pc.d, kb = bh * pc.lk * pc.d, vb = bh * pc.lk * pc.dv + e0;
  float acc[E];
  for (uint e = 0u; e < ne; e++) acc[e] = 0.0;
  float m = -BIG, l = 0.0;
  for (uint j = j0; j < j1; j += 4u) {
    uint ja = j, jb = min(j + 1u, j1 - 1u), jc = min(j + 2u, j1 - 1u), jd = min(j + 3u, j1 - 1u);
    vec4 s = scores4(qb, kb + ja * pc.d, kb + jb * pc.d, kb + jc * pc.d, kb + jd * pc.d);
    float s0 = s.x, s1 = j + 1u < j1 ? s.y : -BIG, s2 = j + 2u < j1 ? s.z : -BIG, s3 = j + 3u < j1 ? s.w : -BIG;
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
