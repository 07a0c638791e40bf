/* vkgen kernels — normalisation layers (f32, NCHW / [..., features]).
 *
 * Statistics are computed per row by one invocation (two passes: mean, then the sum of
 * squared deviations), so the variance does not suffer from E[x^2] - E[x]^2 cancellation.
 * Variance is the biased (population) one, as torch's norms use.
 */
#ifndef VKGEN_KERNELS_NORM_H
#define VKGEN_KERNELS_NORM_H
#include "../gpu.h"
#include "../tensor.h"
#include "activation.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torch.nn.functional.group_norm. x, y: [N, C, ...] (ndim >= 2, same shape), C divisible by
 * groups; gamma, beta: [C] (numel C) or NULL (scale 1, shift 0). In place (y == x) is safe. */
VKG_EXPORT vkg_status vkg_group_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma,
                                     const vkg_tensor *beta, vkg_tensor *y, int groups, float eps);
/* act(group_norm(x)) in one pass over memory (the activation is applied as the normalised
 * value is stored; same values as vkg_group_norm then vkg_activation). */
VKG_EXPORT vkg_status vkg_group_norm_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma,
                                         const vkg_tensor *beta, vkg_tensor *y, int groups, float eps, vkg_act act,
                                         float act_param);

/* torch.nn.functional.layer_norm over the last norm_dims dimensions of x (1 <= norm_dims <=
 * ndim). gamma, beta: numel equal to the product of those dimensions, or NULL.
 * x, y same shape; in place (y == x) is safe. */
VKG_EXPORT vkg_status vkg_layer_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma,
                                     const vkg_tensor *beta, vkg_tensor *y, int norm_dims, float eps);

/* Host helper for inference batch norm: folds running statistics and the affine parameters
 * into per-channel scale = gamma / sqrt(var + eps) and shift = beta - mean * scale
 * (computed in double, rounded to f32). gamma / beta may be NULL (1 / 0). */
VKG_EXPORT void vkg_batch_norm_fold(const float *running_mean, const float *running_var, const float *gamma,
                                    const float *beta, int64_t channels, float eps, float *scale, float *shift);

/* Inference batch norm with folded parameters: y[n, c, ...] = x[n, c, ...] * scale[c] + shift[c].
 * x, y: [N, C, ...] (ndim >= 2, same shape); scale, shift: numel C. In place is safe. */
VKG_EXPORT vkg_status vkg_batch_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *scale,
                                     const vkg_tensor *shift, vkg_tensor *y);

/* StyleGAN's normalize_2nd_moment along the last axis: y = x / sqrt(mean(x^2) + eps) per row.
 * x, y same shape (rows of the last dimension, at most 8192 long); y must not alias x. */
VKG_EXPORT vkg_status vkg_rms_normalize(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, float eps);

#ifdef __cplusplus
}
#endif
#endif
