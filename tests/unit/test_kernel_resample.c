/* nearest / bilinear resize, avg / max / adaptive pooling vs tests/ref.
 * Tolerances: nearest and max pool exact; bilinear atol 2e-7 rtol 2e-6 (the reference is
 * torch's CPU arithmetic: index in double, f32 weights; it matched torch 1.13 to 1.2e-7 on
 * 28 -> 299 and 512 -> 299); avg pools atol 1e-6 rtol 1e-5 (double reference). */
#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void resize_case(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow,
                        int bilinear) {
  int64_t xs[4] = {n, c, h, w}, ys[4] = {n, c, oh, ow};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 4, xs, 80, -1, 1, &hx), *y = kt_new(ctx, 4, ys, NULL);
  VKG_CHECK_OK(ctx, bilinear ? vkg_resize_bilinear(ctx, x, y) : vkg_upsample_nearest(ctx, x, y));
  size_t total = (size_t)(n * c * oh * ow);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  if (bilinear) {
    ref_resize_bilinear(hx, want, n * c, h, w, oh, ow);
    kt_expect(got, want, total, 2e-7, 2e-6, "resize_bilinear");
  } else {
    ref_upsample_nearest(hx, want, n * c, h, w, oh, ow);
    ck_assert_msg(memcmp(got, want, total * sizeof *got) == 0, "upsample_nearest %lldx%lld -> %lldx%lld",
                  (long long)h, (long long)w, (long long)oh, (long long)ow);
  }
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_upsample_nearest) {
  vkg_ctx *ctx = vkg_test_ctx();
  resize_case(ctx, 1, 1, 1, 1, 2, 2, 0);
  resize_case(ctx, 2, 3, 5, 7, 10, 14, 0);
  resize_case(ctx, 1, 4, 13, 11, 39, 33, 0);
  resize_case(ctx, 2, 64, 32, 32, 64, 64, 0);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_resize_bilinear) {
  vkg_ctx *ctx = vkg_test_ctx();
  resize_case(ctx, 1, 1, 1, 1, 3, 3, 1);
  resize_case(ctx, 2, 1, 28, 28, 299, 299, 1);  /* MNIST -> Inception */
  resize_case(ctx, 1, 3, 512, 512, 299, 299, 1); /* down-sampling */
  resize_case(ctx, 2, 3, 7, 13, 5, 29, 1);       /* down in one axis, up in the other */
  resize_case(ctx, 1, 2, 32, 32, 32, 32, 1);     /* identity size */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void pool_case(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int k, int s, int p, int mode) {
  int64_t oh = vkg_pool_out_size(h, k, s, p), ow = vkg_pool_out_size(w, k, s, p);
  int64_t xs[4] = {n, c, h, w}, ys[4] = {n, c, oh, ow};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 4, xs, 81, -3, 1, &hx), *y = kt_new(ctx, 4, ys, NULL);
  vkg_pool2d_params pp = {k, k, s, s, p, p, mode == 0};
  VKG_CHECK_OK(ctx, mode == 2 ? vkg_max_pool2d(ctx, x, y, &pp) : vkg_avg_pool2d(ctx, x, y, &pp));
  size_t total = (size_t)(n * c * oh * ow);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_pool2d(hx, want, n * c, h, w, k, k, s, s, p, p, mode);
  if (mode == 2) ck_assert_msg(memcmp(got, want, total * sizeof *got) == 0, "max_pool2d differs");
  else kt_expect(got, want, total, 1e-6, 1e-5, mode ? "avg_pool2d exclude pad" : "avg_pool2d include pad");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_pools) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int mode = 0; mode < 3; mode++) {
    pool_case(ctx, 1, 1, 1, 1, 1, 1, 0, mode);
    pool_case(ctx, 2, 3, 7, 7, 3, 2, 1, mode);
    pool_case(ctx, 2, 5, 35, 35, 3, 1, 1, mode); /* Inception avg pool 3x3 s1 p1 */
    pool_case(ctx, 1, 7, 147, 147, 3, 2, 0, mode);
    pool_case(ctx, 3, 2, 11, 13, 2, 2, 0, mode);
    pool_case(ctx, 1, 3, 10, 10, 5, 3, 2, mode);
  }
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void adaptive_case(vkg_ctx *ctx, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  int64_t xs[4] = {1, nc, h, w}, ys[4] = {1, nc, oh, ow};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 4, xs, 82, -1, 1, &hx), *y = kt_new(ctx, 4, ys, NULL);
  VKG_CHECK_OK(ctx, vkg_adaptive_avg_pool2d(ctx, x, y));
  size_t total = (size_t)(nc * oh * ow);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_adaptive_avg_pool2d(hx, want, nc, h, w, oh, ow);
  kt_expect(got, want, total, 1e-6, 1e-5, "adaptive_avg_pool2d");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_adaptive_avg_pool) {
  vkg_ctx *ctx = vkg_test_ctx();
  adaptive_case(ctx, 1, 1, 1, 1, 1);
  adaptive_case(ctx, 2048, 8, 8, 1, 1); /* Inception global pool */
  adaptive_case(ctx, 3, 10, 7, 3, 4);   /* overlapping windows */
  adaptive_case(ctx, 2, 5, 5, 7, 9);    /* output larger than input */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_resample_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[4] = {1, 3, 8, 8}, ys[4] = {1, 4, 16, 16}, ps[4] = {1, 3, 5, 5};
  vkg_tensor *x = kt_new(ctx, 4, xs, NULL), *y = kt_new(ctx, 4, ys, NULL), *p = kt_new(ctx, 4, ps, NULL);
  VKG_CHECK_FAILS(ctx, vkg_resize_bilinear(ctx, x, y), VKG_E_INPUT,
                  "resize_bilinear: x [1, 3, 8, 8] and y [1, 4, 16, 16]");
  VKG_CHECK_FAILS(ctx, vkg_upsample_nearest(ctx, x, y), VKG_E_INPUT, "upsample_nearest");
  vkg_pool2d_params pp = {3, 3, 2, 2, 1, 1, 1};
  VKG_CHECK_FAILS(ctx, vkg_avg_pool2d(ctx, x, p, &pp), VKG_E_INPUT,
                  "avg_pool2d: y shape [1, 3, 5, 5] should be [1, 3, 4, 4] for x shape [1, 3, 8, 8]");
  vkg_pool2d_params bad = {3, 3, 2, 2, 2, 2, 1};
  VKG_CHECK_FAILS(ctx, vkg_max_pool2d(ctx, x, p, &bad), VKG_E_INPUT, "pad must be <= kernel / 2");
  VKG_CHECK_FAILS(ctx, vkg_adaptive_avg_pool2d(ctx, x, y), VKG_E_INPUT, "adaptive_avg_pool2d");
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(p);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_resample");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_upsample_nearest);
  tcase_add_test(tc, test_resize_bilinear);
  tcase_add_test(tc, test_pools);
  tcase_add_test(tc, test_adaptive_avg_pool);
  tcase_add_test(tc, test_resample_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
