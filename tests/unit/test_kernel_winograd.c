/* The Winograd convolution (vkg_winograd_filter_create, vkg_conv2d_winograd) and vkg_conv2d_act:
 * input errors and the algorithm choice (vkg_conv_algo_choose). The kernel-vs-reference cases
 * over shapes (both tiles, both kernel variants, the epilogues, conv2d_act's im2col and direct
 * paths) are rows of the op table: tests/optable/rows_winograd.c, ctest test_kernel_ops_winograd. */
#include <stdlib.h>

#include "testutil.h"
#include "vkgen/kernels/winograd.h"

START_TEST(test_winograd_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_shape sx = vkg_shape_4d(1, 4, 6, 6), sw = vkg_shape_4d(8, 4, 3, 3), sw5 = vkg_shape_4d(8, 4, 5, 5),
            sy = vkg_shape_4d(1, 8, 6, 6), sybad = vkg_shape_4d(1, 8, 5, 6);
  vkg_tensor *x = NULL, *w = NULL, *w5 = NULL, *y = NULL, *ybad = NULL, *u = NULL, *u5 = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sx, &x));
  float zeros[8 * 4 * 5 * 5] = {0};
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw, zeros, &w));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw5, zeros, &w5));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &y));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sybad, &ybad));
  VKG_CHECK_FAILS(ctx, vkg_winograd_filter_create(ctx, w5, 2, &u5), VKG_E_INPUT, "must be [Cout, Cin, 3, 3]");
  VKG_CHECK_FAILS(ctx, vkg_winograd_filter_create(ctx, w, 3, &u5), VKG_E_INPUT, "tile 3 must be 2 or 4");
  VKG_CHECK_OK(ctx, vkg_winograd_filter_create(ctx, w, 2, &u));
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 4, NULL, y, &p, NULL), VKG_E_INPUT, "not an F(4x4,3x3) filter");
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, ybad, &p, NULL), VKG_E_INPUT,
                  "should be [1, 8, 6, 6]");
  vkg_conv2d_params s2 = p;
  s2.stride_h = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &s2, NULL), VKG_E_INPUT, "stride, dilation");
  vkg_conv_epilogue ep = vkg_conv_epilogue_default();
  ep.residual = ybad;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &p, &ep), VKG_E_INPUT, "residual must have");
  ep.residual = NULL;
  ep.bias_nc = y;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &p, &ep), VKG_E_INPUT, "bias_nc must be [1, 8, 1, 1]");
  VKG_CHECK_FAILS(ctx, vkg_conv2d_act(ctx, x, w, NULL, y, &p, VKG_ACT_COUNT, 0.0f), VKG_E_INPUT, "unknown activation");
  vkg_tensor *ts[] = {x, w, w5, y, ybad, u};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_conv_algo_choice) {
  vkg_ctx *ctx = vkg_test_ctx();
  setenv("VKGEN_KERNEL_VARIANT", "cpu", 1);
  unsetenv("VKGEN_CONV_ALGO");
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  vkg_conv2d_params s2 = p;
  s2.stride_h = s2.stride_w = 2;
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &s2), VKG_CONV_IM2COL);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 1, &p), VKG_CONV_IM2COL);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_WINOGRAD4);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 0, 128, 128, 0, 0, 3, &p), VKG_CONV_WINOGRAD4); /* at load */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 256, 256, 8, 8, 3, &p), VKG_CONV_WINOGRAD4);   /* 32 tiles */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 512, 512, 4, 4, 3, &p), VKG_CONV_IM2COL);      /* 8 tiles */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 16, 16, 32, 32, 3, &p), VKG_CONV_IM2COL);     /* narrow */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  setenv("VKGEN_CONV_ALGO", "im2col", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  setenv("VKGEN_CONV_ALGO", "winograd2", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &p), VKG_CONV_WINOGRAD2);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &s2), VKG_CONV_IM2COL);
  unsetenv("VKGEN_CONV_ALGO");
  setenv("VKGEN_KERNEL_VARIANT", "gpu", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_winograd");
  TCase *tc = tcase_create("winograd");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_winograd_errors);
  tcase_add_test(tc, test_conv_algo_choice);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
