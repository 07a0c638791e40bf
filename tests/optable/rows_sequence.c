/* Sequence kernels (causal attention, embedding, KV cache + decoding attention) and filtered
 * sampling against tests/ref, over odd shapes (1, primes, model-sized).
 * Bounds: attention atol 2e-6 rtol 2e-5 (f32 vs double reference); embedding exact; sampling: the
 * kept set is exact and every draw equals the reference's Gumbel-max draw unless the reference's
 * best two scores are within aux_tol = 1e-4 (f32 vs double log), at least 90% of rows compared.
 * Was tests/unit/test_kernel_sequence.c: causal attention 5, embedding 5, KV-cache attention 4
 * (each checked after every decoding step), sample_logits 9 + 1 (no filter = vkg_categorical's
 * draws): 24 cases. put_tokens and the bad-input checks stay in that file. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "optable.h"
#include "ref_kl.h"

/* i: bh lq lk d n_unmasked */
static void run_causal(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int64_t bh = c[0], lq = c[1], lk = c[2], d = c[3], nu = c[4];
  ot_desc(h, "attention_causal bh %lld lq %lld lk %lld d %lld n_unmasked %lld", (long long)bh, (long long)lq,
          (long long)lk, (long long)d, (long long)nu);
  int64_t qs[3] = {bh, lq, d}, ks[3] = {bh, lk, d};
  float *hq, *hk, *hv;
  vkg_tensor *q = ot_rand_t(h, 3, qs, 11, -1, 1, &hq), *k = ot_rand_t(h, 3, ks, 12, -1, 1, &hk),
             *v = ot_rand_t(h, 3, ks, 13, -1, 1, &hv), *o = ot_f32(h, 3, qs, NULL);
  ot_work(h, 4.0 * (double)(bh * lq * lk * d), 4.0 * (double)(bh * (2 * lq * d + 2 * lk * d)));
  OT_RUN(h, vkg_attention_causal(h->ctx, q, k, v, o, 0, nu));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, o), *want = ot_alloc(h, (size_t)(bh * lq * d) * sizeof *want);
  ref_attention_causal(hq, hk, hv, want, bh, lq, lk, d, d, (float)(1.0 / sqrt((double)d)), nu);
  ot_expect_row(h, got, want, (size_t)(bh * lq * d), 0, "causal attention");
}

/* i: i64 B L col0 T V C with_pos P pos0 */
static void run_embedding(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const vkg_dtype dt = c[0] ? VKG_I64 : VKG_I32;
  const int64_t B = c[1], L = c[2], col0 = c[3], T = c[4], V = c[5], C = c[6], P = c[8], pos0 = c[9];
  const int with_pos = (int)c[7];
  ot_desc(h, "embedding %s ids [%lld, %lld] from %lld, %lld tokens, vocab %lld x %lld%s", vkg_dtype_name(dt),
          (long long)B, (long long)L, (long long)col0, (long long)T, (long long)V, (long long)C,
          with_pos ? " + positions" : "");
  int64_t *ids = ot_alloc(h, (size_t)(B * L) * sizeof *ids);
  int32_t *ids32 = ot_alloc(h, (size_t)(B * L) * sizeof *ids32);
  for (int64_t i = 0; i < B * L; i++) ids32[i] = (int32_t)(ids[i] = (i * 7919 + 13) % V);
  int64_t is[2] = {B, L}, es[2] = {V, C}, ps[2] = {P, C}, ys[3] = {B, T, C};
  vkg_tensor *ti = ot_tensor(h, dt, 2, is, dt == VKG_I64 ? (const void *)ids : (const void *)ids32);
  float *htok, *hpos = NULL;
  vkg_tensor *tok = ot_rand_t(h, 2, es, 21, -1, 1, &htok), *pos = with_pos ? ot_rand_t(h, 2, ps, 22, -1, 1, &hpos) : NULL;
  vkg_tensor *y = ot_f32(h, 3, ys, NULL);
  ot_work(h, 0, 8.0 * (double)(B * T * C));
  OT_RUN(h, vkg_embedding(h->ctx, ti, col0, tok, pos, pos0, y));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, (size_t)(B * T * C) * sizeof *want);
  ref_embedding(ids, B, L, col0, T, htok, C, hpos, pos0, want);
  ot_expect_row(h, got, want, (size_t)(B * T * C), 0, "embedding");
}

/* Decoding with a KV cache: tokens appended one (or first_chunk at first) at a time, attention of
 * the last token over the first n positions vs the plain reference on the gathered keys, after
 * every step. i: B H D cap first_chunk */
