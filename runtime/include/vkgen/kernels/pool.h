/* vkgen kernels — 2-D pooling of NCHW f32 tensors (ceil_mode false, dilation 1). */
#ifndef VKGEN_KERNELS_POOL_H
#define VKGEN_KERNELS_POOL_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_pool2d_params {
  int kernel_h, kernel_w;
  int stride_h, stride_w;   /* torch's default stride is the kernel size */
  int pad_h, pad_w;         /* each <= kernel / 2, as torch requires */
  int count_include_pad;    /* avg pool: divide by kernel_h * kernel_w (1, torch default) or by the
                               number of elements inside the input (0) */
} vkg_pool2d_params;

/* Output size along one axis: floor((in + 2 pad - k) / stride) + 1; < 1 means invalid. */
VKG_EXPORT int64_t vkg_pool_out_size(int64_t in, int k, int stride, int pad);

/* torch.nn.functional.avg_pool2d. x: [N, C, H, W], y: [N, C, OH, OW] checked against the formula. */
VKG_EXPORT vkg_status vkg_avg_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const vkg_pool2d_params *p);
/* torch.nn.functional.max_pool2d; padding counts as -inf. */
VKG_EXPORT vkg_status vkg_max_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const vkg_pool2d_params *p);
/* torch.nn.functional.adaptive_avg_pool2d to y's size (windows up to 32768 elements; use
 * vkg_reduce_mean for a global average of a larger map): window [floor(o * in / out),
 * ceil((o + 1) * in / out)). x: [N, C, H, W], y: [N, C, OH, OW]. */
VKG_EXPORT vkg_status vkg_adaptive_avg_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y);

#ifdef __cplusplus
}
#endif
#endif
