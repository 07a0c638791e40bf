/* vkg_matmul and vkg_linear against the C reference, on both kernel variants (the texel
 * register-blocked one for CPU devices and the shared-memory tiled one for GPUs: both run on
 * lavapipe). Tolerance: |got - want| <= 1e-5*sqrt(K+1) + 1e-4*|want| (float accumulation
 * error grows like sqrt(K) for inputs in [-1, 1]). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_gemm.h"
#include "testutil.h"

static const char *const variants[2] = {"cpu", "gpu"};

static float *rnd(size_t n, unsigned seed) {
  float *x = malloc((n ? n : 1) * sizeof *x);
  ck_assert_ptr_nonnull(x);
  vkg_test_fill_uniform(x, n, seed, -1.0f, 1.0f);
  return x;
}

static vkg_tensor *upload(vkg_ctx *ctx, const float *h, int nd, const int64_t *dims) {
  vkg_shape s = vkg_shape_make(nd, dims);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &s, h, &t));
  return t;
}

/* dims of a (maybe batched) matrix: [batch, r, c] or [r, c] when batch is 1 and !force3 */
static int mdims(int64_t *d, int64_t batch, int64_t r, int64_t c) {
  if (batch > 1) {
    d[0] = batch;
    d[1] = r;
    d[2] = c;
    return 3;
  }
  d[0] = r;
  d[1] = c;
  return 2;
}

static void check_matmul(vkg_ctx *ctx, const char *variant, int64_t bta, int64_t btb, int64_t btc, int64_t M,
                         int64_t N, int64_t K, int ta, int tb, float alpha, float beta) {
  setenv("VKGEN_KERNEL_VARIANT", variant, 1);
  size_t na = (size_t)(bta * M * K), nb = (size_t)(btb * K * N), nc = (size_t)(btc * M * N);
  float *a = rnd(na, 1 + (unsigned)(M * 7 + K)), *b = rnd(nb, 2 + (unsigned)(N * 5 + K)), *c0 = rnd(nc, 3);
  if (beta == 0.0f)
    for (size_t i = 0; i < nc; i++) c0[i] = NAN; /* beta == 0 must not read C */
  float *want = malloc((nc ? nc : 1) * sizeof *want), *got = malloc((nc ? nc : 1) * sizeof *got);
  memcpy(want, c0, nc * sizeof *want);
  vkg_ref_matmul(a, b, want, bta, btb, btc, M, N, K, ta, tb, alpha, beta);
  int64_t da[3], db[3], dc[3];
  int nda = mdims(da, bta, ta ? K : M, ta ? M : K), ndb = mdims(db, btb, tb ? N : K, tb ? K : N);
  int ndc = mdims(dc, btc, M, N);
  vkg_tensor *ta_ = upload(ctx, a, nda, da), *tb_ = upload(ctx, b, ndb, db), *tc = upload(ctx, c0, ndc, dc);
  VKG_CHECK_OK(ctx, vkg_matmul(ctx, ta_, tb_, tc, ta, tb, alpha, beta));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, tc, got, nc * sizeof *got));
  size_t wi = 0;
  double err = vkg_test_rel_err(got, want, nc, 1e-5 * sqrt((double)K + 1) * fabs(alpha) + 1e-6, 1e-4, &wi);
  ck_assert_msg(err <= 1.0,
                "matmul[%s] batch %lld/%lld/%lld M=%lld N=%lld K=%lld ta=%d tb=%d alpha=%g beta=%g: err %g at %zu "
                "(got %g want %g)",
                variant, (long long)bta, (long long)btb, (long long)btc, (long long)M, (long long)N, (long long)K,
                ta, tb, alpha, beta, err, wi, nc ? got[wi] : 0.0, nc ? want[wi] : 0.0);
  vkg_tensor_unref(ta_);
  vkg_tensor_unref(tb_);
  vkg_tensor_unref(tc);
  free(a);
  free(b);
  free(c0);
  free(want);
  free(got);
}

