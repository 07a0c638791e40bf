/* group_norm, layer_norm, batch_norm, softmax / log_softmax, attention vs tests/ref.
 * Bounds: norms atol 1e-5 rtol 1e-4 (f32 two-pass statistics vs double reference), batch_norm
 * atol 1e-5 rtol 1e-5; softmax atol 1e-7 rtol 1e-5, log_softmax atol 1e-5 rtol 1e-5; attention
 * atol 1e-5 rtol 1e-4.
 * Was tests/unit/test_kernel_norm.c: group_norm 6 shapes x (out of place, in place) = 12,
 * layer_norm 7 + 1 (two dims, in place) = 8, batch_norm 1, softmax 5 x (softmax, log_softmax) = 10,
 * attention 5: 36 cases. Added after: group_norm_act 4 (SiLU / ReLU applied as the norm stores; same
 * bound as group_norm). Then 6 group_norm_act + 8 group_norm rows for kl_norm_apply4,
 * kl_group_norm4 and kl_group_norm1. */
#include <math.h>

#include "optable.h"
#include "ref_kl.h"

/* i: n c h w groups affine in_place act (vkg_act; not identity: vkg_group_norm_act, the activation
 * applied to the reference's output in double) */
static void run_group_norm(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  int64_t n = a[0], c = a[1], hh = a[2], w = a[3], d[4] = {n, c, hh, w};
  const int groups = (int)a[4], affine = (int)a[5], inplace = (int)a[6];
  const vkg_act act = (vkg_act)a[7];
  ot_desc(h, "group_norm [%lld, %lld, %lld, %lld] groups %d%s%s%s", (long long)n, (long long)c, (long long)hh,
          (long long)w, groups, affine ? " affine" : "", inplace ? " in place" : "",
          act == VKG_ACT_SILU ? " + silu" : act == VKG_ACT_RELU ? " + relu" : "");
  float *hx, *hg = NULL, *hb = NULL;
  vkg_tensor *x = ot_rand_t(h, 4, d, 1, -3, 5, &hx), *g = NULL, *b = NULL;
  if (affine) {
    g = ot_rand_t(h, 1, &c, 2, 0.5f, 1.5f, &hg);
    b = ot_rand_t(h, 1, &c, 3, -1, 1, &hb);
  }
  vkg_tensor *y = inplace ? x : ot_f32(h, 4, d, NULL);
  size_t total = (size_t)(n * c * hh * w);
  ot_work(h, 8.0 * (double)total, 12.0 * (double)total);
  if (act == VKG_ACT_IDENTITY) OT_RUN(h, vkg_group_norm(h->ctx, x, g, b, y, groups, 1e-5f));
  else OT_RUN(h, vkg_group_norm_act(h->ctx, x, g, b, y, groups, 1e-5f, act, 0.0f));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_group_norm(hx, hg, hb, want, n, c, hh * w, groups, 1e-5f);
  for (size_t i = 0; i < total && act != VKG_ACT_IDENTITY; i++) {
    double v = want[i];
    want[i] = (float)(act == VKG_ACT_SILU ? v / (1.0 + exp(-v)) : v > 0 ? v : 0);
  }
  ot_expect_row(h, got, want, total, 0, "group_norm");
}

/* i: rows len */
static void run_layer_norm(vkg_op_h *h) {
  int64_t rows = h->row->i[0], len = h->row->i[1], d[2] = {rows, len};
  ot_desc(h, "layer_norm [%lld, %lld]", (long long)rows, (long long)len);
  float *hx, *hg, *hb;
  vkg_tensor *x = ot_rand_t(h, 2, d, 4, -2, 3, &hx), *g = ot_rand_t(h, 1, &len, 5, 0.5f, 2, &hg),
             *b = ot_rand_t(h, 1, &len, 6, -1, 1, &hb), *y = ot_f32(h, 2, d, NULL);
  ot_work(h, 8.0 * (double)(rows * len), 12.0 * (double)(rows * len));
  OT_RUN(h, vkg_layer_norm(h->ctx, x, g, b, y, 1, 1e-6f));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, (size_t)(rows * len) * sizeof *want);
  ref_layer_norm(hx, hg, hb, want, rows, len, 1e-6f);
  ot_expect_row(h, got, want, (size_t)(rows * len), 0, "layer_norm");
}

/* norm over the last two dims, in place. i: d0 d1 d2 */
static void run_layer_norm_2d(vkg_op_h *h) {
  int64_t d[3] = {h->row->i[0], h->row->i[1], h->row->i[2]}, nd = d[1] * d[2];
  ot_desc(h, "layer_norm [%lld, %lld, %lld] over 2 dims, in place", (long long)d[0], (long long)d[1], (long long)d[2]);
  float *hx, *hg, *hb;
  vkg_tensor *x = ot_rand_t(h, 3, d, 7, -1, 1, &hx), *g = ot_rand_t(h, 1, &nd, 8, 0.5f, 2, &hg),
             *b = ot_rand_t(h, 1, &nd, 9, -1, 1, &hb);
  OT_RUN(h, vkg_layer_norm(h->ctx, x, g, b, x, 2, 1e-5f));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, x), *want = ot_alloc(h, (size_t)(d[0] * nd) * sizeof *want);
  ref_layer_norm(hx, hg, hb, want, d[0], nd, 1e-5f);
  ot_expect_row(h, got, want, (size_t)(d[0] * nd), 0, "layer_norm 2 dims in place");
}

