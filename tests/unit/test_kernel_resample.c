/* resize / pooling: input errors. The kernels against tests/ref over shapes (31 cases) are rows of
 * the op table: tests/optable/rows_resample.c. */
#include "ref_kl_tensor.h"

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
  tcase_add_test(tc, test_resample_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
