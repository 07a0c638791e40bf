/* permute / concat / slice: exact against tests/ref (ref_permute) and direct index arithmetic.
 * Was tests/unit/test_kernel_layout.c: 5 f32 permutes + 1 i64 permute + 2 concats + 2 slices = 10.
 * Since the host merges axes that step as one and drops size-1 axes (layout.c fill_push): a
 * permute whose two outer axes merge and a concat of 1-channel inputs (Inception's grayscale
 * to RGB) = 12. Since few long runs go as buffer copies (layout.c concat_by_copies): a channel
 * concat and an axis-0 concat on that path = 14. */
#include <stdlib.h>
#include <string.h>

#include "optable.h"
#include "ref_kl.h"

/* i: nd, shape[6], perm[6] */
static void run_permute(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int nd = (int)c[0];
  int perm[6];
  int64_t shape[6], ys[6];
  for (int i = 0; i < nd; i++) shape[i] = c[1 + i], perm[i] = (int)c[7 + i];
  for (int i = 0; i < nd; i++) ys[i] = shape[perm[i]];
  char sd[96], pd[96];
  size_t a = 0, b = 0;
  for (int i = 0; i < nd; i++) {
    a += (size_t)snprintf(sd + a, sizeof sd - a, "%s%lld", i ? ", " : "", (long long)shape[i]);
    b += (size_t)snprintf(pd + b, sizeof pd - b, "%s%d", i ? ", " : "", perm[i]);
  }
  ot_desc(h, "permute [%s] by (%s)", sd, pd);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, nd, shape, 70, -1, 1, &hx), *y = ot_f32(h, nd, ys, NULL);
  size_t n = (size_t)vkg_tensor_numel(x);
  ot_work(h, 0, 8.0 * (double)n);
  OT_RUN(h, vkg_permute(h->ctx, x, y, perm));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, n * sizeof *want);
  ref_permute(hx, shape, nd, perm, want);
  ot_expect_exact(h, got, want, n * sizeof *got, "permute");
}

/* i64 elements (values past 2^32), a 2x3 transpose */
static void run_permute_i64(vkg_op_h *h) {
  ot_desc(h, "permute i64 [2, 3] -> [3, 2]");
  int64_t hx[6] = {1, -2, 3, (int64_t)1 << 40, 5, -((int64_t)1 << 50)}, xs[2] = {2, 3}, ys[2] = {3, 2};
  int perm[2] = {1, 0};
  vkg_tensor *x = ot_tensor(h, VKG_I64, 2, xs, hx), *y = ot_tensor(h, VKG_I64, 2, ys, NULL);
  OT_RUN(h, vkg_permute(h->ctx, x, y, perm));
  if (!ot_checking(h)) return;
  int64_t want[6] = {1, (int64_t)1 << 40, -2, 5, 3, -((int64_t)1 << 50)};
  ot_expect_exact(h, ot_get(h, y), want, sizeof want, "permute i64");
}

/* i: nd, axis (may be negative), ninputs, y dims[nd] (6), sizes along the axis[ninputs] (4) */
static void run_concat(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int nd = (int)c[0], nin = (int)c[2];
  const int axis = (int)c[1], ax = axis < 0 ? axis + nd : axis;
  int64_t yd[6];
  for (int i = 0; i < nd; i++) yd[i] = c[3 + i];
  ot_desc(h, "concat %d inputs rank %d axis %d", nin, nd, axis);
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < ax; i++) outer *= yd[i];
  for (int i = ax + 1; i < nd; i++) inner *= yd[i];
  const vkg_tensor *xs[4];
  float *hx[4];
  for (int j = 0; j < nin; j++) {
    int64_t d[6];
    memcpy(d, yd, sizeof d);
    d[ax] = c[9 + j];
    xs[j] = ot_rand_t(h, nd, d, 71 + (unsigned)j, 0, 1, &hx[j]);
  }
  vkg_tensor *y = ot_f32(h, nd, yd, NULL);
  const size_t n = (size_t)vkg_tensor_numel(y);
  ot_work(h, 0, 8.0 * (double)n);
  OT_RUN(h, vkg_concat(h->ctx, xs, nin, axis, y));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, n * sizeof *want), *w = want;
  for (int64_t o = 0; o < outer; o++)
    for (int j = 0; j < nin; j++) {
      const size_t chunk = (size_t)(c[9 + j] * inner);
      memcpy(w, hx[j] + (size_t)o * chunk, chunk * sizeof *w);
      w += chunk;
    }
  ot_expect_exact(h, ot_get(h, y), want, n * sizeof *want, "concat");
}

