/* avg / max / adaptive average 2-D pooling.
 *
 * avg / max run row-blocked (kl_pool2d_row.comp: 4 outputs of a row per invocation share their
 * window loads; bitwise the results of kl_pool2d.comp) where the window is at most 7 wide and
 * the stride along W at most 2; kl_pool2d.comp otherwise, or with VKGEN_POOL=pixel (A/B).
 * Inception's pools (B16, 3x3, CPU ms): docs/benchmarks.md, 2026-12-07. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "klib_internal.h"
#include "spv/kl_adaptive_avg_pool.h"
#include "spv/kl_pool2d.h"
#include "spv/kl_pool2d_row.h"
#include "vkgen/kernels/pool.h"

#define POOL_ROW_P 4      /* outputs per invocation (P in kl_pool2d_row.comp) */
#define POOL_ROW_MAX_KW 7 /* window (P - 1) * SW + KW <= 13 values in registers */

int64_t vkg_pool_out_size(int64_t in, int k, int stride, int pad) {
  if (k < 1 || stride < 1 || pad < 0) return 0;
  int64_t span = in + 2 * (int64_t)pad - k;
  if (span < 0) return 0;
  return span / stride + 1;
}

static vkg_status check_nchw(vkg_ctx *ctx, const char *k, const vkg_tensor *x, const vkg_tensor *y) {
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  if (xs->ndim != 4 || ys->ndim != 4 || xs->d[0] != ys->d[0] || xs->d[1] != ys->d[1]) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s and y %s must be [N, C, H, W] and [N, C, OH, OW]", k,
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(y, b, sizeof b));
  }
  return VKG_OK;
}

static vkg_status pool(vkg_ctx *ctx, const char *k, const vkg_tensor *x, vkg_tensor *y, const vkg_pool2d_params *p,
                       int is_max) {
  vkg_status st = check_nchw(ctx, k, x, y);
  if (st != VKG_OK) return st;
  if (!p) return vkg_error(ctx, VKG_E_INPUT, "%s: params are NULL", k);
  if (p->kernel_h < 1 || p->kernel_w < 1 || p->stride_h < 1 || p->stride_w < 1 || p->pad_h < 0 || p->pad_w < 0 ||
      p->pad_h > p->kernel_h / 2 || p->pad_w > p->kernel_w / 2 || (int64_t)p->kernel_h * p->kernel_w > 4 * VKG_K_CHUNK)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: bad params kernel %dx%d stride %dx%d pad %dx%d (pad must be <= kernel / 2)", k, p->kernel_h,
                     p->kernel_w, p->stride_h, p->stride_w, p->pad_h, p->pad_w);
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  int64_t oh = vkg_pool_out_size(xs->d[2], p->kernel_h, p->stride_h, p->pad_h);
  int64_t ow = vkg_pool_out_size(xs->d[3], p->kernel_w, p->stride_w, p->pad_w);
  if (oh < 1 || ow < 1 || ys->d[2] != oh || ys->d[3] != ow) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: y shape %s should be [%lld, %lld, %lld, %lld] for x shape %s", k,
                     vkg_k_shape(y, b, sizeof b), (long long)xs->d[0], (long long)xs->d[1], (long long)oh,
                     (long long)ow, vkg_k_shape(x, a, sizeof a));
  }
  const uint32_t mode = is_max ? 2u : (p->count_include_pad ? 0u : 1u);
  const char *env = getenv("VKGEN_POOL");
  if (p->kernel_w <= POOL_ROW_MAX_KW && p->stride_w <= 2 && !(env && !strcmp(env, "pixel"))) {
    const uint64_t owb = ((uint64_t)ow + POOL_ROW_P - 1) / POOL_ROW_P;
    const uint64_t n = (uint64_t)xs->d[0] * (uint64_t)xs->d[1] * (uint64_t)oh * owb;
    struct {
      uint32_t n, h, w, oh, ow, owb, kh, sh, ph, pw, mode;
    } rp = {(uint32_t)n,           (uint32_t)xs->d[2],    (uint32_t)xs->d[3], (uint32_t)oh,
            (uint32_t)ow,          (uint32_t)owb,         (uint32_t)p->kernel_h, (uint32_t)p->stride_h,
            (uint32_t)p->pad_h,    (uint32_t)p->pad_w,    mode};
    const uint32_t spec[2] = {(uint32_t)p->kernel_w, (uint32_t)p->stride_w};
    vkg_pipeline *pipe = NULL;
    st = vkg_kernel_pipeline(ctx, "kl_pool2d_row", vkg_spv_kl_pool2d_row, sizeof vkg_spv_kl_pool2d_row, "ss",
                             sizeof rp, spec, 2, &pipe);
    const vkg_tensor *t[2] = {x, y};
    return st != VKG_OK ? st : vkg_k_run(ctx, pipe, t, 2, &rp, sizeof rp, n);
  }
  struct {
    uint32_t n, h, w, oh, ow, kh, kw, sh, sw, ph, pw, mode;
  } pc = {(uint32_t)vkg_tensor_numel(y), (uint32_t)xs->d[2], (uint32_t)xs->d[3], (uint32_t)oh, (uint32_t)ow,
          (uint32_t)p->kernel_h, (uint32_t)p->kernel_w, (uint32_t)p->stride_h, (uint32_t)p->stride_w,
          (uint32_t)p->pad_h, (uint32_t)p->pad_w, mode};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_pool2d, t, 2, &pc, pc.n);
}

vkg_status vkg_avg_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const vkg_pool2d_params *p) {
  return pool(ctx, "avg_pool2d", x, y, p, 0);
}

vkg_status vkg_max_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const vkg_pool2d_params *p) {
  return pool(ctx, "max_pool2d", x, y, p, 1);
}

vkg_status vkg_adaptive_avg_pool2d(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y) {
  const char *k = "adaptive_avg_pool2d";
  vkg_status st = check_nchw(ctx, k, x, y);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  if (vkg_tensor_numel(y) == 0) return VKG_OK;
  if (xs->d[2] < 1 || xs->d[3] < 1) {
    char a[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x shape %s is empty", k, vkg_k_shape(x, a, sizeof a));
  }
  /* one invocation walks its window: keep it under lavapipe's loop limit (use vkg_reduce_mean
   * for a global average of a large map) */
  int64_t wh = xs->d[2] / ys->d[2] + 2, ww = xs->d[3] / ys->d[3] + 2;
  if (wh * ww > 4 * VKG_K_CHUNK) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: windows of x %s -> y %s are too large (use reduce_mean)", k,
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(y, b, sizeof b));
  }
  struct {
    uint32_t n, h, w, oh, ow;
  } pc = {(uint32_t)vkg_tensor_numel(y), (uint32_t)xs->d[2], (uint32_t)xs->d[3], (uint32_t)ys->d[2],
          (uint32_t)ys->d[3]};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_adaptive_avg_pool, t, 2, &pc, pc.n);
}
