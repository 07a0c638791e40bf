/* Direct convolution for narrow outputs (shaders/conv_direct.comp): Cout <= 8, groups 1, any
 * kernel size, stride, padding and dilation, on CPU devices. The weights are repacked per call
 * into [Cin*KH*KW][8] (zero-padded) texels, a single small dispatch.
 *
 * Measured against im2col + GEMM (`vkgen bench --only "(inc"`, alternated 3 times, load ~2.6,
 * ms): Inception stem 3->2 3x3 s2 at 299x299 B8 14.4-14.8 vs 17.8-20.7; 2->4 3x3 at 147x147 B8
 * 12.2-12.4 vs 12.2-12.9; conv_out 32->1 at 28x28 B16 7.7-10.7 vs 8.0-9.2. A win only where the
 * GEMM would be almost all im2col traffic (K = 27, M = 2), a tie otherwise. Both run near 1
 * GF/core: every tap is a per-lane load of x. A variant computing 4 pixels per invocation (the
 * weight texels shared) was no faster.
 *
 * Row-blocked (shaders/conv_direct_row.comp; dilation along W 1, KW <= 7, stride along W <= 2;
 * Cout <= 8, or 9..16 where N * OH * OW >= 16384): 4 pixels of a row per invocation share the
 * loads of their input windows ((4 - 1) * SW + KW per tap row instead of 4 * KW) and the weight
 * fetches, one vec4 accumulator per pixel, one dispatch per 4 output channels (each re-reads the
 * input), every vector index a compile-time constant (the store loop picks components with
 * unrolled constant indices: a first version indexing by the run-time output channel was 2.3x
 * slower on the Inception stem). Per-conv CPU ms in Inception (B16), pixel kernel or im2col ->
 * row: stem 3->2 s2 at 299x299 (grayscale, vkg_conv2d_act_repeat) 91 -> 21, 2->2 at 149x149
 * 40 -> 19, 2->4 at 147x147 47 -> 19, 3->4 5x5 at 35x35 6.4 -> 2.1, 12->4 1x1 at 35x35 4.5 ->
 * 1.7; two dispatches: 6->6 3x3 at 35x35 6.3 -> 4.2, 4->6 4.9 -> 3.4, 48->8 1x1 at 17x17 2.9 ->
 * 2.4, 4->5 1x1 at 73x73 9.8 -> 9.0; three: 5->12 3x3 at 71x71 (im2col) 32 -> 23, but Cout 10-12
 * at 17x17 (4624 pixels) lose to im2col (48->12 1x1 2.7 -> 3.4, 10->10 1x7 about even), hence
 * the pixel threshold. One dispatch with 2 to 4 vec4 accumulators per pixel was slower than the
 * pixel kernel or im2col (Cout 6 3x3 at 35x35 4.8 -> 5.9 ms, 8->8 1x7 at 17x17 1.6 -> 3.7, 5->12
 * 3x3 at 71x71 31 -> 47; presumably register spills), and 2 pixels x 2 vec4 had no net gain.
 * VKGEN_CONV_DIRECT=pixel turns the row kernel off (A/B). */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "spv/conv_direct.h"
#include "spv/conv_direct_row.h"
#include "vkgen/kernels/layout.h"
#include "vkgen/kernels/winograd.h"

#define DIRECT_MAX_COUT 8
#define DIRECT_MAX_TAPS 4096 /* Cin*KH*KW: loop trips per invocation, far below lavapipe's 65535 */

#define ROW_P 4      /* output pixels per invocation of the row kernel (P in the shader) */
#define ROW_MAX_KW 7 /* window (P - 1) * SW + KW <= 13 values, kept in registers */
#define ROW_MAX_COUT 16 /* one dispatch per 4 output channels */
#define ROW_WIDE_MIN_PIXELS 16384 /* N * OH * OW from which Cout 9..16 run here, not im2col */
#define ROW_MAX_CACHED 64 /* repeat mode: KH windows kept in registers for all input channels */

typedef struct row_push {
  uint32_t C, H, W, Cout, KH, OH, OW, OWB, sh, pt, pl, dh, ntot, gx, has_bias, act, xcs, xbs;
  float act_param;
  uint32_t co0, Ctot, wstride;
} row_push;

typedef struct direct_push {
  uint32_t C, H, W, Cout, KH, KW, OH, OW, sh, sw, pt, pl, dh, dw, ntot, gx, has_bias, act;
  float act_param;
} direct_push;

/* Whether the row-blocked kernel can take a conv with these params. */
static int row_ok(const vkg_conv2d_params *p, int64_t cout, int64_t kw) {
  const char *env = getenv("VKGEN_CONV_DIRECT");
  return cout <= ROW_MAX_COUT && p->dilation_w == 1 && kw <= ROW_MAX_KW && p->stride_w <= 2 &&
         !(env && !strcmp(env, "pixel"));
}

