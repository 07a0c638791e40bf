/* vkg_conv2d_winograd (F(2x2,3x3) and F(4x4,3x3)) with its fused epilogue and the filter
 * transform, and vkg_conv2d_act (im2col GEMM, or the direct kernel for narrow Cout on the CPU
 * variant, with the activation fused into the store), against tests/ref vkg_ref_conv3x3_epilogue
 * (direct convolution and epilogue in double). The GEMM inside is the texel GEMM on "cpu" and the
 * tiled one on "gpu".
 *
 * Bound, inputs and weights uniform in [-1, 1], K = 9 Cin the reduction length:
 * |got - want| <= atol_sqrtk * sqrt(K + 1) + 1e-4 |want| with atol_sqrtk 1e-5 for F(2x2) and
 * conv2d_act (the bound of the conv family's im2col rows) and 4e-5 for F(4x4). Measured worst
 * |got - want| / sqrt(K + 1): F(2x2) 6.9e-7 (like im2col), F(4x4) 9.8e-6: the transform constants
 * (up to 8 and 1/24) amplify rounding ~14x.
 * Was tests/unit/test_kernel_winograd.c: winograd 9 shapes x 2 tiles x 2 variants = 36, the
 * scratch-chunking case x 2 tiles (cpu) = 2, conv2d_act 2 Cout x 3 activations x 2 variants = 12:
 * 50 cases. Its error tests and the algorithm-choice rule stay there. Added since: two model-sized
 * shapes, and vkg_conv2d_winograd_up2 (nearest 2x upsample read by the input transform) 3 shapes x
 * 2 tiles x 2 variants. */
#include <math.h>
#include <stdlib.h>

#include "optable.h"
#include "ref_conv.h"

static void tensor_unref(void *t) { vkg_tensor_unref(t); }

static const char *act_name(int64_t act) {
  switch (act) {
    case VKG_ACT_RELU: return "relu";
    case VKG_ACT_SILU: return "silu";
    default: return "identity";
  }
}

/* i: B Cin H W Cout pt pb pl pr bias res act bias_nc m up (up: x [B, Cin, H, W] read as its nearest
 * 2x upsample, vkg_conv2d_winograd_up2; the reference convolves the upsampled map) */
static void run_winograd(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int B = (int)c[0], Cin = (int)c[1], H = (int)c[2], W = (int)c[3], Cout = (int)c[4], pt = (int)c[5],
            pb = (int)c[6], pl = (int)c[7], pr = (int)c[8], has_bias = (int)c[9], has_res = (int)c[10],
            has_nc = (int)c[12], m = (int)c[13], up = (int)c[14];
  const vkg_act act = (vkg_act)c[11];
  ot_desc(h, "conv2d_winograd F(%dx%d)[%s] B%d %d->%d %dx%d%s pad %d,%d,%d,%d%s%s%s %s", m, m, h->row->variant, B,
          Cin, Cout, H, W, up ? " upsampled 2x" : "", pt, pb, pl, pr, has_bias ? " bias" : "",
          has_nc ? " bias_nc" : "", has_res ? " residual" : "", act_name(c[11]));
  const int UH = H << up, UW = W << up; /* the size the conv sees */
  const int OH = UH + pt + pb - 2, OW = UW + pl + pr - 2;
  OT_ASSERT(h, OH > 0 && OW > 0, "empty output");
  const size_t nx = (size_t)B * Cin * H * W, nw = (size_t)Cout * Cin * 9, ny = (size_t)B * Cout * OH * OW;
  float *x = ot_rand(h, nx, 31, -1, 1), *w = ot_rand(h, nw, 32, -1, 1), *bias = ot_rand(h, (size_t)Cout, 33, -1, 1),
        *res = ot_rand(h, ny, 34, -1, 1), *bnc = ot_rand(h, (size_t)B * Cout, 35, -1, 1);
  const float scale = has_res ? 0.70710678f : 1.0f;
  int64_t dx[4] = {B, Cin, H, W}, dw[4] = {Cout, Cin, 3, 3}, dy[4] = {B, Cout, OH, OW}, dnc[4] = {B, Cout, 1, 1},
          nb = Cout;
  vkg_tensor *tnc = ot_f32(h, 4, dnc, bnc), *tx = ot_f32(h, 4, dx, x), *tw = ot_f32(h, 4, dw, w),
             *tb = ot_f32(h, 1, &nb, bias), *tr = ot_f32(h, 4, dy, res), *ty = ot_f32(h, 4, dy, NULL), *tu = NULL;
  OT_OK(h, vkg_winograd_filter_create(h->ctx, tw, m, &tu));
  ot_own(h, tensor_unref, tu);
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = pt;
  p.pad_bottom = pb;
  p.pad_left = pl;
  p.pad_right = pr;
  vkg_conv_epilogue ep = vkg_conv_epilogue_default();
  ep.residual = has_res ? tr : NULL;
  ep.bias_nc = has_nc ? tnc : NULL;
  ep.scale = scale;
  ep.act = act;
  const double K = 9.0 * Cin;
  /* the work of the direct convolution it computes */
  ot_work(h, 2.0 * (double)ny * K, 4.0 * (double)(nx + nw + ny * (has_res ? 2 : 1)));
  if (up)
    OT_RUN(h, vkg_conv2d_winograd_up2(h->ctx, tx, 1, tu, m, has_bias ? tb : NULL, ty, &p, &ep));
  else
    OT_RUN(h, vkg_conv2d_winograd(h->ctx, tx, tu, m, has_bias ? tb : NULL, ty, &p, &ep));
  if (!ot_checking(h)) return;
  double *want = ot_alloc(h, ny * sizeof *want);
  float *wantf = ot_alloc(h, ny * sizeof *wantf), *got = ot_get(h, ty), *xu = x;
  if (up) {
    xu = ot_alloc(h, (size_t)B * Cin * UH * UW * sizeof *xu);
    for (size_t pl2 = 0; pl2 < (size_t)B * Cin; ++pl2)
      for (int yy = 0; yy < UH; ++yy)
        for (int xx = 0; xx < UW; ++xx)
          xu[(pl2 * UH + yy) * UW + xx] = x[(pl2 * H + yy / 2) * W + xx / 2];
  }
  vkg_ref_conv3x3_epilogue(xu, w, has_bias ? bias : NULL, has_nc ? bnc : NULL, has_res ? res : NULL, scale, act, want,
                           B, Cin, UH, UW, Cout, pt, pb, pl, pr);
  for (size_t i = 0; i < ny; ++i) wantf[i] = (float)want[i];
  ot_expect_row(h, got, wantf, ny, K, "conv2d_winograd");
}

