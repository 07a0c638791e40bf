/* activations, broadcast binary ops, scale_shift, modulate and the timestep embedding vs tests/ref.
 * Bounds: activations atol 1e-6 rtol 1e-5 (double reference); binary ops exact (the same f32
 * operation) except div (rtol 3e-7: Vulkan allows 2.5 ulp); scale_shift atol 1e-7 rtol 1e-6;
 * timestep embedding atol 2e-6 against the reference that rounds the angle to f32 like torch
 * (checks sin/cos accuracy) and atol 2e-4 against the all-double reference (1 ulp of an f32 angle
 * near 999 is 6.1e-5; the f32 frequency adds up to another); modulate exact.
 * Was tests/unit/test_kernel_pointwise.c: activations 3 sizes x 8 + 3 in place = 27, binary
 * 7 shapes x 6 ops + 1 in place = 43, scale_shift 1, timestep embedding 5 x 2 references = 10,
 * modulate 4: 85 cases. */
#include <math.h>
#include <string.h>

#include "optable.h"
#include "ref_kl.h"

/* i: n act in_place seed; f: param */
static void run_activation(vkg_op_h *h) {
  int64_t n = h->row->i[0];
  const int act = (int)h->row->i[1], inplace = (int)h->row->i[2];
  const float param = (float)h->row->f[0];
  ot_desc(h, "activation %s [%lld]%s", vkg_act_name((vkg_act)act), (long long)n, inplace ? " in place" : "");
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 1, &n, (unsigned)h->row->i[3], -12, 12, &hx), *y = inplace ? x : ot_f32(h, 1, &n, NULL);
  ot_work(h, 0, 8.0 * (double)n);
  OT_RUN(h, vkg_activation(h->ctx, x, y, (vkg_act)act, param));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, (size_t)n * sizeof *want);
  for (int64_t i = 0; i < n; i++) want[i] = ref_activation(hx[i], act, param);
  ot_expect_row(h, got, want, (size_t)n, 0, vkg_act_name((vkg_act)act));
}

/* i: a rank, a dims[6], b rank, b dims[6], op */
static void run_binary(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int and_ = (int)c[0], bnd = (int)c[7], op = (int)c[14];
  const int64_t *as = c + 1, *bs = c + 8;
  static const char *const names[] = {"add", "sub", "mul", "div", "max", "min"};
  ot_desc(h, "binary %s rank %d [%lld, ...] with rank %d [%lld, ...]", op < 6 ? names[op] : "?", and_,
          (long long)as[0], bnd, (long long)bs[0]);
  vkg_shape sa = vkg_shape_make(and_, as), sb = vkg_shape_make(bnd, bs), so;
  OT_ASSERT(h, vkg_broadcast_shape(&sa, &sb, &so) == 0, "shapes do not broadcast");
  float *ha, *hb;
  vkg_tensor *a = ot_rand_t(h, and_, as, 50, -2, 2, &ha), *b = ot_rand_t(h, bnd, bs, 51, 0.5f, 3, &hb),
             *y = ot_f32(h, so.ndim, so.d, NULL);
  size_t n = (size_t)vkg_shape_numel(&so);
  ot_work(h, (double)n, 12.0 * (double)n);
  OT_RUN(h, vkg_binary(h->ctx, a, b, y, (vkg_binop)op));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, n * sizeof *want);
  ref_binary(ha, as, and_, hb, bs, bnd, want, so.d, so.ndim, op);
  ot_expect_row(h, got, want, n, 0, "binary");
}

/* y aliases a. i: dims of a[4], dims of b[4] */
static void run_binary_inplace(vkg_op_h *h) {
  const int64_t *as = h->row->i, *bs = h->row->i + 4;
  ot_desc(h, "binary add in place [%lld, %lld, %lld, %lld] + [%lld, %lld, %lld, %lld]", (long long)as[0],
          (long long)as[1], (long long)as[2], (long long)as[3], (long long)bs[0], (long long)bs[1], (long long)bs[2],
          (long long)bs[3]);
  float *ha, *hb;
  vkg_tensor *a = ot_rand_t(h, 4, as, 52, -1, 1, &ha), *b = ot_rand_t(h, 4, bs, 53, -1, 1, &hb);
  OT_RUN(h, vkg_binary(h->ctx, a, b, a, VKG_OP_ADD));
  if (!ot_checking(h)) return;
  size_t n = (size_t)(as[0] * as[1] * as[2] * as[3]);
  float *got = ot_get(h, a), *want = ot_alloc(h, n * sizeof *want);
  ref_binary(ha, as, 4, hb, bs, 4, want, as, 4, 0);
  ot_expect_row(h, got, want, n, 0, "binary add in place");
}