/* folded statistics (vkg_batch_norm_fold). i: n c h w (c <= 16) */
static void run_batch_norm(vkg_op_h *h) {
  int64_t n = h->row->i[0], c = h->row->i[1], hh = h->row->i[2], w = h->row->i[3], d[4] = {n, c, hh, w};
  ot_desc(h, "batch_norm [%lld, %lld, %lld, %lld]", (long long)n, (long long)c, (long long)hh, (long long)w);
  float *mean = ot_rand(h, (size_t)c, 11, -1, 1), *var = ot_rand(h, (size_t)c, 12, 0.1f, 2);
  float *gam = ot_rand(h, (size_t)c, 13, 0.5f, 1.5f), *bet = ot_rand(h, (size_t)c, 14, -1, 1);
  float *sc = ot_alloc(h, (size_t)c * sizeof *sc), *sh = ot_alloc(h, (size_t)c * sizeof *sh), *hx;
  vkg_batch_norm_fold(mean, var, gam, bet, c, 1e-5f, sc, sh);
  vkg_tensor *x = ot_rand_t(h, 4, d, 15, -3, 3, &hx), *ts = ot_f32(h, 1, &c, sc), *tb = ot_f32(h, 1, &c, sh),
             *y = ot_f32(h, 4, d, NULL);
  size_t total = (size_t)(n * c * hh * w);
  ot_work(h, 2.0 * (double)total, 8.0 * (double)total);
  OT_RUN(h, vkg_batch_norm(h->ctx, x, ts, tb, y));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_batch_norm(hx, mean, var, gam, bet, want, n, c, hh * w, 1e-5f);
  ot_expect_row(h, got, want, total, 0, "batch_norm");
}

/* i: rows len log; f: lo hi (input range) */
static void run_softmax(vkg_op_h *h) {
  int64_t rows = h->row->i[0], len = h->row->i[1], d[2] = {rows, len};
  const int lg = (int)h->row->i[2];
  ot_desc(h, "%s [%lld, %lld] x in [%g, %g)", lg ? "log_softmax" : "softmax", (long long)rows, (long long)len,
          h->row->f[0], h->row->f[1]);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 2, d, 21, (float)h->row->f[0], (float)h->row->f[1], &hx), *y = ot_f32(h, 2, d, NULL);
  size_t total = (size_t)(rows * len);
  ot_work(h, 4.0 * (double)total, 8.0 * (double)total);
  OT_RUN(h, lg ? vkg_log_softmax(h->ctx, x, y) : vkg_softmax(h->ctx, x, y));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_softmax(hx, want, rows, len, lg);
  ot_expect_row(h, got, want, total, 0, lg ? "log_softmax" : "softmax");
}

/* i: b h lq lk d dv; f: scale (0: 1/sqrt(d)) */
static void run_attention(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  const int64_t b = a[0], hh = a[1], lq = a[2], lk = a[3], dd = a[4], dv = a[5];
  const float scale = (float)h->row->f[0];
  ot_desc(h, "attention b%lld h%lld lq %lld lk %lld d %lld dv %lld scale %g", (long long)b, (long long)hh,
          (long long)lq, (long long)lk, (long long)dd, (long long)dv, scale);
  int64_t sq[4] = {b, hh, lq, dd}, sk[4] = {b, hh, lk, dd}, sv[4] = {b, hh, lk, dv}, so[4] = {b, hh, lq, dv};
  float *hq, *hk, *hv;
  vkg_tensor *q = ot_rand_t(h, 4, sq, 31, -1, 1, &hq), *k = ot_rand_t(h, 4, sk, 32, -1, 1, &hk),
             *v = ot_rand_t(h, 4, sv, 33, -2, 2, &hv), *o = ot_f32(h, 4, so, NULL);
  ot_work(h, 2.0 * (double)(b * hh * lq * lk) * (double)(dd + dv),
          4.0 * (double)(b * hh) * (double)(lq * dd + lk * dd + lk * dv + lq * dv));
  OT_RUN(h, vkg_attention(h->ctx, q, k, v, o, scale));
  if (!ot_checking(h)) return;
  size_t total = (size_t)(b * hh * lq * dv);
  float *got = ot_get(h, o), *want = ot_alloc(h, total * sizeof *want);
  ref_attention(hq, hk, hv, want, b * hh, lq, lk, dd, dv, scale > 0 ? scale : (float)(1 / sqrt((double)dd)));
  ot_expect_row(h, got, want, total, 0, "attention");
}

