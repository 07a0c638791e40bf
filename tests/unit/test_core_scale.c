/* core.scale: scale/shift and from/to ranges on the device against a host reference;
 * contradictory or degenerate params are graph errors naming the param. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Runs randn [6, 5] -> core.scale(params) and returns |y - (x * a + b)| at its worst. */
static double scale_error(vkg_ctx *ctx, vkg_registry *reg, const char *params, double a, double b) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s/scale.safetensors", vkg_test_tmpdir());
  remove(path);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  n: {op: core.randn, params: {shape: [6, 5], seed: 3}}\n"
           "  s: {op: core.scale, inputs: {x: n}, params: %s}\n"
           "  a: {op: core.save_tensor, inputs: {tensor: n}, params: {path: %s, name: x}}\n"
           "  b: {op: core.save_tensor, inputs: {tensor: s}, params: {path: %s, name: y}}\n",
           params, path, path);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "scale", text));
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *x = NULL, *y = NULL;
  int64_t dims[2] = {6, 5};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "x", 2, dims, &x));
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "y", 2, dims, &y));
  double worst = 0;
  for (int i = 0; i < 30; i++) {
    double want = ((const float *)x->data)[i] * a + b;
    double d = fabs(((const float *)y->data)[i] - want);
    if (d > worst) worst = d;
  }
  vkg_safetensors_close(st);
  return worst;
}

START_TEST(test_scale_values) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = vkg_test_registry(ctx, NULL);
  ck_assert_double_lt(scale_error(ctx, reg, "{}", 1, 0), 1e-6);
  ck_assert_double_lt(scale_error(ctx, reg, "{scale: 0.5, shift: 0.5}", 0.5, 0.5), 1e-6);
  ck_assert_double_lt(scale_error(ctx, reg, "{scale: -3}", -3, 0), 1e-5);
  ck_assert_double_lt(scale_error(ctx, reg, "{shift: 2}", 1, 2), 1e-6);
  ck_assert_double_lt(scale_error(ctx, reg, "{from: [-1, 1]}", 0.5, 0.5), 1e-6);       /* to [0, 1] */
  ck_assert_double_lt(scale_error(ctx, reg, "{to: [-1, 1]}", 2, -1), 1e-6);            /* from [0, 1] */
  ck_assert_double_lt(scale_error(ctx, reg, "{from: [0, 255], to: [1, 0]}", -1.0 / 255, 1), 1e-6);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_scale_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = vkg_test_registry(ctx, NULL);
  static const struct {
    const char *params, *msg;
  } cases[] = {
      {"{scale: 2, from: [-1, 1]}", "give either scale/shift or from/to"},
      {"{shift: 1, to: [0, 255]}", "give either scale/shift or from/to"},
      {"{from: [1, 1]}", "empty range"},
      {"{from: [0, 1, 2]}", "must be a range [low, high] (2 numbers), got 3"},
      {"{to: [5]}", "must be a range [low, high] (2 numbers), got 1"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "vkgen: 1\nnodes:\n  n: {op: core.randn, params: {shape: [2, 2]}}\n"
             "  s: {op: core.scale, inputs: {x: n}, params: %s}\n",
             cases[i].params);
    vkg_graph *g = NULL;
    VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                    cases[i].msg);
    ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "'s'"));
    vkg_graph_destroy(g);
  }
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core_scale");
  TCase *tc = tcase_create("core_scale");
  tcase_add_test(tc, test_scale_values);
  tcase_add_test(tc, test_scale_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