/* i: B Cin H W Cout act (3x3, stride 1, pad 1, bias) */
static void run_conv2d_act(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int B = (int)c[0], Cin = (int)c[1], H = (int)c[2], W = (int)c[3], Cout = (int)c[4];
  const vkg_act act = (vkg_act)c[5];
  ot_desc(h, "conv2d_act[%s] B%d %d->%d %dx%d k3x3 pad 1 bias %s", h->row->variant, B, Cin, Cout, H, W,
          act_name(c[5]));
  const size_t nx = (size_t)B * Cin * H * W, nw = (size_t)Cout * Cin * 9, ny = (size_t)B * Cout * H * W;
  float *x = ot_rand(h, nx, 41, -1, 1), *w = ot_rand(h, nw, 42, -1, 1), *bias = ot_rand(h, (size_t)Cout, 43, -1, 1);
  int64_t dx[4] = {B, Cin, H, W}, dw[4] = {Cout, Cin, 3, 3}, dy[4] = {B, Cout, H, W}, nb = Cout;
  vkg_tensor *tx = ot_f32(h, 4, dx, x), *tw = ot_f32(h, 4, dw, w), *tb = ot_f32(h, 1, &nb, bias),
             *ty = ot_f32(h, 4, dy, NULL);
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  const double K = 9.0 * Cin;
  ot_work(h, 2.0 * (double)ny * K, 4.0 * (double)(nx + nw + ny));
  OT_RUN(h, vkg_conv2d_act(h->ctx, tx, tw, tb, ty, &p, act, 0.0f));
  if (!ot_checking(h)) return;
  double *want = ot_alloc(h, ny * sizeof *want);
  float *wantf = ot_alloc(h, ny * sizeof *wantf), *got = ot_get(h, ty);
  vkg_ref_conv3x3_epilogue(x, w, bias, NULL, NULL, 1.0, act, want, B, Cin, H, W, Cout, 1, 1, 1, 1);
  for (size_t i = 0; i < ny; ++i) wantf[i] = (float)want[i];
  ot_expect_row(h, got, wantf, ny, K, "conv2d_act");
}

