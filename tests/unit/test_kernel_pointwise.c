/* activations, broadcast binary ops, scale_shift, modulate and the timestep embedding vs tests/ref.
 * Tolerances: activations atol 1e-6 rtol 1e-5 (double reference); binary ops exact
 * (same f32 operation) except div (rtol 3e-7: Vulkan allows 2.5 ulp); scale_shift rtol 1e-6; timestep embedding: atol 2e-6 against the
 * reference that rounds the angle to f32 like torch (checks sin/cos accuracy), and
 * atol 2e-4 against the all-double reference at t = 999 (1 ulp of an f32 angle near 999 is
 * 6.1e-5; the f32 frequency adds up to another). */
#include <math.h>

#include "ref_kl.h"
#include "ref_kl_tensor.h"

START_TEST(test_activations) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t sizes[3] = {1, 127, 100003};
  for (int si = 0; si < 3; si++) {
    int64_t n = sizes[si];
    float *hx;
    vkg_tensor *x = kt_rand(ctx, 1, &n, 40 + si, -12, 12, &hx), *y = kt_new(ctx, 1, &n, NULL);
    float *want = malloc((size_t)n * sizeof *want);
    for (int a = 0; a < VKG_ACT_COUNT; a++) {
      float param = a == VKG_ACT_LEAKY_RELU ? 0.2f : 0;
      VKG_CHECK_OK(ctx, vkg_activation(ctx, x, y, (vkg_act)a, param));
      float *got = kt_get(ctx, y);
      for (int64_t i = 0; i < n; i++) want[i] = ref_activation(hx[i], a, param);
      kt_expect(got, want, (size_t)n, 1e-6, 1e-5, vkg_act_name((vkg_act)a));
      free(got);
    }
    /* in place */
    VKG_CHECK_OK(ctx, vkg_activation(ctx, x, x, VKG_ACT_GELU, 0));
    float *got = kt_get(ctx, x);
    for (int64_t i = 0; i < n; i++) want[i] = ref_activation(hx[i], VKG_ACT_GELU, 0);
    kt_expect(got, want, (size_t)n, 1e-6, 1e-5, "gelu in place");
    free(got), free(want), free(hx);
    vkg_tensor_unref(x), vkg_tensor_unref(y);
  }
  ck_assert_str_eq(vkg_act_name(VKG_ACT_GELU_TANH), "gelu_tanh");
  ck_assert_ptr_null(vkg_act_name(VKG_ACT_COUNT));
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void binary_case(vkg_ctx *ctx, int and_, const int64_t *as, int bnd, const int64_t *bs) {
  vkg_shape sa = vkg_shape_make(and_, as), sb = vkg_shape_make(bnd, bs), so;
  ck_assert_int_eq(vkg_broadcast_shape(&sa, &sb, &so), 0);
  float *ha, *hb;
  vkg_tensor *a = kt_rand(ctx, and_, as, 50, -2, 2, &ha), *b = kt_rand(ctx, bnd, bs, 51, 0.5f, 3, &hb),
             *y = kt_new(ctx, so.ndim, so.d, NULL);
  size_t n = (size_t)vkg_shape_numel(&so);
  float *want = malloc((n ? n : 1) * sizeof *want);
  for (int op = 0; op < VKG_OP_COUNT; op++) {
    VKG_CHECK_OK(ctx, vkg_binary(ctx, a, b, y, (vkg_binop)op));
    float *got = kt_get(ctx, y);
    ref_binary(ha, as, and_, hb, bs, bnd, want, so.d, so.ndim, op);
    if (op == VKG_OP_DIV) /* Vulkan allows 2.5 ulp for division */
      kt_expect(got, want, n, 0, 3e-7, "binary div");
    else
      ck_assert_msg(memcmp(got, want, n * sizeof *got) == 0, "binary op %d differs", op);
    free(got);
  }
  free(want), free(ha), free(hb);
  vkg_tensor_unref(a), vkg_tensor_unref(b), vkg_tensor_unref(y);
}

