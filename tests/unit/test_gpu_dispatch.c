/* Dispatch path: the selftest kernel (texel + storage binding, push constants, a spec
 * constant) against a C loop on odd sizes; a long dependent chain that exercises
 * auto-submit, barriers and memory reuse; dispatch argument errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct {
  uint32_t n;
  float a, b;
} axpb_push;

static vkg_kernel_desc axpb_desc(const uint32_t *spv, size_t bytes) {
  vkg_kernel_desc d;
  memset(&d, 0, sizeof d);
  d.name = "selftest_axpb";
  d.spirv = spv;
  d.spirv_bytes = bytes;
  d.nbind = 2;
  d.bind[0] = VKG_BIND_TEXEL;
  d.bind[1] = VKG_BIND_STORAGE;
  d.push_bytes = sizeof(axpb_push);
  return d;
}

static void run_axpb(vkg_ctx *ctx, vkg_pipeline *p, vkg_tensor *x, vkg_tensor *y, uint32_t n, float a, float b) {
  axpb_push pc = {n, a, b};
  uint32_t groups = (n + 63) / 64;
  uint32_t gx = groups, gy = 1;
  uint32_t maxx = vkg_max_groups(ctx, 0);
  if (gx > maxx) {
    gy = (groups + maxx - 1) / maxx;
    gx = (groups + gy - 1) / gy;
  }
  vkg_tensor *ts[2] = {x, y};
  VKG_CHECK_OK(ctx, vkg_dispatch_tensors(ctx, p, ts, 2, &pc, sizeof pc, gx, gy, 1));
}

START_TEST(test_axpb_sizes) {
  vkg_ctx *ctx = vkg_test_ctx();
  size_t bytes;
  uint32_t *spv = vkg_test_compile_shader("selftest_axpb", &bytes);
  vkg_kernel_desc d = axpb_desc(spv, bytes);
  const uint32_t K = 5;
  vkg_pipeline *p = NULL, *p2 = NULL;
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &d, &K, 1, &p));
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &d, &K, 1, &p2));
  ck_assert_ptr_eq(p, p2); /* cached by (name, spec, code) */
  /* the same code at another address is the same pipeline; other code under the same kernel name
   * (two plugins reusing a name) is another pipeline, not a collision */
  uint32_t *copy = malloc(bytes), *other = malloc(bytes);
  memcpy(copy, spv, bytes);
  memcpy(other, spv, bytes);
  other[2] ^= 1u; /* the generator word: a valid module with other bytes */
  vkg_kernel_desc dc = axpb_desc(copy, bytes), dother = axpb_desc(other, bytes);
  vkg_pipeline *pc = NULL, *po = NULL;
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &dc, &K, 1, &pc));
  ck_assert_ptr_eq(pc, p);
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &dother, &K, 1, &po));
  ck_assert_ptr_ne(po, p);
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &d, &K, 1, &p2));
  ck_assert_ptr_eq(p2, p);
  const uint32_t sizes[] = {1, 7, 1023, (1u << 20) + 3};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    uint32_t n = sizes[s];
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *ref = malloc(n * sizeof *ref);
    vkg_test_fill_uniform(x, n, 1 + (unsigned)s, -2, 2);
    for (uint32_t i = 0; i < n; i++) ref[i] = x[i] * 1.5f + 0.25f + (float)K;
    int64_t dim = n;
    vkg_shape sh = vkg_shape_make(1, &dim);
    vkg_tensor *tx = NULL, *ty = NULL;
    VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &tx));
    VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &ty));
    run_axpb(ctx, p, tx, ty, n, 1.5f, 0.25f);
    VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, y, n * sizeof *y));
    size_t worst;
    double e = vkg_test_rel_err(y, ref, n, 1e-6, 1e-6, &worst);
    ck_assert_msg(e <= 1, "n=%u: y[%zu]=%g, want %g", n, worst, y[worst], ref[worst]);
    vkg_tensor_unref(tx);
    vkg_tensor_unref(ty);
    free(x);
    free(y);
    free(ref);
  }
  ck_assert_uint_ge(vkg_stat_dispatches(ctx), 4);
  /* the other-code pipeline computes the same thing (only its generator word differs) */
  {
    float x[5] = {1, 2, 3, 4, 5}, y[5];
    int64_t dim = 5;
    vkg_shape sh = vkg_shape_make(1, &dim);
    vkg_tensor *tx = NULL, *ty = NULL;
    VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &tx));
    VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &ty));
    run_axpb(ctx, po, tx, ty, 5, 2.0f, 1.0f);
    VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, ty, y, sizeof y));
    for (int i = 0; i < 5; i++) ck_assert_float_eq(y[i], x[i] * 2.0f + 1.0f + (float)K);
    vkg_tensor_unref(tx);
    vkg_tensor_unref(ty);
  }
  free(copy);
  free(other);
  free(spv);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* 2000 dependent dispatches, each adding 1, each into a fresh temporary while the previous
 * one is released at once: the result is exact only if barriers and reuse are right. */
