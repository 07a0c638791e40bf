/* Winograd convolution F(m x m, 3x3) (m = 2, 4) over the GEMM engine.
 *
 * Per chunk of output tiles (m x m output pixels each, the flattened [batch][TH][TW] grid):
 *  1. conv_wino{m}_in: V[p][ci][n] = (B^T d B)[p], d the (m+2)^2 input patch, p < T = (m+2)^2;
 *  2. one batched GEMM (z = p): M[p] = U[p] V[p], U[p] [Cout x Cinp] the filter transformed at
 *     load (vkg_winograd_filter_create), V[p] [Cinp x tiles]: on CPU devices the texel GEMM,
 *     both operands read directly (Cinp and the tile count are padded to 4);
 *  3. conv_wino{m}_out: Y = A^T M A + bias (+ residual) (* scale) (activation), stored into y;
 *     M read as vec4 texels (the same point of 4 tiles).
 * The reduction per output drops from 9 Cin multiply-adds to T/m^2 Cin (16/4 = 4 for m = 2,
 * 36/16 = 2.25 for m = 4), and the scratch written per output pixel is T/m^2 Cinp floats
 * instead of im2col's 9 Cin. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "spv/conv_wino2_in.h"
#include "spv/conv_wino2_out.h"
#include "spv/conv_wino4_in.h"
#include "spv/conv_wino4_out.h"
#include "vkgen/kernels/winograd.h"

#define WINO_BUDGET_BYTES ((uint64_t)32 << 20) /* V (and M) scratch per chunk */

typedef struct wino_in_push {
  uint32_t C, H, W, pt, pl, TH, TW, t0, ntot, ncp, Cp, cb, ups;
} wino_in_push;

typedef struct wino_out_push {
  uint32_t Cout, OH, OW, TH, TW, t0, ntot, ncp;
  uint32_t has_bias, has_res, act;
  float scale, act_param;
  uint32_t has_bias_nc;
} wino_out_push;

vkg_conv_epilogue vkg_conv_epilogue_default(void) {
  vkg_conv_epilogue e = {NULL, NULL, 1.0f, VKG_ACT_IDENTITY, 0.0f};
  return e;
}

/* G [T][3] of F(m x m, 3x3) (Lavin & Gray), T = m + 2. */
static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double G4[6][3] = {{1.0 / 4, 0, 0},
                                {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                {0, 0, 1}};

/* U[p][co][ci] = (G g G^T)[p] for every (co, ci), g = w[co][ci] (3x3), in double. */
static void filter_transform(const float *w, float *u, int m, int64_t cout, int64_t cin, int64_t cinp) {
  const int T = m + 2;
  const double(*G)[3] = m == 2 ? G2 : G4;
  for (int64_t co = 0; co < cout; ++co)
    for (int64_t ci = 0; ci < cin; ++ci) {
      const float *g = w + (co * cin + ci) * 9;
      double t[6][3]; /* G g */
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < 3; ++j) t[i][j] = G[i][0] * g[j] + G[i][1] * g[3 + j] + G[i][2] * g[6 + j];
      for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j)
          u[((int64_t)(i * T + j) * cout + co) * cinp + ci] =
              (float)(t[i][0] * G[j][0] + t[i][1] * G[j][1] + t[i][2] * G[j][2]);
    }
}