/* in place. i: n; f: scale shift */
static void run_scale_shift(vkg_op_h *h) {
  int64_t n = h->row->i[0];
  const float sc = (float)h->row->f[0], sh = (float)h->row->f[1];
  ot_desc(h, "scale_shift [%lld] * %g + %g in place", (long long)n, sc, sh);
  float *hx;
  vkg_tensor *x = ot_rand_t(h, 1, &n, 60, -5, 5, &hx);
  float *want = ot_alloc(h, (size_t)n * sizeof *want);
  for (int64_t i = 0; i < n; i++) want[i] = hx[i] * sc + sh;
  OT_RUN(h, vkg_scale_shift(h->ctx, x, x, sc, sh));
  if (!ot_checking(h)) return;
  ot_expect_row(h, ot_get(h, x), want, (size_t)n, 0, "scale_shift");
}

/* i: first t index, count, dim, flip, f32_angle reference; f: shift scale */
static void run_timestep_embedding(vkg_op_h *h) {
  static const float ts[6] = {0, 1, 17, 500, 999, 1000};
  const int64_t *c = h->row->i;
  int64_t n = c[1], dim = c[2], sy[2] = {n, dim};
  const int flip = (int)c[3], f32a = (int)c[4];
  const float shift = (float)h->row->f[0], scale = (float)h->row->f[1];
  ot_desc(h, "timestep_embedding %lld steps dim %lld flip %d shift %g scale %g vs %s reference", (long long)n,
          (long long)dim, flip, shift, scale, f32a ? "f32-angle" : "double");
  const float *ht = ts + c[0];
  vkg_tensor *t = ot_f32(h, 1, &n, ht), *y = ot_f32(h, 2, sy, NULL);
  OT_RUN(h, vkg_timestep_embedding(h->ctx, t, y, flip, shift, scale, 10000.0f));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, y), *want = ot_alloc(h, (size_t)(n * dim) * sizeof *want);
  ref_timestep_embedding(ht, n, dim, flip, shift, scale, 10000.0f, f32a, want);
  ot_expect_row(h, got, want, (size_t)(n * dim), 0, "timestep embedding");
}

/* adaLN (one 1, shift), a gate into a residual (one 0, in place on res); exact (the same f32
 * operations in the same order). i: nd, dims[4], m, scale_col, shift_col, with_res; f: one */
static void run_modulate(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  const int nd = (int)c[0], with_res = (int)c[8];
  const int64_t *xs = c + 1, m = c[5], sc = c[6], sh = c[7];
  const float one = (float)h->row->f[0];
  int64_t B = xs[0], D = xs[nd - 1], ms[2] = {B, m};
  ot_desc(h, "modulate rank %d B %lld D %lld mod width %lld scale col %lld shift col %lld one %g%s", nd,
          (long long)B, (long long)D, (long long)m, (long long)sc, (long long)sh, one, with_res ? " into res" : "");
  float *hx, *hm, *hr = NULL;
  vkg_tensor *x = ot_rand_t(h, nd, xs, 70, -3, 3, &hx), *md = ot_rand_t(h, 2, ms, 71, -2, 2, &hm);
  vkg_tensor *r = with_res ? ot_rand_t(h, nd, xs, 72, -1, 1, &hr) : NULL;
  vkg_tensor *y = with_res ? r : ot_f32(h, nd, xs, NULL);
  size_t n = (size_t)vkg_tensor_numel(x);
  float *want = ot_alloc(h, n * sizeof *want);
  ref_modulate(hx, hm, B, (int64_t)n / B, D, m, sc, sh, one, hr, want);
  OT_RUN(h, vkg_modulate(h->ctx, x, md, sc, sh, one, r, y));
  if (!ot_checking(h)) return;
  ot_expect_row(h, ot_get(h, y), want, n, 0, "modulate");
}

