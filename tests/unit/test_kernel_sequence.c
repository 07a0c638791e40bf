/* Sequence kernels (embedding, causal attention, KV cache + decoding attention, token writes) and
 * filtered sampling against tests/ref, over odd shapes (1, primes, model-sized).
 * Tolerances: attention atol 2e-6 rtol 2e-5 (f32 vs double reference); embedding and token writes
 * exact; sampling: the kept set is exact and every draw equals the reference's Gumbel-max draw unless
 * the reference's best two scores are within 1e-4 (f32 vs double log). */
#include <math.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void causal_case(vkg_ctx *ctx, int64_t bh, int64_t lq, int64_t lk, int64_t d, int64_t nu) {
  int64_t qs[3] = {bh, lq, d}, ks[3] = {bh, lk, d};
  float *hq, *hk, *hv;
  vkg_tensor *q = kt_rand(ctx, 3, qs, 11, -1, 1, &hq), *k = kt_rand(ctx, 3, ks, 12, -1, 1, &hk),
             *v = kt_rand(ctx, 3, ks, 13, -1, 1, &hv), *o = kt_new(ctx, 3, qs, NULL);
  VKG_CHECK_OK(ctx, vkg_attention_causal(ctx, q, k, v, o, 0, nu));
  float *got = kt_get(ctx, o), *want = malloc((size_t)(bh * lq * d) * sizeof *want);
  ref_attention_causal(hq, hk, hv, want, bh, lq, lk, d, d, (float)(1.0 / sqrt((double)d)), nu);
  char what[96];
  snprintf(what, sizeof what, "causal attention bh %lld lq %lld lk %lld d %lld nu %lld", (long long)bh,
           (long long)lq, (long long)lk, (long long)d, (long long)nu);
  kt_expect(got, want, (size_t)(bh * lq * d), 2e-6, 2e-5, what);
  free(got), free(want), free(hq), free(hk), free(hv);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(v), vkg_tensor_unref(o);
}

