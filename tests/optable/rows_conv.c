/* conv2d and conv_transpose2d against tests/ref/ref_conv.c on both kernel variants.
 * Bound: |got - want| <= 1e-5 sqrt(K + 1) + 1e-4 |want|, K = Cin/groups * KH * KW, inputs in [-1, 1].
 * Was tests/unit/test_kernel_conv.c: 14 conv2d + 7 conv_transpose2d shapes x 2 variants = 42 cases;
 * 12 conv2d shapes for the row-blocked direct kernel (conv_direct.c) and 6 conv2d_act_repeat
 * shapes x 2 variants since: 78. */
#include <math.h>
#include <stdlib.h>

#include "optable.h"
#include "ref_conv.h"

/* i: B Cin H W Cout KH KW sh sw pt pb pl pr dh dw groups bias */
static void run_conv2d(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  ot_desc(h, "conv2d[%s] B%lld %lld->%lld %lldx%lld k%lldx%lld s%lld,%lld pad %lld,%lld,%lld,%lld dil %lld,%lld g%lld%s",
          h->row->variant, (long long)c[0], (long long)c[1], (long long)c[4], (long long)c[2], (long long)c[3],
          (long long)c[5], (long long)c[6], (long long)c[7], (long long)c[8], (long long)c[9], (long long)c[10],
          (long long)c[11], (long long)c[12], (long long)c[13], (long long)c[14], (long long)c[15],
          c[16] ? " bias" : "");
  const int64_t B = c[0], Cin = c[1], H = c[2], W = c[3], Cout = c[4], KH = c[5], KW = c[6], groups = c[15];
  vkg_conv2d_params p = {(int)c[7], (int)c[8], (int)c[9], (int)c[10], (int)c[11], (int)c[12], (int)c[13], (int)c[14],
                         (int)groups};
  const int64_t OH = vkg_conv_out_size(H, KH, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t OW = vkg_conv_out_size(W, KW, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  OT_ASSERT(h, OH > 0 && OW > 0, "empty output");
  const int64_t cin_g = Cin / groups, K = cin_g * KH * KW;
  size_t nx = (size_t)(B * Cin * H * W), nw = (size_t)(Cout * K), ny = (size_t)(B * Cout * OH * OW);
  float *x = ot_rand(h, nx, 21, -1, 1), *w = ot_rand(h, nw, 22, -1, 1), *bias = ot_rand(h, (size_t)Cout, 23, -1, 1);
  int64_t dx[4] = {B, Cin, H, W}, dw[4] = {Cout, cin_g, KH, KW}, dy[4] = {B, Cout, OH, OW};
  vkg_tensor *tx = ot_f32(h, 4, dx, x), *tw = ot_f32(h, 4, dw, w), *tb = ot_f32(h, 1, &Cout, bias);
  vkg_tensor *ty = ot_f32(h, 4, dy, NULL);
  ot_work(h, 2.0 * (double)ny * (double)K, 4.0 * (double)(nx + nw + ny));
  OT_RUN(h, vkg_conv2d(h->ctx, tx, tw, c[16] ? tb : NULL, ty, &p));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, ny * sizeof *want), *got = ot_get(h, ty);
  vkg_ref_conv2d(x, w, c[16] ? bias : NULL, want, B, Cin, H, W, Cout, KH, KW, &p);
  ot_expect_row(h, got, want, ny, (double)K, "conv2d");
}

/* vkg_conv2d_act_repeat: x [B, 1, H, W] as each of the Cin input channels, against the reference
 * on the replicated input. i: as run_conv2d (groups 1) */
static void run_conv2d_repeat(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  ot_desc(h,
          "conv2d_act_repeat[%s] B%lld 1x%lld->%lld %lldx%lld k%lldx%lld s%lld,%lld pad %lld,%lld,%lld,%lld dil %lld,%lld%s",
          h->row->variant, (long long)c[0], (long long)c[1], (long long)c[4], (long long)c[2], (long long)c[3],
          (long long)c[5], (long long)c[6], (long long)c[7], (long long)c[8], (long long)c[9], (long long)c[10],
          (long long)c[11], (long long)c[12], (long long)c[13], (long long)c[14], c[16] ? " bias" : "");
  const int64_t B = c[0], Cin = c[1], H = c[2], W = c[3], Cout = c[4], KH = c[5], KW = c[6];
  vkg_conv2d_params p = {(int)c[7],  (int)c[8],  (int)c[9],  (int)c[10], (int)c[11],
                         (int)c[12], (int)c[13], (int)c[14], 1};
  const int64_t OH = vkg_conv_out_size(H, KH, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h);
  const int64_t OW = vkg_conv_out_size(W, KW, p.stride_w, p.pad_left, p.pad_right, p.dilation_w);
  OT_ASSERT(h, OH > 0 && OW > 0, "empty output");
  const int64_t K = Cin * KH * KW;
  size_t nx = (size_t)(B * H * W), nw = (size_t)(Cout * K), ny = (size_t)(B * Cout * OH * OW);
  float *x = ot_rand(h, nx, 24, -1, 1), *w = ot_rand(h, nw, 25, -1, 1), *bias = ot_rand(h, (size_t)Cout, 26, -1, 1);
  int64_t dx[4] = {B, 1, H, W}, dw[4] = {Cout, Cin, KH, KW}, dy[4] = {B, Cout, OH, OW};
  vkg_tensor *tx = ot_f32(h, 4, dx, x), *tw = ot_f32(h, 4, dw, w), *tb = ot_f32(h, 1, &Cout, bias);
  vkg_tensor *ty = ot_f32(h, 4, dy, NULL);
  ot_work(h, 2.0 * (double)ny * (double)K, 4.0 * (double)(nx + nw + ny));
  OT_RUN(h, vkg_conv2d_act_repeat(h->ctx, tx, tw, c[16] ? tb : NULL, ty, &p, VKG_ACT_IDENTITY, 0.0f));
  if (!ot_checking(h)) return;
  float *xr = ot_alloc(h, nx * (size_t)Cin * sizeof *xr), *want = ot_alloc(h, ny * sizeof *want), *got = ot_get(h, ty);
  for (int64_t b = 0; b < B; b++)
    for (int64_t ci = 0; ci < Cin; ci++)
      for (int64_t i = 0; i < H * W; i++) xr[(b * Cin + ci) * H * W + i] = x[b * H * W + i];
  vkg_ref_conv2d(xr, w, c[16] ? bias : NULL, want, B, Cin, H, W, Cout, KH, KW, &p);
  ot_expect_row(h, got, want, ny, (double)K, "conv2d_act_repeat");
}

/* i: B Cin H W Cout KH KW s pad opad dil groups bias */
static void run_convt(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  ot_desc(h, "conv_transpose2d[%s] B%lld %lld->%lld %lldx%lld k%lldx%lld s%lld pad %lld opad %lld dil %lld g%lld%s",
          h->row->variant, (long long)c[0], (long long)c[1], (long long)c[4], (long long)c[2], (long long)c[3],
          (long long)c[5], (long long)c[6], (long long)c[7], (long long)c[8], (long long)c[9], (long long)c[10],
          (long long)c[11], c[12] ? " bias" : "");
  const int64_t B = c[0], Cin = c[1], H = c[2], W = c[3], Cout = c[4], KH = c[5], KW = c[6], groups = c[11];
  const int s = (int)c[7], pad = (int)c[8], opad = (int)c[9], dil = (int)c[10];
  vkg_conv_transpose2d_params p = {s, s, pad, pad, opad, opad, dil, dil, (int)groups};
  const int64_t OH = vkg_ref_convt_out_size(H, KH, s, pad, opad, dil), OW = vkg_ref_convt_out_size(W, KW, s, pad, opad, dil);
  const int64_t cout_g = Cout / groups;
  size_t nx = (size_t)(B * Cin * H * W), nw = (size_t)(Cin * cout_g * KH * KW), ny = (size_t)(B * Cout * OH * OW);
  float *x = ot_rand(h, nx, 31, -1, 1), *w = ot_rand(h, nw, 32, -1, 1), *bias = ot_rand(h, (size_t)Cout, 33, -1, 1);
  int64_t dx[4] = {B, Cin, H, W}, dw[4] = {Cin, cout_g, KH, KW}, dy[4] = {B, Cout, OH, OW};
  vkg_tensor *tx = ot_f32(h, 4, dx, x), *tw = ot_f32(h, 4, dw, w), *tb = ot_f32(h, 1, &Cout, bias);
  vkg_tensor *ty = ot_f32(h, 4, dy, NULL);
  const double K = (double)(Cin / groups) * (double)(KH * KW);
  ot_work(h, 2.0 * (double)nx * (double)cout_g * (double)(KH * KW), 4.0 * (double)(nx + nw + ny));
  OT_RUN(h, vkg_conv_transpose2d(h->ctx, tx, tw, c[12] ? tb : NULL, ty, &p));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, ny * sizeof *want), *got = ot_get(h, ty);
  vkg_ref_conv_transpose2d(x, w, c[12] ? bias : NULL, want, B, Cin, H, W, Cout, KH, KW, &p);
  ot_expect_row(h, got, want, ny, K, "conv_transpose2d");
}

