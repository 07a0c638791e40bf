/* randn / rand_uniform (Philox4x32-10 + Box-Muller) and categorical sampling: properties that are
 * not a comparison with a reference over shapes (those, 8 cases, are rows of the op table:
 * tests/optable/rows_random.c). The Philox known answers; statistics over 1e6 samples:
 * |mean| < 5e-3, |std - 1| < 5e-3 (about 5 sigma); batch-size independence is exact; categorical
 * frequencies vs softmax(logits / T) pass a chi-square bound (fixed seed, far beyond the 1e-6
 * quantile). */
#include <math.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"

START_TEST(test_philox_known_answer) {
  /* Random123 known-answer vector for philox4x32_10: counter and key all 0 */
  uint32_t c[4] = {0, 0, 0, 0}, k[2] = {0, 0}, o[4];
  ref_philox(c, k, o);
  ck_assert_uint_eq(o[0], 0x6627e8d5u);
  ck_assert_uint_eq(o[1], 0xe169c58du);
  ck_assert_uint_eq(o[2], 0xbc57ac4cu);
  ck_assert_uint_eq(o[3], 0x9b00dbd8u);
  uint32_t c2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, k2[2] = {0xa4093822u, 0x299f31d0u};
  ref_philox(c2, k2, o);
  ck_assert_uint_eq(o[0], 0xd16cfe09u);
  ck_assert_uint_eq(o[1], 0x94fdccebu);
  ck_assert_uint_eq(o[2], 0x5001e420u);
  ck_assert_uint_eq(o[3], 0x24126ea1u);
}
END_TEST