START_TEST(test_binary_broadcast) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t s1[1] = {1}, s7[1] = {7}, a2[2] = {5, 7}, a4[4] = {2, 3, 5, 7}, b4[4] = {2, 1, 5, 1}, c3[3] = {3, 1, 1};
  int64_t a6[6] = {2, 1, 3, 1, 4, 5}, b6[5] = {3, 1, 2, 4, 1}, big[2] = {1000, 1013}, bigc[2] = {1000, 1};
  binary_case(ctx, 1, s1, 1, s1);
  binary_case(ctx, 2, a2, 1, s7);
  binary_case(ctx, 4, a4, 4, b4);
  binary_case(ctx, 3, c3, 4, a4);  /* b bigger than a */
  binary_case(ctx, 6, a6, 5, b6);  /* rank 6 with broadcasts on both sides */
  binary_case(ctx, 2, big, 2, bigc);
  binary_case(ctx, 4, a4, 1, s1);  /* tensor op scalar-tensor */
  /* in place: y aliases a */
  float *ha, *hb;
  vkg_tensor *a = kt_rand(ctx, 4, a4, 52, -1, 1, &ha), *b = kt_rand(ctx, 4, b4, 53, -1, 1, &hb);
  VKG_CHECK_OK(ctx, vkg_binary(ctx, a, b, a, VKG_OP_ADD));
  float *got = kt_get(ctx, a), want[210];
  ref_binary(ha, a4, 4, hb, b4, 4, want, a4, 4, 0);
  ck_assert(memcmp(got, want, sizeof want) == 0);
  free(got), free(ha), free(hb);
  vkg_tensor_unref(a), vkg_tensor_unref(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_scale_shift) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t n = 4099;
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 1, &n, 60, -5, 5, &hx);
  VKG_CHECK_OK(ctx, vkg_scale_shift(ctx, x, x, 0.5f, -1.25f));
  float *got = kt_get(ctx, x), *want = malloc((size_t)n * sizeof *want);
  for (int64_t i = 0; i < n; i++) want[i] = hx[i] * 0.5f - 1.25f;
  kt_expect(got, want, (size_t)n, 1e-7, 1e-6, "scale_shift");
  free(got), free(want), free(hx);
  vkg_tensor_unref(x);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void temb_case(vkg_ctx *ctx, const float *ht, int64_t n, int64_t dim, int flip, float shift, float scale) {
  int64_t sy[2] = {n, dim};
  vkg_tensor *t = kt_new(ctx, 1, &n, ht), *y = kt_new(ctx, 2, sy, NULL);
  VKG_CHECK_OK(ctx, vkg_timestep_embedding(ctx, t, y, flip, shift, scale, 10000.0f));
  float *got = kt_get(ctx, y), *want = malloc((size_t)(n * dim) * sizeof *want);
  ref_timestep_embedding(ht, n, dim, flip, shift, scale, 10000.0f, 1, want);
  kt_expect(got, want, (size_t)(n * dim), 2e-6, 0, "timestep embedding vs f32-angle reference");
  ref_timestep_embedding(ht, n, dim, flip, shift, scale, 10000.0f, 0, want);
  kt_expect(got, want, (size_t)(n * dim), 2e-4, 0, "timestep embedding vs double reference");
  free(got), free(want);
  vkg_tensor_unref(t), vkg_tensor_unref(y);
}

