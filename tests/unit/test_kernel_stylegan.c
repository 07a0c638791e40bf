/* StyleGAN2 kernels (upfirdn2d, bias_act, rms_normalize): input errors. The kernels against
 * tests/ref over shapes (15 cases) are rows of the op table: tests/optable/rows_stylegan.c. */
#include "ref_kl_tensor.h"

START_TEST(test_stylegan_kernel_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[4] = {1, 3, 8, 8}, ys[4] = {1, 3, 16, 16}, fs[2] = {4, 4}, bs[1] = {4}, ls[2] = {2, 9000};
  vkg_tensor *x = kt_new(ctx, 4, xs, NULL), *y = kt_new(ctx, 4, ys, NULL), *f = kt_new(ctx, 2, fs, NULL);
  vkg_tensor *b = kt_new(ctx, 1, bs, NULL), *l = kt_new(ctx, 2, ls, NULL);
  vkg_upfirdn2d_params p = {2, 1, 1, 1, 1, 1, 4.0f};
  VKG_CHECK_FAILS(ctx, vkg_upfirdn2d(ctx, x, f, y, &p), VKG_E_INPUT,
                  "upfirdn2d: y [1, 3, 16, 16] should be [1, 3, 15, 15] for x [1, 3, 8, 8]");
  vkg_bias_act_params bp = {VKG_ACT_LEAKY_RELU, 0.2f, 1, -1, 0, 1e-8f};
  VKG_CHECK_FAILS(ctx, vkg_bias_act(ctx, x, NULL, NULL, b, NULL, x, &bp), VKG_E_INPUT,
                  "bias_act: bias [4] must have 3 elements");
  bp.act = VKG_ACT_GELU;
  VKG_CHECK_FAILS(ctx, vkg_bias_act(ctx, x, NULL, NULL, NULL, NULL, x, &bp), VKG_E_INPUT, "'gelu' is not supported");
  VKG_CHECK_FAILS(ctx, vkg_rms_normalize(ctx, l, l, 1e-8f), VKG_E_INPUT, "longer than 8192");
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(f), vkg_tensor_unref(b), vkg_tensor_unref(l);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_stylegan");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_stylegan_kernel_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
