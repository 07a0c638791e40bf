/* vkg_attention_flash: fused attention with an online softmax. Checked against the plain
 * softmax reference (tests/ref ref_attention, double) and against a plain C version of the
 * same online, chunked algorithm (below), over odd shapes: Lq != Lk, D and Dv not multiples of
 * 4, Dv over one output block, key sequences split into several chunks whose partials are
 * merged, large logits; vkg_attention (which now runs the fused kernel) on the same shapes.
 * With VKG_BENCH_ATTENTION=1 it also times, in one run, the paths attention can take at
 * UNet/VAE sizes: GEMM + softmax + GEMM (runtime/src/nn/attention.c), the three passes
 * vkg_attention ran before (scores, softmax, P @ V; vkg_attention_causal with no key masked
 * runs them still), the fused kernel. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"
#include "testutil.h"

/* The online softmax as the shader does it, in double: keys in chunks of `chunk`, each chunk
 * reduced with a running max m, sum l and accumulator rescaled as keys come; chunks merged
 * with weights exp(m_c - M). Equal to softmax(scale q k^T) v for any chunk size. */
static void ref_attention_online(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq,
                                 int64_t lk, int64_t d, int64_t dv, double scale, int64_t chunk) {
  int64_t nch = (lk + chunk - 1) / chunk;
  double *acc = malloc(sizeof *acc * (size_t)(nch * dv)), *m = malloc(sizeof *m * (size_t)nch),
         *l = malloc(sizeof *l * (size_t)nch);
  ck_assert(acc && m && l);
  for (int64_t b = 0; b < bh; b++)
    for (int64_t i = 0; i < lq; i++) {
      const float *qi = q + (b * lq + i) * d;
      for (int64_t c = 0; c < nch; c++) {
        double *a = acc + c * dv;
        m[c] = -INFINITY;
        l[c] = 0;
        for (int64_t e = 0; e < dv; e++) a[e] = 0;
        for (int64_t j = c * chunk; j < lk && j < (c + 1) * chunk; j++) {
          const float *kj = k + (b * lk + j) * d, *vj = v + (b * lk + j) * dv;
          double s = 0;
          for (int64_t t = 0; t < d; t++) s += (double)qi[t] * kj[t];
          s *= scale;
          double mn = s > m[c] ? s : m[c], corr = exp(m[c] - mn), p = exp(s - mn);
          l[c] = l[c] * corr + p;
          for (int64_t e = 0; e < dv; e++) a[e] = a[e] * corr + p * vj[e];
          m[c] = mn;
        }
      }
      double mx = -INFINITY, lt = 0;
      for (int64_t c = 0; c < nch; c++) mx = m[c] > mx ? m[c] : mx;
      for (int64_t c = 0; c < nch; c++) lt += l[c] * exp(m[c] - mx);
      for (int64_t e = 0; e < dv; e++) {
        double s = 0;
        for (int64_t c = 0; c < nch; c++) s += acc[c * dv + e] * exp(m[c] - mx);
        o[(b * lq + i) * dv + e] = (float)(s / lt);
      }
    }
  free(acc);
  free(m);
  free(l);
}

static void flash_case(vkg_ctx *ctx, int64_t b, int64_t h, int64_t lq, int64_t lk, int64_t dd, int64_t dv, float scale,
                       float range) {
  int64_t sq[4] = {b, h, lq, dd}, sk[4] = {b, h, lk, dd}, sv[4] = {b, h, lk, dv}, so[4] = {b, h, lq, dv};
  float *hq, *hk, *hv;
  vkg_tensor *q = kt_rand(ctx, 4, sq, 41, -range, range, &hq), *k = kt_rand(ctx, 4, sk, 42, -range, range, &hk),
             *v = kt_rand(ctx, 4, sv, 43, -2, 2, &hv), *o = kt_new(ctx, 4, so, NULL);
  vkg_tensor *o2 = kt_new(ctx, 4, so, NULL);
  VKG_CHECK_OK(ctx, vkg_attention_flash(ctx, q, k, v, o, scale));
  VKG_CHECK_OK(ctx, vkg_attention(ctx, q, k, v, o2, scale));
  size_t total = (size_t)(b * h * lq * dv);
  float *got = kt_get(ctx, o), *want = malloc(total * sizeof *want), *online = malloc(total * sizeof *online);
  float *got2 = kt_get(ctx, o2);
  for (size_t i = 0; i < total; i++) ck_assert_msg(got[i] == got2[i], "vkg_attention differs from the fused kernel");
  free(got2);
  vkg_tensor_unref(o2);
  float sc = scale > 0 ? scale : (float)(1 / sqrt((double)dd));
  ref_attention(hq, hk, hv, want, b * h, lq, lk, dd, dv, sc);
  char what[128];
  snprintf(what, sizeof what, "flash [%lld, %lld, %lld, %lld] x %lld keys, dv %lld", (long long)b, (long long)h,
           (long long)lq, (long long)dd, (long long)lk, (long long)dv);
  kt_expect(got, want, total, 1e-5, 1e-4, what);
  /* the online algorithm itself, with chunks of 1, 3 and 7 keys, is the softmax */
  for (int64_t chunk = 1; chunk <= 7; chunk += 3) {
    ref_attention_online(hq, hk, hv, online, b * h, lq, lk, dd, dv, sc, chunk);
    kt_expect(online, want, total, 1e-6, 1e-5, "plain C online softmax");
  }
  free(got), free(want), free(online), free(hq), free(hk), free(hv);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(v), vkg_tensor_unref(o);
}

