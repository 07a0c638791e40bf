/* vkg_conv2d_winograd (F(2x2,3x3) and F(4x4,3x3)) with its fused epilogue, the filter
 * transform, the algorithm choice and vkg_conv2d_act (im2col with the activation fused), against a plain C reference: direct convolution and the
 * epilogue in double precision. Both kernel variants (the GEMM in between is the texel GEMM on
 * "cpu" and the tiled one on "gpu").
 *
 * Tolerance, inputs and weights uniform in [-1, 1], K = 9 Cin the reduction length:
 * |got - want| <= atol * sqrt(K + 1) + 1e-4 * |want| with atol 1e-5 for F(2x2) (the bound
 * test_kernel_conv uses for im2col) and 4e-5 for F(4x4). Measured worst |got - want| /
 * sqrt(K + 1) over the cases below (printed by this test): F(2x2) 6.9e-7 (like im2col),
 * F(4x4) 9.8e-6: the transform constants (up to 8 and 1/24) amplify rounding ~14x. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vkgen/kernels/winograd.h"

#define WINO_ERR_NOTE "measured F(2x2) 6.9e-7, F(4x4) 9.8e-6 (x sqrt(K+1))"

static const char *const variants[2] = {"cpu", "gpu"};

static float *rnd(size_t n, unsigned seed) {
  float *x = malloc((n ? n : 1) * sizeof *x);
  ck_assert_ptr_nonnull(x);
  vkg_test_fill_uniform(x, n, seed, -1.0f, 1.0f);
  return x;
}

static double act_ref(double v, vkg_act act) {
  switch (act) {
    case VKG_ACT_RELU: return v > 0 ? v : 0;
    case VKG_ACT_SILU: return v / (1.0 + exp(-v));
    default: return v;
  }
}

/* y = act((conv3x3(x, w) + bias + bias_nc + res) * scale), stride 1, zero padding pt/pb/pl/pr, double. */
static void ref_conv3x3_epilogue(const float *x, const float *w, const float *bias, const float *bias_nc,
                                 const float *res, double scale, vkg_act act, double *y, int B, int Cin, int H, int W, int Cout, int pt, int pb,
                                 int pl, int pr) {
  const int OH = H + pt + pb - 2, OW = W + pl + pr - 2;
  for (int b = 0; b < B; ++b)
    for (int co = 0; co < Cout; ++co)
      for (int oh = 0; oh < OH; ++oh)
        for (int ow = 0; ow < OW; ++ow) {
          double s = bias ? bias[co] : 0.0;
          for (int ci = 0; ci < Cin; ++ci)
            for (int kh = 0; kh < 3; ++kh) {
              const int ih = oh + kh - pt;
              if (ih < 0 || ih >= H) continue;
              for (int kw = 0; kw < 3; ++kw) {
                const int iw = ow + kw - pl;
                if (iw < 0 || iw >= W) continue;
                s += (double)x[((b * Cin + ci) * H + ih) * W + iw] * (double)w[((co * Cin + ci) * 3 + kh) * 3 + kw];
              }
            }
          const size_t i = (((size_t)b * Cout + co) * OH + oh) * OW + ow;
          if (bias_nc) s += bias_nc[b * Cout + co];
          if (res) s += res[i];
          y[i] = act_ref(s * scale, act);
        }
}

typedef struct wino_case {
  int B, Cin, H, W, Cout, pt, pb, pl, pr, bias, res;
  vkg_act act;
  int bias_nc; /* a per-sample bias [B, Cout, 1, 1] */
} wino_case;

static const wino_case cases[] = {
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
};

/* Worst |got - want| / sqrt(K + 1) per tile size, for the log. */
static double worst_abs[5];

