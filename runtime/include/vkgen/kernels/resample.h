/* vkgen kernels — spatial resampling of NCHW f32 tensors. */
#ifndef VKGEN_KERNELS_RESAMPLE_H
#define VKGEN_KERNELS_RESAMPLE_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nearest-neighbour resize, x: [N, C, H, W] -> y: [N, C, OH, OW] with src = floor(dst * H / OH)
 * in exact integer arithmetic: equal to torch's mode="nearest" for integer scale factors
 * (the case it is meant for: OH = s * H). */
VKG_EXPORT vkg_status vkg_upsample_nearest(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y);

/* torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False)
 * to y's size, up or down (e.g. 28 -> 299, 512 -> 299): src = max((dst + 0.5) * in / out - 0.5, 0)
 * with the index exact as torch forms it (in double) and f32 weights. x: [N, C, H, W],
 * y: [N, C, OH, OW]. */
VKG_EXPORT vkg_status vkg_resize_bilinear(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y);

/* upfirdn2d as StyleGAN2's torch_utils.ops.upfirdn2d (ref path): insert up-1 zeros after every
 * pixel (x: [N, C, H, W] -> [H*up, W*up]), pad pad_x0/pad_x1/pad_y0/pad_y1 zeros before/after
 * (negative values crop), convolve each channel with the 2-D FIR filter f [FH, FW] (a true
 * convolution: the filter is flipped; f32) times gain, then keep every down-th pixel.
 * y: [N, C, OH, OW] with OH = (H*up + pad_y0 + pad_y1 - FH) / down + 1 (likewise OW). */
typedef struct vkg_upfirdn2d_params {
  int up, down;
  int pad_x0, pad_x1, pad_y0, pad_y1;
  float gain;
} vkg_upfirdn2d_params;
VKG_EXPORT vkg_status vkg_upfirdn2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *f, vkg_tensor *y,
                                    const vkg_upfirdn2d_params *p);

#ifdef __cplusplus
}
#endif
#endif
