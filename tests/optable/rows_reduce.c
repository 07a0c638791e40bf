/* reduce_sum / reduce_mean over axis sets (atol 1e-5 rtol 1e-5 vs a double reference) and the
 * nearest-code argmin (exact, ties to the lowest index, i32 and i64 outputs).
 * Was tests/unit/test_kernel_reduce.c: reduce 7 shapes x (sum, mean) x (keepdim or not) = 28 + the
 * full keepdim sum + the full sum into [1] = 30; argmin 4 shapes x 2 index types + 2 tie cases = 10. */
#include "optable.h"
#include "ref_kl.h"

/* i: nd shape[6] naxes axes[4] keepdim mean */
static void run_reduce(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int nd = (int)c[0], naxes = (int)c[7], keepdim = (int)c[12], mean = (int)c[13];
  const int64_t *shape = c + 1;
  int axes[4], red[6] = {0};
  for (int i = 0; i < naxes; i++) {
    axes[i] = (int)c[8 + i];
    red[axes[i] < 0 ? axes[i] + nd : axes[i]] = 1;
  }
  ot_desc(h, "%s rank %d [%lld, ...] over %d axes (first %d)%s", mean ? "reduce_mean" : "reduce_sum", nd,
          (long long)shape[0], naxes, axes[0], keepdim ? " keepdim" : "");
  float *hx;
  vkg_tensor *x = ot_rand_t(h, nd, shape, 90, -1, 2, &hx);
  int64_t ys[6];
  int ynd = 0;
  for (int d = 0; d < nd; d++)
    if (!red[d] || keepdim) ys[ynd++] = red[d] ? 1 : shape[d];
  vkg_tensor *y = ot_f32(h, ynd, ys, NULL);
  size_t nx = (size_t)vkg_tensor_numel(x), ny = (size_t)vkg_tensor_numel(y);
  ot_work(h, (double)nx, 4.0 * (double)(nx + ny));
  OT_RUN(h, mean ? vkg_reduce_mean(h->ctx, x, y, axes, naxes, keepdim) : vkg_reduce_sum(h->ctx, x, y, axes, naxes, keepdim));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, ny * sizeof *want);
  ref_reduce(hx, shape, nd, red, mean, want);
  ot_expect_row(h, got, want, ny, 0, mean ? "reduce_mean" : "reduce_sum");
}

/* a full reduction without keepdim lands in a [1] tensor. i: shape[4] */
static void run_reduce_full(vkg_op_h *h) {
  const int64_t *s = h->row->i, one = 1;
  ot_desc(h, "reduce_sum [%lld, %lld, %lld, %lld] -> [1]", (long long)s[0], (long long)s[1], (long long)s[2],
          (long long)s[3]);
  int all[4] = {0, 1, 2, 3}, red[4] = {1, 1, 1, 1};
  float *hx, want;
  vkg_tensor *x = ot_rand_t(h, 4, s, 91, 0, 1, &hx), *y = ot_f32(h, 1, &one, NULL);
  OT_RUN(h, vkg_reduce_sum(h->ctx, x, y, all, 4, 0));
  if (!ot_checking(h)) return;
  ref_reduce(hx, s, 4, red, 0, &want);
  ot_expect_row(h, ot_get(h, y), &want, 1, 0, "full sum");
}

/* i: n k d i64 seed */
static void run_argmin(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  int64_t n = c[0], k = c[1], d = c[2], xs[2] = {n, d}, cs[2] = {k, d};
  const vkg_dtype dt = c[3] ? VKG_I64 : VKG_I32;
  ot_desc(h, "argmin_codebook n %lld codes %lld dim %lld -> %s", (long long)n, (long long)k, (long long)d,
          vkg_dtype_name(dt));
  float *hx = ot_rand(h, (size_t)(n * d), (unsigned)c[4], -1, 1), *hc = ot_rand(h, (size_t)(k * d), (unsigned)c[4] + 1, -1, 1);
  vkg_tensor *x = ot_f32(h, 2, xs, hx), *cb = ot_f32(h, 2, cs, hc), *idx = ot_tensor(h, dt, 1, &n, NULL);
  ot_work(h, 3.0 * (double)(n * k * d), 4.0 * (double)(n * d + k * d + n));
  OT_RUN(h, vkg_argmin_codebook(h->ctx, x, cb, idx));
  if (!ot_checking(h)) return;
  int64_t *want = ot_alloc(h, (size_t)n * sizeof *want);
  ref_argmin_codebook(hx, hc, n, k, d, want);
  void *got = ot_get(h, idx);
  h->res->checks++;
  for (int64_t i = 0; i < n; i++) {
    int64_t g = dt == VKG_I64 ? ((int64_t *)got)[i] : ((int32_t *)got)[i];
    OT_ASSERT(h, g == want[i], "argmin row %lld: got %lld want %lld", (long long)i, (long long)g, (long long)want[i]);
  }
}

