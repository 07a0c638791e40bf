/* group_norm, layer_norm, batch_norm, softmax / log_softmax, attention vs tests/ref.
 * Tolerances: norms atol 1e-5 rtol 1e-4 (f32 two-pass statistics vs double reference);
 * softmax atol 1e-7 rtol 1e-5; attention atol 1e-5 rtol 1e-4. */
#include <math.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void group_norm_case(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int groups, int affine) {
  int64_t d[4] = {n, c, h, w};
  float *hx, *hg = NULL, *hb = NULL;
  vkg_tensor *x = kt_rand(ctx, 4, d, 1, -3, 5, &hx), *g = NULL, *b = NULL;
  if (affine) {
    g = kt_rand(ctx, 1, &c, 2, 0.5f, 1.5f, &hg);
    b = kt_rand(ctx, 1, &c, 3, -1, 1, &hb);
  }
  vkg_tensor *y = kt_new(ctx, 4, d, NULL);
  VKG_CHECK_OK(ctx, vkg_group_norm(ctx, x, g, b, y, groups, 1e-5f));
  size_t total = (size_t)(n * c * h * w);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_group_norm(hx, hg, hb, want, n, c, h * w, groups, 1e-5f);
  kt_expect(got, want, total, 1e-5, 1e-4, "group_norm");
  /* in place */
  VKG_CHECK_OK(ctx, vkg_group_norm(ctx, x, g, b, x, groups, 1e-5f));
  free(got);
  got = kt_get(ctx, x);
  kt_expect(got, want, total, 1e-5, 1e-4, "group_norm in place");
  free(got), free(want), free(hx), free(hg), free(hb);
  vkg_tensor_unref(x), vkg_tensor_unref(g), vkg_tensor_unref(b), vkg_tensor_unref(y);
}

