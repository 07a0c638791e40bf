#version 450
// Fused attention with an online softmax (flash attention): o = softmax(scale q k^T) v without
// storing the scores. One invocation per (R query rows, key chunk, block of up to E output
// dims): workgroup x covers 64 R query rows of one (batch*head, chunk, block), given by
// workgroup y (and z), so that key and value addresses are uniform across the workgroup, and
// every key and value element read serves R rows. Keys go 4 at a time: their scores against
// the rows in one pass over D, then each row's running max m and sum l are updated and its
// accumulator rescaled once per 4 keys. Keys past the chunk's end (in its last block) read the
// chunk's last key and get a score of -BIG, i.e. weight 0. The host sizes chunks under
// lavapipe's loop limit.
// part == 0 (one chunk): o[row, e] = acc / l. part != 0: o is the partial buffer
// [rows, nch, dv + 2] of (acc, m, l) that kl_attn_flash_merge combines.
layout(local_size_x = 64) in;
// E output dims and R query rows per invocation (the host picks them per Dv: more rows share
// each key/value read, more dims spare recomputing the scores for the next block of dims).
layout(constant_id = 0) const int E = 64;
layout(constant_id = 1) const int R = 4;
#define BIG 3.0e38
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) writeonly buffer O { float o[]; };
layout(push_constant) uniform P { uint rows, lq, lk, d, dv, chunk, nch, part; float scale; } pc;

void main() {
  uint i0 = gl_GlobalInvocationID.x * uint(R);  // queries i0 .. i0 + R - 1 within their batch*head
  if (i0 >= pc.lq) return;
  uint t = gl_WorkGroupID.y + gl_WorkGroupID.z * gl_NumWorkGroups.y;  // (e block, chunk, bh)
  if (t >= (pc.rows / pc.lq) * pc.nch * ((pc.dv + uint(E) - 1u) / uint(E))) return;  // z padding
  uint bh = t % (pc.rows / pc.lq);
  t /= pc.rows / pc.lq;
  uint c = t % pc.nch;
  uint e0 = (t / pc.nch) * uint(E);
  uint ne = min(pc.dv - e0, uint(E));
  uint nr = min(pc.lq - i0, uint(R));  // rows that exist; the others repeat the last, unstored
  uint j0 = c * pc.chunk, j1 = min(j0 + pc.chunk, pc.lk);
  uint kb = bh * pc.lk * pc.d, vb = bh * pc.lk * pc.dv + e0;
  uint qr[R];
  float m[R], l[R], acc[R * E];
  for (int r = 0; r < R; r++) {
    qr[r] = (bh * pc.lq + i0 + min(uint(r), nr - 1u)) * pc.d;
    m[r] = -BIG;
    l[r] = 0.0;
  }
  for (uint e = 0u; e < ne; e++)
    for (int r = 0; r < R; r++) acc[r * E + int(e)] = 0.0;
  for (uint j = j0; j < j1; j += 4u) {
    uint ka = kb + j * pc.d, kb1 = kb + min(j + 1u, j1 - 1u) * pc.d, kc = kb + min(j + 2u, j1 - 1u) * pc.d,
         kd = kb + min(j + 3u, j1 - 1u) * pc.d;
    // scores of the R rows against the 4 keys, each key element read once for all rows
    vec4 s[R];
    for (int r = 0; r < R; r++) s[r] = vec4(0.0);
    uint x = 0u;
    for (; x + 4u <= pc.d; x += 4u) {
      vec4 k0 = vec4(k[ka + x], k[ka + x + 1u], k[ka + x + 2u], k[ka + x + 3u]);
      vec4 k1 = vec4(k[kb1 + x], k[kb1 + x + 1u], k[kb1 + x + 2u], k[kb1 + x + 3u]);
      vec4 k2 = vec4(k[kc + x], k[kc + x + 1u], k[kc + x + 2u], k[kc + x + 3u]);
      vec4 k3 = vec4(k[kd + x], k[kd + x + 1u], k[kd + x + 2u], k[kd + x + 3u]);
      for (int r = 0; r < R; r++) {
        uint qb = qr[r] + x;
        vec4 qv = vec4(q[qb], q[qb + 1u], q[qb + 2u], q[qb + 3u]);
        s[r] += vec4(dot(qv, k0), dot(qv, k1), dot(qv, k2), dot(qv, k3));
      }
    }
    for (; x < pc.d; x++) {
      vec4 kv = vec4(k[ka + x], k[kb1 + x], k[kc + x], k[kd + x]);
      for (int r = 0; r < R; r++) s[r] += q[qr[r] + x] * kv;
    }
    // keys past the chunk's end get weight 0
    vec4 live = vec4(1.0, j + 1u < j1 ? 1.0 : 0.0, j + 2u < j1 ? 1.0 : 0.0, j + 3u < j1 ? 1.0 : 0.0);
    float corr[R];
    vec4 p[R];
    for (int r = 0; r < R; r++) {
      vec4 sr = mix(vec4(-BIG), s[r] * pc.scale, live);
      float mn = max(max(m[r], sr.x), max(max(sr.y, sr.z), sr.w));
      corr[r] = exp(m[r] - mn);
      p[r] = exp(sr - mn);
      l[r] = l[r] * corr[r] + ((p[r].x + p[r].y) + (p[r].z + p[r].w));
      m[r] = mn;
    }
    uint va = vb + j * pc.dv, vbb = vb + min(j + 1u, j1 - 1u) * pc.dv, vc = vb + min(j + 2u, j1 - 1u) * pc.dv,
         vd = vb + min(j + 3u, j1 - 1u) * pc.dv;
    for (uint e = 0u; e < ne; e++) {
      vec4 vv = vec4(v[va + e], v[vbb + e], v[vc + e], v[vd + e]);
      for (int r = 0; r < R; r++) acc[r * E + int(e)] = acc[r * E + int(e)] * corr[r] + dot(p[r], vv);
    }
  }
  for (int r = 0; r < R; r++) {
    if (uint(r) >= nr) break;
    uint row = bh * pc.lq + i0 + uint(r);
    if (pc.part == 0u) {
      float inv = 1.0 / l[r];
      for (uint e = 0u; e < ne; e++) o[row * pc.dv + e0 + e] = acc[r * E + int(e)] * inv;
    } else {
      uint pb = (row * pc.nch + c) * (pc.dv + 2u);
      for (uint e = 0u; e < ne; e++) o[pb + e0 + e] = acc[r * E + int(e)];
      if (e0 == 0u) {
        o[pb + pc.dv] = m[r];
        o[pb + pc.dv + 1u] = l[r];
      }
    }
  }
}
