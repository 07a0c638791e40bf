/* Inception Score on the host, in double precision, as torch-fidelity's
 * isc_features_to_metric computes it (without its shuffle):
 *
 *   p = softmax(logits) per row;  split k (k = 0 .. splits-1) is rows [k*N/splits, (k+1)*N/splits)
 *   in the order they arrive;  q_k = mean of p over split k;
 *   score_k = exp(mean over the split's rows of KL(p || q_k));  result: mean and population
 *   std (ddof 0) of the scores.
 *
 * Streaming: KL summed over a split's rows is  sum_i sum_c p_ic log p_ic - sum_c P_c log q_c
 * with P = sum_i p_i and q = P / n_k, so a split needs only P (C doubles) and one scalar.
 * When N is known up front (samples > 0) every row goes straight into its split's sums and
 * memory is splits * C doubles whatever N is. When it is not, split boundaries are unknown
 * until the end, so rows are kept on the host as the f32 logits they arrived as (4 C bytes a
 * sample: 4 KB for C = 1008) and scored at the end; the result is the same.
 */
#ifndef VKG_IS_MATH_H
#define VKG_IS_MATH_H

#include <stddef.h>
#include <stdint.h>

#include <vkgen/status.h>

typedef struct vkg_is_acc vkg_is_acc;

/* classes >= 1, splits >= 1, samples >= 0 (0: unknown). ctx carries messages. */
vkg_status vkg_is_acc_create(vkg_ctx *ctx, int64_t classes, int splits, int64_t samples, vkg_is_acc **out);
void vkg_is_acc_destroy(vkg_is_acc *acc);
/* Adds rows x rows logits (row-major, classes wide). */
vkg_status vkg_is_acc_add(vkg_ctx *ctx, vkg_is_acc *acc, const float *logits, int64_t rows);
/* The same with the rows' global position: row r is sample first + r of the whole run (a
 * sharded run adds its batches out of order; the result is that of adding them in order). */
vkg_status vkg_is_acc_add_at(vkg_ctx *ctx, vkg_is_acc *acc, const float *logits, int64_t rows, int64_t first);
int64_t vkg_is_acc_count(const vkg_is_acc *acc);
/* State for checkpoints and merging ranks (is_state.c): a malloc'd byte string; merging into
 * an empty accumulator restores it exactly, into a filled one adds the other share. */
vkg_status vkg_is_acc_save(vkg_ctx *ctx, const vkg_is_acc *acc, void **data, size_t *size);
vkg_status vkg_is_acc_merge(vkg_ctx *ctx, vkg_is_acc *acc, const void *data, size_t size);
/* Mean and std over the splits. Errors: fewer samples than splits, a count that disagrees with
 * samples, non-finite logits. */
vkg_status vkg_is_acc_result(vkg_ctx *ctx, vkg_is_acc *acc, double *mean, double *std);

/* One-shot form over N rows in memory (what the accumulator computes). */
vkg_status vkg_is_score(vkg_ctx *ctx, const float *logits, int64_t n, int64_t classes, int splits, double *mean,
                        double *std);

#endif