#define ACT(n, a, seed) {.family = "pointwise", .op = "activation", .run = run_activation, .atol = 1e-6, .rtol = 1e-5, \
                         .i = {n, a, 0, seed}, .f = {(a) == VKG_ACT_LEAKY_RELU ? 0.2 : 0}}
#define ACTS(n, seed) ACT(n, 0, seed), ACT(n, 1, seed), ACT(n, 2, seed), ACT(n, 3, seed), ACT(n, 4, seed), \
                      ACT(n, 5, seed), ACT(n, 6, seed), ACT(n, 7, seed),                                 \
                      {.family = "pointwise", .op = "activation", .run = run_activation, .atol = 1e-6, .rtol = 1e-5, \
                       .i = {n, VKG_ACT_GELU, 1, seed}}
/* a rank, a dims (6), b rank, b dims (6): every op; div within 2.5 ulp, the rest exact */
#define BIN1(bop, rt, ...) {.family = "pointwise", .op = "binary", .run = run_binary, .rtol = rt, .i = {__VA_ARGS__, bop}}
#define BIN(...) BIN1(0, 0, __VA_ARGS__), BIN1(1, 0, __VA_ARGS__), BIN1(2, 0, __VA_ARGS__), \
                 BIN1(3, 3e-7, __VA_ARGS__), BIN1(4, 0, __VA_ARGS__), BIN1(5, 0, __VA_ARGS__)
#define TEMB(first, n, dim, flip, shift, scale)                                                                     \
  {.family = "pointwise", .op = "timestep_embedding", .run = run_timestep_embedding, .atol = 2e-6,                \
   .i = {first, n, dim, flip, 1}, .f = {shift, scale}},                                                           \
  {.family = "pointwise", .op = "timestep_embedding", .run = run_timestep_embedding, .atol = 2e-4,                \
   .i = {first, n, dim, flip, 0}, .f = {shift, scale}}
#define MOD(one, ...) {.family = "pointwise", .op = "modulate", .run = run_modulate, .i = {__VA_ARGS__}, .f = {one}}

static const vkg_op_row rows[] = {
    ACTS(1, 40),
    ACTS(127, 41),
    ACTS(100003, 42),
    BIN(1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0),
    BIN(2, 5, 7, 0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 0),
    BIN(4, 2, 3, 5, 7, 0, 0, 4, 2, 1, 5, 1, 0, 0),
    BIN(3, 3, 1, 1, 0, 0, 0, 4, 2, 3, 5, 7, 0, 0), /* b bigger than a */
    BIN(6, 2, 1, 3, 1, 4, 5, 5, 3, 1, 2, 4, 1, 0), /* rank 6 with broadcasts on both sides */
    BIN(2, 1000, 1013, 0, 0, 0, 0, 2, 1000, 1, 0, 0, 0, 0),
    BIN(4, 2, 3, 5, 7, 0, 0, 1, 1, 0, 0, 0, 0, 0), /* tensor op scalar-tensor */
    {.family = "pointwise", .op = "binary", .run = run_binary_inplace, .i = {2, 3, 5, 7, 2, 1, 5, 1}},
    {.family = "pointwise", .op = "scale_shift", .run = run_scale_shift, .atol = 1e-7, .rtol = 1e-6, .i = {4099},
     .f = {0.5, -1.25}},
    TEMB(0, 6, 128, 1, 0, 1),   /* UNet2DModel: flip, shift 0 */
    TEMB(0, 6, 320, 0, 1, 1),   /* shift 1 */
    TEMB(0, 6, 33, 1, 1, 1),    /* odd dim: zero pad */
    TEMB(4, 1, 1280, 1, 0, 1),  /* t = 999 alone, wide */
    TEMB(0, 6, 64, 0, 0, 2.5),  /* scale */
    /* one; i: nd, dims (4), m, scale col, shift col, with res */
    MOD(1.0, 3, 3, 7, 5, 0, 30, 5, 0, 0),     /* adaLN: scale chunk 1, shift chunk 0 */
    MOD(0.0, 3, 2, 13, 11, 0, 66, 22, -1, 1), /* gate chunk 2 into the residual */
    MOD(1.0, 2, 5, 9, 0, 0, 18, 0, 9, 1),
    MOD(1.0, 4, 1, 3, 17, 33, 33, 0, -1, 0),
};

const vkg_op_family vkg_op_family_pointwise = {"pointwise", OT_ROWS(rows), NULL};