int vkg_conv2d_direct_ok(vkg_ctx *ctx, int64_t cin, int64_t cout, int64_t kh, int64_t kw,
                         const vkg_conv2d_params *p, int64_t npix) {
  if (vkg_kernel_variant_get(ctx) == VKG_VARIANT_GPU || p->groups != 1) return 0;
  const char *env = getenv("VKGEN_CONV_ALGO");
  if (env && !strcmp(env, "im2col")) return 0;
  if (cout < 1 || cin * kh * kw > DIRECT_MAX_TAPS) return 0;
  /* Cout 9..16: the row kernel only, and only on large outputs (im2col wins on small ones) */
  return cout <= DIRECT_MAX_COUT || (npix >= ROW_WIDE_MIN_PIXELS && row_ok(p, cout, kw));
}

/* The row-blocked kernel (see the top of the file); same arguments as vkg_conv2d_direct.
 * repeat: x has one channel, read as each of w's Cin input channels (vkg_conv2d_act_repeat). */
static vkg_status direct_row(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                             vkg_tensor *y, const vkg_conv2d_params *p, vkg_act act, float act_param, int repeat) {
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  const uint64_t Cin = (uint64_t)sw->d[1], Cout = (uint64_t)sw->d[0], KH = (uint64_t)sw->d[2],
                 KW = (uint64_t)sw->d[3], K = Cin * KH * KW, OW = (uint64_t)sy->d[3];
  const uint64_t owb = (OW + ROW_P - 1) / ROW_P, ntot = (uint64_t)sy->d[0] * (uint64_t)sy->d[2] * owb;
  /* repeat: the KH tap rows' windows cached across the input channels (KHC) where they fit */
  const uint32_t khc = repeat && KH * ((ROW_P - 1) * (uint64_t)p->stride_w + KW) <= ROW_MAX_CACHED ? (uint32_t)KH : 0;
  /* one dispatch per 4 output channels (one vec4 accumulator per pixel) */
  const uint32_t nv = 1, ng = (uint32_t)((Cout + 3) / 4);
  const uint32_t spec[4] = {(uint32_t)KW, (uint32_t)p->stride_w, nv, khc};
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "conv_direct_row", vkg_spv_conv_direct_row, sizeof vkg_spv_conv_direct_row,
                                      "tsss", sizeof(row_push), spec, 4, &pipe);
  if (st != VKG_OK) return st;
  vkg_gemm_operand ow = {w, 0, 0, 1, K, 0}; /* wt[k][co] = w[co][k], co padded to 4 nv */
  vkg_tensor *wt = NULL;
  if ((st = vkg_gemm_pack(ctx, &ow, 1, K, Cout, K, 4 * ng, &wt)) != VKG_OK) return st;
  const uint32_t groups = vkg_ceil_div_u32(ntot, 64), gx = groups < 65535 ? groups : 65535;
  const uint32_t H = (uint32_t)sx->d[2], W = (uint32_t)sx->d[3];
  row_push pc = {(uint32_t)Cin,         H,
                 W,                     (uint32_t)Cout,
                 (uint32_t)KH,          (uint32_t)sy->d[2],
                 (uint32_t)OW,          (uint32_t)owb,
                 (uint32_t)p->stride_h, (uint32_t)p->pad_top,
                 (uint32_t)p->pad_left, (uint32_t)p->dilation_h,
                 (uint32_t)ntot,        gx,
                 bias != NULL,          (uint32_t)act,
                 repeat ? 0 : H * W,    (repeat ? 1 : (uint32_t)Cin) * H * W,
                 act_param,             0,
                 (uint32_t)Cout,        ng};
  vkg_binding b[4] = {{wt, 0, 0}, {x, 0, 0}, {y, 0, 0}, {bias ? bias : y, 0, 0}};
  for (uint32_t g = 0; g < ng && st == VKG_OK; g++) {
    pc.co0 = 4 * g;
    pc.Cout = (uint32_t)Cout - 4 * g < 4 ? (uint32_t)Cout - 4 * g : 4;
    st = vkg_dispatch(ctx, pipe, b, 4, &pc, sizeof pc, gx, vkg_ceil_div_u32(groups, gx), 1);
  }
  vkg_tensor_unref(wt);
  return st;
}

