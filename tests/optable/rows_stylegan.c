/* StyleGAN2 kernels vs tests/ref (ref_kl_stylegan.c): upfirdn2d, bias_act, rms_normalize over odd
 * shapes (1, primes, large). Bounds: atol 1e-6 rtol 1e-5 (double references).
 * Was tests/unit/test_kernel_stylegan.c: upfirdn2d 5, bias_act 6, rms_normalize 4: 15 cases. */
#include "optable.h"
#include "ref_kl.h"

/* i: n c h w fh fw up down px0 px1 py0 py1; f: gain */
static void run_upfirdn(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  const int64_t n = a[0], c = a[1], hh = a[2], w = a[3];
  const int fh = (int)a[4], fw = (int)a[5], up = (int)a[6], down = (int)a[7], px0 = (int)a[8], px1 = (int)a[9],
            py0 = (int)a[10], py1 = (int)a[11];
  const float gain = (float)h->row->f[0];
  ot_desc(h, "upfirdn2d [%lld, %lld, %lld, %lld] filter %dx%d up %d down %d pad %d,%d,%d,%d gain %g", (long long)n,
          (long long)c, (long long)hh, (long long)w, fh, fw, up, down, px0, px1, py0, py1, gain);
  const int64_t oh = (hh * up + py0 + py1 - fh) / down + 1, ow = (w * up + px0 + px1 - fw) / down + 1;
  int64_t xs[4] = {n, c, hh, w}, fs[2] = {fh, fw}, ys[4] = {n, c, oh, ow};
  float *hx, *hf;
  vkg_tensor *x = ot_rand_t(h, 4, xs, 90, -1, 1, &hx), *f = ot_rand_t(h, 2, fs, 91, 0, 1, &hf);
  vkg_tensor *y = ot_f32(h, 4, ys, NULL);
  vkg_upfirdn2d_params p = {up, down, px0, px1, py0, py1, gain};
  size_t total = (size_t)(n * c * oh * ow);
  ot_work(h, 2.0 * (double)total * fh * fw / ((double)up * up), 4.0 * (double)(total + (size_t)(n * c * hh * w)));
  OT_RUN(h, vkg_upfirdn2d(h->ctx, x, f, y, &p));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_upfirdn2d(hx, hf, want, n * c, hh, w, fh, fw, up, down, px0, px1, py0, py1, gain);
  ot_expect_row(h, got, want, total, 0, "upfirdn2d");
}

/* i: n c h w demod noise_mode(0 none, 1 shared, 2 per sample) bias res act; f: clamp */
static void run_bias_act(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  const int64_t n = a[0], c = a[1], hh = a[2], w = a[3];
  const int use_demod = (int)a[4], noise_mode = (int)a[5], use_bias = (int)a[6], use_res = (int)a[7];
  const vkg_act act = (vkg_act)a[8];
  const float clampv = (float)h->row->f[0];
  ot_desc(h, "bias_act [%lld, %lld, %lld, %lld]%s noise %d%s%s %s clamp %g", (long long)n, (long long)c, (long long)hh,
          (long long)w, use_demod ? " demod" : "", noise_mode, use_bias ? " bias" : "", use_res ? " res" : "",
          vkg_act_name(act), clampv);
  int64_t xs[4] = {n, c, hh, w}, ds[2] = {n, c}, ns[4] = {noise_mode == 2 ? n : 1, 1, hh, w}, bs[1] = {c};
  float *hx, *hd, *hn, *hb, *hr;
  vkg_tensor *x = ot_rand_t(h, 4, xs, 92, -2, 2, &hx), *d = ot_rand_t(h, 2, ds, 93, 0.1f, 3, &hd);
  vkg_tensor *nz = ot_rand_t(h, 4, ns, 94, -1, 1, &hn), *b = ot_rand_t(h, 1, bs, 95, -1, 1, &hb);
  vkg_tensor *r = ot_rand_t(h, 4, xs, 96, -1, 1, &hr), *y = ot_f32(h, 4, xs, NULL);
  vkg_bias_act_params p = {act, 0.2f, 1.41421356f, clampv, 0.7f, 1e-8f};
  size_t total = (size_t)(n * c * hh * w);
  ot_work(h, 0, 4.0 * (double)total * (2 + use_res));
  OT_RUN(h, vkg_bias_act(h->ctx, x, use_demod ? d : NULL, noise_mode ? nz : NULL, use_bias ? b : NULL,
                         use_res ? r : NULL, y, &p));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_bias_act(hx, use_demod ? hd : NULL, noise_mode ? hn : NULL, noise_mode == 2, 0.7f, use_bias ? hb : NULL,
               use_res ? hr : NULL, want, n, c, hh * w, act == VKG_ACT_RELU ? 1 : act == VKG_ACT_LEAKY_RELU ? 2 : 0,
               0.2f, 1.41421356f, clampv, 1e-8f);
  ot_expect_row(h, got, want, total, 0, "bias_act");
}