static void check_case(vkg_ctx *ctx, const char *variant, int m, const wino_case *c) {
  setenv("VKGEN_KERNEL_VARIANT", variant, 1);
  const int OH = c->H + c->pt + c->pb - 2, OW = c->W + c->pl + c->pr - 2;
  ck_assert(OH > 0 && OW > 0);
  const size_t nx = (size_t)c->B * c->Cin * c->H * c->W, nw = (size_t)c->Cout * c->Cin * 9,
               ny = (size_t)c->B * c->Cout * OH * OW;
  float *x = rnd(nx, 31), *w = rnd(nw, 32), *bias = rnd((size_t)c->Cout, 33), *res = rnd(ny, 34),
        *bnc = rnd((size_t)c->B * c->Cout, 35);
  float *got = malloc(ny * sizeof *got), *wantf = malloc(ny * sizeof *wantf);
  double *want = malloc(ny * sizeof *want);
  const float scale = c->res ? 0.70710678f : 1.0f;
  ref_conv3x3_epilogue(x, w, c->bias ? bias : NULL, c->bias_nc ? bnc : NULL, c->res ? res : NULL, scale, c->act, want, c->B, c->Cin, c->H,
                       c->W, c->Cout, c->pt, c->pb, c->pl, c->pr);
  for (size_t i = 0; i < ny; ++i) wantf[i] = (float)want[i];

  vkg_shape sx = vkg_shape_4d(c->B, c->Cin, c->H, c->W), sw = vkg_shape_4d(c->Cout, c->Cin, 3, 3),
            sy = vkg_shape_4d(c->B, c->Cout, OH, OW);
  int64_t nb = c->Cout;
  vkg_shape sb = vkg_shape_make(1, &nb), snc = vkg_shape_4d(c->B, c->Cout, 1, 1);
  vkg_tensor *tx = NULL, *tw = NULL, *tb = NULL, *tr = NULL, *ty = NULL, *tu = NULL, *tnc = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &snc, bnc, &tnc));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sx, x, &tx));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw, w, &tw));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sb, bias, &tb));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sy, res, &tr));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &ty));
  VKG_CHECK_OK(ctx, vkg_winograd_filter_create(ctx, tw, m, &tu));
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = c->pt;
  p.pad_bottom = c->pb;
  p.pad_left = c->pl;
  p.pad_right = c->pr;
  vkg_conv_epilogue ep = vkg_conv_epilogue_default();
  ep.residual = c->res ? tr : NULL;
  ep.bias_nc = c->bias_nc ? tnc : NULL;
  ep.scale = scale;
  ep.act = c->act;
  VKG_CHECK_OK(ctx, vkg_conv2d_winograd(ctx, tx, tu, m, c->bias ? tb : NULL, ty, &p, &ep));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, got, ny * sizeof *got));

  const double K = 9.0 * c->Cin, atol = m == 2 ? 1e-5 : 4e-5;
  double wabs = 0;
  for (size_t i = 0; i < ny; ++i) {
    double e = fabs((double)got[i] - want[i]) / sqrt(K + 1);
    if (!(e <= wabs)) wabs = e;
  }
  if (!(wabs <= worst_abs[m])) worst_abs[m] = wabs;
  size_t wi;
  double err = vkg_test_rel_err(got, wantf, ny, atol * sqrt(K + 1), 1e-4, &wi);
  ck_assert_msg(err <= 1.0,
                "winograd F(%dx%d)[%s] B%d %d->%d %dx%d pad %d,%d,%d,%d bias %d res %d act %d: err %g at %zu "
                "(got %.9g want %.9g)",
                m, m, variant, c->B, c->Cin, c->Cout, c->H, c->W, c->pt, c->pb, c->pl, c->pr, c->bias, c->res,
                (int)c->act, err, wi, got[wi], want[wi]);
  vkg_tensor *ts[] = {tx, tw, tb, tr, ty, tu, tnc};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; ++i) vkg_tensor_unref(ts[i]);
  free(x);
  free(w);
  free(bias);
  free(res);
  free(bnc);
  free(got);
  free(wantf);
  free(want);
}

