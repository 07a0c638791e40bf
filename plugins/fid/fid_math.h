/* FID on the host, in double precision (plain C + LAPACK; no device work).
 *
 *   FID = |mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr sqrt(S1 S2)
 *
 * pytorch-fid takes sqrtm(S1 S2) with scipy's general (Schur) square root. S1 S2 is not
 * symmetric, but it is similar to a symmetric PSD matrix: with R = S1^(1/2) (symmetric PSD),
 * S1 S2 = R (R S2 R) R^-1 when S1 is invertible, and in general the nonzero eigenvalues of
 * R (R S2) and (R S2) R = R S2 R agree. So tr sqrt(S1 S2) = sum_i sqrt(lambda_i(R S2 R)), and
 * R S2 R is symmetric PSD: two symmetric eigensolves (LAPACKE_dsyevd) do it, with tiny
 * negative eigenvalues from rounding clipped to 0. Always real, no "imaginary component".
 *
 * Near-singular covariances (fewer samples than dims): pytorch-fid retries with eps * I added
 * to both covariances when its square root is not finite. Here a non-finite result (NaN/inf
 * statistics or an eigensolver that does not converge) triggers the same retry; *used_eps
 * says whether it happened so the caller can warn.
 */
#ifndef VKG_FID_MATH_H
#define VKG_FID_MATH_H

#include <stdint.h>

#include <vkgen/status.h>

/* Visible from fid.so so unit tests can reach these through dlsym (tests do not link LAPACK). */
#define VKG_FID_API __attribute__((visibility("default")))

/* mu [d], sigma [d * d] row-major (symmetric). eps >= 0. ctx carries messages. */
VKG_FID_API vkg_status vkg_fid_frechet_distance(vkg_ctx *ctx, const double *mu1, const double *sigma1,
                                                const double *mu2, const double *sigma2, int64_t d, double eps,
                                                double *fid, int *used_eps);
typedef vkg_status (*vkg_fid_frechet_distance_fn)(vkg_ctx *, const double *, const double *, const double *,
                                                  const double *, int64_t, double, double *, int *);

/* Sufficient statistics of a set of feature vectors: n, sum [d], outer = sum x x^T [d * d].
 * Merging two sets is adding them, exactly as if their samples had been streamed together. */
typedef struct vkg_fid_stats {
  int64_t dim, n;
  double *sum, *outer;
  int moments_only; /* from a pytorch-fid .npz (mu, sigma, no count): n is a nominal 2; cannot merge */
} vkg_fid_stats;

VKG_FID_API vkg_status vkg_fid_stats_alloc(vkg_ctx *ctx, int64_t dim, vkg_fid_stats *s); /* zeroed */
VKG_FID_API void vkg_fid_stats_free(vkg_fid_stats *s);
/* dst += src; dims must agree (error names both). what names dst/src in messages. */
VKG_FID_API vkg_status vkg_fid_stats_merge(vkg_ctx *ctx, vkg_fid_stats *dst, const vkg_fid_stats *src,
                                           const char *what);
/* mean and unbiased covariance (numpy.cov) of the set; n >= 2. */
VKG_FID_API vkg_status vkg_fid_stats_mean_cov(vkg_ctx *ctx, const vkg_fid_stats *s, double *mu, double *sigma);

/* Stats files (docs/metrics.md): safetensors with F64 tensors `sum` [D], `outer` [D, D],
 * `mu` [D], `sigma` [D, D] and I64 `n` [1]; metadata format = "vkgen-fid-stats". Written
 * atomically. Loading takes sum/outer/n (exact); a file with only mu, sigma and n (e.g. converted
 * from pytorch-fid's .npz, plus n) is accepted: sums are rebuilt from them. A pytorch-fid
 * .npz file (mu, sigma; path ending in .npz) loads too, with n from the param n_hint (its
 * own file has no count; n only matters for merging). */
VKG_FID_API vkg_status vkg_fid_stats_save(vkg_ctx *ctx, const char *path, const vkg_fid_stats *s);
VKG_FID_API vkg_status vkg_fid_stats_load(vkg_ctx *ctx, const char *path, vkg_fid_stats *s);

#endif
