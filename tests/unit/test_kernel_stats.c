/* Mean / covariance accumulation: batches streamed in equal one batch (relative 1e-9) and the
 * double-precision numpy.cov-style reference (|err| <= 1e-6 * (|ref| + max|cov|)). */
#include <math.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void ref_mean_cov(const float *x, int64_t n, int64_t d, double *mean, double *cov) {
  for (int64_t j = 0; j < d; j++) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += x[i * d + j];
    mean[j] = s / (double)n;
  }
  for (int64_t a = 0; a < d; a++)
    for (int64_t b = 0; b < d; b++) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
      cov[a * d + b] = s / (double)(n - 1);
    }
}

static void stats_case(vkg_ctx *ctx, int64_t d, const int64_t *batches, int nb) {
  int64_t n = 0;
  for (int i = 0; i < nb; i++) n += batches[i];
  float *x = malloc((size_t)(n * d) * sizeof *x);
  vkg_test_fill_uniform(x, (size_t)(n * d), 100 + (unsigned)d, 0, 1);
  for (int64_t i = 0; i < n * d; i++) x[i] = x[i] * x[i] * 2.0f + 0.1f * (float)(i % d); /* skewed, offset */
  vkg_stats_acc *many = NULL, *one = NULL;
  VKG_CHECK_OK(ctx, vkg_stats_acc_create(ctx, d, &many));
  VKG_CHECK_OK(ctx, vkg_stats_acc_create(ctx, d, &one));
  int64_t off = 0;
  for (int i = 0; i < nb; i++) {
    int64_t sh[2] = {batches[i], d};
    vkg_tensor *t = kt_new(ctx, 2, sh, x + off * d);
    VKG_CHECK_OK(ctx, vkg_stats_acc_add(ctx, many, t));
    vkg_tensor_unref(t); /* the stream keeps the recorded read valid */
    off += batches[i];
  }
  int64_t sh[2] = {n, d};
  vkg_tensor *all = kt_new(ctx, 2, sh, x);
  VKG_CHECK_OK(ctx, vkg_stats_acc_add(ctx, one, all));
  ck_assert_int_eq(vkg_stats_acc_count(many), n);
  ck_assert_int_eq(vkg_stats_acc_count(one), n);
  size_t dd = (size_t)(d * d);
  double *m1 = malloc((size_t)d * sizeof *m1), *c1 = malloc(dd * sizeof *c1), *m2 = malloc((size_t)d * sizeof *m2),
         *c2 = malloc(dd * sizeof *c2), *mr = malloc((size_t)d * sizeof *mr), *cr = malloc(dd * sizeof *cr);
  VKG_CHECK_OK(ctx, vkg_stats_acc_mean_cov(ctx, many, m1, c1));
  VKG_CHECK_OK(ctx, vkg_stats_acc_mean_cov(ctx, one, m2, c2));
  ref_mean_cov(x, n, d, mr, cr);
  double cmax = 0;
  for (size_t i = 0; i < dd; i++) cmax = fmax(cmax, fabs(cr[i]));
  for (int64_t j = 0; j < d; j++) {
    ck_assert_msg(fabs(m1[j] - m2[j]) <= 1e-9 * fabs(m2[j]) + 1e-12, "mean %lld: batches %.12g one %.12g",
                  (long long)j, m1[j], m2[j]);
    ck_assert_msg(fabs(m1[j] - mr[j]) <= 1e-6 * fabs(mr[j]) + 1e-9, "mean %lld: %.12g ref %.12g", (long long)j,
                  m1[j], mr[j]);
  }
  for (size_t i = 0; i < dd; i++) {
    ck_assert_msg(fabs(c1[i] - c2[i]) <= 1e-9 * (fabs(c2[i]) + cmax), "cov %zu: batches %.12g one %.12g", i, c1[i],
                  c2[i]);
    ck_assert_msg(fabs(c1[i] - cr[i]) <= 1e-6 * (fabs(cr[i]) + cmax), "cov %zu: %.12g ref %.12g", i, c1[i], cr[i]);
  }
  free(m1), free(c1), free(m2), free(c2), free(mr), free(cr), free(x);
  vkg_tensor_unref(all);
  vkg_stats_acc_destroy(many);
  vkg_stats_acc_destroy(one);
}

START_TEST(test_stats_accumulate) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t b1[2] = {1, 1}, b3[3] = {50, 33, 17}, b4[4] = {64, 64, 64, 7}, bbig[2] = {17000, 3003};
  stats_case(ctx, 1, b1, 2);
  stats_case(ctx, 37, b3, 3);
  stats_case(ctx, 256, b4, 4);
  stats_case(ctx, 5, bbig, 2); /* > 16384 rows in one batch: several row slices */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

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
  tcase_add_test(tc, test_stats_accumulate);
  tcase_add_test(tc, test_stats_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
