/* is.score and the Inception Score host math against torch-fidelity's formula (fixture), in
 * both accumulation modes (rows kept / streamed into splits with samples known), over several
 * batches, and its errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../plugins/is/is_math.c"
#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models/is/io.safetensors"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "is", NULL); }

static vkg_status run_graph(vkg_ctx *ctx, vkg_registry *reg, const char *text, double *mean, double *std) {
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "is.yaml", text, strlen(text), NULL, 0, &g);
  if (st) return st;
  vkg_run_options ro = {0};
  st = vkg_graph_run(g, &ro);
  if (!st && mean) {
    FILE *f = tmpfile();
    VKG_CHECK_OK(ctx, vkg_graph_write_report(g, f));
    rewind(f);
    json_error_t err;
    json_t *r = json_loadf(f, 0, &err);
    ck_assert_msg(r != NULL, "report: %s", err.text);
    json_t *vals = json_object_get(r, "values");
    ck_assert(json_is_number(json_object_get(vals, "is.mean")));
    *mean = json_number_value(json_object_get(vals, "is.mean"));
    *std = json_number_value(json_object_get(vals, "is.std"));
    json_decref(r);
    fclose(f);
  }
  vkg_graph_destroy(g);
  return st;
}

static float f32_entry(vkg_ctx *ctx, vkg_safetensors *st, const char *name) {
  const vkg_st_entry *e = NULL;
  int64_t one = 1;
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, name, 1, &one, &e));
  float v;
  memcpy(&v, e->data, 4);
  return v;
}

#define REL(a, b) (fabs((a) - (b)) / fabs(b))

START_TEST(test_is_host_fixture) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  const vkg_st_entry *e = NULL;
  int64_t dims[2] = {53, 16};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "logits", 2, dims, &e));
  const float *logits = e->data;
  double want_m = atof(vkg_safetensors_metadata(st, "is_mean")), want_s = atof(vkg_safetensors_metadata(st, "is_std"));
  double m, s;
  VKG_CHECK_OK(ctx, vkg_is_score(ctx, logits, 53, 16, 10, &m, &s));
  ck_assert_msg(REL(m, want_m) < 1e-12 && REL(s, want_s) < 1e-10, "IS %.17g +- %.17g, torch-fidelity %.17g +- %.17g",
                m, s, want_m, want_s);
  VKG_CHECK_OK(ctx, vkg_is_score(ctx, logits, 53, 16, 5, &m, &s));
  ck_assert(REL(m, f32_entry(ctx, st, "is_mean_splits5")) < 1e-6);
  ck_assert(REL(s, f32_entry(ctx, st, "is_std_splits5")) < 1e-6);
  /* Unknown N (rows kept) in uneven chunks gives the same numbers as streaming with N known. */
  vkg_is_acc *a = NULL;
  VKG_CHECK_OK(ctx, vkg_is_acc_create(ctx, 16, 10, 0, &a));
  const int64_t chunks[4] = {7, 1, 30, 15};
  int64_t at = 0;
  for (int k = 0; k < 4; k++) {
    VKG_CHECK_OK(ctx, vkg_is_acc_add(ctx, a, logits + at * 16, chunks[k]));
    at += chunks[k];
  }
  double m2, s2;
  VKG_CHECK_OK(ctx, vkg_is_acc_result(ctx, a, &m2, &s2));
  ck_assert(REL(m2, want_m) < 1e-12 && REL(s2, want_s) < 1e-10);
  vkg_is_acc_destroy(a);
  /* Errors: fewer samples than splits, a count that disagrees with samples, non-finite logits. */
  VKG_CHECK_FAILS(ctx, vkg_is_score(ctx, logits, 5, 16, 10, &m, &s), VKG_E_INPUT, "fewer than the 10 splits");
  VKG_CHECK_OK(ctx, vkg_is_acc_create(ctx, 16, 2, 10, &a));
  VKG_CHECK_OK(ctx, vkg_is_acc_add(ctx, a, logits, 4));
  VKG_CHECK_FAILS(ctx, vkg_is_acc_result(ctx, a, &m, &s), VKG_E_INPUT, "param samples announced 10");
  VKG_CHECK_FAILS(ctx, vkg_is_acc_add(ctx, a, logits, 7), VKG_E_INPUT, "more samples than the 10 announced");
  vkg_is_acc_destroy(a);
  float bad[32];
  memcpy(bad, logits, sizeof bad);
  bad[3] = NAN;
  VKG_CHECK_FAILS(ctx, vkg_is_score(ctx, bad, 2, 16, 1, &m, &s), VKG_E_INPUT, "NaN");
  vkg_safetensors_close(st);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_is_graph_fixture) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  double want_m = atof(vkg_safetensors_metadata(st, "is_mean")), want_s = atof(vkg_safetensors_metadata(st, "is_std"));
  double m5 = f32_entry(ctx, st, "is_mean_splits5"), s5 = f32_entry(ctx, st, "is_std_splits5");
  vkg_safetensors_close(st);
  const char *fmt = "vkgen: 1\nnodes:\n  l: {op: core.load_tensor, params: {path: " FIX ", name: logits}}\n"
                    "  is: {op: is.score, inputs: {logits: l}, params: {splits: %d, samples: %d}}\n";
  char text[1024];
  double m, s;
  for (int samples = 0; samples <= 53; samples += 53) {
    snprintf(text, sizeof text, fmt, 10, samples);
    VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, &m, &s));
    ck_assert_msg(REL(m, want_m) < 1e-5 && REL(s, want_s) < 1e-5, "IS %.10g +- %.10g vs %.10g +- %.10g", m, s,
                  want_m, want_s);
    fprintf(stderr, "IS fixture (samples %d): mean rel %.2e, std rel %.2e\n", samples, REL(m, want_m),
            REL(s, want_s));
    snprintf(text, sizeof text, fmt, 5, samples);
    VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, &m, &s));
    ck_assert(REL(m, m5) < 1e-5 && REL(s, s5) < 1e-5);
  }
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_is_batches) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  /* randn rows depend on the sample index only: 7 batches of 9 = one batch of 63. */
  const char *fmt = "vkgen: 1\nbatches: %d\nnodes:\n  l: {op: core.randn, params: {shape: [%d, 12], seed: 5}}\n"
                    "  is: {op: is.score, inputs: {logits: l}, params: {samples: %d}}\n";
  char text[1024];
  double m1, s1, m2, s2, m3, s3;
  snprintf(text, sizeof text, fmt, 1, 63, 0);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, &m1, &s1));
  snprintf(text, sizeof text, fmt, 7, 9, 0);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, &m2, &s2));
  snprintf(text, sizeof text, fmt, 7, 9, 63);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, &m3, &s3));
  ck_assert(m1 > 1.0);
  ck_assert_msg(m1 == m2 && s1 == s2, "%.17g %.17g vs %.17g %.17g", m1, s1, m2, s2);
  ck_assert_msg(REL(m3, m1) < 1e-14 && REL(s3, s1) < 1e-12, "%.17g %.17g vs %.17g %.17g", m1, s1, m3, s3);
  /* Errors through the node. */
  snprintf(text, sizeof text, fmt, 1, 6, 0);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "6 samples are fewer than the 10 splits");
  snprintf(text, sizeof text, fmt, 2, 9, 20);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "got 18 samples, param samples announced 20");
  snprintf(text, sizeof text, fmt, 1, 9, 5);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "5 samples are fewer than the 10 splits");
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  l: {op: core.randn, params: {shape: [4, 3, 2]}}\n"
                            "  is: {op: is.score, inputs: {logits: l}}\n",
                            NULL, NULL),
                  VKG_E_INPUT, "logits must be [B, C]");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("is");
  TCase *tc = tcase_create("is");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_is_host_fixture);
  tcase_add_test(tc, test_is_graph_fixture);
  tcase_add_test(tc, test_is_batches);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
