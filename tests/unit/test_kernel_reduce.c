/* reduce_sum / reduce_mean / argmin_codebook: input errors. The kernels against tests/ref over
 * shapes (40 cases) are rows of the op table: tests/optable/rows_reduce.c. */
#include "ref_kl_tensor.h"

START_TEST(test_reduce_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[3] = {2, 3, 4}, ys[2] = {2, 4}, cs[2] = {5, 3}, n2 = 2;
  vkg_tensor *x = kt_new(ctx, 3, xs, NULL), *y = kt_new(ctx, 2, ys, NULL), *c = kt_new(ctx, 2, cs, NULL),
             *idx = kt_newt(ctx, VKG_I32, 1, &n2, NULL), *fidx = kt_new(ctx, 1, &n2, NULL);
  int ax[1] = {2}, dup[2] = {1, -2};
  VKG_CHECK_FAILS(ctx, vkg_reduce_sum(ctx, x, y, ax, 1, 0), VKG_E_INPUT,
                  "reduce_sum: y shape [2, 4] should be [2, 3] for x shape [2, 3, 4]");
  VKG_CHECK_FAILS(ctx, vkg_reduce_mean(ctx, x, y, dup, 2, 0), VKG_E_INPUT, "repeated axis");
  VKG_CHECK_FAILS(ctx, vkg_argmin_codebook(ctx, y, c, idx), VKG_E_INPUT,
                  "argmin_codebook: x [2, 4], codebook [5, 3], idx [2]");
  VKG_CHECK_FAILS(ctx, vkg_argmin_codebook(ctx, y, c, fidx), VKG_E_INPUT, "i32 or i64");
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(c), vkg_tensor_unref(idx), vkg_tensor_unref(fidx);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_reduce");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_reduce_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