vkg_status vkg_conv2d_direct(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                             vkg_tensor *y, const vkg_conv2d_params *p, vkg_act act, float act_param) {
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  const uint64_t Cin = (uint64_t)sx->d[1], Cout = (uint64_t)sw->d[0], KH = (uint64_t)sw->d[2],
                 KW = (uint64_t)sw->d[3], K = Cin * KH * KW;
  const uint64_t ntot = (uint64_t)sy->d[0] * (uint64_t)sy->d[2] * (uint64_t)sy->d[3];
  if (ntot == 0) return VKG_OK;
  if (row_ok(p, (int64_t)Cout, (int64_t)KW)) return direct_row(ctx, x, w, bias, y, p, act, act_param, 0);
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "conv_direct", vkg_spv_conv_direct, sizeof vkg_spv_conv_direct, "tsss",
                                      sizeof(direct_push), NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  /* wt[k][co] = w[co][k], co padded to 8 */
  vkg_gemm_operand ow = {w, 0, 0, 1, K, 0};
  vkg_tensor *wt = NULL;
  if ((st = vkg_gemm_pack(ctx, &ow, 1, K, Cout, K, DIRECT_MAX_COUT, &wt)) != VKG_OK) return st;
  const uint32_t groups = vkg_ceil_div_u32(ntot, 64), gx = groups < 65535 ? groups : 65535;
  direct_push pc = {(uint32_t)Cin,        (uint32_t)sx->d[2],   (uint32_t)sx->d[3],   (uint32_t)Cout,
                    (uint32_t)KH,         (uint32_t)KW,         (uint32_t)sy->d[2],   (uint32_t)sy->d[3],
                    (uint32_t)p->stride_h, (uint32_t)p->stride_w, (uint32_t)p->pad_top, (uint32_t)p->pad_left,
                    (uint32_t)p->dilation_h, (uint32_t)p->dilation_w, (uint32_t)ntot, gx,
                    bias != NULL,         (uint32_t)act,        act_param};
  vkg_binding b[4] = {{wt, 0, 0}, {x, 0, 0}, {y, 0, 0}, {bias ? bias : y, 0, 0}};
  st = vkg_dispatch(ctx, pipe, b, 4, &pc, sizeof pc, gx, vkg_ceil_div_u32(groups, gx), 1);
  vkg_tensor_unref(wt);
  return st;
}

vkg_status vkg_conv2d_act_repeat(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                 vkg_tensor *y, const vkg_conv2d_params *pp, vkg_act act, float act_param) {
  const char *k = "conv2d_act_repeat";
  vkg_status st;
  if ((st = vkg_kernel_check_f32(ctx, k, "x", x)) != VKG_OK || (st = vkg_kernel_check_f32(ctx, k, "weight", w)) ||
      (st = vkg_kernel_check_f32(ctx, k, "y", y)))
    return st;
  const vkg_conv2d_params p = pp ? *pp : vkg_conv2d_params_default();
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  if (sx->ndim != 4 || sx->d[1] != 1 || sw->ndim != 4 || p.groups != 1) {
    char bx[96], bw[96];
    vkg_shape_format(sx, bx, sizeof bx);
    vkg_shape_format(sw, bw, sizeof bw);
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s must be [N, 1, H, W] and weight %s [Cout, Cin, KH, KW], groups 1", k,
                     bx, bw);
  }
  const int64_t B = sx->d[0], Cin = sw->d[1], H = sx->d[2], W = sx->d[3];
  /* the kernel vkg_conv2d_act would run on the replicated input, here without the copy; the
   * shape checks are the same as there (conv.c) */
  const int64_t OH = vkg_conv_out_size(H, (int)sw->d[2], p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t OW = vkg_conv_out_size(W, (int)sw->d[3], p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  const vkg_shape *sb = bias ? vkg_tensor_shape(bias) : NULL;
  if (vkg_conv2d_direct_ok(ctx, Cin, sw->d[0], sw->d[2], sw->d[3], &p, B * OH * OW) &&
      row_ok(&p, sw->d[0], sw->d[3]) &&
      p.stride_h >= 1 &&
      p.stride_w >= 1 && p.dilation_h >= 1 && p.pad_top >= 0 && p.pad_bottom >= 0 && p.pad_left >= 0 &&
      p.pad_right >= 0 && OH >= 1 && OW >= 1 && sy->ndim == 4 && sy->d[0] == B && sy->d[1] == sw->d[0] &&
      sy->d[2] == OH && sy->d[3] == OW && (!bias || (vkg_tensor_dtype(bias) == VKG_F32 && sb->ndim == 1 &&
                                                     sb->d[0] == sw->d[0])) &&
      y != x && (uint64_t)(B * OH * OW) <= UINT32_MAX && (uint64_t)(B * Cin * H * W) <= UINT32_MAX &&
      (uint64_t)vkg_tensor_numel(y) <= UINT32_MAX) {
    if (B == 0) return VKG_OK;
    st = direct_row(ctx, x, w, bias, y, &p, act, act_param, 1);
    return st == VKG_OK ? st : vkg_error_prefix(ctx, "%s: ", k);
  }
  /* anything else: the replicated input, then vkg_conv2d_act (which checks the rest) */
  const vkg_tensor **parts = malloc(sizeof *parts * (size_t)(Cin > 0 ? Cin : 1));
  if (!parts) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  for (int64_t i = 0; i < Cin; i++) parts[i] = x;
  vkg_tensor *xr = NULL;
  vkg_shape rs = vkg_shape_4d(B, Cin, H, W);
  st = vkg_tensor_create(ctx, VKG_F32, &rs, &xr);
  if (!st) st = vkg_concat(ctx, parts, (int)Cin, 1, xr);
  if (!st) st = vkg_conv2d_act(ctx, xr, w, bias, y, &p, act, act_param);
  vkg_tensor_unref(xr);
  free(parts);
  return st;
}
