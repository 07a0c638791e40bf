/* Frechet distance through two symmetric eigensolves (see fid_math.h for why this equals
 * pytorch-fid's sqrtm-based trace). */
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "fid_math.h"

/* tr sqrt(S1 S2) for symmetric PSD S1, S2 (d x d). Returns 0, or -1 on eigensolver failure. */
static int trace_sqrt_product(const double *s1, const double *s2, int64_t d, double *out, double *work) {
  double *v = work, *r = v + d * d, *t = r + d * d, *w = t + d * d;
  memcpy(v, s1, sizeof(double) * (size_t)(d * d));
  if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, v, (lapack_int)d, w) != 0) return -1;
  /* R = V diag(sqrt(max(w, 0))) V^T: scale V's columns into t, then t V^T. */
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < d; j++) t[i * d + j] = v[i * d + j] * sqrt(w[j] > 0 ? w[j] : 0);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)d, (int)d, (int)d, 1.0, t, (int)d, v, (int)d, 0.0, r,
              (int)d);
  /* M = R S2 R */
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, r, (int)d, s2, (int)d, 0.0, t,
              (int)d);
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)d, (int)d, 1.0, t, (int)d, r, (int)d, 0.0, v,
              (int)d);
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = i + 1; j < d; j++) v[i * d + j] = v[j * d + i] = 0.5 * (v[i * d + j] + v[j * d + i]);
  if (LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)d, v, (lapack_int)d, w) != 0) return -1;
  double tr = 0;
  for (int64_t i = 0; i < d; i++) tr += sqrt(w[i] > 0 ? w[i] : 0);
  *out = tr;
  return 0;
}

static int all_finite(const double *x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

vkg_status vkg_fid_frechet_distance(vkg_ctx *ctx, const double *mu1, const double *sigma1, const double *mu2,
                                    const double *sigma2, int64_t d, double eps, double *fid, int *used_eps) {
  if (used_eps) *used_eps = 0;
  if (d < 1 || d > 65536) return vkg_error(ctx, VKG_E_INPUT, "fid: feature dimension %lld out of range", (long long)d);
  if (!all_finite(mu1, d) || !all_finite(mu2, d))
    return vkg_error(ctx, VKG_E_INPUT, "fid: the feature means hold NaN or infinite values");
  double *work = malloc(sizeof(double) * (size_t)(3 * d * d + d));
  double *a = malloc(sizeof(double) * (size_t)(2 * d * d));
  if (!work || !a) {
    free(work);
    free(a);
    return vkg_error(ctx, VKG_E_NOMEM, "fid: out of host memory for %lld x %lld matrices", (long long)d,
                     (long long)d);
  }
  double *b = a + d * d, diff2 = 0, tr1 = 0, tr2 = 0, trs = NAN;
  for (int64_t i = 0; i < d; i++) {
    diff2 += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
    tr1 += sigma1[i * d + i];
    tr2 += sigma2[i * d + i];
  }
  int ok = all_finite(sigma1, d * d) && all_finite(sigma2, d * d) &&
           trace_sqrt_product(sigma1, sigma2, d, &trs, work) == 0 && isfinite(trs);
  if (!ok && eps > 0) {
    /* pytorch-fid: retry with eps * I added to both covariances. */
    memcpy(a, sigma1, sizeof(double) * (size_t)(d * d));
    memcpy(b, sigma2, sizeof(double) * (size_t)(d * d));
    for (int64_t i = 0; i < d; i++) {
      a[i * d + i] += eps;
      b[i * d + i] += eps;
    }
    if (used_eps) *used_eps = 1;
    ok = all_finite(a, d * d) && all_finite(b, d * d) && trace_sqrt_product(a, b, d, &trs, work) == 0 &&
         isfinite(trs);
  }
  free(work);
  free(a);
  if (!ok)
    return vkg_error(ctx, VKG_E_INPUT,
                     "fid: the square root of the covariance product is not finite (statistics hold NaN/inf or "
                     "the eigensolver did not converge)");
  *fid = diff2 + tr1 + tr2 - 2 * trs;
  return VKG_OK;
}