static void run_kv_cache(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int64_t B = c[0], H = c[1], D = c[2], cap = c[3], first_chunk = c[4], HD = H * D;
  ot_desc(h, "attention_cached B %lld H %lld D %lld cache %lld, first chunk %lld", (long long)B, (long long)H,
          (long long)D, (long long)cap, (long long)first_chunk);
  int64_t cs[4] = {B, H, cap, D}, all[3] = {B, cap, HD};
  float *hk, *hv, *hq;
  vkg_tensor *kall = ot_rand_t(h, 3, all, 31, -1, 1, &hk), *vall = ot_rand_t(h, 3, all, 32, -1, 1, &hv);
  vkg_tensor *qall = ot_rand_t(h, 3, all, 33, -1, 1, &hq);
  vkg_tensor *kc = ot_f32(h, 4, cs, NULL), *vc = ot_f32(h, 4, cs, NULL);
  float *rk = ot_alloc(h, (size_t)(cap * D) * sizeof *rk), *rv = ot_alloc(h, (size_t)(cap * D) * sizeof *rv);
  float *want = ot_alloc(h, (size_t)(B * HD) * sizeof *want);
  for (int64_t n = 0; n < cap;) {
    const int64_t t = n == 0 ? first_chunk : 1;
    int64_t ts[3] = {B, t, HD}, qs[3] = {B, 1, HD}, st0[3] = {0, n, 0};
    vkg_tensor *k = ot_f32(h, 3, ts, NULL), *v = ot_f32(h, 3, ts, NULL), *q = ot_f32(h, 3, qs, NULL),
               *y = ot_f32(h, 3, qs, NULL);
    int64_t sq[3] = {0, n + t - 1, 0};
    OT_OK(h, vkg_slice(h->ctx, kall, k, st0, NULL));
    OT_OK(h, vkg_slice(h->ctx, vall, v, st0, NULL));
    OT_OK(h, vkg_slice(h->ctx, qall, q, sq, NULL));
    OT_OK(h, vkg_kv_append(h->ctx, k, v, kc, vc, n));
    n += t;
    ot_work(h, 4.0 * (double)(B * H * n * D), 8.0 * (double)(B * H * n * D));
    OT_RUN(h, vkg_attention_cached(h->ctx, q, kc, vc, n, y, 0));
    if (ot_checking(h)) {
      float *got = ot_get(h, y);
      for (int64_t b = 0; b < B; b++)
        for (int64_t hh = 0; hh < H; hh++) {
          for (int64_t j = 0; j < n; j++)
            for (int64_t e = 0; e < D; e++) {
              rk[j * D + e] = hk[(b * cap + j) * HD + hh * D + e];
              rv[j * D + e] = hv[(b * cap + j) * HD + hh * D + e];
            }
          ref_attention(hq + (b * cap + n - 1) * HD + hh * D, rk, rv, want + (b * H + hh) * D, 1, 1, n, D, D,
                        (float)(1.0 / sqrt((double)D)));
        }
      char what[64];
      snprintf(what, sizeof what, "cached attention after %lld positions", (long long)n);
      ot_expect_row(h, got, want, (size_t)(B * HD), 0, what);
      ot_free(h, got);
    }
    ot_release(h, k), ot_release(h, v), ot_release(h, q), ot_release(h, y);
  }
}

/* i: rows c top_k ties; f: temperature top_p */
static void run_sample(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  int64_t rows = a[0], c = a[1], top_k = a[2], d[2] = {rows, c};
  const int ties = (int)a[3];
  const float temp = (float)h->row->f[0], top_p = (float)h->row->f[1];
  ot_desc(h, "sample_logits [%lld, %lld] T %g top_k %lld top_p %g%s", (long long)rows, (long long)c, temp,
          (long long)top_k, top_p, ties ? " (tied logits)" : "");
  float *hl = ot_rand(h, (size_t)(rows * c), 41 + (unsigned)c, -4, 4);
  if (ties) /* quantized logits: many exact ties, also at the top-k boundary */
    for (int64_t i = 0; i < rows * c; i++) hl[i] = floorf(hl[i]);
  vkg_tensor *l = ot_f32(h, 2, d, hl), *idx = ot_tensor(h, VKG_I32, 1, &rows, NULL);
  const uint64_t seed = 1234, first = 77;
  ot_work(h, 0, 4.0 * (double)(rows * c));
  OT_RUN(h, vkg_sample_logits(h->ctx, l, idx, temp, top_k, top_p, seed, first, 5));
  if (!ot_checking(h)) return;
  int32_t *got = ot_get(h, idx);
  unsigned char *keep = ot_alloc(h, (size_t)(rows * c));
  ref_topkp_keep(hl, rows, c, temp > 0 ? temp : 1, temp > 0 ? top_k : 0, temp > 0 ? top_p : 1, keep);
  int compared = 0;
  h->res->checks++;
  for (int64_t r = 0; r < rows; r++) {
    OT_ASSERT(h, got[r] >= 0 && got[r] < c && keep[r * c + got[r]], "row %lld: drew %d outside the kept set",
              (long long)r, got[r]);
    if (temp > 0) {
      double margin = 0;
      int64_t want = ref_gumbel_pick(hl + r * c, keep + r * c, c, temp, seed, first + (uint64_t)r, 5, &margin);
      if (margin > h->row->aux_tol) {
        OT_ASSERT(h, got[r] == want, "row %lld: drew %d, reference %lld", (long long)r, got[r], (long long)want);
        compared++;
      }
    } else {
      int64_t best = 0;
      for (int64_t i = 1; i < c; i++)
        if (hl[r * c + i] > hl[r * c + best]) best = i;
      OT_ASSERT(h, got[r] == best, "row %lld: temperature 0 drew %d, argmax %lld", (long long)r, got[r], (long long)best);
    }
  }
  if (temp > 0)
    OT_ASSERT(h, compared >= rows * 9 / 10, "only %d of %lld rows had a clear reference draw", compared, (long long)rows);
}