static const int64_t conv_cases[][17] = {
    /* B Cin H W Cout KH KW sh sw pt pb pl pr dh dw groups bias */
    {1, 3, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},      /* 3x3 pad 1, K = 27 (not a multiple of 4) */
    {3, 16, 9, 11, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},   /* stride 2, odd sizes, batch 3 */
    {2, 8, 8, 8, 8, 3, 3, 2, 2, 0, 1, 0, 1, 1, 1, 1, 1},      /* asymmetric padding (diffusers downsample) */
    {1, 5, 13, 12, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0},    /* dilation 2, no bias */
    {2, 8, 7, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1},     /* groups 2 */
    {3, 16, 10, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 1}, /* depthwise */
    {3, 32, 7, 7, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},    /* 1x1, 49 pixels: packed B */
    {2, 32, 8, 8, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},    /* 1x1 aligned: direct operands */
    {1, 3, 23, 19, 8, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1},    /* 7x7 stride 2 */
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},      /* tiny */
    {1, 4, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},      /* kernel covers the input: 1x1 output */
    {2, 6, 9, 9, 4, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2, 2, 1},      /* everything non-square */
    {1, 256, 64, 64, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},  /* several im2col chunks */
    {2, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},  /* model-sized */
    /* Cout <= 8 (or <= 16 on >= 16384 output pixels) on the CPU variant: the row-blocked direct
     * kernel (4 pixels per invocation, partial last block, one dispatch per 4 channels), unless
     * marked pixel kernel / im2col */
    {2, 3, 21, 19, 2, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1},    /* Inception stem: s2, no pad, OW 9 */
    {3, 2, 13, 15, 4, 3, 3, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1},    /* s1, asymmetric pad */
    {2, 3, 11, 10, 3, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, 1},    /* 5x5 */
    {2, 8, 9, 7, 4, 1, 7, 1, 1, 0, 0, 3, 3, 1, 1, 1, 0},      /* 1x7 (Inception), KW at its limit */
    {1, 8, 9, 9, 1, 7, 1, 1, 1, 3, 3, 0, 0, 1, 1, 1, 1},      /* 7x1, one channel out */
    {2, 12, 6, 6, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},     /* 1x1 */
    {1, 2, 12, 20, 3, 3, 3, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1},    /* stride 3 along W: pixel kernel */
    {1, 2, 9, 9, 3, 1, 9, 1, 1, 0, 0, 4, 4, 1, 1, 1, 1},      /* KW 9: pixel kernel */
    {2, 5, 17, 16, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},    /* Cout 7: 2 dispatches */
    {4, 5, 71, 71, 12, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},   /* Inception 4a: 3 dispatches (18496 px) */
    {4, 6, 90, 91, 16, 1, 3, 1, 2, 0, 0, 1, 1, 1, 1, 1, 0},   /* Cout 16, s2 along W: 4 dispatches */
    {1, 6, 17, 17, 12, 1, 7, 1, 1, 0, 0, 3, 3, 1, 1, 1, 1},   /* Cout 12 on 289 px: im2col */
};

