/* matmul and linear against tests/ref/ref_gemm.c on both kernel variants (the texel
 * register-blocked one and the shared-memory tiled one: both run on lavapipe).
 * Bound: |got - want| <= 1e-6 + 1e-5 sqrt(K + 1) |alpha| + 1e-4 |want| (float accumulation error
 * grows like sqrt(K) for inputs in [-1, 1]); linear: 1e-5 sqrt(in + 1) + 1e-4 |want|; the 4-D
 * batched product: 1e-5 + 1e-4 |want|.
 * Was tests/unit/test_kernel_gemm.c: 250 odd shapes (family gemm_sweep) + 12 large/transposed +
 * 9 batch/broadcast (the 4-D one now on both variants: 10) + 6 alpha/beta + 8 texel tile configs + 18 linear = 303 cases. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "optable.h"
#include "ref_gemm.h"

/* dims of a (maybe batched) matrix: [batch, r, c], or [r, c] when batch is 1 */
static int mdims(int64_t *d, int64_t batch, int64_t r, int64_t c) {
  if (batch > 1) {
    d[0] = batch, d[1] = r, d[2] = c;
    return 3;
  }
  d[0] = r, d[1] = c;
  return 2;
}

/* i: batch_a batch_b batch_c M N K ta tb; f: alpha beta. beta == 0: C starts as NaN (must not be read). */
static void run_matmul(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int64_t bta = c[0], btb = c[1], btc = c[2], M = c[3], N = c[4], K = c[5];
  const int ta = (int)c[6], tb = (int)c[7];
  const float alpha = (float)h->row->f[0], beta = (float)h->row->f[1];
  ot_desc(h, "matmul[%s%s%s] batch %lld/%lld/%lld M=%lld N=%lld K=%lld ta=%d tb=%d alpha=%g beta=%g",
          h->row->variant, h->row->gemm_tile ? " tile " : "", h->row->gemm_tile ? h->row->gemm_tile : "",
          (long long)bta, (long long)btb, (long long)btc, (long long)M, (long long)N, (long long)K, ta, tb, alpha,
          beta);
  size_t na = (size_t)(bta * M * K), nb = (size_t)(btb * K * N), nc = (size_t)(btc * M * N);
  float *a = ot_rand(h, na, 1 + (unsigned)(M * 7 + K), -1, 1), *b = ot_rand(h, nb, 2 + (unsigned)(N * 5 + K), -1, 1);
  float *c0 = ot_rand(h, nc, 3, -1, 1);
  if (beta == 0.0f)
    for (size_t i = 0; i < nc; i++) c0[i] = NAN;
  int64_t da[3], db[3], dc[3];
  int nda = mdims(da, bta, ta ? K : M, ta ? M : K), ndb = mdims(db, btb, tb ? N : K, tb ? K : N);
  int ndc = mdims(dc, btc, M, N);
  vkg_tensor *tA = ot_f32(h, nda, da, a), *tB = ot_f32(h, ndb, db, b), *tC = ot_f32(h, ndc, dc, c0);
  ot_work(h, 2.0 * (double)nc * (double)K, 4.0 * (double)(na + nb + nc));
  OT_RUN(h, vkg_matmul(h->ctx, tA, tB, tC, ta, tb, alpha, beta));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, nc * sizeof *want), *got = ot_get(h, tC);
  memcpy(want, c0, nc * sizeof *want);
  vkg_ref_matmul(a, b, want, bta, btb, btc, M, N, K, ta, tb, alpha, beta);
  ot_expect(h, got, want, nc, h->row->atol + h->row->atol_sqrtk * sqrt((double)K + 1) * fabs(alpha), h->row->rtol,
            "matmul");
}

/* [2, 3, M, K] @ [2, 3, K, N]: the leading dims flatten into the batch. i: d0 d1 M N K */
static void run_matmul_4d(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  ot_desc(h, "matmul[%s] [%lld, %lld, %lld, %lld] @ [.., %lld, %lld]", h->row->variant,
          (long long)c[0], (long long)c[1], (long long)c[2], (long long)c[4], (long long)c[4], (long long)c[3]);
  const int64_t Z = c[0] * c[1], M = c[2], N = c[3], K = c[4];
  int64_t da[4] = {c[0], c[1], M, K}, db[4] = {c[0], c[1], K, N}, dc[4] = {c[0], c[1], M, N};
  float *a = ot_rand(h, (size_t)(Z * M * K), 5, -1, 1), *b = ot_rand(h, (size_t)(Z * K * N), 6, -1, 1);
  vkg_tensor *tA = ot_f32(h, 4, da, a), *tB = ot_f32(h, 4, db, b), *tC = ot_f32(h, 4, dc, NULL);
  ot_work(h, 2.0 * (double)(Z * M * N * K), 4.0 * (double)(Z * (M * K + K * N + M * N)));
  OT_RUN(h, vkg_matmul(h->ctx, tA, tB, tC, 0, 0, 1.0f, 0.0f));
  if (!ot_checking(h)) return;
  size_t nc = (size_t)(Z * M * N);
  float *want = ot_alloc(h, nc * sizeof *want), *got = ot_get(h, tC);
  vkg_ref_matmul(a, b, want, Z, Z, Z, M, N, K, 0, 0, 1.0f, 0.0f);
  ot_expect_row(h, got, want, nc, (double)K, "matmul 4-D");
}