START_TEST(test_timestep_embedding) {
  vkg_ctx *ctx = vkg_test_ctx();
  float ts[6] = {0, 1, 17, 500, 999, 1000};
  temb_case(ctx, ts, 6, 128, 1, 0, 1);    /* UNet2DModel: flip, shift 0 */
  temb_case(ctx, ts, 6, 320, 0, 1, 1);    /* shift 1 */
  temb_case(ctx, ts, 6, 33, 1, 1, 1);     /* odd dim: zero pad */
  temb_case(ctx, ts + 4, 1, 1280, 1, 0, 1); /* t = 999 alone, wide */
  temb_case(ctx, ts, 6, 64, 0, 0, 2.5f);  /* scale */
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* vkg_modulate over odd shapes: adaLN (one 1, shift), a gate into a residual (one 0, in place on res),
 * rank 2 and 4; exact (the same f32 operations in the same order). */
static void modulate_case(vkg_ctx *ctx, int nd, const int64_t *xs, int64_t m, int64_t sc, int64_t sh, float one,
                          int with_res) {
  int64_t B = xs[0], D = xs[nd - 1], ms[2] = {B, m};
  float *hx, *hm, *hr = NULL;
  vkg_tensor *x = kt_rand(ctx, nd, xs, 70, -3, 3, &hx), *md = kt_rand(ctx, 2, ms, 71, -2, 2, &hm);
  vkg_tensor *r = with_res ? kt_rand(ctx, nd, xs, 72, -1, 1, &hr) : NULL;
  vkg_tensor *y = with_res ? r : kt_new(ctx, nd, xs, NULL);
  size_t n = (size_t)vkg_tensor_numel(x);
  float *want = malloc(n * sizeof *want);
  ref_modulate(hx, hm, B, (int64_t)n / B, D, m, sc, sh, one, hr, want);
  VKG_CHECK_OK(ctx, vkg_modulate(ctx, x, md, sc, sh, one, r, y));
  float *got = kt_get(ctx, y);
  ck_assert_msg(memcmp(got, want, n * sizeof *got) == 0, "modulate differs (D %lld)", (long long)D);
  free(got), free(want), free(hx), free(hm), free(hr);
  if (!with_res) vkg_tensor_unref(y);
  vkg_tensor_unref(x), vkg_tensor_unref(md), vkg_tensor_unref(r);
}

START_TEST(test_modulate) {
  vkg_ctx *ctx = vkg_test_ctx();
  modulate_case(ctx, 3, (int64_t[]){3, 7, 5}, 30, 5, 0, 1.0f, 0);     /* adaLN: scale chunk 1, shift chunk 0 */
  modulate_case(ctx, 3, (int64_t[]){2, 13, 11}, 66, 22, -1, 0.0f, 1); /* gate chunk 2 into the residual */
  modulate_case(ctx, 2, (int64_t[]){5, 9}, 18, 0, 9, 1.0f, 1);
  modulate_case(ctx, 4, (int64_t[]){1, 3, 17, 33}, 33, 0, -1, 1.0f, 0);
  int64_t xs[3] = {2, 3, 4}, ms[2] = {2, 10}, mb[2] = {3, 12};
  vkg_tensor *x = kt_new(ctx, 3, xs, NULL), *md = kt_new(ctx, 2, ms, NULL), *mdb = kt_new(ctx, 2, mb, NULL);
  VKG_CHECK_FAILS(ctx, vkg_modulate(ctx, x, md, 8, -1, 1, NULL, x), VKG_E_INPUT,
                  "modulate: columns 8 and -1 of width 4 do not fit mod [2, 10]");
  VKG_CHECK_FAILS(ctx, vkg_modulate(ctx, x, mdb, 0, 4, 1, NULL, x), VKG_E_INPUT, "expected x [B, ..., D] and mod [B, M]");
  vkg_tensor_unref(x), vkg_tensor_unref(md), vkg_tensor_unref(mdb);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_pointwise_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t a[2] = {3, 4}, b[2] = {2, 4}, c[2] = {3, 5}, n5 = 5;
  vkg_tensor *ta = kt_new(ctx, 2, a, NULL), *tb = kt_new(ctx, 2, b, NULL), *tc = kt_new(ctx, 2, c, NULL),
             *t5 = kt_new(ctx, 1, &n5, NULL);
  VKG_CHECK_FAILS(ctx, vkg_binary(ctx, ta, tb, ta, VKG_OP_ADD), VKG_E_INPUT,
                  "binary add: shapes [3, 4] and [2, 4] do not broadcast");
  VKG_CHECK_FAILS(ctx, vkg_binary(ctx, ta, ta, tc, VKG_OP_MUL), VKG_E_INPUT, "output shape [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_activation(ctx, ta, tc, VKG_ACT_RELU, 0), VKG_E_INPUT,
                  "activation relu: x shape [3, 4] and y shape [3, 5]");
  VKG_CHECK_FAILS(ctx, vkg_scale_shift(ctx, ta, t5, 1, 0), VKG_E_INPUT, "scale_shift");
  VKG_CHECK_FAILS(ctx, vkg_timestep_embedding(ctx, t5, ta, 1, 0, 1, 10000), VKG_E_INPUT,
                  "timestep_embedding: t [5] and y [3, 4]");
  vkg_shape s1 = vkg_shape_make(2, a), s2 = vkg_shape_make(2, b), so;
  ck_assert_int_eq(vkg_broadcast_shape(&s1, &s2, &so), -1);
  vkg_tensor_unref(ta), vkg_tensor_unref(tb), vkg_tensor_unref(tc), vkg_tensor_unref(t5);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_pointwise");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_activations);
  tcase_add_test(tc, test_binary_broadcast);
  tcase_add_test(tc, test_scale_shift);
  tcase_add_test(tc, test_timestep_embedding);
  tcase_add_test(tc, test_modulate);
  tcase_add_test(tc, test_pointwise_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
