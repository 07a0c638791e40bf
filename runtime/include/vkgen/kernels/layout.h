/* vkgen kernels — layout: concat, slice, permute (any dtype of 4 bytes, i.e. f32 / i32;
 * 8-byte dtypes (i64) are handled as pairs of words; ranks up to 6). Results are exact copies. */
#ifndef VKGEN_KERNELS_LAYOUT_H
#define VKGEN_KERNELS_LAYOUT_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* torch.cat(xs, axis): all inputs have y's rank and dtype and equal sizes except along axis,
 * where they sum to y's size. axis may be negative (counted from the end). y must not
 * alias an input. */
VKG_EXPORT vkg_status vkg_concat(vkg_ctx *ctx, const vkg_tensor *const *xs, int n, int axis, vkg_tensor *y);

/* y = x[start_0 : : step_0, start_1 : : step_1, ...] with y's shape giving the count along
 * each axis. starts: one per dim of x (>= 0); steps: one per dim (>= 1) or NULL (all 1).
 * x and y have the same rank and dtype. */
VKG_EXPORT vkg_status vkg_slice(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int64_t *starts,
                                const int64_t *steps);

/* torch.permute: y.shape[i] = x.shape[perm[i]]; perm is a permutation of 0..ndim-1.
 * y must not alias x. */
VKG_EXPORT vkg_status vkg_permute(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *perm);

#ifdef __cplusplus
}
#endif
#endif
