/* conv2d and conv_transpose2d as GEMMs.
 *
 * conv2d: implicit-GEMM layout M = Cout/groups, N = batch*OH*OW, K = Cin/groups*KH*KW. The
 * input is unfolded (im2col) chunk by chunk of output pixels into a zero-padded [groups][Kp][n]
 * scratch buffer that the GEMM reads as vec4 texels on CPU devices; the GEMM stores straight
 * into y's [batch][channel][pixel] layout and adds the bias. 1x1 stride-1 convolutions skip the
 * unfold (x is already the B operand, one GEMM per image through the batch axis).
 * conv_transpose2d: cols = W^T x per group (GEMM), then a deterministic gather (col2im). */
#include <stdint.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "spv/conv_col2im.h"
#include "spv/conv_im2col.h"
#include "vkgen/kernels/conv.h"

#define IM2COL_BUDGET_BYTES ((uint64_t)32 << 20) /* scratch per chunk: keeps it cache- and pool-friendly */

typedef struct im2col_push {
  uint32_t C, H, W, cin_g, KH, KW, OH, OW, sh, sw, pt, pl, dh, dw, K, Kp, n0, ntot, ncp, cb;
} im2col_push;

typedef struct col2im_push {
  uint32_t B, Cout, cout_g, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw, ld, has_bias, gx;
} col2im_push;

vkg_conv2d_params vkg_conv2d_params_default(void) {
  vkg_conv2d_params p = {1, 1, 0, 0, 0, 0, 1, 1, 1};
  return p;
}

vkg_conv_transpose2d_params vkg_conv_transpose2d_params_default(void) {
  vkg_conv_transpose2d_params p = {1, 1, 0, 0, 0, 0, 1, 1, 1};
  return p;
}

int64_t vkg_conv_out_size(int64_t in, int k, int stride, int pad_lo, int pad_hi, int dilation) {
  if (stride < 1 || dilation < 1 || k < 1 || pad_lo < 0 || pad_hi < 0) return 0;
  int64_t span = in + pad_lo + pad_hi - (int64_t)dilation * (k - 1) - 1;
  if (span < 0) return 0;
  return span / stride + 1;
}

/* Input channels per im2col invocation: few enough that its loops stay far below lavapipe's
 * 65535 iterations per invocation, enough to amortise the pixel's index arithmetic. */
static uint32_t im2col_cb(uint32_t cin_g, uint32_t taps) {
  uint32_t cb = taps ? 8192 / taps : 1;
  if (cb > 16) cb = 16;
  if (cb < 1) cb = 1;
  return cb < cin_g ? cb : (cin_g ? cin_g : 1);
}

static vkg_status im2col(vkg_ctx *ctx, im2col_push *p, uint32_t groups, vkg_tensor *x, vkg_tensor *dst) {
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "conv_im2col", vkg_spv_conv_im2col, sizeof vkg_spv_conv_im2col, "ss",
                                      sizeof *p, NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  vkg_binding b[2] = {{x, 0, 0}, {dst, 0, 0}};
  p->cb = im2col_cb(p->cin_g, p->KH * p->KW);
  return vkg_dispatch(ctx, pipe, b, 2, p, sizeof *p, vkg_ceil_div_u32(p->ncp, 64),
                      p->cin_g ? vkg_ceil_div_u32(p->cin_g, p->cb) : 1, groups);
}

static vkg_status check_bias(vkg_ctx *ctx, const char *kernel, const vkg_tensor *bias, int64_t cout,
                             const char *wshape) {
  if (!bias) return VKG_OK;
  vkg_status st = vkg_kernel_check_f32(ctx, kernel, "bias", bias);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(bias);
  if (s->ndim != 1 || s->d[0] != cout) {
    char bb[96];
    vkg_shape_format(s, bb, sizeof bb);
    return vkg_error(ctx, VKG_E_INPUT, "%s: bias %s must be [%lld] for weight %s", kernel, bb, (long long)cout,
                     wshape);
  }
  return VKG_OK;
}

vkg_status vkg_conv2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias, vkg_tensor *y,
                      const vkg_conv2d_params *pp) {
  return vkg_conv2d_act(ctx, x, w, bias, y, pp, VKG_ACT_IDENTITY, 0.0f);
}