/* exact ties: duplicate codes and a point equidistant from two codes. i: i64 */
static void run_argmin_ties(vkg_op_h *h) {
  const vkg_dtype dt = h->row->i[0] ? VKG_I64 : VKG_I32;
  ot_desc(h, "argmin_codebook ties -> %s", vkg_dtype_name(dt));
  float cb[5 * 2] = {3, 3, 1, 0, -1, 0, 1, 0, 0, 5};
  float xs[4 * 2] = {0, 0, 1, 0, 0, 5, 2, 2};
  int64_t n = 4, d2[2] = {4, 2}, c2[2] = {5, 2};
  vkg_tensor *x = ot_f32(h, 2, d2, xs), *c = ot_f32(h, 2, c2, cb), *idx = ot_tensor(h, dt, 1, &n, NULL);
  OT_RUN(h, vkg_argmin_codebook(h->ctx, x, c, idx));
  if (!ot_checking(h)) return;
  void *got = ot_get(h, idx);
  const int64_t want[4] = {1, 1, 4, 0}; /* (0,0): codes 1, 2, 3 tie at 1 -> 1; (1,0): 1 and 3 equal -> 1 */
  h->res->checks++;
  for (int i = 0; i < 4; i++) {
    int64_t g = dt == VKG_I64 ? ((int64_t *)got)[i] : ((int32_t *)got)[i];
    OT_ASSERT(h, g == want[i], "tie row %d: got %lld want %lld", i, (long long)g, (long long)want[i]);
  }
}

/* nd, shape (6), naxes, axes (4): all four of sum/mean x keepdim or not */
#define R1(name, mean, keep, ...) {.family = "reduce", .op = name, .run = run_reduce, .atol = 1e-5, .rtol = 1e-5, \
                                   .i = {__VA_ARGS__, keep, mean}}
#define R(...) R1("reduce_sum", 0, 0, __VA_ARGS__), R1("reduce_sum", 0, 1, __VA_ARGS__), \
               R1("reduce_mean", 1, 0, __VA_ARGS__), R1("reduce_mean", 1, 1, __VA_ARGS__)
#define AM(...) {.family = "reduce", .op = "argmin_codebook", .run = run_argmin, .i = {__VA_ARGS__}}

static const vkg_op_row rows[] = {
    R(1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0),
    R(2, 7, 13, 0, 0, 0, 0, 1, -1, 0, 0, 0),
    R(2, 7, 13, 0, 0, 0, 0, 1, 0, 0, 0, 0),
    R(4, 2, 3, 17, 19, 0, 0, 2, 2, 3, 0, 0), /* spatial mean */
    R(4, 2, 3, 17, 19, 0, 0, 2, 0, 2, 0, 0),
    R(6, 2, 3, 2, 5, 3, 7, 3, 1, 3, 5, 0),
    R(2, 3, 100003, 0, 0, 0, 0, 1, -1, 0, 0, 0), /* long rows */
    R1("reduce_sum", 0, 1, 4, 2, 3, 17, 19, 0, 0, 4, 0, 1, 2, 3),
    {.family = "reduce", .op = "reduce_sum", .run = run_reduce_full, .atol = 1e-5, .rtol = 1e-5, .i = {2, 3, 17, 19}},
    /* n, codes, dim, i64, seed */
    AM(1, 1, 1, 0, 92), AM(1, 1, 1, 1, 92),
    AM(7, 13, 3, 0, 93), AM(7, 13, 3, 1, 93),
    AM(1031, 512, 4, 0, 94), AM(1031, 512, 4, 1, 94),
    AM(257, 1024, 64, 0, 95), AM(257, 1024, 64, 1, 95),
    {.family = "reduce", .op = "argmin_codebook", .run = run_argmin_ties, .i = {0}},
    {.family = "reduce", .op = "argmin_codebook", .run = run_argmin_ties, .i = {1}},
};

const vkg_op_family vkg_op_family_reduce = {"reduce", OT_ROWS(rows), NULL};
