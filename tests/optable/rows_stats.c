/* Mean / covariance accumulation (vkg_stats_acc): batches streamed in equal one batch (relative
 * aux_tol = 1e-9) and the double-precision numpy.cov-style reference (|err| <= rtol (|ref| + max|cov|),
 * rtol 1e-6; the mean: rtol |ref| + 1e-9).
 * Was tests/unit/test_kernel_stats.c test_stats_accumulate: 4 cases. */
#include <math.h>

#include "optable.h"

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

static void acc_destroy(void *a) { vkg_stats_acc_destroy(a); }

/* i: dim, nbatches, batch sizes[4] */
static void run_stats(vkg_op_h *h) {
  const int64_t *c = h->row->i, d = c[0], *batches = c + 2;
  const int nb = (int)c[1];
  int64_t n = 0;
  for (int i = 0; i < nb; i++) n += batches[i];
  ot_desc(h, "stats_acc dim %lld, %d batches, %lld rows", (long long)d, nb, (long long)n);
  float *x = ot_rand(h, (size_t)(n * d), 100 + (unsigned)d, 0, 1);
  for (int64_t i = 0; i < n * d; i++) x[i] = x[i] * x[i] * 2.0f + 0.1f * (float)(i % d); /* skewed, offset */
  vkg_stats_acc *many = NULL, *one = NULL;
  OT_OK(h, vkg_stats_acc_create(h->ctx, d, &many));
  ot_own(h, acc_destroy, many);
  OT_OK(h, vkg_stats_acc_create(h->ctx, d, &one));
  ot_own(h, acc_destroy, one);
  int64_t off = 0;
  for (int i = 0; i < nb; i++) {
    int64_t sh[2] = {batches[i], d};
    vkg_tensor *t = ot_f32(h, 2, sh, x + off * d);
    ot_work(h, (double)(batches[i] * d * d), 4.0 * (double)(batches[i] * d));
    OT_RUN(h, vkg_stats_acc_add(h->ctx, many, t));
    ot_release(h, t); /* the stream keeps the recorded read valid */
    off += batches[i];
  }
  if (!ot_checking(h)) return;
  int64_t sh[2] = {n, d};
  vkg_tensor *all = ot_f32(h, 2, sh, x);
  OT_OK(h, vkg_stats_acc_add(h->ctx, one, all));
  OT_ASSERT(h, vkg_stats_acc_count(many) == n && vkg_stats_acc_count(one) == n, "counts %lld / %lld, want %lld",
            (long long)vkg_stats_acc_count(many), (long long)vkg_stats_acc_count(one), (long long)n);
  size_t dd = (size_t)(d * d);
  double *m1 = ot_alloc(h, (size_t)d * sizeof *m1), *c1 = ot_alloc(h, dd * sizeof *c1);
  double *m2 = ot_alloc(h, (size_t)d * sizeof *m2), *c2 = ot_alloc(h, dd * sizeof *c2);
  double *mr = ot_alloc(h, (size_t)d * sizeof *mr), *cr = ot_alloc(h, dd * sizeof *cr);
  OT_OK(h, vkg_stats_acc_mean_cov(h->ctx, many, m1, c1));
  OT_OK(h, vkg_stats_acc_mean_cov(h->ctx, one, m2, c2));
  ref_mean_cov(x, n, d, mr, cr);
  const double same = h->row->aux_tol, rtol = h->row->rtol;
  double cmax = 0;
  for (size_t i = 0; i < dd; i++) cmax = fmax(cmax, fabs(cr[i]));
  h->res->checks += 2;
  for (int64_t j = 0; j < d; j++) {
    OT_ASSERT(h, fabs(m1[j] - m2[j]) <= same * fabs(m2[j]) + 1e-12, "mean %lld: batches %.12g one %.12g", (long long)j,
              m1[j], m2[j]);
    OT_ASSERT(h, fabs(m1[j] - mr[j]) <= rtol * fabs(mr[j]) + 1e-9, "mean %lld: %.12g ref %.12g", (long long)j, m1[j],
              mr[j]);
  }
  for (size_t i = 0; i < dd; i++) {
    OT_ASSERT(h, fabs(c1[i] - c2[i]) <= same * (fabs(c2[i]) + cmax), "cov %zu: batches %.12g one %.12g", i, c1[i], c2[i]);
    OT_ASSERT(h, fabs(c1[i] - cr[i]) <= rtol * (fabs(cr[i]) + cmax), "cov %zu: %.12g ref %.12g", i, c1[i], cr[i]);
  }
}

#define ST(...) {.family = "stats", .op = "stats_acc", .run = run_stats, .rtol = 1e-6, .aux_tol = 1e-9, .i = {__VA_ARGS__}}

static const vkg_op_row rows[] = {
    /* dim, batches, sizes */
    ST(1, 2, 1, 1),
    ST(37, 3, 50, 33, 17),
    ST(256, 4, 64, 64, 64, 7),
    ST(5, 2, 17000, 3003), /* > 16384 rows in one batch: several row slices */
};

const vkg_op_family vkg_op_family_stats = {"stats", OT_ROWS(rows), NULL};
