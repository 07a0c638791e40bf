/* vkg_attention_flash (fused attention with an online softmax): input errors, and with
 * VKG_BENCH_ATTENTION=1 a timing, in one run, of the paths attention can take at UNet/VAE sizes:
 * GEMM + softmax + GEMM (runtime/src/nn/attention.c), the three passes vkg_attention ran before
 * (scores, softmax, P @ V; vkg_attention_causal with no key masked runs them still), the fused
 * kernel. The kernel-vs-reference cases over shapes (vkg_attention_flash and vkg_attention against
 * the softmax reference and the online algorithm's plain C version) are rows of the op table:
 * tests/optable/rows_attention.c, ctest test_kernel_ops_attention; `vkgen bench --ops attention`
 * times them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ref_kl_tensor.h"
#include "testutil.h"

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
  tcase_add_test(tc, test_flash_errors);
  tcase_add_test(tc, test_flash_bench);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