START_TEST(test_group_norm) {
  vkg_ctx *ctx = vkg_test_ctx();
  group_norm_case(ctx, 1, 1, 1, 1, 1, 1);
  group_norm_case(ctx, 2, 6, 7, 5, 3, 1);
  group_norm_case(ctx, 3, 64, 13, 11, 32, 1);
  group_norm_case(ctx, 2, 8, 9, 9, 2, 0);
  group_norm_case(ctx, 1, 32, 64, 64, 32, 1); /* long rows */
  group_norm_case(ctx, 1, 8, 256, 300, 2, 1);  /* rows of 307200: past lavapipe's 65535-iteration loop limit */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void layer_norm_case(vkg_ctx *ctx, int64_t rows, int64_t len) {
  int64_t d[2] = {rows, len};
  float *hx, *hg, *hb;
  vkg_tensor *x = kt_rand(ctx, 2, d, 4, -2, 3, &hx), *g = kt_rand(ctx, 1, &len, 5, 0.5f, 2, &hg),
             *b = kt_rand(ctx, 1, &len, 6, -1, 1, &hb), *y = kt_new(ctx, 2, d, NULL);
  VKG_CHECK_OK(ctx, vkg_layer_norm(ctx, x, g, b, y, 1, 1e-6f));
  float *got = kt_get(ctx, y), *want = malloc((size_t)(rows * len) * sizeof *want);
  ref_layer_norm(hx, hg, hb, want, rows, len, 1e-6f);
  kt_expect(got, want, (size_t)(rows * len), 1e-5, 1e-4, "layer_norm");
  free(got), free(want), free(hx), free(hg), free(hb);
  vkg_tensor_unref(x), vkg_tensor_unref(g), vkg_tensor_unref(b), vkg_tensor_unref(y);
}

START_TEST(test_layer_norm) {
  vkg_ctx *ctx = vkg_test_ctx();
  layer_norm_case(ctx, 1, 1);
  layer_norm_case(ctx, 7, 13);
  layer_norm_case(ctx, 131, 512);
  layer_norm_case(ctx, 1000, 67);
  layer_norm_case(ctx, 3, 8192); /* the longest row of the one-pass kernel */
  layer_norm_case(ctx, 2, 8193); /* the first of the chunked two-pass path */
  layer_norm_case(ctx, 2, 70001);
  /* norm over the last two dims */
  int64_t d[3] = {3, 5, 7}, nd = 35;
  float *hx, *hg, *hb;
  vkg_tensor *x = kt_rand(ctx, 3, d, 7, -1, 1, &hx), *g = kt_rand(ctx, 1, &nd, 8, 0.5f, 2, &hg),
             *b = kt_rand(ctx, 1, &nd, 9, -1, 1, &hb);
  VKG_CHECK_OK(ctx, vkg_layer_norm(ctx, x, g, b, x, 2, 1e-5f));
  float *got = kt_get(ctx, x), want[105];
  ref_layer_norm(hx, hg, hb, want, 3, 35, 1e-5f);
  kt_expect(got, want, 105, 1e-5, 1e-4, "layer_norm 2 dims in place");
  free(got), free(hx), free(hg), free(hb);
  vkg_tensor_unref(x), vkg_tensor_unref(g), vkg_tensor_unref(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_batch_norm) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t n = 3, c = 5, h = 7, w = 9, d[4] = {n, c, h, w};
  float *hx, mean[5], var[5], gam[5], bet[5], sc[5], sh[5];
  vkg_test_fill_uniform(mean, 5, 11, -1, 1);
  vkg_test_fill_uniform(var, 5, 12, 0.1f, 2);
  vkg_test_fill_uniform(gam, 5, 13, 0.5f, 1.5f);
  vkg_test_fill_uniform(bet, 5, 14, -1, 1);
  vkg_batch_norm_fold(mean, var, gam, bet, c, 1e-5f, sc, sh);
  vkg_tensor *x = kt_rand(ctx, 4, d, 15, -3, 3, &hx), *ts = kt_new(ctx, 1, &c, sc), *tb = kt_new(ctx, 1, &c, sh),
             *y = kt_new(ctx, 4, d, NULL);
  VKG_CHECK_OK(ctx, vkg_batch_norm(ctx, x, ts, tb, y));
  size_t total = (size_t)(n * c * h * w);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_batch_norm(hx, mean, var, gam, bet, want, n, c, h * w, 1e-5f);
  kt_expect(got, want, total, 1e-5, 1e-5, "batch_norm");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(ts), vkg_tensor_unref(tb), vkg_tensor_unref(y);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void softmax_case(vkg_ctx *ctx, int64_t rows, int64_t len, float lo, float hi) {
  int64_t d[2] = {rows, len};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 2, d, 21, lo, hi, &hx), *y = kt_new(ctx, 2, d, NULL);
  size_t total = (size_t)(rows * len);
  float *want = malloc(total * sizeof *want);
  for (int lg = 0; lg < 2; lg++) {
    VKG_CHECK_OK(ctx, lg ? vkg_log_softmax(ctx, x, y) : vkg_softmax(ctx, x, y));
    float *got = kt_get(ctx, y);
    ref_softmax(hx, want, rows, len, lg);
    kt_expect(got, want, total, lg ? 1e-5 : 1e-7, 1e-5, lg ? "log_softmax" : "softmax");
    free(got);
  }
  free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_softmax) {
  vkg_ctx *ctx = vkg_test_ctx();
  softmax_case(ctx, 1, 1, -1, 1);
  softmax_case(ctx, 3, 7, -5, 5);
  softmax_case(ctx, 257, 1000, -10, 10);
  softmax_case(ctx, 5, 33, 500, 900); /* large logits: stable only when max-subtracted */
  softmax_case(ctx, 2, 100003, -4, 4); /* rows longer than one chunk */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void attention_case(vkg_ctx *ctx, int64_t b, int64_t h, int64_t lq, int64_t lk, int64_t dd, int64_t dv,
                           float scale) {
  int64_t sq[4] = {b, h, lq, dd}, sk[4] = {b, h, lk, dd}, sv[4] = {b, h, lk, dv}, so[4] = {b, h, lq, dv};
  float *hq, *hk, *hv;
  vkg_tensor *q = kt_rand(ctx, 4, sq, 31, -1, 1, &hq), *k = kt_rand(ctx, 4, sk, 32, -1, 1, &hk),
             *v = kt_rand(ctx, 4, sv, 33, -2, 2, &hv), *o = kt_new(ctx, 4, so, NULL);
  VKG_CHECK_OK(ctx, vkg_attention(ctx, q, k, v, o, scale));
  size_t total = (size_t)(b * h * lq * dv);
  float *got = kt_get(ctx, o), *want = malloc(total * sizeof *want);
  ref_attention(hq, hk, hv, want, b * h, lq, lk, dd, dv, scale > 0 ? scale : (float)(1 / sqrt((double)dd)));
  kt_expect(got, want, total, 1e-5, 1e-4, "attention");
  free(got), free(want), free(hq), free(hk), free(hv);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(v), vkg_tensor_unref(o);
}

START_TEST(test_attention) {
  vkg_ctx *ctx = vkg_test_ctx();
  attention_case(ctx, 1, 1, 1, 1, 1, 1, 0);
  attention_case(ctx, 2, 3, 7, 11, 5, 5, 0);
  attention_case(ctx, 1, 8, 64, 77, 40, 40, 0);   /* cross attention, Lq != Lk */
  attention_case(ctx, 1, 1, 256, 256, 512, 512, 0); /* VAE mid-block style: one head, wide */
  attention_case(ctx, 2, 2, 13, 3, 8, 6, 0.7f);  /* explicit scale, Dv != D */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_norm_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d[4] = {2, 6, 3, 3}, d2[4] = {2, 6, 3, 4}, c5 = 5, c6 = 6;
  vkg_tensor *x = kt_new(ctx, 4, d, NULL), *y = kt_new(ctx, 4, d2, NULL), *g5 = kt_new(ctx, 1, &c5, NULL),
             *g6 = kt_new(ctx, 1, &c6, NULL);
  VKG_CHECK_FAILS(ctx, vkg_group_norm(ctx, x, NULL, NULL, y, 3, 1e-5f), VKG_E_INPUT, "[2, 6, 3, 4]");
  VKG_CHECK_FAILS(ctx, vkg_group_norm(ctx, x, NULL, NULL, x, 4, 1e-5f), VKG_E_INPUT, "group_norm");
  VKG_CHECK_FAILS(ctx, vkg_group_norm(ctx, x, g5, g5, x, 3, 1e-5f), VKG_E_INPUT, "gamma shape [5]");
  VKG_CHECK_FAILS(ctx, vkg_layer_norm(ctx, x, g5, g5, x, 1, 1e-5f), VKG_E_INPUT, "layer_norm");
  VKG_CHECK_FAILS(ctx, vkg_batch_norm(ctx, x, g5, g6, x), VKG_E_INPUT, "batch_norm: scale shape [5]");
  VKG_CHECK_FAILS(ctx, vkg_softmax(ctx, x, y), VKG_E_INPUT, "softmax: x shape [2, 6, 3, 3] does not match");
  int64_t sq[4] = {1, 2, 4, 8}, sk[4] = {1, 2, 5, 7};
  vkg_tensor *q = kt_new(ctx, 4, sq, NULL), *k = kt_new(ctx, 4, sk, NULL), *o = kt_new(ctx, 4, sq, NULL);
  VKG_CHECK_FAILS(ctx, vkg_attention(ctx, q, k, k, o, 0), VKG_E_INPUT, "attention: shapes q [1, 2, 4, 8], k [1, 2, 5, 7]");
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(g5), vkg_tensor_unref(g6);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(o);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_norm");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_group_norm);
  tcase_add_test(tc, test_layer_norm);
  tcase_add_test(tc, test_batch_norm);
  tcase_add_test(tc, test_softmax);
  tcase_add_test(tc, test_attention);
  tcase_add_test(tc, test_norm_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