/* no filter: the same draws as vkg_categorical. i: rows c seed first stream; f: temperature */
static void run_sample_unfiltered(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  int64_t d[2] = {a[0], a[1]}, n = a[0];
  const float temp = (float)h->row->f[0];
  ot_desc(h, "sample_logits [%lld, %lld] T %g unfiltered = categorical", (long long)d[0], (long long)d[1], temp);
  vkg_tensor *l = ot_rand_t(h, 2, d, 5, -2, 2, NULL), *ia = ot_tensor(h, VKG_I32, 1, &n, NULL),
             *ib = ot_tensor(h, VKG_I32, 1, &n, NULL);
  OT_RUN(h, vkg_sample_logits(h->ctx, l, ia, temp, 0, 1.0f, (uint64_t)a[2], (uint64_t)a[3], (uint32_t)a[4]));
  if (!ot_checking(h)) return;
  OT_OK(h, vkg_categorical(h->ctx, l, ib, temp, (uint64_t)a[2], (uint64_t)a[3], (uint32_t)a[4]));
  ot_expect_exact(h, ot_get(h, ia), ot_get(h, ib), (size_t)n * sizeof(int32_t), "sample_logits vs categorical");
}

#define CA(...) {.family = "sequence", .op = "attention_causal", .run = run_causal, .atol = 2e-6, .rtol = 2e-5, \
                 .i = {__VA_ARGS__}}
#define EM(...) {.family = "sequence", .op = "embedding", .run = run_embedding, .i = {__VA_ARGS__}}
#define KV(...) {.family = "sequence", .op = "attention_cached", .run = run_kv_cache, .atol = 2e-6, .rtol = 2e-5, \
                 .i = {__VA_ARGS__}}
#define SL(t, p, ...) {.family = "sequence", .op = "sample_logits", .run = run_sample, .aux_tol = 1e-4, \
                       .i = {__VA_ARGS__}, .f = {t, p}}

static const vkg_op_row rows[] = {
    CA(1, 1, 1, 1, 0),
    CA(3, 7, 7, 5, 0),
    CA(2, 5, 11, 13, 3),   /* last 5 of 11 positions, a 3-token unmasked prefix */
    CA(2, 13, 13, 32, 13), /* everything unmasked = no mask */
    CA(4, 197, 197, 32, 1),
    /* i64, B, L, col0, T, V, C, with_pos, P, pos0 */
    EM(1, 1, 1, 0, 1, 1, 1, 1, 1, 0),
    EM(1, 3, 11, 2, 7, 37, 13, 1, 19, 5),
    EM(0, 3, 11, 10, 1, 37, 13, 1, 19, 18), /* one decoding step at the last position */
    EM(0, 2, 5, 0, 5, 7, 3, 0, 0, 0),       /* no position table */
    EM(1, 16, 196, 0, 196, 64, 128, 1, 196, 0),
    KV(1, 1, 1, 1, 1),
    KV(2, 3, 5, 13, 1),
    KV(3, 2, 7, 11, 4), /* a 4-token prefill, then single tokens */
    KV(2, 4, 16, 37, 1),
    /* temperature, top_p; rows, classes, top_k, ties */
    SL(1.0, 0.5, 1, 1, 1, 0),
    SL(1.0, 1.0, 64, 7, 3, 0),
    SL(0.7, 0.6, 64, 7, 0, 0),
    SL(1.3, 0.9, 61, 64, 10, 0),
    SL(1.0, 1.0, 61, 64, 1, 0), /* top_k 1: greedy through the sampler */
    SL(1.0, 0.8, 32, 64, 5, 1), /* ties */
    SL(1.0, 0.95, 8, 1031, 40, 0),
    SL(0.0, 0.5, 16, 64, 5, 0), /* temperature 0: argmax */
    SL(1.0, 0.0, 16, 64, 0, 0), /* top_p 0 keeps only the most likely */
    {.family = "sequence", .op = "sample_logits", .run = run_sample_unfiltered, .i = {9, 13, 3, 0, 1}, .f = {0.8}},
};

const vkg_op_family vkg_op_family_sequence = {"sequence", OT_ROWS(rows), NULL};