/* i: nd x0 x1 x2 out with_bias acc. acc: vkg_linear_acc onto y holding random values. */
static void run_linear(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int nd = (int)c[0];
  const int64_t *xd = c + 1, out = c[4];
  const int with_bias = (int)c[5], acc = (int)c[6];
  ot_desc(h, "linear%s[%s] x [%lld%s%lld%s%lld] out %lld%s", acc ? "_acc" : "", h->row->variant, (long long)xd[0],
          nd > 1 ? ", " : "", nd > 1 ? (long long)xd[1] : 0LL, nd > 2 ? ", " : "", nd > 2 ? (long long)xd[2] : 0LL,
          (long long)out, with_bias ? " bias" : "");
  const int64_t in = xd[nd - 1];
  int64_t M = 1;
  for (int i = 0; i + 1 < nd; i++) M *= xd[i];
  float *x = ot_rand(h, (size_t)(M * in), 11, -1, 1), *w = ot_rand(h, (size_t)(out * in), 12, -1, 1);
  float *bias = ot_rand(h, (size_t)out, 13, -1, 1), *y0 = ot_rand(h, (size_t)(M * out), 14, -1, 1);
  int64_t wd[2] = {out, in}, yd[3];
  memcpy(yd, xd, sizeof(int64_t) * (size_t)nd);
  yd[nd - 1] = out;
  vkg_tensor *tx = ot_f32(h, nd, xd, x), *tw = ot_f32(h, 2, wd, w), *tb = ot_f32(h, 1, &out, bias);
  vkg_tensor *ty = ot_f32(h, nd, yd, acc ? y0 : NULL);
  ot_work(h, 2.0 * (double)(M * out * in), 4.0 * (double)(M * in + out * in + M * out));
  if (acc) OT_RUN(h, vkg_linear_acc(h->ctx, tx, tw, with_bias ? tb : NULL, ty));
  else OT_RUN(h, vkg_linear(h->ctx, tx, tw, with_bias ? tb : NULL, ty));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, (size_t)(M * out) * sizeof *want), *got = ot_get(h, ty);
  vkg_ref_linear(x, w, with_bias ? bias : NULL, want, M, in, out);
  if (acc)
    for (int64_t i = 0; i < M * out; i++) want[i] += y0[i];
  ot_expect_row(h, got, want, (size_t)(M * out), (double)in, acc ? "linear_acc" : "linear");
}

#define MMF(fam, v, ...) {.family = fam, .op = "matmul", .run = run_matmul, .atol = 1e-6, .atol_sqrtk = 1e-5, \
                           .rtol = 1e-4, .variant = v, __VA_ARGS__}
#define MM(v, ...) MMF("gemm", v, __VA_ARGS__)
#define MMV(...) MM("cpu", __VA_ARGS__), MM("gpu", __VA_ARGS__)
#define MMT(tile, ...) MM("cpu", .gemm_tile = tile, __VA_ARGS__)
#define LIN(v, ...) {.family = "gemm", .op = "linear", .run = run_linear, .atol_sqrtk = 1e-5, .rtol = 1e-4, .variant = v, \
                      .i = {__VA_ARGS__}}
#define LINV(...) LIN("cpu", __VA_ARGS__), LIN("gpu", __VA_ARGS__)

