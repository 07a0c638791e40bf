/* nearest / bilinear resize, avg / max / adaptive pooling vs tests/ref.
 * Bounds: nearest and max pool exact; bilinear atol 2e-7 rtol 2e-6 (the reference is torch's CPU
 * arithmetic: index in double, f32 weights; it matched torch 1.13 to 1.2e-7 on 28 -> 299 and
 * 512 -> 299); avg pools atol 1e-6 rtol 1e-5 (double reference).
 * Was tests/unit/test_kernel_resample.c: nearest 4, bilinear 5, pools 6 shapes x 3 modes = 18,
 * adaptive 4: 31 cases. Since the row-blocked pool (pool.c; window <= 7 wide, stride along W
 * <= 2, else the pixel kernel): a 7-wide and a 9-wide window x 3 modes = 37. */
#include "optable.h"
#include "ref_kl.h"

/* i: n c h w oh ow bilinear */
static void run_resize(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  int64_t n = c[0], ch = c[1], hh = c[2], w = c[3], oh = c[4], ow = c[5];
  const int bilinear = (int)c[6];
  int64_t xs[4] = {n, ch, hh, w}, ys[4] = {n, ch, oh, ow};
  ot_desc(h, "%s [%lld, %lld, %lld, %lld] -> %lldx%lld", bilinear ? "resize_bilinear" : "upsample_nearest",
          (long long)n, (long long)ch, (long long)hh, (long long)w, (long long)oh, (long long)ow);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 4, xs, 80, -1, 1, &hx), *y = ot_f32(h, 4, ys, NULL);
  size_t total = (size_t)(n * ch * oh * ow);
  ot_work(h, bilinear ? 8.0 * (double)total : 0, 4.0 * (double)(total + (size_t)(n * ch * hh * w)));
  OT_RUN(h, bilinear ? vkg_resize_bilinear(h->ctx, x, y) : vkg_upsample_nearest(h->ctx, x, y));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  if (bilinear) ref_resize_bilinear(hx, want, n * ch, hh, w, oh, ow);
  else ref_upsample_nearest(hx, want, n * ch, hh, w, oh, ow);
  ot_expect_row(h, got, want, total, 0, bilinear ? "resize_bilinear" : "upsample_nearest");
}

/* i: n c h w k s p mode (0 avg incl pad, 1 avg excl pad, 2 max) */
static void run_pool(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  int64_t n = c[0], ch = c[1], hh = c[2], w = c[3];
  const int k = (int)c[4], s = (int)c[5], p = (int)c[6], mode = (int)c[7];
  static const char *const names[3] = {"avg_pool2d include pad", "avg_pool2d exclude pad", "max_pool2d"};
  ot_desc(h, "%s [%lld, %lld, %lld, %lld] k%d s%d p%d", names[mode], (long long)n, (long long)ch, (long long)hh,
          (long long)w, k, s, p);
  int64_t oh = vkg_pool_out_size(hh, k, s, p), ow = vkg_pool_out_size(w, k, s, p);
  int64_t xs[4] = {n, ch, hh, w}, ys[4] = {n, ch, oh, ow};
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 4, xs, 81, -3, 1, &hx), *y = ot_f32(h, 4, ys, NULL);
  vkg_pool2d_params pp = {k, k, s, s, p, p, mode == 0};
  size_t total = (size_t)(n * ch * oh * ow);
  ot_work(h, (double)total * k * k, 4.0 * (double)(total + (size_t)(n * ch * hh * w)));
  OT_RUN(h, mode == 2 ? vkg_max_pool2d(h->ctx, x, y, &pp) : vkg_avg_pool2d(h->ctx, x, y, &pp));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_pool2d(hx, want, n * ch, hh, w, k, k, s, s, p, p, mode);
  ot_expect_row(h, got, want, total, 0, names[mode]);
}

/* i: nc h w oh ow */
static void run_adaptive(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  int64_t nc = c[0], hh = c[1], w = c[2], oh = c[3], ow = c[4], xs[4] = {1, nc, hh, w}, ys[4] = {1, nc, oh, ow};
  ot_desc(h, "adaptive_avg_pool2d [1, %lld, %lld, %lld] -> %lldx%lld", (long long)nc, (long long)hh, (long long)w,
          (long long)oh, (long long)ow);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 4, xs, 82, -1, 1, &hx), *y = ot_f32(h, 4, ys, NULL);
  size_t total = (size_t)(nc * oh * ow);
  ot_work(h, (double)(nc * hh * w), 4.0 * (double)(total + (size_t)(nc * hh * w)));
  OT_RUN(h, vkg_adaptive_avg_pool2d(h->ctx, x, y));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, total * sizeof *want);
  ref_adaptive_avg_pool2d(hx, want, nc, hh, w, oh, ow);
  ot_expect_row(h, got, want, total, 0, "adaptive_avg_pool2d");
}

#define NEAR(...) {.family = "resample", .op = "upsample_nearest", .run = run_resize, .i = {__VA_ARGS__, 0}}
#define BIL(...) {.family = "resample", .op = "resize_bilinear", .run = run_resize, .atol = 2e-7, .rtol = 2e-6, \
                  .i = {__VA_ARGS__, 1}}
#define POOL(...) {.family = "resample", .op = "avg_pool2d", .run = run_pool, .atol = 1e-6, .rtol = 1e-5, .i = {__VA_ARGS__, 0}}, \
                  {.family = "resample", .op = "avg_pool2d", .run = run_pool, .atol = 1e-6, .rtol = 1e-5, .i = {__VA_ARGS__, 1}}, \
                  {.family = "resample", .op = "max_pool2d", .run = run_pool, .i = {__VA_ARGS__, 2}}
#define ADA(...) {.family = "resample", .op = "adaptive_avg_pool2d", .run = run_adaptive, .atol = 1e-6, .rtol = 1e-5, \
                  .i = {__VA_ARGS__}}

static const vkg_op_row rows[] = {
    NEAR(1, 1, 1, 1, 2, 2),
    NEAR(2, 3, 5, 7, 10, 14),
    NEAR(1, 4, 13, 11, 39, 33),
    NEAR(2, 64, 32, 32, 64, 64),
    BIL(1, 1, 1, 1, 3, 3),
    BIL(2, 1, 28, 28, 299, 299),  /* MNIST -> Inception */
    BIL(1, 3, 512, 512, 299, 299), /* down-sampling */
    BIL(2, 3, 7, 13, 5, 29),       /* down in one axis, up in the other */
    BIL(1, 2, 32, 32, 32, 32),     /* identity size */
    POOL(1, 1, 1, 1, 1, 1, 0),
    POOL(2, 3, 7, 7, 3, 2, 1),
    POOL(2, 5, 35, 35, 3, 1, 1), /* Inception avg pool 3x3 s1 p1 */
    POOL(1, 7, 147, 147, 3, 2, 0),
    POOL(3, 2, 11, 13, 2, 2, 0),
    POOL(1, 3, 10, 10, 5, 3, 2), /* stride 3: pixel kernel */
    POOL(2, 3, 9, 10, 7, 1, 3),  /* 7 wide: row kernel, partial last block */
    POOL(1, 2, 12, 11, 9, 2, 4), /* 9 wide: pixel kernel */
    ADA(1, 1, 1, 1, 1),
    ADA(2048, 8, 8, 1, 1), /* Inception global pool */
    ADA(3, 10, 7, 3, 4),   /* overlapping windows */
    ADA(2, 5, 5, 7, 9),    /* output larger than input */
};

const vkg_op_family vkg_op_family_resample = {"resample", OT_ROWS(rows), NULL};