START_TEST(test_flash_shapes) {
  vkg_ctx *ctx = vkg_test_ctx();
  flash_case(ctx, 1, 1, 1, 1, 1, 1, 0, 1);
  flash_case(ctx, 1, 1, 3, 2, 3, 1, 0, 1);      /* fewer keys than one block of 4 */
  flash_case(ctx, 2, 3, 7, 11, 5, 5, 0, 1);     /* odd everything */
  flash_case(ctx, 1, 8, 64, 77, 40, 40, 0, 1);  /* cross attention, Lq != Lk */
  flash_case(ctx, 2, 2, 13, 3, 8, 6, 0.7f, 1);  /* explicit scale, Dv != D */
  flash_case(ctx, 1, 2, 9, 33, 7, 130, 0, 1);   /* Dv over two 64-wide output blocks, plus 2 */
  flash_case(ctx, 1, 1, 5, 19, 16, 64, 0, 12);  /* large logits: needs the running max */
  flash_case(ctx, 2, 1, 64, 64, 128, 128, 0, 1); /* UNet-like: one head over an 8x8 map */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* D = 4000 leaves room for 236 keys per invocation (4001 with Dv 67: 220): 601 and 500 keys
 * take 3 chunks whose partial sums are merged by a second kernel. */
START_TEST(test_flash_chunks) {
  vkg_ctx *ctx = vkg_test_ctx();
  flash_case(ctx, 1, 1, 5, 601, 4000, 3, 0, 1);
  flash_case(ctx, 1, 2, 3, 500, 4001, 67, 0, 1);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_flash_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t sq[4] = {1, 2, 4, 8}, sk[4] = {1, 2, 5, 7}, s0[4] = {1, 2, 0, 8}, sq3[3] = {2, 4, 8},
          big[3] = {1, 1, 6 * 8192 + 1};
  vkg_tensor *q = kt_new(ctx, 4, sq, NULL), *k = kt_new(ctx, 4, sk, NULL), *o = kt_new(ctx, 4, sq, NULL),
             *k0 = kt_new(ctx, 4, s0, NULL), *q3 = kt_new(ctx, 3, sq3, NULL), *qb = kt_new(ctx, 3, big, NULL);
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, q, k, k, o, 0), VKG_E_INPUT,
                  "attention_flash: shapes q [1, 2, 4, 8], k [1, 2, 5, 7]");
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, q, q, q, q, 0), VKG_E_INPUT, "out must not alias an input");
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, q, k0, k0, o, 0), VKG_E_INPUT, "attention_flash: k [1, 2, 0, 8] has no keys");
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, q3, q, q, o, 0), VKG_E_INPUT, "do not fit");
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, qb, qb, qb, q3, 0), VKG_E_INPUT, "do not fit");
  int64_t o1[3] = {1, 1, 1}, big_o[3] = {1, 1, 6 * 8192 + 1};
  vkg_tensor *ob = kt_new(ctx, 3, o1, NULL), *ob2 = kt_new(ctx, 3, big_o, NULL);
  (void)ob;
  VKG_CHECK_FAILS(ctx, vkg_attention_flash(ctx, qb, qb, qb, ob2, 0), VKG_E_INPUT,
                  "attention_flash: D 49153 is over the limit 49152");
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(o), vkg_tensor_unref(k0), vkg_tensor_unref(q3);
  vkg_tensor_unref(qb), vkg_tensor_unref(ob), vkg_tensor_unref(ob2);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* ---- VKG_BENCH_ATTENTION=1: the UNet/VAE attention paths at their sizes, one run --------- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The GEMM path of runtime/src/nn/attention.c: scores by vkg_matmul, softmax, vkg_matmul. */