vkg_status vkg_winograd_filter_create(vkg_ctx *ctx, const vkg_tensor *w, int m, vkg_tensor **u) {
  vkg_status st = vkg_kernel_check_f32(ctx, "winograd_filter", "weight", w);
  if (st != VKG_OK) return st;
  const vkg_shape *sw = vkg_tensor_shape(w);
  char bw[96];
  vkg_shape_format(sw, bw, sizeof bw);
  if (m != 2 && m != 4) return vkg_error(ctx, VKG_E_INPUT, "winograd_filter: tile %d must be 2 or 4", m);
  if (sw->ndim != 4 || sw->d[2] != 3 || sw->d[3] != 3 || sw->d[0] < 1 || sw->d[1] < 1)
    return vkg_error(ctx, VKG_E_INPUT, "winograd_filter: weight %s must be [Cout, Cin, 3, 3]", bw);
  const int64_t cout = sw->d[0], cin = sw->d[1], cinp = (int64_t)vkg_round_up_u64((uint64_t)cin, 4);
  const int64_t T = (m + 2) * (m + 2);
  const size_t nw = (size_t)(cout * cin * 9), nu = (size_t)(T * cout * cinp);
  float *hw = malloc(nw * sizeof *hw), *hu = calloc(nu, sizeof *hu);
  if (!hw || !hu) {
    free(hw);
    free(hu);
    return vkg_error(ctx, VKG_E_NOMEM, "winograd_filter: out of host memory for weight %s", bw);
  }
  st = vkg_tensor_download(ctx, w, hw, nw * sizeof *hw);
  if (st == VKG_OK) {
    filter_transform(hw, hu, m, cout, cin, cinp);
    vkg_shape s = vkg_shape_make(3, (int64_t[]){T, cout, cinp});
    st = vkg_tensor_create_from(ctx, VKG_F32, &s, hu, u);
  }
  free(hw);
  free(hu);
  if (st != VKG_OK) return vkg_error_prefix(ctx, "winograd_filter: ");
  return VKG_OK;
}

static vkg_status check_args(vkg_ctx *ctx, const vkg_tensor *x, int up, const vkg_tensor *u, int m,
                             const vkg_tensor *bias, const vkg_tensor *y, const vkg_conv2d_params *p,
                             const vkg_conv_epilogue *ep) {
  vkg_status st;
  if ((st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "x", x)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "u", u)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "y", y)) != VKG_OK ||
      (bias && (st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "bias", bias)) != VKG_OK) ||
      (ep->residual && (st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "residual", ep->residual)) != VKG_OK) ||
      (ep->bias_nc && (st = vkg_kernel_check_f32(ctx, "conv2d_winograd", "bias_nc", ep->bias_nc)) != VKG_OK))
    return st;
  if (m != 2 && m != 4) return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: tile %d must be 2 or 4", m);
  if (p->stride_h != 1 || p->stride_w != 1 || p->dilation_h != 1 || p->dilation_w != 1 || p->groups != 1 ||
      p->pad_top < 0 || p->pad_bottom < 0 || p->pad_left < 0 || p->pad_right < 0)
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv2d_winograd: needs stride, dilation and groups 1 and padding >= 0 (stride %dx%d, "
                     "dilation %dx%d, groups %d)",
                     p->stride_h, p->stride_w, p->dilation_h, p->dilation_w, p->groups);
  if ((int)ep->act < 0 || ep->act >= VKG_ACT_COUNT)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: unknown activation %d", (int)ep->act);
  const vkg_shape *sx = vkg_tensor_shape(x), *su = vkg_tensor_shape(u), *sy = vkg_tensor_shape(y);
  char bx[96], bu[96], by[96];
  vkg_shape_format(sx, bx, sizeof bx);
  vkg_shape_format(su, bu, sizeof bu);
  vkg_shape_format(sy, by, sizeof by);
  const int64_t T = (m + 2) * (m + 2);
  if (sx->ndim != 4 || su->ndim != 3 || sy->ndim != 4)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: x %s and y %s must be 4-D, u %s 3-D", bx, by, bu);
  const int64_t Cin = sx->d[1], Cout = su->d[1];
  if (su->d[0] != T || su->d[2] != (int64_t)vkg_round_up_u64((uint64_t)Cin, 4))
    return vkg_error(ctx, VKG_E_INPUT,
                     "conv2d_winograd: u %s is not an F(%dx%d,3x3) filter for x %s (want [%lld, Cout, %lld])", bu, m,
                     m, bx, (long long)T, (long long)vkg_round_up_u64((uint64_t)Cin, 4));
  const int64_t OH = vkg_conv_out_size(sx->d[2] << up, 3, 1, p->pad_top, p->pad_bottom, 1);
  const int64_t OW = vkg_conv_out_size(sx->d[3] << up, 3, 1, p->pad_left, p->pad_right, 1);
  if (OH < 1 || OW < 1)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: x %s is too small for a 3x3 kernel with this padding", bx);
  if (sy->d[0] != sx->d[0] || sy->d[1] != Cout || sy->d[2] != OH || sy->d[3] != OW)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: y %s should be [%lld, %lld, %lld, %lld] for x %s and u %s",
                     by, (long long)sx->d[0], (long long)Cout, (long long)OH, (long long)OW, bx, bu);
  if (bias && (vkg_tensor_shape(bias)->ndim != 1 || vkg_tensor_shape(bias)->d[0] != Cout))
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: bias must be [%lld]", (long long)Cout);
  if (ep->bias_nc) {
    const vkg_shape *sb = vkg_tensor_shape(ep->bias_nc);
    if (sb->ndim != 4 || sb->d[0] != sy->d[0] || sb->d[1] != Cout || sb->d[2] != 1 || sb->d[3] != 1)
      return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: bias_nc must be [%lld, %lld, 1, 1] for y %s",
                       (long long)sy->d[0], (long long)Cout, by);
  }
  if (ep->residual && !vkg_shape_equal(vkg_tensor_shape(ep->residual), sy))
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: residual must have y's shape %s", by);
  if (y == x || y == ep->residual) return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: y must not be x or residual");
  return VKG_OK;
}