/* rank 3. i: x dims[3], y dims[3], start[3], step[3] (steps all 0: NULL, a contiguous window) */
static void run_slice(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int64_t *xs = c, *ys = c + 3, *st = c + 6, *sp = c + 9;
  const int steps = sp[0] || sp[1] || sp[2];
  ot_desc(h, "slice [%lld, %lld, %lld] -> [%lld, %lld, %lld] from (%lld, %lld, %lld)%s", (long long)xs[0],
          (long long)xs[1], (long long)xs[2], (long long)ys[0], (long long)ys[1], (long long)ys[2], (long long)st[0],
          (long long)st[1], (long long)st[2], steps ? " with steps" : "");
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 3, xs, 74, -1, 1, &hx), *y = ot_f32(h, 3, ys, NULL);
  const size_t n = (size_t)(ys[0] * ys[1] * ys[2]);
  ot_work(h, 0, 8.0 * (double)n);
  OT_RUN(h, vkg_slice(h->ctx, x, y, st, steps ? sp : NULL));
  if (!ot_checking(h)) return;
  float *want = ot_alloc(h, n * sizeof *want);
  const int64_t s0 = steps ? sp[0] : 1, s1 = steps ? sp[1] : 1, s2 = steps ? sp[2] : 1;
  for (int64_t a = 0; a < ys[0]; a++)
    for (int64_t b = 0; b < ys[1]; b++)
      for (int64_t d = 0; d < ys[2]; d++)
        want[(a * ys[1] + b) * ys[2] + d] = hx[((st[0] + s0 * a) * xs[1] + (st[1] + s1 * b)) * xs[2] + (st[2] + s2 * d)];
  ot_expect_exact(h, ot_get(h, y), want, n * sizeof *want, "slice");
}

#define PERM(...) {.family = "layout", .op = "permute", .run = run_permute, .i = {__VA_ARGS__}}

static const vkg_op_row rows[] = {
    /* i: nd, shape[6], perm[6] */
    PERM(1, 1, 0, 0, 0, 0, 0, 0),
    PERM(2, 7, 13, 0, 0, 0, 0, 1, 0),
    PERM(4, 2, 3, 5, 7, 0, 0, 0, 2, 3, 1),
    PERM(6, 2, 3, 1, 5, 4, 3, 5, 3, 0, 4, 2, 1),
    PERM(4, 4, 64, 33, 31, 0, 0, 0, 3, 1, 2),
    PERM(4, 3, 4, 5, 6, 0, 0, 0, 1, 3, 2), /* axes 0 and 1 merge */
    {.family = "layout", .op = "permute", .run = run_permute_i64},
    /* i: nd, axis, n, y dims[6], sizes along the axis */
    {.family = "layout", .op = "concat", .run = run_concat, .i = {4, 1, 3, 2, 8, 5, 7, 0, 0, 3, 1, 4}},
    {.family = "layout", .op = "concat", .run = run_concat, .i = {2, -1, 2, 3, 7, 0, 0, 0, 0, 2, 5}}, /* last axis, negative */
    {.family = "layout", .op = "concat", .run = run_concat, .i = {4, 1, 3, 3, 3, 13, 17, 0, 0, 1, 1, 1}}, /* 1 -> 3 channels */
    /* runs of >= 1024 elements, few of them: buffer copies (layout.c copies_pay) */
    {.family = "layout", .op = "concat", .run = run_concat, .i = {4, 1, 2, 3, 11, 17, 19, 0, 0, 4, 7}}, /* UNet skip */
    {.family = "layout", .op = "concat", .run = run_concat, .i = {2, 0, 3, 6, 1031, 0, 0, 0, 0, 1, 2, 3}}, /* axis 0 */
    /* i: x dims, y dims, start, step */
    {.family = "layout", .op = "slice", .run = run_slice, .i = {4, 9, 11, 2, 3, 4, 1, 2, 3, 2, 3, 2}},
    {.family = "layout", .op = "slice", .run = run_slice, .i = {4, 9, 11, 4, 2, 11, 0, 7, 0, 0, 0, 0}}, /* steps NULL */
};

const vkg_op_family vkg_op_family_layout = {"layout", OT_ROWS(rows), NULL};
