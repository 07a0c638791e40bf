/* vkgen kernels — reductions (f32) and nearest-code search. */
#ifndef VKGEN_KERNELS_REDUCE_H
#define VKGEN_KERNELS_REDUCE_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sum of x over the given axes (each in [-ndim, ndim), no repeats; naxes 0 = no axes, a copy).
 * keepdim: y keeps the reduced axes with size 1; else they are removed (a full reduction
 * then gives a 0-d or [1] tensor: both are accepted). One invocation per output element,
 * f32 with blocked partial sums. */
VKG_EXPORT vkg_status vkg_reduce_sum(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *axes, int naxes,
                                     int keepdim);
/* Same, divided by the number of elements reduced. */
VKG_EXPORT vkg_status vkg_reduce_mean(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *axes,
                                      int naxes, int keepdim);

/* Index of the nearest code: idx[n] = argmin_k sum_d (x[n, d] - codebook[k, d])^2.
 * x: [N, D] f32, codebook: [K, D] f32, idx: [N] of dtype i32 or i64.
 * The distance is the exact sum of squared differences (not diffusers'
 * |x|^2 - 2 x.c + |c|^2 expansion, which loses precision and can reorder near ties),
 * accumulated in f32 in order d = 0..D-1 without contraction; exact ties resolve to the
 * lowest index, like torch.argmin. */
VKG_EXPORT vkg_status vkg_argmin_codebook(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *codebook,
                                          vkg_tensor *idx);

#ifdef __cplusplus
}
#endif
#endif
