/* upfirdn2d: upsample by zero insertion, pad, FIR filter, downsample (StyleGAN2 resampling). */
#include "klib_internal.h"
#include "spv/kl_upfirdn2d.h"
#include "vkgen/kernels/resample.h"

vkg_status vkg_upfirdn2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *f, vkg_tensor *y,
                         const vkg_upfirdn2d_params *p) {
  const char *k = "upfirdn2d";
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "f", f, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  if (p->up < 1 || p->down < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: up (%d) and down (%d) must be >= 1", k, p->up, p->down);
  const vkg_shape *xs = vkg_tensor_shape(x), *fs = vkg_tensor_shape(f), *ys = vkg_tensor_shape(y);
  char a[64], b[64], c[64];
  if (fs->ndim != 2 || fs->d[0] < 1 || fs->d[1] < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: filter f %s must be [FH, FW]", k, vkg_k_shape(f, a, sizeof a));
  if (xs->ndim != 4 || xs->d[2] < 1 || xs->d[3] < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s must be [N, C, H, W]", k, vkg_k_shape(x, a, sizeof a));
  const int64_t oh = (xs->d[2] * p->up + p->pad_y0 + p->pad_y1 - fs->d[0]) / p->down + 1;
  const int64_t ow = (xs->d[3] * p->up + p->pad_x0 + p->pad_x1 - fs->d[1]) / p->down + 1;
  const int64_t hu = xs->d[2] * p->up + p->pad_y0 + p->pad_y1, wu = xs->d[3] * p->up + p->pad_x0 + p->pad_x1;
  if (hu < fs->d[0] || wu < fs->d[1] || ys->ndim != 4 || ys->d[0] != xs->d[0] || ys->d[1] != xs->d[1] ||
      ys->d[2] != oh || ys->d[3] != ow)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: y %s should be [%lld, %lld, %lld, %lld] for x %s, filter %s, up %d, down %d, "
                     "padding (%d, %d, %d, %d)",
                     k, vkg_k_shape(y, a, sizeof a), (long long)xs->d[0], (long long)xs->d[1], (long long)oh,
                     (long long)ow, vkg_k_shape(x, b, sizeof b), vkg_k_shape(f, c, sizeof c), p->up, p->down,
                     p->pad_x0, p->pad_x1, p->pad_y0, p->pad_y1);
  struct {
    uint32_t n, h, w, oh, ow, fh, fw, up, down;
    int32_t px0, py0;
    float gain;
  } pc = {(uint32_t)vkg_tensor_numel(y),
          (uint32_t)xs->d[2],
          (uint32_t)xs->d[3],
          (uint32_t)oh,
          (uint32_t)ow,
          (uint32_t)fs->d[0],
          (uint32_t)fs->d[1],
          (uint32_t)p->up,
          (uint32_t)p->down,
          p->pad_x0,
          p->pad_y0,
          p->gain};
  const vkg_tensor *t[3] = {x, f, y};
  return VKG_K_LAUNCH(ctx, kl_upfirdn2d, t, 3, &pc, pc.n);
}