static vkg_status gemm_path(vkg_ctx *ctx, vkg_tensor *q, vkg_tensor *k, vkg_tensor *v, vkg_tensor *o, float scale) {
  const vkg_shape *qs = vkg_tensor_shape(q);
  int64_t bh = qs->d[0] * qs->d[1], n = qs->d[2];
  vkg_shape ss = vkg_shape_make(3, (int64_t[]){bh, n, n}), s3 = vkg_shape_make(3, (int64_t[]){bh, n, qs->d[3]});
  vkg_tensor *sc = NULL, *q3 = NULL, *k3 = NULL, *v3 = NULL, *o3 = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &ss, &sc);
  if (!st) st = vkg_tensor_view(ctx, q, VKG_F32, &s3, 0, &q3);
  if (!st) st = vkg_tensor_view(ctx, k, VKG_F32, &s3, 0, &k3);
  if (!st) st = vkg_tensor_view(ctx, v, VKG_F32, &s3, 0, &v3);
  if (!st) st = vkg_tensor_view(ctx, o, VKG_F32, &s3, 0, &o3);
  if (!st) st = vkg_matmul(ctx, q3, k3, sc, 0, 1, scale, 0.0f);
  if (!st) st = vkg_softmax(ctx, sc, sc);
  if (!st) st = vkg_matmul(ctx, sc, v3, o3, 0, 0, 1.0f, 0.0f);
  vkg_tensor_unref(sc), vkg_tensor_unref(q3), vkg_tensor_unref(k3), vkg_tensor_unref(v3), vkg_tensor_unref(o3);
  return st;
}

START_TEST(test_flash_bench) {
  if (!getenv("VKG_BENCH_ATTENTION")) return;
  vkg_ctx *ctx = vkg_test_ctx();
  /* [B, H, N, D]: ddpm-cifar10 UNet 16x16 attention (256 ch, 1 head), the VAE mid-block at
   * 32x32 latents (512 ch), a 32x32 map with 64-wide heads, and a long sequence */
  static const int64_t sizes[][4] = {{8, 1, 256, 256}, {1, 1, 1024, 512}, {4, 4, 1024, 64}, {1, 1, 4096, 64}};
  printf("%-22s %12s %12s %12s %10s\n", "[B, H, N, D]", "gemm path s", "3-pass s", "flash s", "max diff");
  for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
    const int64_t *s = sizes[c];
    float *hq, *hk, *hv;
    vkg_tensor *q = kt_rand(ctx, 4, s, 1, -1, 1, &hq), *k = kt_rand(ctx, 4, s, 2, -1, 1, &hk),
               *v = kt_rand(ctx, 4, s, 3, -1, 1, &hv), *o1 = kt_new(ctx, 4, s, NULL), *o2 = kt_new(ctx, 4, s, NULL),
               *o3 = kt_new(ctx, 4, s, NULL);
    float scale = (float)(1 / sqrt((double)s[3]));
    double t[3] = {0, 0, 0};
    for (int rep = 0; rep < 3; rep++) { /* the first run compiles the pipelines: the best of the last two */
      double t0 = now_s();
      VKG_CHECK_OK(ctx, gemm_path(ctx, q, k, v, o1, scale));
      VKG_CHECK_OK(ctx, vkg_flush(ctx));
      double t1 = now_s();
      /* the three passes (scores, softmax, P @ V) that vkg_attention ran before it took the fused
       * kernel: still vkg_attention_causal's, here with every key unmasked (n_unmasked = N) */
      if (s[2] * s[2] * s[0] * s[1] < ((int64_t)1 << 31))
        VKG_CHECK_OK(ctx, vkg_attention_causal(ctx, q, k, v, o2, scale, s[2]));
      VKG_CHECK_OK(ctx, vkg_flush(ctx));
      double t2 = now_s();
      VKG_CHECK_OK(ctx, vkg_attention_flash(ctx, q, k, v, o3, scale));
      VKG_CHECK_OK(ctx, vkg_flush(ctx));
      double t3 = now_s(), d[3] = {t1 - t0, t2 - t1, t3 - t2};
      for (int i = 0; i < 3 && rep > 0; i++) t[i] = (rep == 1 || d[i] < t[i]) ? d[i] : t[i];
    }
    size_t n = (size_t)(s[0] * s[1] * s[2] * s[3]);
    float *a = kt_get(ctx, o1), *b = kt_get(ctx, o3);
    double md = 0;
    for (size_t i = 0; i < n; i++) md = fmax(md, fabs((double)a[i] - b[i]));
    char name[64];
    snprintf(name, sizeof name, "[%lld, %lld, %lld, %lld]", (long long)s[0], (long long)s[1], (long long)s[2],
             (long long)s[3]);
    printf("%-22s %12.4f %12.4f %12.4f %10.2e\n", name, t[0], t[1], t[2], md);
    ck_assert_msg(md < 1e-4, "%s: flash and the GEMM path differ by %g", name, md);
    free(a), free(b), free(hq), free(hk), free(hv);
    vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(v);
    vkg_tensor_unref(o1), vkg_tensor_unref(o2), vkg_tensor_unref(o3);
  }
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("attention_flash");
  TCase *tc = tcase_create("attention_flash");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_flash_shapes);
  tcase_add_test(tc, test_flash_chunks);
  tcase_add_test(tc, test_flash_errors);
  tcase_add_test(tc, test_flash_bench);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
