#version 450
// Fused attention with an online softmax (flash attention): o = softmax(scale q k^T) v without
// storing the scores. One invocation per (2 query rows, key chunk, block of up to E output
// dims): workgroup x covers 128 query rows of one (batch*head, chunk, block), given by
// workgroup y (and z), so that key and value addresses are uniform across the workgroup, and
// every key and value element read serves both rows. Keys go 4 at a time: their scores against
// both rows in one pass over D, then each row's running max m and sum l are updated and its
// accumulator rescaled once per 4 keys. Keys past the chunk's end (in its last block) read the
// chunk's last key and get a score of -BIG, i.e. weight 0. The host sizes chunks under
// lavapipe's loop limit.
// part == 0 (one chunk): o[row, e] = acc / l. part != 0: o is the partial buffer
// [rows, nch, dv + 2] of (acc, m, l) that kl_attn_flash_merge combines.
layout(local_size_x = 64) in;
#define E 128
#define BIG 3.0e38
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint rows, lq, lk, d, dv, chunk, nch, part; float scale; } pc;

void main() {
  uint i0 = gl_GlobalInvocationID.x * 2u;  // queries i0 and i0 + 1 within their batch*head
  if (i0 >= pc.lq) return;
  uint t = gl_WorkGroupID.y + gl_WorkGroupID.z * gl_NumWorkGroups.y;  // (e block, chunk, bh)
  if (t >= (pc.rows / pc.lq) * pc.nch * ((pc.dv + uint(E) - 1u) / uint(E))) return;  // z padding
  uint bh = t % (pc.rows / pc.lq);
  t /= pc.rows / pc.lq;
  uint c = t % pc.nch;
  uint e0 = (t / pc.nch) * uint(E);
  uint ne = min(pc.dv - e0, uint(E));
  bool two = i0 + 1u < pc.lq;  // the second row exists (else it repeats the first, unstored)
  uint row0 = bh * pc.lq + i0, row1 = two ? row0 + 1u : row0;
  uint j0 = c * pc.chunk, j1 = min(j0 + pc.chunk, pc.lk);
  uint qa = row0 * pc.d, qb = row1 * pc.d, kb = bh * pc.lk * pc.d, vb = bh * pc.lk * pc.dv + e0;
  float acc0[E], acc1[E];
  for (uint e = 0u; e < ne; e++) {
    acc0[e] = 0.0;
    acc1[e] = 0.0;
  }
  float m0 = -BIG, l0 = 0.0, m1 = -BIG, l1 = 0.0;
  for (uint j = j0; j < j1; j += 4u) {
    uint ka = kb + j * pc.d, kb1 = kb + min(j + 1u, j1 - 1u) * pc.d, kc = kb + min(j + 2u, j1 - 1u) * pc.d,
         kd = kb + min(j + 3u, j1 - 1u) * pc.d;
    // scores of both rows against the 4 keys, each key element read once for both
    vec4 s = vec4(0.0), r = vec4(0.0);
    uint x = 0u;
    for (; x + 4u <= pc.d; x += 4u) {
      vec4 qv = vec4(q[qa + x], q[qa + x + 1u], q[qa + x + 2u], q[qa + x + 3u]);
      vec4 qw = vec4(q[qb + x], q[qb + x + 1u], q[qb + x + 2u], q[qb + x + 3u]);
      vec4 k0 = vec4(k[ka + x], k[ka + x + 1u], k[ka + x + 2u], k[ka + x + 3u]);
      vec4 k1 = vec4(k[kb1 + x], k[kb1 + x + 1u], k[kb1 + x + 2u], k[kb1 + x + 3u]);
      vec4 k2 = vec4(k[kc + x], k[kc + x + 1u], k[kc + x + 2u], k[kc + x + 3u]);
      vec4 k3 = vec4(k[kd + x], k[kd + x + 1u], k[kd + x + 2u], k[kd + x + 3u]);
      s += vec4(dot(qv, k0), dot(qv, k1), dot(qv, k2), dot(qv, k3));
      r += vec4(dot(qw, k0), dot(qw, k1), dot(qw, k2), dot(qw, k3));
    }
    for (; x < pc.d; x++) {
      vec4 kv = vec4(k[ka + x], k[kb1 + x], k[kc + x], k[kd + x]);
      s += q[qa + x] * kv;
      r += q[qb + x] * kv;
    }
    // keys past the chunk's end get weight 0
    vec4 live = vec4(1.0, j + 1u < j1 ? 1.0 : 0.0, j + 2u < j1 ? 1.0 : 0.0, j + 3u < j1 ? 1.0 : 0.0);
    s = mix(vec4(-BIG), s * pc.scale, live);
    r = mix(vec4(-BIG), r * pc.scale, live);
    float n0 = max(max(m0, s.x), max(max(s.y, s.z), s.w)), n1 = max(max(m1, r.x), max(max(r.y, r.z), r.w));
    float c0 = exp(m0 - n0), c1 = exp(m1 - n1);
    vec4 p = exp(s - n0), w = exp(r - n1);
    l0 = l0 * c0 + ((p.x + p.y) + (p.z + p.w));
    l1 = l1 * c1 + ((w.x + w.y) + (w.z + w.w));
    m0 = n0;
    m1 = n1;
    uint va = vb + j * pc.dv, vbb = vb + min(j + 1u, j1 - 1u) * pc.dv, vc = vb + min(j + 2u, j1 - 1u) * pc.dv,
         vd = vb + min(j + 3u, j1 - 1u) * pc.dv;
    for (uint e = 0u; e < ne; e++) {
      vec4 vv = vec4(v[va + e], v[vbb + e], v[vc + e], v[vd + e]);
      acc0[e] = acc0[e] * c0 + dot(p, vv);
      acc1[e] = acc1[e] * c1 + dot(w, vv);
    }
  }
  if (pc.part == 0u) {
    float inv0 = 1.0 / l0, inv1 = 1.0 / l1;
    uint ob = row0 * pc.dv + e0;
    for (uint e = 0u; e < ne; e++) o[ob + e] = acc0[e] * inv0;
    if (two)
      for (uint e = 0u; e < ne; e++) o[ob + pc.dv + e] = acc1[e] * inv1;
  } else {
    uint pa = (row0 * pc.nch + c) * (pc.dv + 2u), pb = (row1 * pc.nch + c) * (pc.dv + 2u);
    for (uint e = 0u; e < ne; e++) o[pa + e0 + e] = acc0[e];
    if (two)
      for (uint e = 0u; e < ne; e++) o[pb + e0 + e] = acc1[e];
    if (e0 == 0u) {
      o[pa + pc.dv] = m0;
      o[pa + pc.dv + 1u] = l0;
      if (two) {
        o[pb + pc.dv] = m1;
        o[pb + pc.dv + 1u] = l1;
      }
    }
  }
}