START_TEST(test_winograd_cases) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++)
    for (int m = 2; m <= 4; m += 2)
      for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_case(ctx, variants[v], m, &cases[i]);
  fprintf(stderr, "winograd: worst |err| / sqrt(K+1): F(2x2) %.3g, F(4x4) %.3g (documented: %s)\n", worst_abs[2],
          worst_abs[4], WINO_ERR_NOTE);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* A model-sized case that crosses the scratch chunking (more tiles than one chunk holds). */
START_TEST(test_winograd_chunks) {
  vkg_ctx *ctx = vkg_test_ctx();
  const wino_case big = {8, 64, 64, 64, 64, 1, 1, 1, 1, 1, 1, VKG_ACT_IDENTITY, 1};
  check_case(ctx, "cpu", 2, &big);
  check_case(ctx, "cpu", 4, &big);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* vkg_conv2d_act: the im2col GEMM (Cout 11) or the direct kernel (Cout 3, CPU variant) with the
 * activation fused into its store. */
static void check_conv2d_act(vkg_ctx *ctx, int Cout) {
  const int B = 2, Cin = 5, H = 9, W = 7;
  const vkg_act acts[3] = {VKG_ACT_RELU, VKG_ACT_SILU, VKG_ACT_IDENTITY};
  const size_t nx = (size_t)B * Cin * H * W, nw = (size_t)Cout * Cin * 9, ny = (size_t)B * Cout * H * W;
  float *x = rnd(nx, 41), *w = rnd(nw, 42), *bias = rnd((size_t)Cout, 43), *got = malloc(ny * sizeof *got),
        *wantf = malloc(ny * sizeof *wantf);
  double *want = malloc(ny * sizeof *want);
  vkg_shape sx = vkg_shape_4d(B, Cin, H, W), sw = vkg_shape_4d(Cout, Cin, 3, 3), sy = vkg_shape_4d(B, Cout, H, W);
  int64_t nb = Cout;
  vkg_shape sb = vkg_shape_make(1, &nb);
  vkg_tensor *tx = NULL, *tw = NULL, *tb = NULL, *ty = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sx, x, &tx));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw, w, &tw));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sb, bias, &tb));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &ty));
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  for (int v = 0; v < 2; v++)
    for (int a = 0; a < 3; a++) {
      setenv("VKGEN_KERNEL_VARIANT", variants[v], 1);
      ref_conv3x3_epilogue(x, w, bias, NULL, NULL, 1.0, acts[a], want, B, Cin, H, W, Cout, 1, 1, 1, 1);
      for (size_t i = 0; i < ny; ++i) wantf[i] = (float)want[i];
      VKG_CHECK_OK(ctx, vkg_conv2d_act(ctx, tx, tw, tb, ty, &p, acts[a], 0.0f));
      VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, got, ny * sizeof *got));
      size_t wi;
      double err = vkg_test_rel_err(got, wantf, ny, 1e-5 * sqrt(9.0 * Cin + 1), 1e-4, &wi);
      ck_assert_msg(err <= 1.0, "conv2d_act[%s] Cout %d act %d: err %g at %zu (got %g want %g)", variants[v], Cout,
                    (int)acts[a], err, wi, got[wi], want[wi]);
    }
  VKG_CHECK_FAILS(ctx, vkg_conv2d_act(ctx, tx, tw, tb, ty, &p, VKG_ACT_COUNT, 0.0f), VKG_E_INPUT,
                  "unknown activation");
  vkg_tensor *ts[] = {tx, tw, tb, ty};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  free(x);
  free(w);
  free(bias);
  free(got);
  free(wantf);
  free(want);
}