vkg_status vkg_conv2d_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                          vkg_tensor *y, const vkg_conv2d_params *pp, vkg_act act, float act_param) {
  vkg_status st;
  if ((int)act < 0 || act >= VKG_ACT_COUNT) return vkg_error(ctx, VKG_E_INPUT, "conv2d: unknown activation %d", (int)act);
  if ((st = vkg_kernel_check_f32(ctx, "conv2d", "x", x)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv2d", "weight", w)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv2d", "y", y)) != VKG_OK)
    return st;
  const vkg_conv2d_params p = pp ? *pp : vkg_conv2d_params_default();
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  char bx[96], bw[96], by[96];
  vkg_shape_format(sx, bx, sizeof bx);
  vkg_shape_format(sw, bw, sizeof bw);
  vkg_shape_format(sy, by, sizeof by);
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1 || p.groups < 1 || p.pad_top < 0 ||
      p.pad_bottom < 0 || p.pad_left < 0 || p.pad_right < 0)
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv2d: invalid params (stride %dx%d, dilation %dx%d, groups %d, padding %d,%d,%d,%d)",
                     p.stride_h, p.stride_w, p.dilation_h, p.dilation_w, p.groups, p.pad_top, p.pad_bottom,
                     p.pad_left, p.pad_right);
  if (sx->ndim != 4 || sw->ndim != 4 || sy->ndim != 4)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d: x %s, weight %s and y %s must be 4-D", bx, bw, by);
  const int64_t B = sx->d[0], Cin = sx->d[1], H = sx->d[2], W = sx->d[3];
  const int64_t Cout = sw->d[0], KH = sw->d[2], KW = sw->d[3], G = p.groups;
  if (Cin % G || Cout % G || sw->d[1] * G != Cin)
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv2d: x %s and weight %s do not match: %lld input channels in %lld groups need weight "
                     "[Cout, %lld, KH, KW] with Cout divisible by %lld",
                     bx, bw, (long long)Cin, (long long)G, (long long)(Cin / G), (long long)G);
  const int64_t OH = vkg_conv_out_size(H, (int)KH, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t OW = vkg_conv_out_size(W, (int)KW, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  if (OH < 1 || OW < 1)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d: x %s is too small for weight %s with this padding/dilation", bx,
                     bw);
  if (sy->d[0] != B || sy->d[1] != Cout || sy->d[2] != OH || sy->d[3] != OW)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d: y %s should be [%lld, %lld, %lld, %lld] for x %s and weight %s", by,
                     (long long)B, (long long)Cout, (long long)OH, (long long)OW, bx, bw);
  if ((st = check_bias(ctx, "conv2d", bias, Cout, bw)) != VKG_OK) return st;
  if (y == x) return vkg_error(ctx, VKG_E_INPUT, "conv2d: y must not be x");
  if (B == 0 || Cout == 0) return VKG_OK;

  if (vkg_conv2d_direct_ok(ctx, Cin, Cout, KH, KW, &p, B * OH * OW) &&
      (uint64_t)(B * OH * OW) <= UINT32_MAX && (uint64_t)vkg_tensor_numel(x) <= UINT32_MAX &&
      (uint64_t)vkg_tensor_numel(y) <= UINT32_MAX) {
    st = vkg_conv2d_direct(ctx, x, w, bias, y, &p, act, act_param);
    return st == VKG_OK ? st : vkg_error_prefix(ctx, "conv2d: ");
  }
  const uint64_t cin_g = (uint64_t)(Cin / G), cout_g = (uint64_t)(Cout / G);
  const uint64_t K = cin_g * (uint64_t)(KH * KW), Kp = vkg_round_up_u64(K, 4);
  const uint64_t ohw = (uint64_t)(OH * OW), ntot = (uint64_t)B * ohw;
  vkg_gemm_operand ow = {w, 0, cout_g * K, K, 1, 0};
  vkg_gemm_out oy = vkg_gemm_out_dense(y, 0, ohw);
  oy.bias = bias;
  oy.act = (int)act;
  oy.act_param = act_param;

  if (G == 1 && KH == 1 && KW == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 && p.pad_bottom == 0 &&
      p.pad_left == 0 && p.pad_right == 0) {
    vkg_gemm_operand ox = {x, 0, (uint64_t)Cin * ohw, ohw, 1, 0};
    ow.zs = 0;
    oy.zs = (uint64_t)Cout * ohw;
    st = vkg_gemm_run(ctx, "conv2d", cout_g, ohw, K, (uint64_t)B, &ow, &ox, &oy);
    return st;
  }

  oy.zs = cout_g * ohw;
  oy.div = ohw;
  oy.sq = (uint64_t)Cout * ohw;
  oy.bias_zs = cout_g;
  const uint64_t tile = vkg_gemm_tile_cols(ctx);
  uint64_t nc = IM2COL_BUDGET_BYTES / ((uint64_t)G * Kp * 4) / tile * tile;
  if (nc < tile) nc = tile;
  if (nc >= ntot) nc = vkg_round_up_u64(ntot, 4);
  vkg_tensor *cols = NULL;
  if ((st = vkg_kernel_scratch(ctx, (uint64_t)G * Kp * nc, &cols)) != VKG_OK) return st;
  im2col_push ip = {(uint32_t)Cin, (uint32_t)H,        (uint32_t)W,          (uint32_t)cin_g,     (uint32_t)KH,
                    (uint32_t)KW,  (uint32_t)OH,       (uint32_t)OW,         (uint32_t)p.stride_h, (uint32_t)p.stride_w,
                    (uint32_t)p.pad_top, (uint32_t)p.pad_left, (uint32_t)p.dilation_h, (uint32_t)p.dilation_w,
                    (uint32_t)K,   (uint32_t)Kp,       0,                    (uint32_t)ntot,      0, 0};
  for (uint64_t n0 = 0; n0 < ntot && st == VKG_OK; n0 += nc) {
    const uint64_t ncur = ntot - n0 < nc ? ntot - n0 : nc, ncp = vkg_round_up_u64(ncur, 4);
    ip.n0 = (uint32_t)n0;
    ip.ncp = (uint32_t)ncp;
    if ((st = im2col(ctx, &ip, (uint32_t)G, (vkg_tensor *)x, cols)) != VKG_OK) break;
    vkg_gemm_operand ox = {cols, 0, Kp * ncp, ncp, 1, 1};
    oy.n0 = n0;
    st = vkg_gemm_run(ctx, "conv2d", cout_g, ncur, K, (uint64_t)G, &ow, &ox, &oy);
  }
  vkg_tensor_unref(cols);
  return st;
}

