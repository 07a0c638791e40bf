/* concat / slice / permute: input errors. The kernels against the reference (10 cases) are rows of
 * the op table: tests/optable/rows_layout.c. */
#include "ref_kl_tensor.h"

START_TEST(test_layout_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t a[2] = {2, 3}, b[2] = {3, 3}, y[2] = {2, 6};
  vkg_tensor *ta = kt_new(ctx, 2, a, NULL), *tb = kt_new(ctx, 2, b, NULL), *ty = kt_new(ctx, 2, y, NULL);
  const vkg_tensor *xs[2] = {ta, tb};
  VKG_CHECK_FAILS(ctx, vkg_concat(ctx, xs, 2, 1, ty), VKG_E_INPUT,
                  "concat: input 1 shape [3, 3] does not fit y shape [2, 6] along axis 1");
  const vkg_tensor *xs2[2] = {ta, ta};
  VKG_CHECK_FAILS(ctx, vkg_concat(ctx, xs2, 2, 0, ty), VKG_E_INPUT, "concat: input 0 shape [2, 3] does not fit");
  int p[2] = {1, 0}, bad[2] = {0, 0};
  VKG_CHECK_FAILS(ctx, vkg_permute(ctx, ta, ty, p), VKG_E_INPUT, "permute: y shape [2, 6] is not x shape [2, 3]");
  VKG_CHECK_FAILS(ctx, vkg_permute(ctx, ta, tb, bad), VKG_E_INPUT, "not a permutation");
  int64_t st[2] = {1, 0};
  VKG_CHECK_FAILS(ctx, vkg_slice(ctx, ta, ta, st, NULL), VKG_E_INPUT, "slice: axis 0: start 1");
  vkg_tensor_unref(ta), vkg_tensor_unref(tb), vkg_tensor_unref(ty);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_layout");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_layout_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