START_TEST(test_conv2d_act) {
  vkg_ctx *ctx = vkg_test_ctx();
  check_conv2d_act(ctx, 11);
  check_conv2d_act(ctx, 3);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_winograd_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_shape sx = vkg_shape_4d(1, 4, 6, 6), sw = vkg_shape_4d(8, 4, 3, 3), sw5 = vkg_shape_4d(8, 4, 5, 5),
            sy = vkg_shape_4d(1, 8, 6, 6), sybad = vkg_shape_4d(1, 8, 5, 6);
  vkg_tensor *x = NULL, *w = NULL, *w5 = NULL, *y = NULL, *ybad = NULL, *u = NULL, *u5 = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sx, &x));
  float zeros[8 * 4 * 5 * 5] = {0};
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw, zeros, &w));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sw5, zeros, &w5));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &y));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sybad, &ybad));
  VKG_CHECK_FAILS(ctx, vkg_winograd_filter_create(ctx, w5, 2, &u5), VKG_E_INPUT, "must be [Cout, Cin, 3, 3]");
  VKG_CHECK_FAILS(ctx, vkg_winograd_filter_create(ctx, w, 3, &u5), VKG_E_INPUT, "tile 3 must be 2 or 4");
  VKG_CHECK_OK(ctx, vkg_winograd_filter_create(ctx, w, 2, &u));
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 4, NULL, y, &p, NULL), VKG_E_INPUT, "not an F(4x4,3x3) filter");
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, ybad, &p, NULL), VKG_E_INPUT,
                  "should be [1, 8, 6, 6]");
  vkg_conv2d_params s2 = p;
  s2.stride_h = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &s2, NULL), VKG_E_INPUT, "stride, dilation");
  vkg_conv_epilogue ep = vkg_conv_epilogue_default();
  ep.residual = ybad;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &p, &ep), VKG_E_INPUT, "residual must have");
  ep.residual = NULL;
  ep.bias_nc = y;
  VKG_CHECK_FAILS(ctx, vkg_conv2d_winograd(ctx, x, u, 2, NULL, y, &p, &ep), VKG_E_INPUT, "bias_nc must be [1, 8, 1, 1]");
  vkg_tensor *ts[] = {x, w, w5, y, ybad, u};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_conv_algo_choice) {
  vkg_ctx *ctx = vkg_test_ctx();
  setenv("VKGEN_KERNEL_VARIANT", "cpu", 1);
  unsetenv("VKGEN_CONV_ALGO");
  vkg_conv2d_params p = vkg_conv2d_params_default();
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  vkg_conv2d_params s2 = p;
  s2.stride_h = s2.stride_w = 2;
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &s2), VKG_CONV_IM2COL);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 1, &p), VKG_CONV_IM2COL);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_WINOGRAD4);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 0, 128, 128, 0, 0, 3, &p), VKG_CONV_WINOGRAD4); /* at load */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 256, 256, 8, 8, 3, &p), VKG_CONV_WINOGRAD4);   /* 32 tiles */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 512, 512, 4, 4, 3, &p), VKG_CONV_IM2COL);      /* 8 tiles */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 16, 16, 32, 32, 3, &p), VKG_CONV_IM2COL);     /* narrow */
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  setenv("VKGEN_CONV_ALGO", "im2col", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  setenv("VKGEN_CONV_ALGO", "winograd2", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &p), VKG_CONV_WINOGRAD2);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 8, 3, 128, 32, 32, 3, &s2), VKG_CONV_IM2COL);
  unsetenv("VKGEN_CONV_ALGO");
  setenv("VKGEN_KERNEL_VARIANT", "gpu", 1);
  ck_assert_int_eq(vkg_conv_algo_choose(ctx, 16, 128, 128, 32, 32, 3, &p), VKG_CONV_IM2COL);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_winograd");
  TCase *tc = tcase_create("winograd");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_winograd_cases);
  tcase_add_test(tc, test_winograd_chunks);
  tcase_add_test(tc, test_conv2d_act);
  tcase_add_test(tc, test_winograd_errors);
  tcase_add_test(tc, test_conv_algo_choice);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