vkg_status vkg_conv_transpose2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                vkg_tensor *y, const vkg_conv_transpose2d_params *pp) {
  vkg_status st;
  if ((st = vkg_kernel_check_f32(ctx, "conv_transpose2d", "x", x)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv_transpose2d", "weight", w)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv_transpose2d", "y", y)) != VKG_OK)
    return st;
  const vkg_conv_transpose2d_params p = pp ? *pp : vkg_conv_transpose2d_params_default();
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  char bx[96], bw[96], by[96];
  vkg_shape_format(sx, bx, sizeof bx);
  vkg_shape_format(sw, bw, sizeof bw);
  vkg_shape_format(sy, by, sizeof by);
  if (p.stride_h < 1 || p.stride_w < 1 || p.dilation_h < 1 || p.dilation_w < 1 || p.groups < 1 || p.pad_h < 0 ||
      p.pad_w < 0 || p.output_pad_h < 0 || p.output_pad_w < 0 ||
      (p.output_pad_h >= p.stride_h && p.output_pad_h >= p.dilation_h) ||
      (p.output_pad_w >= p.stride_w && p.output_pad_w >= p.dilation_w))
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv_transpose2d: invalid params (stride %dx%d, padding %dx%d, output padding %dx%d, "
                     "dilation %dx%d, groups %d; output padding must be smaller than stride or dilation)",
                     p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.output_pad_h, p.output_pad_w, p.dilation_h,
                     p.dilation_w, p.groups);
  if (sx->ndim != 4 || sw->ndim != 4 || sy->ndim != 4)
    return vkg_error(ctx, VKG_E_INPUT, "conv_transpose2d: x %s, weight %s and y %s must be 4-D", bx, bw, by);
  const int64_t B = sx->d[0], Cin = sx->d[1], H = sx->d[2], W = sx->d[3], G = p.groups;
  const int64_t cout_g = sw->d[1], KH = sw->d[2], KW = sw->d[3], Cout = cout_g * G;
  if (sw->d[0] != Cin || Cin % G)
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv_transpose2d: x %s and weight %s do not match: weight must be [%lld, Cout/groups, KH, KW] "
                     "with %lld divisible by groups %lld",
                     bx, bw, (long long)Cin, (long long)Cin, (long long)G);
  const int64_t OH = (H - 1) * p.stride_h - 2 * p.pad_h + (int64_t)p.dilation_h * (KH - 1) + p.output_pad_h + 1;
  const int64_t OW = (W - 1) * p.stride_w - 2 * p.pad_w + (int64_t)p.dilation_w * (KW - 1) + p.output_pad_w + 1;
  if (OH < 1 || OW < 1)
    return vkg_error(ctx, VKG_E_INPUT, "conv_transpose2d: x %s with weight %s gives an empty output", bx, bw);
  if (sy->d[0] != B || sy->d[1] != Cout || sy->d[2] != OH || sy->d[3] != OW)
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv_transpose2d: y %s should be [%lld, %lld, %lld, %lld] for x %s and weight %s", by,
                     (long long)B, (long long)Cout, (long long)OH, (long long)OW, bx, bw);
  if ((st = check_bias(ctx, "conv_transpose2d", bias, Cout, bw)) != VKG_OK) return st;
  if (y == x) return vkg_error(ctx, VKG_E_INPUT, "conv_transpose2d: y must not be x");
  if (B == 0 || Cout == 0 || H == 0 || W == 0) return VKG_OK;

  const uint64_t cin_g = (uint64_t)(Cin / G), Kp = vkg_round_up_u64(cin_g, 4);
  const uint64_t mc = (uint64_t)(cout_g * KH * KW), ntot = (uint64_t)(B * H * W), ncp = vkg_round_up_u64(ntot, 4);
  vkg_tensor *xcol = NULL, *cols = NULL;
  if ((st = vkg_kernel_scratch(ctx, (uint64_t)G * Kp * ncp, &xcol)) != VKG_OK) return st;
  if ((st = vkg_kernel_scratch(ctx, (uint64_t)G * mc * ntot, &cols)) != VKG_OK) {
    vkg_tensor_unref(xcol);
    return st;
  }
  /* x as [groups][Cin/groups (padded)][batch*H*W]: an unfold with a 1x1 kernel. */
  im2col_push ip = {(uint32_t)Cin, (uint32_t)H, (uint32_t)W, (uint32_t)cin_g, 1, 1, (uint32_t)H, (uint32_t)W, 1, 1,
                    0, 0, 1, 1, (uint32_t)cin_g, (uint32_t)Kp, 0, (uint32_t)ntot, (uint32_t)ncp, 0};
  st = im2col(ctx, &ip, (uint32_t)G, (vkg_tensor *)x, xcol);
  if (st == VKG_OK) {
    vkg_gemm_operand oa = {w, 0, cin_g * mc, 1, mc, 0}; /* A(m, k) = w[g*cin_g + k][m] */
    vkg_gemm_operand ob = {xcol, 0, Kp * ncp, ncp, 1, 1};
    vkg_gemm_out oc = vkg_gemm_out_dense(cols, mc * ntot, ntot);
    st = vkg_gemm_run(ctx, "conv_transpose2d", mc, ntot, cin_g, (uint64_t)G, &oa, &ob, &oc);
  }
  if (st == VKG_OK) {
    vkg_pipeline *pipe;
    st = vkg_kernel_pipeline(ctx, "conv_col2im", vkg_spv_conv_col2im, sizeof vkg_spv_conv_col2im, "sss",
                             sizeof(col2im_push), NULL, 0, &pipe);
    if (st == VKG_OK) {
      const uint64_t total = (uint64_t)(B * Cout * OH * OW);
      const uint32_t ngroups = vkg_ceil_div_u32(total, 64);
      const uint32_t gx = ngroups < 65535 ? ngroups : 65535, gy = vkg_ceil_div_u32(ngroups, gx);
      col2im_push cp = {(uint32_t)B,          (uint32_t)Cout,       (uint32_t)cout_g,    (uint32_t)H,
                        (uint32_t)W,          (uint32_t)OH,         (uint32_t)OW,        (uint32_t)KH,
                        (uint32_t)KW,         (uint32_t)p.stride_h, (uint32_t)p.stride_w, (uint32_t)p.pad_h,
                        (uint32_t)p.pad_w,    (uint32_t)p.dilation_h, (uint32_t)p.dilation_w, (uint32_t)ntot,
                        bias != NULL,         gx};
      vkg_binding b[3] = {{cols, 0, 0}, {y, 0, 0}, {bias ? bias : cols, 0, 0}};
      st = vkg_dispatch(ctx, pipe, b, 3, &cp, sizeof cp, gx, gy, 1);
    }
    if (st != VKG_OK) st = vkg_error_prefix(ctx, "conv_transpose2d: ");
  }
  vkg_tensor_unref(xcol);
  vkg_tensor_unref(cols);
  return st;
}
