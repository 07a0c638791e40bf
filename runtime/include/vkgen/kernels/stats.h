/* vkgen kernels — streaming mean / covariance of feature vectors (FID statistics).
 *
 * An accumulator holds, on the device, sum_n x[n] ([D]) and sum_n x[n] x[n]^T ([D, D]) over
 * every batch added, so memory stays flat however many samples stream through. Each batch's
 * contribution is summed with compensated f32 arithmetic (Dekker's exact TwoProduct for
 * the products and Kahan-Babuska pairs for the sums), which keeps about twice f32 precision on the
 * running totals; the host reads them as doubles.
 */
#ifndef VKGEN_KERNELS_STATS_H
#define VKGEN_KERNELS_STATS_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_stats_acc vkg_stats_acc;

/* A zeroed accumulator for feature vectors of length dim (>= 1). */
VKG_EXPORT vkg_status vkg_stats_acc_create(vkg_ctx *ctx, int64_t dim, vkg_stats_acc **out);
VKG_EXPORT void vkg_stats_acc_destroy(vkg_stats_acc *acc); /* NULL is fine */

/* Adds a batch x: [N, dim] f32 (records GPU work; no host round trip). */
VKG_EXPORT vkg_status vkg_stats_acc_add(vkg_ctx *ctx, vkg_stats_acc *acc, const vkg_tensor *x);

/* Samples added so far. */
VKG_EXPORT int64_t vkg_stats_acc_count(const vkg_stats_acc *acc);

/* Downloads the totals: sum [dim] and outer [dim * dim] (row-major), either may be NULL. */
VKG_EXPORT vkg_status vkg_stats_acc_read(vkg_ctx *ctx, vkg_stats_acc *acc, double *sum, double *outer);

/* The raw state (checkpoints, merging across processes): the device's (value, compensation)
 * f32 pairs, 2 * (dim + dim * dim) floats (sum first, then outer). Importing it into a fresh
 * accumulator restores it bit for bit, with n samples. */
VKG_EXPORT size_t vkg_stats_acc_raw_floats(const vkg_stats_acc *acc);
VKG_EXPORT vkg_status vkg_stats_acc_export(vkg_ctx *ctx, vkg_stats_acc *acc, float *raw);
VKG_EXPORT vkg_status vkg_stats_acc_import(vkg_ctx *ctx, vkg_stats_acc *acc, const float *raw, int64_t n);

/* Host: mean = sum / n and the unbiased covariance (as numpy.cov(rowvar=False)):
 * cov = (outer - n mean mean^T) / (n - 1), in double. Needs n >= 2; ctx only carries the
 * error message (may be NULL). */
VKG_EXPORT vkg_status vkg_stats_mean_cov(vkg_ctx *ctx, const double *sum, const double *outer, int64_t n,
                                         int64_t dim, double *mean, double *cov);

/* Convenience: read the accumulator and compute mean [dim] and cov [dim * dim]. */
VKG_EXPORT vkg_status vkg_stats_acc_mean_cov(vkg_ctx *ctx, vkg_stats_acc *acc, double *mean, double *cov);

#ifdef __cplusplus
}
#endif
#endif
