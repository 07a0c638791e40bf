/* vkg_stats_acc input errors. The accumulation against the double-precision reference (4 cases) is
 * in the op table: tests/optable/rows_stats.c. */
#include "ref_kl_tensor.h"

START_TEST(test_stats_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_stats_acc *acc = NULL;
  VKG_CHECK_FAILS(ctx, vkg_stats_acc_create(ctx, 0, &acc), VKG_E_INPUT, "dim 0");
  VKG_CHECK_OK(ctx, vkg_stats_acc_create(ctx, 8, &acc));
  int64_t sh[2] = {4, 7};
  vkg_tensor *t = kt_new(ctx, 2, sh, NULL);
  VKG_CHECK_FAILS(ctx, vkg_stats_acc_add(ctx, acc, t), VKG_E_INPUT, "stats_acc_add: x shape [4, 7] must be [N, 8]");
  double m[8], c[64];
  VKG_CHECK_FAILS(ctx, vkg_stats_acc_mean_cov(ctx, acc, m, c), VKG_E_INPUT, "at least 2 samples");
  vkg_tensor_unref(t);
  vkg_stats_acc_destroy(acc);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_stats");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_stats_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
