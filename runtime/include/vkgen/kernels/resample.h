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

#ifdef __cplusplus
}
#endif
#endif