static const int64_t repeat_cases[][17] = {
    /* B Cin H W Cout KH KW sh sw pt pb pl pr dh dw groups bias */
    {2, 3, 21, 19, 2, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1, 1}, /* Inception stem (cpu: tap rows cached) */
    {1, 3, 11, 10, 3, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, 0}, /* 5x5, cached (5 x 8 values) */
    {2, 3, 15, 13, 4, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1}, /* 7x7 s2: too many values to cache */
    {1, 3, 9, 9, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* Cout 6: 2 dispatches, cached */
    {1, 3, 9, 9, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},  /* Cout 12 on 81 px: replicated, then im2col */
    {1, 2, 12, 12, 3, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1}, /* dilation 2: replicated, then pixel kernel */
};

static const int64_t convt_cases[][13] = {
    /* B Cin H W Cout KH KW s pad opad dil groups bias */
    {2, 16, 4, 4, 8, 4, 4, 2, 1, 0, 1, 1, 0},  /* DCGAN block */
    {3, 10, 1, 1, 12, 4, 4, 1, 0, 0, 1, 1, 1}, /* DCGAN first layer: 1x1 -> 4x4 */
    {1, 5, 6, 7, 3, 3, 3, 1, 0, 0, 1, 1, 1},   /* stride 1 */
    {2, 6, 5, 5, 4, 3, 3, 2, 1, 1, 1, 1, 1},   /* output padding */
    {2, 8, 5, 4, 6, 3, 3, 2, 1, 0, 1, 2, 1},   /* groups 2 */
    {1, 4, 5, 5, 4, 3, 3, 1, 2, 0, 2, 1, 1},   /* dilation 2 */
    {2, 3, 7, 9, 5, 4, 2, 3, 1, 2, 1, 1, 0},   /* non-square kernel, stride 3, opad 2 */
};

#define NCONV (sizeof conv_cases / sizeof *conv_cases)
#define NCONVT (sizeof convt_cases / sizeof *convt_cases)
#define NREPEAT (sizeof repeat_cases / sizeof *repeat_cases)

/* every case on both variants */
static size_t gen(vkg_op_row *out, size_t cap) {
  static const char *const variants[2] = {"cpu", "gpu"};
  size_t n = 2 * (NCONV + NCONVT + NREPEAT);
  if (!out) return n;
  size_t k = 0;
  for (int v = 0; v < 2; v++) {
    for (size_t i = 0; i < NCONV && k < cap; i++, k++) {
      out[k] = (vkg_op_row){.family = "conv", .op = "conv2d", .run = run_conv2d, .atol_sqrtk = 1e-5, .rtol = 1e-4,
                            .variant = variants[v]};
      for (int j = 0; j < 17; j++) out[k].i[j] = conv_cases[i][j];
    }
    for (size_t i = 0; i < NCONVT && k < cap; i++, k++) {
      out[k] = (vkg_op_row){.family = "conv", .op = "conv_transpose2d", .run = run_convt, .atol_sqrtk = 1e-5,
                            .rtol = 1e-4, .variant = variants[v]};
      for (int j = 0; j < 13; j++) out[k].i[j] = convt_cases[i][j];
    }
    for (size_t i = 0; i < NREPEAT && k < cap; i++, k++) {
      out[k] = (vkg_op_row){.family = "conv", .op = "conv2d_act_repeat", .run = run_conv2d_repeat, .atol_sqrtk = 1e-5,
                            .rtol = 1e-4, .variant = variants[v]};
      for (int j = 0; j < 17; j++) out[k].i[j] = repeat_cases[i][j];
    }
  }
  return k;
}

const vkg_op_family vkg_op_family_conv = {"conv", NULL, 0, gen};
