/* activations, binary ops, scale_shift, modulate, timestep embedding: names and input errors. The
 * kernels against tests/ref over shapes (85 cases) are rows of the op table:
 * tests/optable/rows_pointwise.c. */
#include "ref_kl_tensor.h"

START_TEST(test_activation_names) {
  ck_assert_str_eq(vkg_act_name(VKG_ACT_GELU_TANH), "gelu_tanh");
  ck_assert_ptr_null(vkg_act_name(VKG_ACT_COUNT));
}
END_TEST

START_TEST(test_modulate_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[3] = {2, 3, 4}, ms[2] = {2, 10}, mb[2] = {3, 12};
  vkg_tensor *x = kt_new(ctx, 3, xs, NULL), *md = kt_new(ctx, 2, ms, NULL), *mdb = kt_new(ctx, 2, mb, NULL);
  VKG_CHECK_FAILS(ctx, vkg_modulate(ctx, x, md, 8, -1, 1, NULL, x), VKG_E_INPUT,
                  "modulate: columns 8 and -1 of width 4 do not fit mod [2, 10]");
  VKG_CHECK_FAILS(ctx, vkg_modulate(ctx, x, mdb, 0, 4, 1, NULL, x), VKG_E_INPUT, "expected x [B, ..., D] and mod [B, M]");
  vkg_tensor_unref(x), vkg_tensor_unref(md), vkg_tensor_unref(mdb);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_pointwise_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t a[2] = {3, 4}, b[2] = {2, 4}, c[2] = {3, 5}, n5 = 5;
  vkg_tensor *ta = kt_new(ctx, 2, a, NULL), *tb = kt_new(ctx, 2, b, NULL), *tc = kt_new(ctx, 2, c, NULL),
             *t5 = kt_new(ctx, 1, &n5, NULL);
  VKG_CHECK_FAILS(ctx, vkg_binary(ctx, ta, tb, ta, VKG_OP_ADD), VKG_E_INPUT,
                  "binary add: shapes [3, 4] and [2, 4] do not broadcast");
  VKG_CHECK_FAILS(ctx, vkg_binary(ctx, ta, ta, tc, VKG_OP_MUL), VKG_E_INPUT, "output shape [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_activation(ctx, ta, tc, VKG_ACT_RELU, 0), VKG_E_INPUT,
                  "activation relu: x shape [3, 4] and y shape [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_scale_shift(ctx, ta, t5, 1, 0), VKG_E_INPUT, "scale_shift");
  VKG_CHECK_FAILS(ctx, vkg_timestep_embedding(ctx, t5, ta, 1, 0, 1, 10000), VKG_E_INPUT,
                  "timestep_embedding: t [5] and y [3, 4]");
  vkg_shape s1 = vkg_shape_make(2, a), s2 = vkg_shape_make(2, b), so;
  ck_assert_int_eq(vkg_broadcast_shape(&s1, &s2, &so), -1);
  vkg_tensor_unref(ta), vkg_tensor_unref(tb), vkg_tensor_unref(tc), vkg_tensor_unref(t5);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_pointwise");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_activation_names);
  tcase_add_test(tc, test_modulate_errors);
  tcase_add_test(tc, test_pointwise_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