START_TEST(test_attention_causal) {
  vkg_ctx *ctx = vkg_test_ctx();
  causal_case(ctx, 1, 1, 1, 1, 0);
  causal_case(ctx, 3, 7, 7, 5, 0);
  causal_case(ctx, 2, 5, 11, 13, 3);   /* last 5 of 11 positions, a 3-token unmasked prefix */
  causal_case(ctx, 2, 13, 13, 32, 13); /* everything unmasked = no mask */
  causal_case(ctx, 4, 197, 197, 32, 1);
  /* bad: more queries than keys, negative prefix */
  int64_t qs[3] = {1, 4, 2}, ks[3] = {1, 3, 2};
  vkg_tensor *q = kt_new(ctx, 3, qs, NULL), *k = kt_new(ctx, 3, ks, NULL), *o = kt_new(ctx, 3, qs, NULL),
             *o2 = kt_new(ctx, 3, ks, NULL);
  ck_assert_int_eq(vkg_attention_causal(ctx, q, k, k, o, 0, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_causal(ctx, k, k, k, o2, 0, -1), VKG_E_INPUT);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(o), vkg_tensor_unref(o2);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void embed_case(vkg_ctx *ctx, vkg_dtype dt, int64_t B, int64_t L, int64_t col0, int64_t T, int64_t V,
                       int64_t C, int with_pos, int64_t P, int64_t pos0) {
  int64_t *ids = malloc((size_t)(B * L) * sizeof *ids);
  int32_t *ids32 = malloc((size_t)(B * L) * sizeof *ids32);
  for (int64_t i = 0; i < B * L; i++) ids32[i] = (int32_t)(ids[i] = (i * 7919 + 13) % V);
  int64_t is[2] = {B, L}, es[2] = {V, C}, ps[2] = {P, C}, ys[3] = {B, T, C};
  vkg_tensor *ti = kt_newt(ctx, dt, 2, is, dt == VKG_I64 ? (const void *)ids : (const void *)ids32);
  float *htok, *hpos = NULL;
  vkg_tensor *tok = kt_rand(ctx, 2, es, 21, -1, 1, &htok), *pos = with_pos ? kt_rand(ctx, 2, ps, 22, -1, 1, &hpos) : NULL;
  vkg_tensor *y = kt_new(ctx, 3, ys, NULL);
  VKG_CHECK_OK(ctx, vkg_embedding(ctx, ti, col0, tok, pos, pos0, y));
  float *got = kt_get(ctx, y), *want = malloc((size_t)(B * T * C) * sizeof *want);
  ref_embedding(ids, B, L, col0, T, htok, C, hpos, pos0, want);
  ck_assert_msg(memcmp(got, want, (size_t)(B * T * C) * sizeof *got) == 0, "embedding B %lld T %lld C %lld differs",
                (long long)B, (long long)T, (long long)C);
  free(ids), free(ids32), free(htok), free(hpos), free(got), free(want);
  vkg_tensor_unref(ti), vkg_tensor_unref(tok), vkg_tensor_unref(pos), vkg_tensor_unref(y);
}

START_TEST(test_embedding) {
  vkg_ctx *ctx = vkg_test_ctx();
  embed_case(ctx, VKG_I64, 1, 1, 0, 1, 1, 1, 1, 1, 0);
  embed_case(ctx, VKG_I64, 3, 11, 2, 7, 37, 13, 1, 19, 5);
  embed_case(ctx, VKG_I32, 3, 11, 10, 1, 37, 13, 1, 19, 18); /* one decoding step at the last position */
  embed_case(ctx, VKG_I32, 2, 5, 0, 5, 7, 3, 0, 0, 0);       /* no position table */
  embed_case(ctx, VKG_I64, 16, 196, 0, 196, 64, 128, 1, 196, 0);
  /* bad: window past the ids, pos rows past the table */
  int64_t is[2] = {2, 4}, es[2] = {5, 3}, ys[3] = {2, 3, 3};
  vkg_tensor *ti = kt_newt(ctx, VKG_I32, 2, is, NULL), *tok = kt_new(ctx, 2, es, NULL), *y = kt_new(ctx, 3, ys, NULL);
  ck_assert_int_eq(vkg_embedding(ctx, ti, 2, tok, NULL, 0, y), VKG_E_INPUT);
  ck_assert_int_eq(vkg_embedding(ctx, ti, 0, tok, tok, 3, y), VKG_E_INPUT);
  ck_assert_int_eq(vkg_embedding(ctx, tok, 0, tok, NULL, 0, y), VKG_E_INPUT); /* f32 ids */
  vkg_tensor_unref(ti), vkg_tensor_unref(tok), vkg_tensor_unref(y);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Decoding with a KV cache: tokens appended one (or several) at a time, attention of the last token
 * over the first n positions vs the plain reference on the gathered keys. */
static void cached_case(vkg_ctx *ctx, int64_t B, int64_t H, int64_t D, int64_t cap, int64_t first_chunk) {
  const int64_t HD = H * D;
  int64_t cs[4] = {B, H, cap, D}, all[3] = {B, cap, HD};
  float *hk, *hv, *hq;
  vkg_tensor *kall = kt_rand(ctx, 3, all, 31, -1, 1, &hk), *vall = kt_rand(ctx, 3, all, 32, -1, 1, &hv);
  vkg_tensor *qall = kt_rand(ctx, 3, all, 33, -1, 1, &hq);
  vkg_tensor *kc = kt_new(ctx, 4, cs, NULL), *vc = kt_new(ctx, 4, cs, NULL);
  float *rk = malloc((size_t)(cap * D) * sizeof *rk), *rv = malloc((size_t)(cap * D) * sizeof *rv);
  float want[64 * 64];
  for (int64_t n = 0; n < cap;) {
    const int64_t t = n == 0 ? first_chunk : 1;
    int64_t ts[3] = {B, t, HD}, qs[3] = {B, 1, HD}, st0[3] = {0, n, 0};
    vkg_tensor *k = kt_new(ctx, 3, ts, NULL), *v = kt_new(ctx, 3, ts, NULL), *q = kt_new(ctx, 3, qs, NULL),
               *y = kt_new(ctx, 3, qs, NULL);
    int64_t sq[3] = {0, n + t - 1, 0};
    VKG_CHECK_OK(ctx, vkg_slice(ctx, kall, k, st0, NULL));
    VKG_CHECK_OK(ctx, vkg_slice(ctx, vall, v, st0, NULL));
    VKG_CHECK_OK(ctx, vkg_slice(ctx, qall, q, sq, NULL));
    VKG_CHECK_OK(ctx, vkg_kv_append(ctx, k, v, kc, vc, n));
    n += t;
    VKG_CHECK_OK(ctx, vkg_attention_cached(ctx, q, kc, vc, n, y, 0));
    float *got = kt_get(ctx, y);
    for (int64_t b = 0; b < B; b++)
      for (int64_t h = 0; h < H; h++) {
        for (int64_t j = 0; j < n; j++)
          for (int64_t e = 0; e < D; e++) {
            rk[j * D + e] = hk[(b * cap + j) * HD + h * D + e];
            rv[j * D + e] = hv[(b * cap + j) * HD + h * D + e];
          }
        ref_attention(hq + (b * cap + n - 1) * HD + h * D, rk, rv, want + (b * H + h) * D, 1, 1, n, D, D,
                      (float)(1.0 / sqrt((double)D)));
      }
    char what[96];
    snprintf(what, sizeof what, "cached attention B %lld H %lld D %lld n %lld", (long long)B, (long long)H,
             (long long)D, (long long)n);
    kt_expect(got, want, (size_t)(B * HD), 2e-6, 2e-5, what);
    free(got);
    vkg_tensor_unref(k), vkg_tensor_unref(v), vkg_tensor_unref(q), vkg_tensor_unref(y);
  }
  free(rk), free(rv), free(hk), free(hv), free(hq);
  vkg_tensor_unref(kall), vkg_tensor_unref(vall), vkg_tensor_unref(qall), vkg_tensor_unref(kc), vkg_tensor_unref(vc);
}

START_TEST(test_kv_cache_attention) {
  vkg_ctx *ctx = vkg_test_ctx();
  cached_case(ctx, 1, 1, 1, 1, 1);
  cached_case(ctx, 2, 3, 5, 13, 1);
  cached_case(ctx, 3, 2, 7, 11, 4); /* a 4-token prefill, then single tokens */
  cached_case(ctx, 2, 4, 16, 37, 1);
  /* bad: n past the cache, q with two tokens */
  int64_t cs[4] = {1, 2, 4, 3}, qs[3] = {1, 1, 6}, q2[3] = {1, 2, 6};
  vkg_tensor *kc = kt_new(ctx, 4, cs, NULL), *q = kt_new(ctx, 3, qs, NULL), *y = kt_new(ctx, 3, qs, NULL),
             *qq = kt_new(ctx, 3, q2, NULL);
  ck_assert_int_eq(vkg_attention_cached(ctx, q, kc, kc, 5, y, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_cached(ctx, q, kc, kc, 0, y, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_cached(ctx, qq, kc, kc, 1, qq, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_kv_append(ctx, qq, qq, kc, kc, 3), VKG_E_INPUT); /* 2 tokens at 3 of 4 */
  vkg_tensor_unref(kc), vkg_tensor_unref(q), vkg_tensor_unref(y), vkg_tensor_unref(qq);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_put_tokens) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t n = 5, ss[2] = {5, 7};
  int32_t h[5] = {3, 0, 63, 17, 1};
  vkg_tensor *idx = kt_newt(ctx, VKG_I32, 1, &n, h);
  for (int is64 = 0; is64 < 2; is64++) {
    vkg_tensor *seq = kt_newt(ctx, is64 ? VKG_I64 : VKG_I32, 2, ss, NULL);
    VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, seq, 0xffffffffu));
    VKG_CHECK_OK(ctx, vkg_put_tokens(ctx, idx, seq, 6));
    VKG_CHECK_OK(ctx, vkg_put_tokens(ctx, idx, seq, 0));
    if (is64) {
      int64_t *got = kt_get(ctx, seq);
      for (int r = 0; r < 5; r++) {
        ck_assert_int_eq(got[r * 7], h[r]);
        ck_assert_int_eq(got[r * 7 + 6], h[r]);
        ck_assert_int_eq(got[r * 7 + 3], -1);
      }
      free(got);
    } else {
      int32_t *got = kt_get(ctx, seq);
      for (int r = 0; r < 5; r++) {
        ck_assert_int_eq(got[r * 7 + 6], h[r]);
        ck_assert_int_eq(got[r * 7 + 2], -1);
      }
      free(got);
    }
    ck_assert_int_eq(vkg_put_tokens(ctx, idx, seq, 7), VKG_E_INPUT);
    vkg_tensor_unref(seq);
  }
  vkg_tensor_unref(idx);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void sample_case(vkg_ctx *ctx, int64_t rows, int64_t c, float temp, int64_t top_k, float top_p, int ties) {
  int64_t d[2] = {rows, c};
  float *h = malloc((size_t)(rows * c) * sizeof *h);
  vkg_test_fill_uniform(h, (size_t)(rows * c), 41 + (unsigned)c, -4, 4);
  if (ties) /* quantized logits: many exact ties, also at the top-k boundary */
    for (int64_t i = 0; i < rows * c; i++) h[i] = floorf(h[i]);
  vkg_tensor *l = kt_new(ctx, 2, d, h), *idx = kt_newt(ctx, VKG_I32, 1, &rows, NULL);
  const uint64_t seed = 1234, first = 77;
  VKG_CHECK_OK(ctx, vkg_sample_logits(ctx, l, idx, temp, top_k, top_p, seed, first, 5));
  int32_t *got = kt_get(ctx, idx);
  unsigned char *keep = malloc((size_t)(rows * c));
  ref_topkp_keep(h, rows, c, temp > 0 ? temp : 1, temp > 0 ? top_k : 0, temp > 0 ? top_p : 1, keep);
  int compared = 0;
  for (int64_t r = 0; r < rows; r++) {
    ck_assert_msg(got[r] >= 0 && got[r] < c && keep[r * c + got[r]], "row %lld: drew %d outside the kept set",
                  (long long)r, got[r]);
    if (temp > 0) {
      double margin = 0;
      int64_t want = ref_gumbel_pick(h + r * c, keep + r * c, c, temp, seed, first + (uint64_t)r, 5, &margin);
      if (margin > 1e-4) {
        ck_assert_msg(got[r] == want, "C %lld k %lld p %g row %lld: drew %d, reference %lld", (long long)c,
                      (long long)top_k, (double)top_p, (long long)r, got[r], (long long)want);
        compared++;
      }
    } else {
      int64_t best = 0;
      for (int64_t i = 1; i < c; i++)
        if (h[r * c + i] > h[r * c + best]) best = i;
      ck_assert_int_eq(got[r], best);
    }
  }
  if (temp > 0) ck_assert_int_ge(compared, rows * 9 / 10);
  free(h), free(got), free(keep);
  vkg_tensor_unref(l), vkg_tensor_unref(idx);
}

START_TEST(test_sample_logits) {
  vkg_ctx *ctx = vkg_test_ctx();
  sample_case(ctx, 1, 1, 1.0f, 1, 0.5f, 0);
  sample_case(ctx, 64, 7, 1.0f, 3, 1.0f, 0);
  sample_case(ctx, 64, 7, 0.7f, 0, 0.6f, 0);
  sample_case(ctx, 61, 64, 1.3f, 10, 0.9f, 0);
  sample_case(ctx, 61, 64, 1.0f, 1, 1.0f, 0); /* top_k 1: greedy through the sampler */
  sample_case(ctx, 32, 64, 1.0f, 5, 0.8f, 1); /* ties */
  sample_case(ctx, 8, 1031, 1.0f, 40, 0.95f, 0);
  sample_case(ctx, 16, 64, 0.0f, 5, 0.5f, 0); /* temperature 0: argmax */
  sample_case(ctx, 16, 64, 1.0f, 0, 0.0f, 0); /* top_p 0 keeps only the most likely */
  /* no filter: the same draws as vkg_categorical */
  int64_t d[2] = {9, 13}, n = 9;
  float *h;
  vkg_tensor *l = kt_rand(ctx, 2, d, 5, -2, 2, &h), *a = kt_newt(ctx, VKG_I32, 1, &n, NULL),
             *b = kt_newt(ctx, VKG_I32, 1, &n, NULL);
  VKG_CHECK_OK(ctx, vkg_sample_logits(ctx, l, a, 0.8f, 0, 1.0f, 3, 0, 1));
  VKG_CHECK_OK(ctx, vkg_categorical(ctx, l, b, 0.8f, 3, 0, 1));
  int32_t *ga = kt_get(ctx, a), *gb = kt_get(ctx, b);
  ck_assert(memcmp(ga, gb, sizeof(int32_t) * 9) == 0);
  ck_assert_int_eq(vkg_sample_logits(ctx, l, a, 1.0f, 3, -0.5f, 0, 0, 0), VKG_E_INPUT);
  free(ga), free(gb), free(h);
  vkg_tensor_unref(l), vkg_tensor_unref(a), vkg_tensor_unref(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_sequence");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_attention_causal);
  tcase_add_test(tc, test_embedding);
  tcase_add_test(tc, test_kv_cache_attention);
  tcase_add_test(tc, test_put_tokens);
  tcase_add_test(tc, test_sample_logits);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
