/* vkg_conv2d and vkg_conv_transpose2d against the C reference on both kernel variants.
 * Tolerance: |got - want| <= 1e-5*sqrt(K+1) + 1e-4*|want|, K the reduction length
 * (Cin/groups * KH * KW), inputs in [-1, 1]. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_conv.h"
#include "testutil.h"

static const char *const variants[2] = {"cpu", "gpu"};

static float *rnd(size_t n, unsigned seed) {
  float *x = malloc((n ? n : 1) * sizeof *x);
  ck_assert_ptr_nonnull(x);
  vkg_test_fill_uniform(x, n, seed, -1.0f, 1.0f);
  return x;
}

static vkg_tensor *upload4(vkg_ctx *ctx, const float *h, int64_t a, int64_t b, int64_t c, int64_t d) {
  vkg_shape s = vkg_shape_4d(a, b, c, d);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &s, h, &t));
  return t;
}

typedef struct conv_case {
  int B, Cin, H, W, Cout, KH, KW, sh, sw, pt, pb, pl, pr, dh, dw, groups, bias;
} conv_case;

static void check_conv(vkg_ctx *ctx, const char *variant, const conv_case *c) {
  setenv("VKGEN_KERNEL_VARIANT", variant, 1);
  vkg_conv2d_params p = {c->sh, c->sw, c->pt, c->pb, c->pl, c->pr, c->dh, c->dw, c->groups};
  const int64_t OH = vkg_conv_out_size(c->H, c->KH, c->sh, c->pt, c->pb, c->dh);
  const int64_t OW = vkg_conv_out_size(c->W, c->KW, c->sw, c->pl, c->pr, c->dw);
  ck_assert(OH > 0 && OW > 0);
  const int64_t cin_g = c->Cin / c->groups, K = cin_g * c->KH * c->KW;
  size_t nx = (size_t)c->B * c->Cin * c->H * c->W, nw = (size_t)(c->Cout * K), ny = (size_t)(c->B * c->Cout * OH * OW);
  float *x = rnd(nx, 21), *w = rnd(nw, 22), *bias = rnd((size_t)c->Cout, 23), *want = malloc(ny * sizeof(float)),
        *got = malloc(ny * sizeof(float));
  vkg_ref_conv2d(x, w, c->bias ? bias : NULL, want, c->B, c->Cin, c->H, c->W, c->Cout, c->KH, c->KW, &p);
  vkg_tensor *tx = upload4(ctx, x, c->B, c->Cin, c->H, c->W), *tw = upload4(ctx, w, c->Cout, cin_g, c->KH, c->KW);
  int64_t nb = c->Cout;
  vkg_shape sb = vkg_shape_make(1, &nb), sy = vkg_shape_4d(c->B, c->Cout, OH, OW);
  vkg_tensor *tb = NULL, *ty = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sb, bias, &tb));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &ty));
  VKG_CHECK_OK(ctx, vkg_conv2d(ctx, tx, tw, c->bias ? tb : NULL, ty, &p));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, got, ny * sizeof(float)));
  size_t wi;
  double err = vkg_test_rel_err(got, want, ny, 1e-5 * sqrt((double)K + 1), 1e-4, &wi);
  ck_assert_msg(err <= 1.0,
                "conv2d[%s] B%d %d->%d %dx%d k%dx%d s%d,%d pad %d,%d,%d,%d dil %d,%d groups %d bias %d: err %g at %zu "
                "(got %g want %g)",
                variant, c->B, c->Cin, c->Cout, c->H, c->W, c->KH, c->KW, c->sh, c->sw, c->pt, c->pb, c->pl, c->pr,
                c->dh, c->dw, c->groups, c->bias, err, wi, got[wi], want[wi]);
  vkg_tensor_unref(tx);
  vkg_tensor_unref(tw);
  vkg_tensor_unref(tb);
  vkg_tensor_unref(ty);
  free(x);
  free(w);
  free(bias);
  free(want);
  free(got);
}

static const conv_case conv_cases[] = {
    /* B Cin H W Cout KH KW sh sw pt pb pl pr dh dw groups bias */
    {1, 3, 8, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},       /* 3x3 pad 1, K = 27 (not a multiple of 4) */
    {3, 16, 9, 11, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1},    /* stride 2, odd sizes, batch 3 */
    {2, 8, 8, 8, 8, 3, 3, 2, 2, 0, 1, 0, 1, 1, 1, 1, 1},       /* asymmetric padding (diffusers downsample) */
    {1, 5, 13, 12, 7, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, 0},     /* dilation 2, no bias */
    {2, 8, 7, 7, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1},      /* groups 2 */
    {3, 16, 10, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, 1},  /* depthwise */
    {3, 32, 7, 7, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},     /* 1x1, 49 pixels: packed B */
    {2, 32, 8, 8, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0},     /* 1x1 aligned: direct operands */
    {1, 3, 23, 19, 8, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, 1},     /* 7x7 stride 2 */
    {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},       /* tiny */
    {1, 4, 5, 5, 3, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1},       /* kernel covers the input: 1x1 output */
    {2, 6, 9, 9, 4, 3, 2, 2, 1, 1, 0, 2, 1, 1, 2, 2, 1},       /* everything non-square */
    {1, 256, 64, 64, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* several im2col chunks */
    {2, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},   /* model-sized */
};