START_TEST(test_matmul_odd_shapes) {
  vkg_ctx *ctx = vkg_test_ctx();
  static const int64_t sizes[] = {1, 7, 13, 61, 127};
  int i = 0;
  for (int v = 0; v < 2; v++)
    for (int mi = 0; mi < 5; mi++)
      for (int ni = 0; ni < 5; ni++)
        for (int ki = 0; ki < 5; ki++, i++)
          check_matmul(ctx, variants[v], 1, 1, 1, sizes[mi], sizes[ni], sizes[ki], i & 1, (i >> 1) & 1, 1.0f, 0.0f);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_matmul_large_and_transposes) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++)
    for (int t = 0; t < 4; t++) check_matmul(ctx, variants[v], 1, 1, 1, 257, 509, 131, t & 1, t >> 1, 1.0f, 0.0f);
  /* aligned shapes take the direct (unpacked) texel path */
  for (int v = 0; v < 2; v++) check_matmul(ctx, variants[v], 1, 1, 1, 96, 200, 64, 0, 0, 1.0f, 0.0f);
  check_matmul(ctx, "cpu", 1, 1, 1, 1024, 1000, 1028, 0, 0, 1.0f, 0.0f);
  check_matmul(ctx, "gpu", 1, 1, 1, 1000, 1024, 515, 1, 1, 1.0f, 0.0f);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_matmul_batch_broadcast) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++) {
    check_matmul(ctx, variants[v], 3, 3, 3, 17, 33, 20, 0, 0, 1.0f, 0.0f);
    check_matmul(ctx, variants[v], 1, 4, 4, 17, 33, 20, 1, 0, 1.0f, 0.0f);
    check_matmul(ctx, variants[v], 5, 1, 5, 9, 40, 12, 0, 1, 1.0f, 0.0f);
    check_matmul(ctx, variants[v], 2, 2, 2, 3, 64, 8, 0, 0, 1.0f, 0.0f); /* few rows: swapped product */
  }
  /* 4-D: [2, 3, M, K] @ [2, 3, K, N] flattens the leading dims into the batch */
  vkg_ctx *c2 = ctx;
  int64_t da[4] = {2, 3, 5, 8}, db[4] = {2, 3, 8, 6}, dc[4] = {2, 3, 5, 6};
  float *a = rnd(240, 5), *b = rnd(288, 6), want[180], got[180];
  vkg_ref_matmul(a, b, want, 6, 6, 6, 5, 6, 8, 0, 0, 1.0f, 0.0f);
  vkg_tensor *ta = upload(c2, a, 4, da), *tb = upload(c2, b, 4, db), *tc = NULL;
  vkg_shape sc = vkg_shape_make(4, dc);
  VKG_CHECK_OK(c2, vkg_tensor_create(c2, VKG_F32, &sc, &tc));
  VKG_CHECK_OK(c2, vkg_matmul(c2, ta, tb, tc, 0, 0, 1.0f, 0.0f));
  VKG_CHECK_OK(c2, vkg_tensor_download(c2, tc, got, sizeof got));
  ck_assert(vkg_test_rel_err(got, want, 180, 1e-5, 1e-4, NULL) <= 1.0);
  vkg_tensor_unref(ta);
  vkg_tensor_unref(tb);
  vkg_tensor_unref(tc);
  free(a);
  free(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_matmul_alpha_beta) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++) {
    check_matmul(ctx, variants[v], 1, 1, 1, 37, 45, 29, 0, 0, 0.5f, 0.75f);
    check_matmul(ctx, variants[v], 2, 1, 2, 64, 64, 64, 1, 1, -2.0f, 1.0f);
    check_matmul(ctx, variants[v], 1, 1, 1, 5, 9, 0, 0, 0, 1.0f, 0.5f); /* K = 0: C = beta C */
  }
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_matmul_tile_configs) {
  /* the texel kernel's block sizes are specialization constants: other ones stay correct */
  static const char *const tiles[] = {"4,8,1", "16,16,1", "8,12,2", "2,5,3"};
  vkg_ctx *ctx = vkg_test_ctx();
  for (int i = 0; i < 4; i++) {
    setenv("VKGEN_GEMM_TILE", tiles[i], 1);
    check_matmul(ctx, "cpu", 1, 1, 1, 67, 131, 36, 0, 0, 1.0f, 0.0f);
    check_matmul(ctx, "cpu", 1, 1, 1, 67, 131, 37, 1, 1, 1.0f, 0.0f);
  }
  unsetenv("VKGEN_GEMM_TILE");
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* acc: vkg_linear_acc onto y holding random values (want = y + linear) */
static void check_linear(vkg_ctx *ctx, const char *variant, int nd, const int64_t *xd, int64_t out, int with_bias,
                         int acc) {
  setenv("VKGEN_KERNEL_VARIANT", variant, 1);
  const int64_t in = xd[nd - 1];
  int64_t M = 1;
  for (int i = 0; i + 1 < nd; i++) M *= xd[i];
  float *x = rnd((size_t)(M * in), 11), *w = rnd((size_t)(out * in), 12), *bias = rnd((size_t)out, 13);
  float *want = malloc((size_t)(M * out) * sizeof *want), *got = malloc((size_t)(M * out) * sizeof *got);
  vkg_ref_linear(x, w, with_bias ? bias : NULL, want, M, in, out);
  int64_t wd[2] = {out, in}, yd[VKG_MAX_DIMS];
  memcpy(yd, xd, sizeof(int64_t) * (size_t)nd);
  yd[nd - 1] = out;
  vkg_tensor *tx = upload(ctx, x, nd, xd), *tw = upload(ctx, w, 2, wd), *tb = upload(ctx, bias, 1, &out), *ty;
  vkg_shape sy = vkg_shape_make(nd, yd);
  float *y0 = rnd((size_t)(M * out), 14);
  if (acc) {
    ty = upload(ctx, y0, nd, yd);
    for (int64_t i = 0; i < M * out; i++) want[i] += y0[i];
    VKG_CHECK_OK(ctx, vkg_linear_acc(ctx, tx, tw, with_bias ? tb : NULL, ty));
  } else {
    VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sy, &ty));
    VKG_CHECK_OK(ctx, vkg_linear(ctx, tx, tw, with_bias ? tb : NULL, ty));
  }
  free(y0);
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, got, (size_t)(M * out) * sizeof *got));
  size_t wi;
  double err = vkg_test_rel_err(got, want, (size_t)(M * out), 1e-5 * sqrt((double)in + 1), 1e-4, &wi);
  ck_assert_msg(err <= 1.0, "linear%s[%s] M=%lld in=%lld out=%lld bias=%d: err %g at %zu", acc ? "_acc" : "", variant,
                (long long)M, (long long)in, (long long)out, with_bias, err, wi);
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

