/* Which convolution algorithm runs a conv of a given shape (vkg_conv_algo_choose).
 *
 * CPU devices (lavapipe, texel GEMM), from `vkgen bench --only conv3x3` on a shared 2-core
 * machine (GF per CPU-second of the direct convolution's FLOPs; im2col / F(2x2) / F(4x4);
 * docs/benchmarks.md, 2026-12-06, has the table):
 *   B16 128->128 32x32 (1024 F(4x4) tiles)  15.4 / 23.9 / 36.0
 *   B16  64->64  16x16 (256 tiles)           12.7 / 13.8 / 20.9
 *   B16  32->32  32x32 (1024 tiles)           9.2 /  9.0 / 12.6
 *   B16  16->16  32x32                        4.9 /  3.4 /  4.7
 *   B8  256->256  8x8  (32 tiles)            19.5 / 32.1 / 30.2
 *   B8  512->512  4x4  (8 tiles)             20.2 / 17.3 /  7.8
 *   B8    3->128 32x32                        4.5 /  1.2 /  -
 * Where the time goes in Winograd: the batched GEMM stores T/m^2 results per output (4 for
 * F(2x2), 2.25 for F(4x4)) and lavapipe's per-lane stores cost about as much as the FLOPs, so
 * F(4x4) beats F(2x2) wherever there are enough tiles; with few tiles (N of the GEMM < 32) the
 * texel GEMM's 8-lane column blocks run mostly empty and im2col (N = pixels) wins. Below 32
 * channels the transforms cost more than the GEMM saves. So: F(4x4) for 3x3 stride-1 convs with
 * >= 32 input and output channels and >= 32 tiles, else im2col. GPUs: im2col (not measured). */
#include <stdlib.h>
#include <string.h>

#include "vkgen/kernels/common.h"
#include "vkgen/kernels/winograd.h"

#define WINO_MIN_CHANNELS 32
#define WINO_MIN_TILES 32

int vkg_conv_winograd_ok(int k, const vkg_conv2d_params *p) {
  return k == 3 && p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 && p->dilation_w == 1 &&
         p->groups == 1;
}

/* The shape rule alone (no environment); n, h or w 0: not known yet (a layer at load). */
static vkg_conv_algo auto_choice(vkg_ctx *ctx, int64_t n, int64_t cin, int64_t cout, int64_t h, int64_t w) {
  if (vkg_kernel_variant_get(ctx) == VKG_VARIANT_GPU) return VKG_CONV_IM2COL;
  if (cin < WINO_MIN_CHANNELS || cout < WINO_MIN_CHANNELS) return VKG_CONV_IM2COL;
  if (n > 0 && h > 0 && w > 0 && n * ((h + 3) / 4) * ((w + 3) / 4) < WINO_MIN_TILES) return VKG_CONV_IM2COL;
  return VKG_CONV_WINOGRAD4;
}

vkg_conv_algo vkg_conv_algo_choose(vkg_ctx *ctx, int64_t n, int64_t cin, int64_t cout, int64_t h, int64_t w, int k,
                                   const vkg_conv2d_params *p) {
  if (!vkg_conv_winograd_ok(k, p)) return VKG_CONV_IM2COL;
  const char *env = getenv("VKGEN_CONV_ALGO");
  if (env && *env && strcmp(env, "auto") != 0) {
    if (!strcmp(env, "im2col")) return VKG_CONV_IM2COL;
    if (!strcmp(env, "winograd2")) return VKG_CONV_WINOGRAD2;
    if (!strcmp(env, "winograd4") || !strcmp(env, "winograd")) return VKG_CONV_WINOGRAD4;
  }
  return auto_choice(ctx, n, cin, cout, h, w);
}
