/* conv2d / conv_transpose2d: shape errors and the output-size helper. The kernels against the C
 * reference over shapes (42 cases) are rows of the op table: tests/optable/rows_conv.c. */
#include <string.h>

#include "testutil.h"

static vkg_tensor *zeros4(vkg_ctx *ctx, int64_t a, int64_t b, int64_t c, int64_t d) {
  vkg_shape s = vkg_shape_4d(a, b, c, d);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &s, &t));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, t, 0));
  return t;
}

START_TEST(test_conv_shape_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_tensor *x = zeros4(ctx, 2, 3, 8, 8), *w = zeros4(ctx, 4, 5, 3, 3), *wok = zeros4(ctx, 4, 3, 3, 3);
  vkg_tensor *ybad = zeros4(ctx, 2, 4, 8, 8), *y = zeros4(ctx, 2, 4, 6, 6);
  vkg_conv2d_params p = vkg_conv2d_params_default();
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, w, NULL, y, &p), VKG_E_INPUT, "x [2, 3, 8, 8] and weight [4, 5, 3, 3]");
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, ybad, &p), VKG_E_INPUT,
                  "y [2, 4, 8, 8] should be [2, 4, 6, 6]");
  p.groups = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p), VKG_E_INPUT, "in 2 groups");
  p = vkg_conv2d_params_default();
  p.stride_h = 0;
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p), VKG_E_INPUT, "invalid params");
  p = vkg_conv2d_params_default();
  VKG_CHECK_OK(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p));
  vkg_tensor *b5 = NULL;
  int64_t five = 5;
  vkg_shape s5 = vkg_shape_make(1, &five);
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &s5, &b5));
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, b5, y, &p), VKG_E_INPUT, "bias [5] must be [4]");
  /* transpose: weight [Cin, Cout/groups, KH, KW] */
  vkg_tensor *xt = zeros4(ctx, 1, 4, 4, 4), *wt = zeros4(ctx, 4, 2, 4, 4), *wtbad = zeros4(ctx, 3, 2, 4, 4);
  vkg_tensor *yt = zeros4(ctx, 1, 2, 8, 8), *ytbad = zeros4(ctx, 1, 2, 7, 7);
  vkg_conv_transpose2d_params q = vkg_conv_transpose2d_params_default();
  q.stride_h = q.stride_w = 2;
  q.pad_h = q.pad_w = 1;
  VKG_CHECK_OK(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, yt, &q));
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wtbad, NULL, yt, &q), VKG_E_INPUT,
                  "x [1, 4, 4, 4] and weight [3, 2, 4, 4]");
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, ytbad, &q), VKG_E_INPUT,
                  "y [1, 2, 7, 7] should be [1, 2, 8, 8]");
  q.output_pad_h = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, yt, &q), VKG_E_INPUT, "output padding must be");
  vkg_tensor *ts[] = {x, w, wok, ybad, y, b5, xt, wt, wtbad, yt, ytbad};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_conv_out_size) {
  ck_assert_int_eq(vkg_conv_out_size(32, 3, 1, 1, 1, 1), 32);
  ck_assert_int_eq(vkg_conv_out_size(32, 3, 2, 0, 1, 1), 16);
  ck_assert_int_eq(vkg_conv_out_size(7, 3, 1, 0, 0, 3), 1);
  ck_assert_int_eq(vkg_conv_out_size(2, 3, 1, 0, 0, 1), 0);
  ck_assert_int_eq(vkg_conv_out_size(8, 3, 0, 0, 0, 1), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_conv");
  TCase *tc = tcase_create("conv");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_conv_out_size);
  tcase_add_test(tc, test_conv_shape_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