vkg_status vkg_conv2d_winograd(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *u, int m,
                               const vkg_tensor *bias, vkg_tensor *y, const vkg_conv2d_params *pp,
                               const vkg_conv_epilogue *epp) {
  return vkg_conv2d_winograd_up2(ctx, x, 0, u, m, bias, y, pp, epp);
}

vkg_status vkg_conv2d_winograd_up2(vkg_ctx *ctx, const vkg_tensor *x, int upsample, const vkg_tensor *u, int m,
                                   const vkg_tensor *bias, vkg_tensor *y, const vkg_conv2d_params *pp,
                                   const vkg_conv_epilogue *epp) {
  const vkg_conv2d_params p = pp ? *pp : vkg_conv2d_params_default();
  const vkg_conv_epilogue ep = epp ? *epp : vkg_conv_epilogue_default();
  const int up = upsample != 0;
  vkg_status st = check_args(ctx, x, up, u, m, bias, y, &p, &ep);
  if (st != VKG_OK) return st;
  const vkg_shape *sx = vkg_tensor_shape(x), *sy = vkg_tensor_shape(y);
  const uint64_t B = (uint64_t)sx->d[0], Cin = (uint64_t)sx->d[1], Cout = (uint64_t)sy->d[1];
  const uint64_t OH = (uint64_t)sy->d[2], OW = (uint64_t)sy->d[3], Cp = vkg_round_up_u64(Cin, 4);
  const uint64_t T = (uint64_t)(m + 2) * (uint64_t)(m + 2);
  const uint64_t TH = (OH + (uint64_t)m - 1) / (uint64_t)m, TW = (OW + (uint64_t)m - 1) / (uint64_t)m;
  const uint64_t ntot = B * TH * TW;
  if (B == 0 || Cout == 0) return VKG_OK;

  vkg_pipeline *pin, *pout;
  if ((st = vkg_kernel_pipeline(ctx, m == 2 ? "conv_wino2_in" : "conv_wino4_in",
                                m == 2 ? vkg_spv_conv_wino2_in : vkg_spv_conv_wino4_in,
                                m == 2 ? sizeof vkg_spv_conv_wino2_in : sizeof vkg_spv_conv_wino4_in, "ss",
                                sizeof(wino_in_push), NULL, 0, &pin)) != VKG_OK ||
      (st = vkg_kernel_pipeline(ctx, m == 2 ? "conv_wino2_out" : "conv_wino4_out",
                                m == 2 ? vkg_spv_conv_wino2_out : vkg_spv_conv_wino4_out,
                                m == 2 ? sizeof vkg_spv_conv_wino2_out : sizeof vkg_spv_conv_wino4_out, "tssss",
                                sizeof(wino_out_push), NULL, 0, &pout)) != VKG_OK)
    return st;

  /* Tiles per chunk: V [T][Cp][nc] and M [T][Cout][nc] within the budget, a multiple of
   * the GEMM's column block. */
  const uint64_t tile = vkg_gemm_tile_cols(ctx), wide = Cp > Cout ? Cp : Cout;
  uint64_t nc = WINO_BUDGET_BYTES / (T * wide * 4) / tile * tile;
  if (nc < tile) nc = tile;
  if (nc >= ntot) nc = vkg_round_up_u64(ntot, 4);
  if (T * wide * nc > UINT32_MAX || ntot > UINT32_MAX || (uint64_t)vkg_tensor_numel(x) > UINT32_MAX ||
      (uint64_t)vkg_tensor_numel(y) > UINT32_MAX)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d_winograd: tensors over the 2^32-element limit of the kernels");
  vkg_tensor *v = NULL, *mres = NULL;
  if ((st = vkg_kernel_scratch(ctx, T * Cp * nc, &v)) != VKG_OK) return st;
  if ((st = vkg_kernel_scratch(ctx, T * Cout * nc, &mres)) != VKG_OK) {
    vkg_tensor_unref(v);
    return st;
  }
  const uint32_t cb = Cp < 8 ? (uint32_t)Cp : 8;
  wino_in_push ip = {(uint32_t)Cin, (uint32_t)(sx->d[2] << up), (uint32_t)(sx->d[3] << up), (uint32_t)p.pad_top,
                     (uint32_t)p.pad_left, (uint32_t)TH, (uint32_t)TW, 0, (uint32_t)ntot, 0, (uint32_t)Cp, cb,
                     (uint32_t)up};
  wino_out_push op = {(uint32_t)Cout, (uint32_t)OH, (uint32_t)OW, (uint32_t)TH, (uint32_t)TW, 0, (uint32_t)ntot, 0,
                      bias != NULL, ep.residual != NULL, (uint32_t)ep.act, ep.scale, ep.act_param,
                      ep.bias_nc != NULL};
  for (uint64_t t0 = 0; t0 < ntot && st == VKG_OK; t0 += nc) {
    const uint64_t ncur = ntot - t0 < nc ? ntot - t0 : nc, ncp = vkg_round_up_u64(ncur, 4);
    ip.t0 = op.t0 = (uint32_t)t0;
    ip.ncp = op.ncp = (uint32_t)ncp;
    vkg_binding bi[2] = {{x, 0, 0}, {v, 0, 0}};
    st = vkg_dispatch(ctx, pin, bi, 2, &ip, sizeof ip, vkg_ceil_div_u32(ncp, 64), vkg_ceil_div_u32(Cp, cb), 1);
    if (st != VKG_OK) break;
    vkg_gemm_operand oa = {u, 0, Cout * Cp, Cp, 1, 1};
    vkg_gemm_operand ob = {v, 0, Cp * ncp, ncp, 1, 1};
    vkg_gemm_out oc = vkg_gemm_out_dense(mres, Cout * ncp, ncp);
    if ((st = vkg_gemm_run(ctx, "conv2d_winograd", Cout, ncur, Cin, T, &oa, &ob, &oc)) != VKG_OK) break;
    vkg_binding bo[5] = {{mres, 0, 0}, {y, 0, 0}, {bias ? bias : mres, 0, 0},
                         {ep.residual ? ep.residual : mres, 0, 0}, {ep.bias_nc ? ep.bias_nc : mres, 0, 0}};
    st = vkg_dispatch(ctx, pout, bo, 5, &op, sizeof op, vkg_ceil_div_u32(ncp / 4, 64), (uint32_t)Cout, 1);
  }
  vkg_tensor_unref(v);
  vkg_tensor_unref(mres);
  return st;
}
