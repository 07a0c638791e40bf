/* reduce sum / mean over axis sets (rtol 1e-5 atol 1e-5 vs a double reference) and the
 * nearest-code argmin (exact, ties to the lowest index, i32 and i64 outputs). */
#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void reduce_case(vkg_ctx *ctx, int nd, const int64_t *shape, int naxes, const int *axes, int keepdim,
                        int mean) {
  float *hx;
  vkg_tensor *x = kt_rand(ctx, nd, shape, 90, -1, 2, &hx);
  int red[6] = {0};
  for (int i = 0; i < naxes; i++) red[axes[i] < 0 ? axes[i] + nd : axes[i]] = 1;
  int64_t ys[6];
  int ynd = 0;
  for (int d = 0; d < nd; d++)
    if (!red[d] || keepdim) ys[ynd++] = red[d] ? 1 : shape[d];
  vkg_tensor *y = kt_new(ctx, ynd, ys, NULL);
  VKG_CHECK_OK(ctx, mean ? vkg_reduce_mean(ctx, x, y, axes, naxes, keepdim) : vkg_reduce_sum(ctx, x, y, axes, naxes, keepdim));
  size_t ny = (size_t)vkg_tensor_numel(y);
  float *got = kt_get(ctx, y), *want = malloc(ny * sizeof *want);
  ref_reduce(hx, shape, nd, red, mean, want);
  kt_expect(got, want, ny, 1e-5, 1e-5, mean ? "reduce_mean" : "reduce_sum");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_reduce) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t s1[1] = {1}, s2[2] = {7, 13}, s4[4] = {2, 3, 17, 19}, s6[6] = {2, 3, 2, 5, 3, 7}, big[2] = {3, 100003};
  int a0[1] = {0}, a1[1] = {-1}, a23[2] = {2, 3}, a02[2] = {0, 2}, a6[3] = {1, 3, 5}, all4[4] = {0, 1, 2, 3};
  for (int mean = 0; mean < 2; mean++)
    for (int keep = 0; keep < 2; keep++) {
      reduce_case(ctx, 1, s1, 1, a0, keep, mean);
      reduce_case(ctx, 2, s2, 1, a1, keep, mean);
      reduce_case(ctx, 2, s2, 1, a0, keep, mean);
      reduce_case(ctx, 4, s4, 2, a23, keep, mean); /* spatial mean */
      reduce_case(ctx, 4, s4, 2, a02, keep, mean);
      reduce_case(ctx, 6, s6, 3, a6, keep, mean);
      reduce_case(ctx, 2, big, 1, a1, keep, mean); /* long rows */
    }
  reduce_case(ctx, 4, s4, 4, all4, 1, 0);
  /* full reduction without keepdim into [1] */
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 4, s4, 91, 0, 1, &hx), *y = kt_new(ctx, 1, s1, NULL);
  VKG_CHECK_OK(ctx, vkg_reduce_sum(ctx, x, y, all4, 4, 0));
  float *got = kt_get(ctx, y), want;
  int red[4] = {1, 1, 1, 1};
  ref_reduce(hx, s4, 4, red, 0, &want);
  kt_expect(got, &want, 1, 1e-5, 1e-5, "full sum");
  free(got), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void argmin_case(vkg_ctx *ctx, int64_t n, int64_t k, int64_t d, vkg_dtype dt, const float *hx,
                        const float *hc) {
  int64_t xs[2] = {n, d}, cs[2] = {k, d};
  vkg_tensor *x = kt_new(ctx, 2, xs, hx), *c = kt_new(ctx, 2, cs, hc), *idx = kt_newt(ctx, dt, 1, &n, NULL);
  VKG_CHECK_OK(ctx, vkg_argmin_codebook(ctx, x, c, idx));
  int64_t *want = malloc((size_t)n * sizeof *want);
  ref_argmin_codebook(hx, hc, n, k, d, want);
  void *got = kt_get(ctx, idx);
  for (int64_t i = 0; i < n; i++) {
    int64_t g = dt == VKG_I64 ? ((int64_t *)got)[i] : ((int32_t *)got)[i];
    ck_assert_msg(g == want[i], "argmin row %lld: got %lld want %lld", (long long)i, (long long)g,
                  (long long)want[i]);
  }
  free(got), free(want);
  vkg_tensor_unref(x), vkg_tensor_unref(c), vkg_tensor_unref(idx);
}

START_TEST(test_argmin_codebook) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t shapes[4][3] = {{1, 1, 1}, {7, 13, 3}, {1031, 512, 4}, {257, 1024, 64}};
  for (int s = 0; s < 4; s++)
    for (int w = 0; w < 2; w++) {
      int64_t n = shapes[s][0], k = shapes[s][1], d = shapes[s][2];
      float *hx = malloc((size_t)(n * d) * sizeof *hx), *hc = malloc((size_t)(k * d) * sizeof *hc);
      vkg_test_fill_uniform(hx, (size_t)(n * d), 92 + s, -1, 1);
      vkg_test_fill_uniform(hc, (size_t)(k * d), 93 + s, -1, 1);
      argmin_case(ctx, n, k, d, w ? VKG_I64 : VKG_I32, hx, hc);
      free(hx), free(hc);
    }
  /* exact ties: duplicate codes and a point equidistant from two codes */
  float cb[5 * 2] = {3, 3, 1, 0, -1, 0, 1, 0, 0, 5};
  float xs[4 * 2] = {0, 0, 1, 0, 0, 5, 2, 2};
  int64_t n = 4, d2[2] = {4, 2}, c2[2] = {5, 2};
  vkg_tensor *x = kt_new(ctx, 2, d2, xs), *c = kt_new(ctx, 2, c2, cb);
  for (int w = 0; w < 2; w++) {
    vkg_tensor *idx = kt_newt(ctx, w ? VKG_I64 : VKG_I32, 1, &n, NULL);
    VKG_CHECK_OK(ctx, vkg_argmin_codebook(ctx, x, c, idx));
    void *got = kt_get(ctx, idx);
    int64_t want[4] = {1, 1, 4, 0}; /* (0,0): codes 1, 2, 3 tie at 1 -> 1; (1,0): 1 and 3 equal -> 1 */
    for (int i = 0; i < 4; i++) {
      int64_t g = w ? ((int64_t *)got)[i] : ((int32_t *)got)[i];
      ck_assert_msg(g == want[i], "tie row %d: got %lld want %lld", i, (long long)g, (long long)want[i]);
    }
    free(got);
    vkg_tensor_unref(idx);
  }
  vkg_tensor_unref(x), vkg_tensor_unref(c);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

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
  tcase_add_test(tc, test_reduce);
  tcase_add_test(tc, test_argmin_codebook);
  tcase_add_test(tc, test_reduce_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