START_TEST(test_conv2d_cases) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++)
    for (size_t i = 0; i < sizeof conv_cases / sizeof *conv_cases; i++) check_conv(ctx, variants[v], &conv_cases[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

typedef struct convt_case {
  int B, Cin, H, W, Cout, KH, KW, s, pad, opad, dil, groups, bias;
} convt_case;

static void check_convt(vkg_ctx *ctx, const char *variant, const convt_case *c) {
  setenv("VKGEN_KERNEL_VARIANT", variant, 1);
  vkg_conv_transpose2d_params p = {c->s, c->s, c->pad, c->pad, c->opad, c->opad, c->dil, c->dil, c->groups};
  const int64_t OH = vkg_ref_convt_out_size(c->H, c->KH, c->s, c->pad, c->opad, c->dil);
  const int64_t OW = vkg_ref_convt_out_size(c->W, c->KW, c->s, c->pad, c->opad, c->dil);
  const int64_t cout_g = c->Cout / c->groups;
  size_t nx = (size_t)c->B * c->Cin * c->H * c->W, nw = (size_t)(c->Cin * cout_g * c->KH * c->KW);
  size_t ny = (size_t)(c->B * c->Cout * OH * OW);
  float *x = rnd(nx, 31), *w = rnd(nw, 32), *bias = rnd((size_t)c->Cout, 33), *want = malloc(ny * sizeof(float)),
        *got = malloc(ny * sizeof(float));
  vkg_ref_conv_transpose2d(x, w, c->bias ? bias : NULL, want, c->B, c->Cin, c->H, c->W, c->Cout, c->KH, c->KW, &p);
  vkg_tensor *tx = upload4(ctx, x, c->B, c->Cin, c->H, c->W), *tw = upload4(ctx, w, c->Cin, cout_g, c->KH, c->KW);
  int64_t nb = c->Cout;
  vkg_shape sb = vkg_shape_make(1, &nb), sy = vkg_shape_4d(c->B, c->Cout, OH, OW);
  vkg_tensor *tb = NULL, *ty = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sb, bias, &tb));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &ty));
  VKG_CHECK_OK(ctx, vkg_conv_transpose2d(ctx, tx, tw, c->bias ? tb : NULL, ty, &p));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, got, ny * sizeof(float)));
  size_t wi;
  double K = (double)(c->Cin / c->groups) * c->KH * c->KW;
  double err = vkg_test_rel_err(got, want, ny, 1e-5 * sqrt(K + 1), 1e-4, &wi);
  ck_assert_msg(err <= 1.0, "conv_transpose2d[%s] B%d %d->%d %dx%d k%dx%d s%d pad %d opad %d dil %d groups %d: err %g at %zu",
                variant, c->B, c->Cin, c->Cout, c->H, c->W, c->KH, c->KW, c->s, c->pad, c->opad, c->dil, c->groups,
                err, wi);
  vkg_tensor_unref(tx);
  vkg_tensor_unref(tw);
  vkg_tensor_unref(tb);
  vkg_tensor_unref(ty);
  free(x);
  free(w);
  free(bias);
  free(want);
  free(got);
}

static const convt_case convt_cases[] = {
    /* B Cin H W Cout KH KW s pad opad dil groups bias */
    {2, 16, 4, 4, 8, 4, 4, 2, 1, 0, 1, 1, 0},   /* DCGAN block */
    {3, 10, 1, 1, 12, 4, 4, 1, 0, 0, 1, 1, 1},  /* DCGAN first layer: 1x1 -> 4x4 */
    {1, 5, 6, 7, 3, 3, 3, 1, 0, 0, 1, 1, 1},    /* stride 1 */
    {2, 6, 5, 5, 4, 3, 3, 2, 1, 1, 1, 1, 1},    /* output padding */
    {2, 8, 5, 4, 6, 3, 3, 2, 1, 0, 1, 2, 1},    /* groups 2 */
    {1, 4, 5, 5, 4, 3, 3, 1, 2, 0, 2, 1, 1},    /* dilation 2 */
    {2, 3, 7, 9, 5, 4, 2, 3, 1, 2, 1, 1, 0},    /* non-square kernel, stride 3, opad 2 */
};