START_TEST(test_randn_stats) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d[2] = {4, 250000};
  vkg_tensor *t = kt_new(ctx, 2, d, NULL);
  VKG_CHECK_OK(ctx, vkg_randn(ctx, t, 1234, 0, 0));
  float *h = kt_get(ctx, t);
  double s = 0, s2 = 0, s4 = 0;
  for (int i = 0; i < 1000000; i++) s += h[i];
  double m = s / 1e6;
  for (int i = 0; i < 1000000; i++) {
    double e = h[i] - m;
    s2 += e * e;
    s4 += e * e * e * e;
  }
  double sd = sqrt(s2 / 1e6), kurt = s4 / 1e6 / (sd * sd * sd * sd);
  ck_assert_msg(fabs(m) < 5e-3, "mean %g", m);
  ck_assert_msg(fabs(sd - 1) < 5e-3, "std %g", sd);
  ck_assert_msg(fabs(kurt - 3) < 0.05, "kurtosis %g", kurt);
  free(h);
  VKG_CHECK_OK(ctx, vkg_rand_uniform(ctx, t, 1234, 0, 0));
  h = kt_get(ctx, t);
  s = 0;
  float lo = 1, hi = 0;
  for (int i = 0; i < 1000000; i++) {
    s += h[i];
    lo = h[i] < lo ? h[i] : lo;
    hi = h[i] > hi ? h[i] : hi;
  }
  ck_assert_msg(fabs(s / 1e6 - 0.5) < 2e-3 && lo >= 0 && hi < 1, "uniform mean %g range [%g, %g]", s / 1e6, lo, hi);
  free(h);
  vkg_tensor_unref(t);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_randn_batch_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d8[4] = {8, 3, 5, 7}, d3[4] = {3, 3, 5, 7}, per = 105;
  vkg_tensor *a = kt_new(ctx, 4, d8, NULL), *b = kt_new(ctx, 4, d3, NULL);
  for (int normal = 0; normal < 2; normal++) {
    VKG_CHECK_OK(ctx, normal ? vkg_randn(ctx, a, 77, 0, 3) : vkg_rand_uniform(ctx, a, 77, 0, 3));
    VKG_CHECK_OK(ctx, normal ? vkg_randn(ctx, b, 77, 5, 3) : vkg_rand_uniform(ctx, b, 77, 5, 3));
    float *ha = kt_get(ctx, a), *hb = kt_get(ctx, b);
    /* sample 5 of a batch of 8 == sample 0 of a batch starting at 5 (and 6, 7 too) */
    ck_assert(memcmp(ha + 5 * per, hb, (size_t)(3 * per) * sizeof *ha) == 0);
    /* another stream or seed differs */
    VKG_CHECK_OK(ctx, normal ? vkg_randn(ctx, b, 77, 5, 4) : vkg_rand_uniform(ctx, b, 77, 5, 4));
    free(hb);
    hb = kt_get(ctx, b);
    ck_assert(memcmp(ha + 5 * per, hb, (size_t)per * sizeof *ha) != 0);
    free(ha), free(hb);
  }
  vkg_tensor_unref(a), vkg_tensor_unref(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Samples rows copies of one logits row and compares frequencies with softmax(l / T). */
static void categorical_case(vkg_ctx *ctx, const float *logits, int c, float temp, int rows, uint64_t first) {
  float *h = malloc((size_t)rows * c * sizeof *h);
  for (int r = 0; r < rows; r++) memcpy(h + (size_t)r * c, logits, (size_t)c * sizeof *h);
  int64_t d[2] = {rows, c}, n = rows;
  vkg_tensor *l = kt_new(ctx, 2, d, h), *idx = kt_newt(ctx, VKG_I32, 1, &n, NULL);
  VKG_CHECK_OK(ctx, vkg_categorical(ctx, l, idx, temp, 99, first, 0));
  int32_t *got = kt_get(ctx, idx);
  double *cnt = calloc((size_t)c, sizeof *cnt), mx = -INFINITY, z = 0;
  for (int r = 0; r < rows; r++) {
    ck_assert(got[r] >= 0 && got[r] < c);
    cnt[got[r]]++;
  }
  for (int i = 0; i < c; i++) mx = logits[i] / temp > mx ? logits[i] / temp : mx;
  for (int i = 0; i < c; i++) z += exp(logits[i] / temp - mx);
  double chi2 = 0;
  for (int i = 0; i < c; i++) {
    double e = rows * exp(logits[i] / temp - mx) / z;
    if (getenv("KL_DEBUG") && cnt[i] > 0) fprintf(stderr, "class %d: %g expected %g\n", i, cnt[i], e);
    if (e > 0) chi2 += (cnt[i] - e) * (cnt[i] - e) / e;
  }
  /* chi-square with c-1 dof: mean c-1, sd sqrt(2(c-1)); allow mean + 6 sd */
  double bound = (c - 1) + 6 * sqrt(2.0 * (c - 1));
  ck_assert_msg(chi2 <= bound, "categorical C=%d T=%g: chi2 %g > %g", c, temp, chi2, bound);
  free(h), free(got), free(cnt);
  vkg_tensor_unref(l), vkg_tensor_unref(idx);
}

START_TEST(test_categorical) {
  vkg_ctx *ctx = vkg_test_ctx();
  float l5[5] = {0.1f, 1.5f, -0.7f, 0.9f, 0.0f};
  categorical_case(ctx, l5, 5, 1.0f, 40000, 0);
  categorical_case(ctx, l5, 5, 0.5f, 40000, 123);   /* sharper */
  categorical_case(ctx, l5, 5, 3.0f, 40000, 7);     /* flatter */
  float l1[1] = {2};
  categorical_case(ctx, l1, 1, 1.0f, 100, 0);
  float *l256 = malloc(256 * sizeof *l256);
  vkg_test_fill_uniform(l256, 256, 5, -2, 2);
  categorical_case(ctx, l256, 256, 1.0f, 60000, 0); /* PixelCNN's 256 intensities */
  free(l256);
  int big = 10007;                                   /* several class chunks */
  float *lb = malloc((size_t)big * sizeof *lb);
  for (int i = 0; i < big; i++) lb[i] = -30;
  lb[3] = 1.0f, lb[9000] = 1.5f, lb[10006] = 0.5f;
  categorical_case(ctx, lb, big, 1.0f, 3000, 0);
  /* greedy (temperature 0): argmax, ties to the lowest index */
  lb[9000] = 1.0f;
  int64_t d[2] = {1, big}, one = 1;
  vkg_tensor *l = kt_new(ctx, 2, d, lb), *idx = kt_newt(ctx, VKG_I32, 1, &one, NULL);
  VKG_CHECK_OK(ctx, vkg_categorical(ctx, l, idx, 0, 1, 0, 0));
  int32_t *g = kt_get(ctx, idx);
  ck_assert_int_eq(g[0], 3);
  free(g), free(lb);
  vkg_tensor_unref(l), vkg_tensor_unref(idx);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_categorical_batch_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d[2] = {16, 37}, d2[2] = {6, 37}, n16 = 16, n6 = 6;
  float *h;
  vkg_tensor *l = kt_rand(ctx, 2, d, 8, -1, 1, &h);
  vkg_tensor *l2 = kt_new(ctx, 2, d2, h + 10 * 37);
  vkg_tensor *i1 = kt_newt(ctx, VKG_I32, 1, &n16, NULL), *i2 = kt_newt(ctx, VKG_I32, 1, &n6, NULL);
  VKG_CHECK_OK(ctx, vkg_categorical(ctx, l, i1, 1, 5, 100, 2));
  VKG_CHECK_OK(ctx, vkg_categorical(ctx, l2, i2, 1, 5, 110, 2));
  int32_t *a = kt_get(ctx, i1), *b = kt_get(ctx, i2);
  ck_assert(memcmp(a + 10, b, 6 * sizeof *a) == 0);
  free(a), free(b), free(h);
  vkg_tensor_unref(l), vkg_tensor_unref(l2), vkg_tensor_unref(i1), vkg_tensor_unref(i2);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_random_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d[2] = {4, 5}, n3 = 3;
  vkg_tensor *ti = kt_newt(ctx, VKG_I32, 2, d, NULL), *l = kt_new(ctx, 2, d, NULL),
             *i3 = kt_newt(ctx, VKG_I32, 1, &n3, NULL);
  VKG_CHECK_FAILS(ctx, vkg_randn(ctx, ti, 0, 0, 0), VKG_E_INPUT, "randn: t [4, 5] must be f32, got i32");
  VKG_CHECK_FAILS(ctx, vkg_categorical(ctx, l, i3, 1, 0, 0, 0), VKG_E_INPUT,
                  "categorical: logits [4, 5] and idx [3]");
  vkg_tensor_unref(ti), vkg_tensor_unref(l), vkg_tensor_unref(i3);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_random");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_philox_known_answer);
  tcase_add_test(tc, test_randn_stats);
  tcase_add_test(tc, test_randn_batch_independent);
  tcase_add_test(tc, test_categorical);
  tcase_add_test(tc, test_categorical_batch_independent);
  tcase_add_test(tc, test_random_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
