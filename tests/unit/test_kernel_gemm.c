/* vkg_matmul / vkg_linear shape and dtype errors. The kernels against the C reference over shapes
 * (303 cases: odd shapes, transposes, batches, alpha/beta, texel tile configs, linear) are rows of the
 * op table: tests/optable/rows_gemm.c (families gemm and gemm_sweep). */
#include <string.h>

#include "testutil.h"

static vkg_tensor *zeros(vkg_ctx *ctx, vkg_dtype dt, int nd, const int64_t *d) {
  vkg_shape s = vkg_shape_make(nd, d);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, dt, &s, &t));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, t, 0));
  return t;
}

START_TEST(test_gemm_shape_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d34[2] = {3, 4}, d56[2] = {5, 6}, d46[2] = {4, 6}, d36[2] = {3, 6}, d35[2] = {3, 5}, d2[3] = {2, 3, 4},
          d3[3] = {3, 4, 6}, d236[3] = {2, 3, 6}, d6[1] = {6}, d7[1] = {7};
  vkg_tensor *a = zeros(ctx, VKG_F32, 2, d34), *b = zeros(ctx, VKG_F32, 2, d56), *b2 = zeros(ctx, VKG_F32, 2, d46);
  vkg_tensor *c = zeros(ctx, VKG_F32, 2, d36), *cbad = zeros(ctx, VKG_F32, 2, d35);
  vkg_tensor *ab = zeros(ctx, VKG_F32, 3, d2), *bb = zeros(ctx, VKG_F32, 3, d3), *cb = zeros(ctx, VKG_F32, 3, d236);
  vkg_tensor *ai = zeros(ctx, VKG_I32, 2, d34), *bias7 = zeros(ctx, VKG_F32, 1, d7), *bias6 = zeros(ctx, VKG_F32, 1, d6);
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "[3, 4]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "[5, 6]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "inner dimensions differ (4 vs 5)");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b2, cbad, 0, 0, 1, 0), VKG_E_INPUT, "but C is [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, ab, bb, cb, 0, 0, 1, 0), VKG_E_INPUT, "do not broadcast");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, ai, b2, c, 0, 0, 1, 0), VKG_E_INPUT, "A must be f32, got i32");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b2, a, 0, 0, 1, 0), VKG_E_INPUT, "must not be");
  VKG_CHECK_OK(ctx, vkg_matmul(ctx, a, b2, c, 0, 0, 1, 0));
  /* linear: x [3, 4], weight [6, 4] ok; weight [5, 6] wrong */
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, b, NULL, c), VKG_E_INPUT, "x [3, 4] has 4 features but weight [5, 6]");
  vkg_tensor *w64 = zeros(ctx, VKG_F32, 2, (int64_t[2]){6, 4});
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, w64, bias7, c), VKG_E_INPUT, "bias [7] must be [6]");
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, w64, bias6, cbad), VKG_E_INPUT, "y [3, 5] does not match x [3, 4]");
  VKG_CHECK_OK(ctx, vkg_linear(ctx, a, w64, bias6, c));
  vkg_tensor *ts[] = {a, b, b2, c, cbad, ab, bb, cb, ai, bias7, bias6, w64};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_gemm");
  TCase *tc = tcase_create("gemm");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_gemm_shape_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
