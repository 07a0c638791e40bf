/* gan.generate through the graph API: DCGAN golden output (tools/ref fixture dcgan32) and
 * the input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"

static vkg_registry *gan_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/gan.so"));
  return reg;
}

/* Reads tensor name of a .safetensors file as f32 (malloc'd); *n gets its numel. */
static float *read_f32(vkg_ctx *ctx, const char *path, const char *name, size_t *n) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  ck_assert_msg(e != NULL, "%s: no tensor %s", path, name);
  *n = (size_t)vkg_shape_numel(&e->shape);
  float *x = malloc(*n * sizeof *x);
  ck_assert_ptr_nonnull(x);
  VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, e, x));
  vkg_safetensors_close(st);
  return x;
}

START_TEST(test_dcgan_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = gan_registry(ctx);
  char out[512], text[2048];
  snprintf(out, sizeof out, "%s/gan_image.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  z: {op: core.load_tensor, params: {path: %s/dcgan32/io.safetensors, name: noise}}\n"
           "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s/dcgan32}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: g.image}, params: {path: %s, name: image}}\n",
           FIX, FIX, out);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "gan.yaml", text, strlen(text), NULL, 0, &g));
  const vkg_tensor_info *info = vkg_graph_output_info(g, 1, 0);
  ck_assert_int_eq(info->shape.ndim, 4);
  ck_assert_int_eq(info->shape.d[0], 2);
  ck_assert_int_eq(info->shape.d[1], 3);
  ck_assert_int_eq(info->shape.d[2], 32);
  ck_assert_int_eq(info->shape.d[3], 32);
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  size_t n = 0, nref = 0;
  float *y = read_f32(ctx, out, "image", &n);
  float *ref = read_f32(ctx, FIX "/dcgan32/io.safetensors", "image", &nref);
  ck_assert_uint_eq(n, nref);
  size_t worst = 0;
  double err = vkg_test_rel_err(y, ref, n, 1e-5, 1e-4, &worst);
  ck_assert_msg(err <= 1.0, "image differs at %zu: %g vs %g (err %g)", worst, y[worst], ref[worst], err);
  free(y);
  free(ref);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void expect_load_error(const char *noise_shape, const char *model, const char *substr) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = gan_registry(ctx);
  char text[1024];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  z: {op: core.randn, params: {shape: %s}}\n"
           "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n",
           noise_shape, model);
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  substr);
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "'g'"));
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}

START_TEST(test_nz_mismatch) { expect_load_error("[2, 8, 1, 1]", FIX "/dcgan32", "nz"); }
END_TEST

START_TEST(test_noise_not_1x1) { expect_load_error("[2, 16, 2, 3]", FIX "/dcgan32", "noise must be [B, 16, 1, 1]"); }
END_TEST

START_TEST(test_unknown_class) { expect_load_error("[2, 16, 1, 1]", FIX "/pixelcnn_tiny", "DCGANGenerator"); }
END_TEST

START_TEST(test_missing_model) { expect_load_error("[2, 16, 1, 1]", FIX "/no_such_model", "no_such_model"); }
END_TEST

/* A copy of the dcgan32 fixture (weights linked) with config.json replaced by cfg. */
static const char *dcgan_with_config(const char *name, const char *cfg) {
  static char dir[512];
  char path[600];
  snprintf(dir, sizeof dir, "%s/%s", vkg_test_tmpdir(), name);
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  unlink(path);
  ck_assert_int_eq(symlink(FIX "/dcgan32/model.safetensors", path), 0);
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "{\"_class_name\": \"DCGANGenerator\", %s}\n", cfg);
  fclose(f);
  return dir;
}

/* Every size the config gives is checked against the weights (nz 16, nc 3, ngf 8, 32x32),
 * at load, so `vkgen validate` reports it with the file and the key. */
START_TEST(test_config_disagrees_with_weights) {
  static const struct {
    const char *cfg, *msg;
  } cases[] = {
      {"\"nz\": 100", "config.json: nz is 100 but the weights"},
      {"\"nc\": 1", "config.json: nc is 1 but the weights"},
      {"\"ngf\": 64", "config.json: ngf is 64 but the weights"},
      {"\"image_size\": 64", "config.json: image_size is 64 but the weights"},
      {"\"ngf\": \"eight\"", "ngf"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "dcgan_cfg%zu", i);
    expect_load_error("[2, 16, 1, 1]", dcgan_with_config(name, cases[i].cfg), cases[i].msg);
  }
  /* All four, agreeing, load. */
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = gan_registry(ctx);
  char text[1024];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  z: {op: core.randn, params: {shape: [2, 16, 1, 1]}}\n"
           "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n",
           dcgan_with_config("dcgan_ok", "\"nz\": 16, \"nc\": 3, \"ngf\": 8, \"image_size\": 32"));
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "ok.yaml", text, strlen(text), NULL, 0, &g));
  vkg_graph_destroy(g);
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gan_generate");
  TCase *tc = tcase_create("generate");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_dcgan_golden);
  tcase_add_test(tc, test_nz_mismatch);
  tcase_add_test(tc, test_noise_not_1x1);
  tcase_add_test(tc, test_unknown_class);
  tcase_add_test(tc, test_missing_model);
  tcase_add_test(tc, test_config_disagrees_with_weights);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