static void chain_2000(void) {
  vkg_ctx *ctx = vkg_test_ctx();
  size_t bytes;
  uint32_t *spv = vkg_test_compile_shader("selftest_axpb", &bytes);
  vkg_kernel_desc d = axpb_desc(spv, bytes);
  const uint32_t K = 0;
  vkg_pipeline *p = NULL;
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &d, &K, 1, &p));
  const uint32_t n = 4099;
  float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
  for (uint32_t i = 0; i < n; i++) x[i] = (float)(i % 97);
  int64_t dim = n;
  vkg_shape sh = vkg_shape_make(1, &dim);
  vkg_tensor *cur = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &cur));
  uint64_t submits0 = vkg_stat_submits(ctx);
  vkg_mem_stats ms;
  for (int it = 0; it < 2000; it++) {
    vkg_tensor *next = NULL;
    VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &next));
    run_axpb(ctx, p, cur, next, n, 1.0f, 1.0f);
    vkg_tensor_unref(cur);
    cur = next;
  }
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_le(ms.peak, 3 * 16448); /* two live tensors (plus rounding), never 2000 */
  ck_assert_uint_ge(vkg_stat_submits(ctx) - submits0, 3); /* auto-submits happened */
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, cur, y, n * sizeof *y));
  for (uint32_t i = 0; i < n; i++) ck_assert_msg(y[i] == x[i] + 2000.0f, "y[%u]=%g want %g", i, y[i], x[i] + 2000.0f);
  vkg_tensor_unref(cur);
  free(x);
  free(y);
  free(spv);
  vkg_test_ctx_destroy(ctx);
}

START_TEST(test_chain_2000) { chain_2000(); }
END_TEST

/* Same, with descriptor sets from per-frame pools (devices without push descriptors) and
 * staging downloads (discrete GPUs). */
START_TEST(test_chain_2000_fallbacks) {
  setenv("VKGEN_NO_PUSH_DESCRIPTOR", "1", 1);
  setenv("VKGEN_FORCE_STAGING", "1", 1);
  chain_2000();
  unsetenv("VKGEN_NO_PUSH_DESCRIPTOR");
  unsetenv("VKGEN_FORCE_STAGING");
}
END_TEST

START_TEST(test_dispatch_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  size_t bytes;
  uint32_t *spv = vkg_test_compile_shader("selftest_axpb", &bytes);
  vkg_kernel_desc d = axpb_desc(spv, bytes);
  vkg_pipeline *p = NULL;
  VKG_CHECK_OK(ctx, vkg_pipeline_get(ctx, &d, NULL, 0, &p));
  int64_t dim = 64;
  vkg_shape sh = vkg_shape_make(1, &dim);
  vkg_tensor *a = NULL, *b = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &a));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &b));
  vkg_tensor *ts[2] = {a, b};
  axpb_push pc = {64, 1, 0};
  VKG_CHECK_FAILS(ctx, vkg_dispatch_tensors(ctx, p, ts, 1, &pc, sizeof pc, 1, 1, 1), VKG_E_INTERNAL,
                  "1 bindings given, its layout has 2");
  char big[64] = {0};
  VKG_CHECK_FAILS(ctx, vkg_dispatch_tensors(ctx, p, ts, 2, big, 16, 1, 1, 1), VKG_E_INTERNAL,
                  "16 bytes of push constants");
  uint32_t mx = vkg_max_groups(ctx, 1);
  VKG_CHECK_FAILS(ctx, vkg_dispatch_tensors(ctx, p, ts, 2, &pc, sizeof pc, 1, mx + 1u, 1), VKG_E_INPUT,
                  "selftest_axpb");
  /* texel binding at a byte offset that is not 16-aligned */
  vkg_binding bd[2] = {{a, 4, 0}, {b, 0, 0}};
  VKG_CHECK_FAILS(ctx, vkg_dispatch(ctx, p, bd, 2, &pc, sizeof pc, 1, 1, 1), VKG_E_INPUT, "not aligned");
  vkg_binding bo[2] = {{a, 0, 0}, {b, 128, 256}};
  VKG_CHECK_FAILS(ctx, vkg_dispatch(ctx, p, bo, 2, &pc, sizeof pc, 1, 1, 1), VKG_E_INPUT, "outside the tensor");
  vkg_kernel_desc bad = d;
  bad.push_bytes = 256;
  VKG_CHECK_FAILS(ctx, vkg_pipeline_get(ctx, &bad, NULL, 0, &p), VKG_E_INTERNAL, "push constant block of 256");
  vkg_tensor_unref(a);
  vkg_tensor_unref(b);
  free(spv);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gpu_dispatch");
  TCase *tc = tcase_create("dispatch");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_axpb_sizes);
  tcase_add_test(tc, test_chain_2000);
  tcase_add_test(tc, test_chain_2000_fallbacks);
  tcase_add_test(tc, test_dispatch_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
