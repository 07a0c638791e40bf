/* StyleGAN2 kernels vs tests/ref (ref_kl_stylegan.c): upfirdn2d, bias_act, rms_normalize over
 * odd shapes (1, primes, large). Tolerances: atol 1e-6 rtol 1e-5 (double references). */
#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void upfirdn_case(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int fh, int fw, int up, int down,
                         int px0, int px1, int py0, int py1, float gain) {
  const int64_t oh = (h * up + py0 + py1 - fh) / down + 1, ow = (w * up + px0 + px1 - fw) / down + 1;
  int64_t xs[4] = {n, c, h, w}, fs[2] = {fh, fw}, ys[4] = {n, c, oh, ow};
  float *hx, *hf;
  vkg_tensor *x = kt_rand(ctx, 4, xs, 90, -1, 1, &hx), *f = kt_rand(ctx, 2, fs, 91, 0, 1, &hf);
  vkg_tensor *y = kt_new(ctx, 4, ys, NULL);
  vkg_upfirdn2d_params p = {up, down, px0, px1, py0, py1, gain};
  VKG_CHECK_OK(ctx, vkg_upfirdn2d(ctx, x, f, y, &p));
  size_t total = (size_t)(n * c * oh * ow);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_upfirdn2d(hx, hf, want, n * c, h, w, fh, fw, up, down, px0, px1, py0, py1, gain);
  kt_expect(got, want, total, 1e-6, 1e-5, "upfirdn2d");
  free(got), free(want), free(hx), free(hf);
  vkg_tensor_unref(x), vkg_tensor_unref(f), vkg_tensor_unref(y);
}

