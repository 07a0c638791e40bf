/* Which convolution algorithm runs a conv of a given shape (vkg_conv_algo_choose).
 *
 * Measured with `vkgen bench --only conv` (see docs/benchmarks.md, 2026-12-06 section):
 * THRESHOLDS_PENDING. */
#include <stdlib.h>
#include <string.h>

#include "vkgen/kernels/common.h"
#include "vkgen/kernels/winograd.h"

int vkg_conv_winograd_ok(int k, const vkg_conv2d_params *p) {
  return k == 3 && p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 && p->dilation_w == 1 &&
         p->groups == 1;
}

/* The shape rule alone (no environment). */
static vkg_conv_algo auto_choice(vkg_ctx *ctx, int64_t cin, int64_t cout, int64_t h, int64_t w) {
  if (vkg_kernel_variant_get(ctx) == VKG_VARIANT_GPU) return VKG_CONV_IM2COL; /* not measured on GPUs */
  if (cin < 16 || cout < 16) return VKG_CONV_IM2COL;
  (void)h;
  (void)w;
  return VKG_CONV_WINOGRAD4;
}

vkg_conv_algo vkg_conv_algo_choose(vkg_ctx *ctx, int64_t cin, int64_t cout, int64_t h, int64_t w, int k,
                                   const vkg_conv2d_params *p) {
  if (!vkg_conv_winograd_ok(k, p)) return VKG_CONV_IM2COL;
  const char *env = getenv("VKGEN_CONV_ALGO");
  if (env && *env && strcmp(env, "auto") != 0) {
    if (!strcmp(env, "im2col")) return VKG_CONV_IM2COL;
    if (!strcmp(env, "winograd2")) return VKG_CONV_WINOGRAD2;
    if (!strcmp(env, "winograd4")) return VKG_CONV_WINOGRAD4;
    if (!strcmp(env, "winograd")) {
      vkg_conv_algo a = auto_choice(ctx, cin, cout, h, w);
      return a == VKG_CONV_IM2COL ? VKG_CONV_WINOGRAD2 : a;
    }
  }
  return auto_choice(ctx, cin, cout, h, w);
}