/* i: rows len */
static void run_rms(vkg_op_h *h) {
  int64_t s[2] = {h->row->i[0], h->row->i[1]};
  ot_desc(h, "rms_normalize [%lld, %lld]", (long long)s[0], (long long)s[1]);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 2, s, 97, -3, 2, &hx), *y = ot_f32(h, 2, s, NULL);
  size_t total = (size_t)(s[0] * s[1]);
  ot_work(h, 3.0 * (double)total, 8.0 * (double)total);
  OT_RUN(h, vkg_rms_normalize(h->ctx, x, y, 1e-8f));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_rms_normalize(hx, want, s[0], s[1], 1e-8f);
  ot_expect_row(h, got, want, total, 0, "rms_normalize");
}

#define UFD(g, ...) {.family = "stylegan", .op = "upfirdn2d", .run = run_upfirdn, .atol = 1e-6, .rtol = 1e-5, \
                     .i = {__VA_ARGS__}, .f = {g}}
#define BA(cl, ...) {.family = "stylegan", .op = "bias_act", .run = run_bias_act, .atol = 1e-6, .rtol = 1e-5, \
                     .i = {__VA_ARGS__}, .f = {cl}}
#define RMS(...) {.family = "stylegan", .op = "rms_normalize", .run = run_rms, .atol = 1e-6, .rtol = 1e-5, .i = {__VA_ARGS__}}

static const vkg_op_row rows[] = {
    UFD(1.0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0),    /* identity */
    UFD(4.0, 2, 3, 4, 4, 4, 4, 2, 1, 2, 1, 2, 1),    /* StyleGAN2 upsample2d of img */
    UFD(4.0, 2, 5, 9, 9, 4, 4, 1, 1, 1, 1, 1, 1),    /* after the stride-2 transposed conv */
    UFD(0.5, 1, 7, 13, 11, 3, 5, 3, 2, -1, 2, 0, -2), /* crops, odd filter, up 3, down 2 */
    UFD(4.0, 3, 64, 32, 32, 4, 4, 2, 1, 2, 1, 2, 1), /* large */
    /* clamp; n c h w demod noise bias res act */
    BA(-1, 1, 1, 1, 1, 1, 1, 1, 1, VKG_ACT_LEAKY_RELU),
    BA(0.9, 3, 5, 7, 7, 1, 1, 1, 0, VKG_ACT_LEAKY_RELU), /* const noise, clamp */
    BA(-1, 3, 5, 7, 7, 1, 2, 1, 0, VKG_ACT_LEAKY_RELU),  /* per-sample noise */
    BA(0.5, 2, 3, 11, 13, 0, 0, 1, 1, VKG_ACT_IDENTITY), /* ToRGB + skip */
    BA(-1, 2, 17, 3, 1, 1, 0, 0, 0, VKG_ACT_RELU),
    BA(256, 4, 64, 32, 32, 1, 2, 1, 1, VKG_ACT_LEAKY_RELU), /* large */
    RMS(1, 1),
    RMS(3, 17),
    RMS(131, 512),
    RMS(2, 8192),
};

const vkg_op_family vkg_op_family_stylegan = {"stylegan", OT_ROWS(rows), NULL};