START_TEST(test_upfirdn2d) {
  vkg_ctx *ctx = vkg_test_ctx();
  upfirdn_case(ctx, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1.0f);     /* identity */
  upfirdn_case(ctx, 2, 3, 4, 4, 4, 4, 2, 1, 2, 1, 2, 1, 4.0f);     /* StyleGAN2 upsample2d of img */
  upfirdn_case(ctx, 2, 5, 9, 9, 4, 4, 1, 1, 1, 1, 1, 1, 4.0f);     /* after the stride-2 transposed conv */
  upfirdn_case(ctx, 1, 7, 13, 11, 3, 5, 3, 2, -1, 2, 0, -2, 0.5f); /* crops, odd filter, up 3, down 2 */
  upfirdn_case(ctx, 3, 64, 32, 32, 4, 4, 2, 1, 2, 1, 2, 1, 4.0f);  /* large */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void bias_act_case(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, int use_demod, int noise_mode,
                          int use_bias, int use_res, vkg_act act, float clampv) {
  int64_t xs[4] = {n, c, h, w}, ds[2] = {n, c}, ns[4] = {noise_mode == 2 ? n : 1, 1, h, w}, bs[1] = {c};
  float *hx, *hd, *hn, *hb, *hr;
  vkg_tensor *x = kt_rand(ctx, 4, xs, 92, -2, 2, &hx), *d = kt_rand(ctx, 2, ds, 93, 0.1f, 3, &hd);
  vkg_tensor *nz = kt_rand(ctx, 4, ns, 94, -1, 1, &hn), *b = kt_rand(ctx, 1, bs, 95, -1, 1, &hb);
  vkg_tensor *r = kt_rand(ctx, 4, xs, 96, -1, 1, &hr), *y = kt_new(ctx, 4, xs, NULL);
  vkg_bias_act_params p = {act, 0.2f, 1.41421356f, clampv, 0.7f, 1e-8f};
  VKG_CHECK_OK(ctx, vkg_bias_act(ctx, x, use_demod ? d : NULL, noise_mode ? nz : NULL, use_bias ? b : NULL,
                                 use_res ? r : NULL, y, &p));
  size_t total = (size_t)(n * c * h * w);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_bias_act(hx, use_demod ? hd : NULL, noise_mode ? hn : NULL, noise_mode == 2, 0.7f, use_bias ? hb : NULL,
               use_res ? hr : NULL, want, n, c, h * w, act == VKG_ACT_RELU ? 1 : act == VKG_ACT_LEAKY_RELU ? 2 : 0,
               0.2f, 1.41421356f, clampv, 1e-8f);
  kt_expect(got, want, total, 1e-6, 1e-5, "bias_act");
  free(got), free(want), free(hx), free(hd), free(hn), free(hb), free(hr);
  vkg_tensor_unref(x), vkg_tensor_unref(d), vkg_tensor_unref(nz), vkg_tensor_unref(b), vkg_tensor_unref(r);
  vkg_tensor_unref(y);
}

START_TEST(test_bias_act) {
  vkg_ctx *ctx = vkg_test_ctx();
  bias_act_case(ctx, 1, 1, 1, 1, 1, 1, 1, 1, VKG_ACT_LEAKY_RELU, -1);
  bias_act_case(ctx, 3, 5, 7, 7, 1, 1, 1, 0, VKG_ACT_LEAKY_RELU, 0.9f); /* const noise, clamp */
  bias_act_case(ctx, 3, 5, 7, 7, 1, 2, 1, 0, VKG_ACT_LEAKY_RELU, -1);   /* per-sample noise */
  bias_act_case(ctx, 2, 3, 11, 13, 0, 0, 1, 1, VKG_ACT_IDENTITY, 0.5f); /* ToRGB + skip */
  bias_act_case(ctx, 2, 17, 3, 1, 1, 0, 0, 0, VKG_ACT_RELU, -1);
  bias_act_case(ctx, 4, 64, 32, 32, 1, 2, 1, 1, VKG_ACT_LEAKY_RELU, 256); /* large */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void rms_case(vkg_ctx *ctx, int64_t rows, int64_t len) {
  int64_t s[2] = {rows, len};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 2, s, 97, -3, 2, &hx), *y = kt_new(ctx, 2, s, NULL);
  VKG_CHECK_OK(ctx, vkg_rms_normalize(ctx, x, y, 1e-8f));
  size_t total = (size_t)(rows * len);
  float *got = kt_get(ctx, y), *want = malloc(total * sizeof *want);
  ref_rms_normalize(hx, want, rows, len, 1e-8f);
  kt_expect(got, want, total, 1e-6, 1e-5, "rms_normalize");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_rms_normalize) {
  vkg_ctx *ctx = vkg_test_ctx();
  rms_case(ctx, 1, 1);
  rms_case(ctx, 3, 17);
  rms_case(ctx, 131, 512);
  rms_case(ctx, 2, 8192);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_stylegan_kernel_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[4] = {1, 3, 8, 8}, ys[4] = {1, 3, 16, 16}, fs[2] = {4, 4}, bs[1] = {4}, ls[2] = {2, 9000};
  vkg_tensor *x = kt_new(ctx, 4, xs, NULL), *y = kt_new(ctx, 4, ys, NULL), *f = kt_new(ctx, 2, fs, NULL);
  vkg_tensor *b = kt_new(ctx, 1, bs, NULL), *l = kt_new(ctx, 2, ls, NULL);
  vkg_upfirdn2d_params p = {2, 1, 1, 1, 1, 1, 4.0f};
  VKG_CHECK_FAILS(ctx, vkg_upfirdn2d(ctx, x, f, y, &p), VKG_E_INPUT,
                  "upfirdn2d: y [1, 3, 16, 16] should be [1, 3, 15, 15] for x [1, 3, 8, 8]");
  vkg_bias_act_params bp = {VKG_ACT_LEAKY_RELU, 0.2f, 1, -1, 0, 1e-8f};
  VKG_CHECK_FAILS(ctx, vkg_bias_act(ctx, x, NULL, NULL, b, NULL, x, &bp), VKG_E_INPUT,
                  "bias_act: bias [4] must have 3 elements");
  bp.act = VKG_ACT_GELU;
  VKG_CHECK_FAILS(ctx, vkg_bias_act(ctx, x, NULL, NULL, NULL, NULL, x, &bp), VKG_E_INPUT, "'gelu' is not supported");
  VKG_CHECK_FAILS(ctx, vkg_rms_normalize(ctx, l, l, 1e-8f), VKG_E_INPUT, "longer than 8192");
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(f), vkg_tensor_unref(b), vkg_tensor_unref(l);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_stylegan");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_upfirdn2d);
  tcase_add_test(tc, test_bias_act);
  tcase_add_test(tc, test_rms_normalize);
  tcase_add_test(tc, test_stylegan_kernel_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
