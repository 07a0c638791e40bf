/* Nearest and bilinear resize of NCHW tensors. */
#include "klib_internal.h"
#include "spv/kl_resize_bilinear.h"
#include "spv/kl_upsample_nearest.h"
#include "vkgen/kernels/resample.h"

static vkg_status check_nchw(vkg_ctx *ctx, const char *k, const vkg_tensor *x, const vkg_tensor *y) {
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  if (xs->ndim != 4 || ys->ndim != 4 || xs->d[0] != ys->d[0] || xs->d[1] != ys->d[1] ||
      (vkg_tensor_numel(y) > 0 && (xs->d[2] < 1 || xs->d[3] < 1))) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s and y %s must be [N, C, H, W] and [N, C, OH, OW]", k,
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(y, b, sizeof b));
  }
  return VKG_OK;
}

vkg_status vkg_upsample_nearest(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y) {
  vkg_status st = check_nchw(ctx, "upsample_nearest", x, y);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  struct {
    uint32_t n, h, w, oh, ow;
  } pc = {(uint32_t)vkg_tensor_numel(y), (uint32_t)xs->d[2], (uint32_t)xs->d[3], (uint32_t)ys->d[2],
          (uint32_t)ys->d[3]};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_upsample_nearest, t, 2, &pc, pc.n);
}

vkg_status vkg_resize_bilinear(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y) {
  vkg_status st = check_nchw(ctx, "resize_bilinear", x, y);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  if (vkg_tensor_numel(y) == 0) return VKG_OK;
  struct {
    uint32_t n, h, w, oh, ow;
    float sh, sw;
  } pc = {(uint32_t)vkg_tensor_numel(y),
          (uint32_t)xs->d[2],
          (uint32_t)xs->d[3],
          (uint32_t)ys->d[2],
          (uint32_t)ys->d[3],
          (float)xs->d[2] / (float)ys->d[2],
          (float)xs->d[3] / (float)ys->d[3]};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_resize_bilinear, t, 2, &pc, pc.n);
}