static const int64_t wino_cases[][13] = {
    /* B Cin H W Cout pads(t,b,l,r) bias res act bias_nc */
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 0},     /* 1x1 image, one channel */
    {1, 3, 5, 7, 2, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 0},     /* odd sizes, partial tiles */
    {2, 5, 11, 13, 7, 1, 1, 1, 1, 0, 1, VKG_ACT_SILU, 1},       /* primes, residual + SiLU, no bias */
    {3, 17, 9, 6, 19, 0, 0, 0, 0, 1, 0, VKG_ACT_RELU, 0},       /* no padding */
    {1, 4, 8, 8, 4, 0, 1, 0, 1, 1, 1, VKG_ACT_IDENTITY, 0},     /* asymmetric padding */
    {2, 32, 16, 16, 48, 1, 1, 1, 1, 1, 1, VKG_ACT_IDENTITY, 1}, /* UNet-like */
    {1, 128, 8, 8, 128, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 0}, /* wide */
    {1, 256, 4, 4, 64, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 0},  /* decoder bottleneck, K = 2304 */
    {4, 8, 37, 29, 16, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 1},  /* many tiles */
    {2, 64, 28, 28, 64, 1, 1, 1, 1, 1, 1, VKG_ACT_IDENTITY, 0}, /* KL VAE decoder up block, resnet conv2 */
    {2, 64, 14, 14, 64, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 1}, /* DDPM UNet, conv1 + time embedding */
};
/* model-sized: more tiles than one scratch chunk holds (CPU variant only, as before) */
static const int64_t wino_chunk_case[13] = {8, 64, 64, 64, 64, 1, 1, 1, 1, 1, 1, VKG_ACT_IDENTITY, 1};

#define NWINO (sizeof wino_cases / sizeof *wino_cases)
/* vkg_conv2d_winograd_up2 (Upsample2D's nearest 2x + conv): B Cin H W (before the upsample) Cout
 * pads bias res act bias_nc */
static const int64_t wino_up_cases[][13] = {
    {2, 5, 3, 4, 7, 1, 1, 1, 1, 1, 1, VKG_ACT_SILU, 1},         /* partial tiles, odd sizes */
    {1, 3, 5, 5, 2, 0, 1, 1, 0, 0, 0, VKG_ACT_IDENTITY, 0},     /* asymmetric padding */
    {4, 64, 14, 14, 64, 1, 1, 1, 1, 1, 0, VKG_ACT_IDENTITY, 0}, /* KL VAE / DDPM up block, to 28x28 */
};
#define NWINO_UP (sizeof wino_up_cases / sizeof *wino_up_cases)
/* the im2col GEMM (Cout 11) and the direct kernel (Cout 3 on the CPU variant) */
static const int64_t act_couts[2] = {11, 3};
static const int64_t act_acts[3] = {VKG_ACT_RELU, VKG_ACT_SILU, VKG_ACT_IDENTITY};

static vkg_op_row wino_row(const char *variant, int m, const int64_t *c, int up) {
  vkg_op_row r = {.family = "winograd", .op = up ? "conv2d_winograd_up2" : "conv2d_winograd", .run = run_winograd,
                  .atol_sqrtk = m == 2 ? 1e-5 : 4e-5, .rtol = 1e-4, .variant = variant};
  for (int j = 0; j < 13; j++) r.i[j] = c[j];
  r.i[13] = m;
  r.i[14] = up;
  return r;
}

static size_t gen(vkg_op_row *out, size_t cap) {
  static const char *const variants[2] = {"cpu", "gpu"};
  size_t n = 2 * 2 * NWINO + 2 + 2 * 2 * 3 + 2 * 2 * NWINO_UP;
  if (!out) return n;
  size_t k = 0;
  for (int v = 0; v < 2; v++)
    for (int m = 2; m <= 4; m += 2)
      for (size_t i = 0; i < NWINO && k < cap; i++) out[k++] = wino_row(variants[v], m, wino_cases[i], 0);
  for (int m = 2; m <= 4 && k < cap; m += 2) out[k++] = wino_row("cpu", m, wino_chunk_case, 0);
  for (int v = 0; v < 2; v++)
    for (int m = 2; m <= 4; m += 2)
      for (size_t i = 0; i < NWINO_UP && k < cap; i++) out[k++] = wino_row(variants[v], m, wino_up_cases[i], 1);
  for (int c = 0; c < 2; c++)
    for (int v = 0; v < 2; v++)
      for (int a = 0; a < 3 && k < cap; a++)
        out[k++] = (vkg_op_row){.family = "winograd", .op = "conv2d_act", .run = run_conv2d_act, .atol_sqrtk = 1e-5,
                                .rtol = 1e-4, .variant = variants[v], .i = {2, 5, 9, 7, act_couts[c], act_acts[a]}};
  return k;
}

const vkg_op_family vkg_op_family_winograd = {"winograd", NULL, 0, gen};