START_TEST(test_linear) {
  vkg_ctx *ctx = vkg_test_ctx();
  for (int v = 0; v < 2; v++) {
    int64_t x1[3] = {5, 7, 33}, x2[1] = {20}, x3[2] = {64, 784}, x4[2] = {3, 128};
    int64_t x5[3] = {16, 1, 128}, x6[2] = {1, 1};
    check_linear(ctx, variants[v], 3, x1, 19, 1, 0);
    check_linear(ctx, variants[v], 3, x1, 19, 0, 0);
    check_linear(ctx, variants[v], 1, x2, 7, 1, 0);
    check_linear(ctx, variants[v], 2, x3, 400, 1, 0); /* MLP VAE fc1 */
    check_linear(ctx, variants[v], 2, x4, 256, 1, 0); /* few rows, aligned: the swapped product */
    /* accumulating (residual) forms: odd, swapped, a decoding step's projection, 1x1 */
    check_linear(ctx, variants[v], 3, x1, 19, 1, 1);
    check_linear(ctx, variants[v], 2, x4, 256, 1, 1);
    check_linear(ctx, variants[v], 3, x5, 128, 1, 1);
    check_linear(ctx, variants[v], 2, x6, 1, 0, 1);
  }
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static vkg_tensor *zeros(vkg_ctx *ctx, vkg_dtype dt, int nd, const int64_t *d) {
  vkg_shape s = vkg_shape_make(nd, d);
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, dt, &s, &t));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, t, 0));
  return t;
}