#define GN(...) {.family = "norm", .op = "group_norm", .run = run_group_norm, .atol = 1e-5, .rtol = 1e-4, .i = {__VA_ARGS__}}
#define GN2(...) GN(__VA_ARGS__, 0), GN(__VA_ARGS__, 1)
#define GNA(...) {.family = "norm", .op = "group_norm_act", .run = run_group_norm, .atol = 1e-5, .rtol = 1e-4, .i = {__VA_ARGS__}}
#define LN(r, l) {.family = "norm", .op = "layer_norm", .run = run_layer_norm, .atol = 1e-5, .rtol = 1e-4, .i = {r, l}}
#define SM(r, l, lo, hi)                                                                                               \
  {.family = "norm", .op = "softmax", .run = run_softmax, .atol = 1e-7, .rtol = 1e-5, .i = {r, l, 0}, .f = {lo, hi}}, \
  {.family = "norm", .op = "log_softmax", .run = run_softmax, .atol = 1e-5, .rtol = 1e-5, .i = {r, l, 1}, .f = {lo, hi}}
#define AT(s, ...) {.family = "norm", .op = "attention", .run = run_attention, .atol = 1e-5, .rtol = 1e-4, .i = {__VA_ARGS__}, .f = {s}}

static const vkg_op_row rows[] = {
    /* group_norm i: n c h w groups affine (+ in place 0/1) */
    GN2(1, 1, 1, 1, 1, 1),
    GN2(2, 6, 7, 5, 3, 1),
    GN2(3, 64, 13, 11, 32, 1),
    GN2(2, 8, 9, 9, 2, 0),
    GN2(1, 32, 64, 64, 32, 1), /* long rows */
    GN2(1, 8, 256, 300, 2, 1), /* rows of 307200: past lavapipe's 65535-iteration loop limit */
    /* group_norm_act i: n c h w groups affine in_place act (new with the op table's winograd family) */
    GNA(2, 6, 7, 5, 3, 1, 0, VKG_ACT_SILU),
    GNA(3, 64, 13, 11, 32, 1, 1, VKG_ACT_SILU),
    GNA(2, 8, 9, 9, 2, 0, 0, VKG_ACT_RELU),
    GNA(1, 8, 256, 300, 2, 1, 0, VKG_ACT_SILU),
    /* from 128 rows: one dispatch, one invocation per row (kl_group_norm4 on planes of a multiple of
     * 4 pixels, else kl_group_norm1); fewer rows: rowstats, then kl_norm_apply4 (vec4 per
     * invocation, one workgroup row per plane) on planes of 4k pixels, else kl_norm_apply (all
     * the rows above) */
    GNA(16, 64, 28, 28, 16, 1, 0, VKG_ACT_SILU), /* the KL VAE decoder's up block: kl_group_norm4 */
    GN2(32, 8, 4, 4, 4, 0),                      /* 128 rows, no affine: kl_group_norm4 */
    GNA(16, 64, 14, 14, 8, 1, 1, VKG_ACT_SILU),  /* the DDPM UNet, in place: kl_group_norm4 */
    GNA(4, 32, 14, 14, 16, 1, 1, VKG_ACT_SILU),
    GNA(2, 6, 4, 2, 3, 0, 0, VKG_ACT_RELU),
    GNA(3, 64, 7, 7, 32, 1, 0, VKG_ACT_SILU),     /* 49 pixels, 96 rows: rowstats + kl_norm_apply */
    GNA(16, 64, 7, 7, 8, 1, 0, VKG_ACT_SILU),     /* the DDPM UNet's mid block, 128 rows: kl_group_norm1 */
    GN2(64, 6, 3, 5, 3, 1),                       /* 192 rows of 2 planes of 15: kl_group_norm1 */
    GN2(1, 70000, 2, 2, 7000, 1),                 /* 7000 rows of 10 vec4s: kl_group_norm4 */
    GN2(1, 70000, 2, 2, 70, 1),                   /* 70 rows, 70000 planes: apply4 overflows into z */
    LN(1, 1),
    LN(7, 13),
    LN(131, 512),
    LN(1000, 67),
    LN(3, 8192), /* the longest row of the one-pass kernel */
    LN(2, 8193), /* the first of the chunked two-pass path */
    LN(2, 70001),
    {.family = "norm", .op = "layer_norm", .run = run_layer_norm_2d, .atol = 1e-5, .rtol = 1e-4, .i = {3, 5, 7}},
    {.family = "norm", .op = "batch_norm", .run = run_batch_norm, .atol = 1e-5, .rtol = 1e-5, .i = {3, 5, 7, 9}},
    SM(1, 1, -1, 1),
    SM(3, 7, -5, 5),
    SM(257, 1000, -10, 10),
    SM(5, 33, 500, 900),    /* large logits: stable only when max-subtracted */
    SM(2, 100003, -4, 4),   /* rows longer than one chunk */
    AT(0, 1, 1, 1, 1, 1, 1),
    AT(0, 2, 3, 7, 11, 5, 5),
    AT(0, 1, 8, 64, 77, 40, 40),    /* cross attention, Lq != Lk */
    AT(0, 1, 1, 256, 256, 512, 512), /* VAE mid-block style: one head, wide */
    AT(0.7, 2, 2, 13, 3, 8, 6),     /* explicit scale, Dv != D */
};

const vkg_op_family vkg_op_family_norm = {"norm", OT_ROWS(rows), NULL};
