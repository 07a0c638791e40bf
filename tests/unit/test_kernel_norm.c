/* group_norm, layer_norm, batch_norm, softmax, attention: input errors. The kernels against
 * tests/ref over shapes (36 cases) are rows of the op table: tests/optable/rows_norm.c. */
#include "ref_kl_tensor.h"

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
  tcase_add_test(tc, test_norm_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
