/* core.randn through the graph API: sample k depends only on (seed, k), not on the batch
 * size or the number of batches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static vkg_registry *core_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  return reg;
}

/* Runs randn with `batches` batches of `batch` samples [batch, 3, 5, 7] and returns all
 * samples (malloc'd, batches * batch * 105 floats). */
static float *run_randn(vkg_ctx *ctx, vkg_registry *reg, int batches, int batch, int seed, const char *file) {
  char path[512], text[2048];
  snprintf(path, sizeof path, "%s/%s", vkg_test_tmpdir(), file);
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: %d\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [%d, 3, 5, 7], seed: %d}}\n"
           "  save: {op: core.save_tensor, inputs: {tensor: noise}, params: {path: %s, name: x}}\n",
           batches, batch, seed, path);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "randn.yaml", text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = NULL;
  int64_t dims[4] = {(int64_t)batches * batch, 3, 5, 7};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "x", 4, dims, &e));
  float *x = malloc(e->bytes);
  ck_assert_ptr_nonnull(x);
  memcpy(x, e->data, e->bytes);
  vkg_safetensors_close(st);
  return x;
}

START_TEST(test_randn_batch_size_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  const size_t per = 3 * 5 * 7;
  float *a = run_randn(ctx, reg, 2, 4, 42, "b4.safetensors"); /* 2 batches of 4 */
  float *b = run_randn(ctx, reg, 1, 8, 42, "b8.safetensors"); /* 1 batch of 8 */
  float *c = run_randn(ctx, reg, 8, 1, 42, "b1.safetensors"); /* 8 batches of 1 */
  float *d = run_randn(ctx, reg, 1, 8, 43, "s43.safetensors");
  for (size_t k = 0; k < 8; k++) {
    ck_assert_msg(memcmp(a + k * per, b + k * per, per * sizeof(float)) == 0, "sample %zu differs (4 vs 8)", k);
    ck_assert_msg(memcmp(c + k * per, b + k * per, per * sizeof(float)) == 0, "sample %zu differs (1 vs 8)", k);
  }
  ck_assert_msg(memcmp(b, d, 8 * per * sizeof(float)) != 0, "seeds 42 and 43 gave the same noise");
  /* Roughly standard normal. */
  double mean = 0, var = 0;
  for (size_t i = 0; i < 8 * per; i++) mean += b[i];
  mean /= (double)(8 * per);
  for (size_t i = 0; i < 8 * per; i++) var += (b[i] - mean) * (b[i] - mean);
  var /= (double)(8 * per);
  ck_assert_msg(mean > -0.2 && mean < 0.2 && var > 0.75 && var < 1.25, "mean %g var %g", mean, var);
  free(a);
  free(b);
  free(c);
  free(d);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_randn_bad_shape) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = core_registry(ctx);
  const char *text = "vkgen: 1\nnodes:\n  noise: {op: core.randn, params: {shape: [4, 0, 2]}}\n";
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g);
  ck_assert_int_eq(st, VKG_E_INPUT);
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "shape"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "noise"));
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core_randn");
  TCase *tc = tcase_create("randn");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_randn_batch_size_independent);
  tcase_add_test(tc, test_randn_bad_shape);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