START_TEST(test_conv_transpose2d_cases) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++)
    for (size_t i = 0; i < sizeof convt_cases / sizeof *convt_cases; i++)
      check_convt(ctx, variants[v], &convt_cases[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static vkg_tensor *zeros4(vkg_ctx *ctx, int64_t a, int64_t b, int64_t c, int64_t d) {
  vkg_shape s = vkg_shape_4d(a, b, c, d);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &s, &t));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, t, 0));
  return t;
}

START_TEST(test_conv_shape_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_tensor *x = zeros4(ctx, 2, 3, 8, 8), *w = zeros4(ctx, 4, 5, 3, 3), *wok = zeros4(ctx, 4, 3, 3, 3);
  vkg_tensor *ybad = zeros4(ctx, 2, 4, 8, 8), *y = zeros4(ctx, 2, 4, 6, 6);
  vkg_conv2d_params p = vkg_conv2d_params_default();
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, w, NULL, y, &p), VKG_E_INPUT, "x [2, 3, 8, 8] and weight [4, 5, 3, 3]");
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, ybad, &p), VKG_E_INPUT,
                  "y [2, 4, 8, 8] should be [2, 4, 6, 6]");
  p.groups = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p), VKG_E_INPUT, "in 2 groups");
  p = vkg_conv2d_params_default();
  p.stride_h = 0;
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p), VKG_E_INPUT, "invalid params");
  p = vkg_conv2d_params_default();
  VKG_CHECK_OK(ctx, vkg_conv2d(ctx, x, wok, NULL, y, &p));
  vkg_tensor *b5 = NULL;
  int64_t five = 5;
  vkg_shape s5 = vkg_shape_make(1, &five);
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &s5, &b5));
  VKG_CHECK_FAILS(ctx, vkg_conv2d(ctx, x, wok, b5, y, &p), VKG_E_INPUT, "bias [5] must be [4]");
  /* transpose: weight [Cin, Cout/groups, KH, KW] */
  vkg_tensor *xt = zeros4(ctx, 1, 4, 4, 4), *wt = zeros4(ctx, 4, 2, 4, 4), *wtbad = zeros4(ctx, 3, 2, 4, 4);
  vkg_tensor *yt = zeros4(ctx, 1, 2, 8, 8), *ytbad = zeros4(ctx, 1, 2, 7, 7);
  vkg_conv_transpose2d_params q = vkg_conv_transpose2d_params_default();
  q.stride_h = q.stride_w = 2;
  q.pad_h = q.pad_w = 1;
  VKG_CHECK_OK(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, yt, &q));
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wtbad, NULL, yt, &q), VKG_E_INPUT,
                  "x [1, 4, 4, 4] and weight [3, 2, 4, 4]");
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, ytbad, &q), VKG_E_INPUT,
                  "y [1, 2, 7, 7] should be [1, 2, 8, 8]");
  q.output_pad_h = 2;
  VKG_CHECK_FAILS(ctx, vkg_conv_transpose2d(ctx, xt, wt, NULL, yt, &q), VKG_E_INPUT, "output padding must be");
  vkg_tensor *ts[] = {x, w, wok, ybad, y, b5, xt, wt, wtbad, yt, ytbad};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_conv_out_size) {
  ck_assert_int_eq(vkg_conv_out_size(32, 3, 1, 1, 1, 1), 32);
  ck_assert_int_eq(vkg_conv_out_size(32, 3, 2, 0, 1, 1), 16);
  ck_assert_int_eq(vkg_conv_out_size(7, 3, 1, 0, 0, 3), 1);
  ck_assert_int_eq(vkg_conv_out_size(2, 3, 1, 0, 0, 1), 0);
  ck_assert_int_eq(vkg_conv_out_size(8, 3, 0, 0, 0, 1), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_conv");
  TCase *tc = tcase_create("conv");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_conv_out_size);
  tcase_add_test(tc, test_conv2d_cases);
  tcase_add_test(tc, test_conv_transpose2d_cases);
  tcase_add_test(tc, test_conv_shape_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