static const vkg_op_row rows[] = {
    /* large and transposed: i = batch a/b/c, M, N, K, ta, tb; f = alpha, beta */
    MMV(.i = {1, 1, 1, 257, 509, 131, 0, 0}, .f = {1, 0}),
    MMV(.i = {1, 1, 1, 257, 509, 131, 1, 0}, .f = {1, 0}),
    MMV(.i = {1, 1, 1, 257, 509, 131, 0, 1}, .f = {1, 0}),
    MMV(.i = {1, 1, 1, 257, 509, 131, 1, 1}, .f = {1, 0}),
    MMV(.i = {1, 1, 1, 96, 200, 64, 0, 0}, .f = {1, 0}), /* aligned: the direct (unpacked) texel path */
    MM("cpu", .i = {1, 1, 1, 1024, 1000, 1028, 0, 0}, .f = {1, 0}),
    MM("gpu", .i = {1, 1, 1, 1000, 1024, 515, 1, 1}, .f = {1, 0}),
    /* batches and broadcasts */
    MMV(.i = {3, 3, 3, 17, 33, 20, 0, 0}, .f = {1, 0}),
    MMV(.i = {1, 4, 4, 17, 33, 20, 1, 0}, .f = {1, 0}),
    MMV(.i = {5, 1, 5, 9, 40, 12, 0, 1}, .f = {1, 0}),
    MMV(.i = {2, 2, 2, 3, 64, 8, 0, 0}, .f = {1, 0}), /* few rows: swapped product */
    {.family = "gemm", .op = "matmul", .run = run_matmul_4d, .atol = 1e-5, .rtol = 1e-4, .variant = "cpu", .i = {2, 3, 5, 6, 8}},
    {.family = "gemm", .op = "matmul", .run = run_matmul_4d, .atol = 1e-5, .rtol = 1e-4, .variant = "gpu", .i = {2, 3, 5, 6, 8}},
    /* alpha, beta */
    MMV(.i = {1, 1, 1, 37, 45, 29, 0, 0}, .f = {0.5, 0.75}),
    MMV(.i = {2, 1, 2, 64, 64, 64, 1, 1}, .f = {-2.0, 1.0}),
    MMV(.i = {1, 1, 1, 5, 9, 0, 0, 0}, .f = {1.0, 0.5}), /* K = 0: C = beta C */
    /* the texel kernel's block sizes are specialization constants: other ones stay correct */
    MMT("4,8,1", .i = {1, 1, 1, 67, 131, 36, 0, 0}, .f = {1, 0}),
    MMT("4,8,1", .i = {1, 1, 1, 67, 131, 37, 1, 1}, .f = {1, 0}),
    MMT("16,16,1", .i = {1, 1, 1, 67, 131, 36, 0, 0}, .f = {1, 0}),
    MMT("16,16,1", .i = {1, 1, 1, 67, 131, 37, 1, 1}, .f = {1, 0}),
    MMT("8,12,2", .i = {1, 1, 1, 67, 131, 36, 0, 0}, .f = {1, 0}),
    MMT("8,12,2", .i = {1, 1, 1, 67, 131, 37, 1, 1}, .f = {1, 0}),
    MMT("2,5,3", .i = {1, 1, 1, 67, 131, 36, 0, 0}, .f = {1, 0}),
    MMT("2,5,3", .i = {1, 1, 1, 67, 131, 37, 1, 1}, .f = {1, 0}),
    /* linear: i = nd, x dims (3), out, bias, acc */
    LINV(3, 5, 7, 33, 19, 1, 0),
    LINV(3, 5, 7, 33, 19, 0, 0),
    LINV(1, 20, 0, 0, 7, 1, 0),
    LINV(2, 64, 784, 0, 400, 1, 0), /* MLP VAE fc1 */
    LINV(2, 3, 128, 0, 256, 1, 0),  /* few rows, aligned: the swapped product */
    /* accumulating (residual) forms: odd, swapped, a decoding step's projection, 1x1 */
    LINV(3, 5, 7, 33, 19, 1, 1),
    LINV(2, 3, 128, 0, 256, 1, 1),
    LINV(3, 16, 1, 128, 128, 1, 1),
    LINV(2, 1, 1, 0, 1, 0, 1),
};

const vkg_op_family vkg_op_family_gemm = {"gemm", OT_ROWS(rows), NULL};

/* odd shapes: M, N, K over {1, 7, 13, 61, 127}, the transposes cycling, both variants */
static size_t gen_sweep(vkg_op_row *out, size_t cap) {
  static const int64_t sizes[] = {1, 7, 13, 61, 127};
  static const char *const variants[2] = {"cpu", "gpu"};
  if (!out) return 2 * 5 * 5 * 5;
  size_t k = 0;
  int i = 0;
  for (int v = 0; v < 2; v++)
    for (int mi = 0; mi < 5; mi++)
      for (int ni = 0; ni < 5; ni++)
        for (int ki = 0; ki < 5 && k < cap; ki++, i++, k++)
          out[k] = (vkg_op_row)MMF("gemm_sweep", variants[v],
                                  .i = {1, 1, 1, sizes[mi], sizes[ni], sizes[ki], i & 1, (i >> 1) & 1}, .f = {1, 0});
  return k;
}

const vkg_op_family vkg_op_family_gemm_sweep = {"gemm_sweep", NULL, 0, gen_sweep};