START_TEST(test_gemm_shape_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d34[2] = {3, 4}, d56[2] = {5, 6}, d46[2] = {4, 6}, d36[2] = {3, 6}, d35[2] = {3, 5}, d2[3] = {2, 3, 4},
          d3[3] = {3, 4, 6}, d236[3] = {2, 3, 6}, d6[1] = {6}, d7[1] = {7};
  vkg_tensor *a = zeros(ctx, VKG_F32, 2, d34), *b = zeros(ctx, VKG_F32, 2, d56), *b2 = zeros(ctx, VKG_F32, 2, d46);
  vkg_tensor *c = zeros(ctx, VKG_F32, 2, d36), *cbad = zeros(ctx, VKG_F32, 2, d35);
  vkg_tensor *ab = zeros(ctx, VKG_F32, 3, d2), *bb = zeros(ctx, VKG_F32, 3, d3), *cb = zeros(ctx, VKG_F32, 3, d236);
  vkg_tensor *ai = zeros(ctx, VKG_I32, 2, d34), *bias7 = zeros(ctx, VKG_F32, 1, d7), *bias6 = zeros(ctx, VKG_F32, 1, d6);
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "[3, 4]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "[5, 6]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b, c, 0, 0, 1, 0), VKG_E_INPUT, "inner dimensions differ (4 vs 5)");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b2, cbad, 0, 0, 1, 0), VKG_E_INPUT, "but C is [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, ab, bb, cb, 0, 0, 1, 0), VKG_E_INPUT, "do not broadcast");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, ai, b2, c, 0, 0, 1, 0), VKG_E_INPUT, "A must be f32, got i32");
  VKG_CHECK_FAILS(ctx, vkg_matmul(ctx, a, b2, a, 0, 0, 1, 0), VKG_E_INPUT, "must not be");
  VKG_CHECK_OK(ctx, vkg_matmul(ctx, a, b2, c, 0, 0, 1, 0));
  /* linear: x [3, 4], weight [6, 4] ok; weight [5, 6] wrong */
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, b, NULL, c), VKG_E_INPUT, "x [3, 4] has 4 features but weight [5, 6]");
  vkg_tensor *w64 = zeros(ctx, VKG_F32, 2, (int64_t[2]){6, 4});
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, w64, bias7, c), VKG_E_INPUT, "bias [7] must be [6]");
  VKG_CHECK_FAILS(ctx, vkg_linear(ctx, a, w64, bias6, cbad), VKG_E_INPUT, "y [3, 5] does not match x [3, 4]");
  VKG_CHECK_OK(ctx, vkg_linear(ctx, a, w64, bias6, c));
  vkg_tensor *ts[] = {a, b, b2, c, cbad, ab, bb, cb, ai, bias7, bias6, w64};
  for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) vkg_tensor_unref(ts[i]);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_gemm");
  TCase *tc = tcase_create("gemm");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_matmul_odd_shapes);
  tcase_add_test(tc, test_matmul_large_and_transposes);
  tcase_add_test(tc, test_matmul_batch_broadcast);
  tcase_add_test(tc, test_matmul_alpha_beta);
  tcase_add_test(tc, test_matmul_tile_configs);
  tcase_add_test(tc, test_linear);
  tcase_add_test(tc, test_gemm_shape_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
