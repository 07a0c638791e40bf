/* Model folders: opening, class checks, weight loading with shape checks, unused weights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define DCGAN VKG_TEST_SOURCE_DIR "/tests/fixtures/models/dcgan32"

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  fclose(f);
}

START_TEST(test_open_and_config) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_model *m;
  VKG_CHECK_OK(ctx, vkg_model_open(ctx, DCGAN, NULL, "DCGANGenerator", &m));
  ck_assert_str_eq(vkg_model_class(m), "DCGANGenerator");
  ck_assert_ptr_nonnull(strstr(vkg_model_weights_path(m), "model.safetensors"));
  int64_t nz = 0, missing = 42;
  VKG_CHECK_OK(ctx, vkg_model_cfg_int(ctx, m, "nz", 1, &nz));
  ck_assert_int_eq(nz, 16);
  VKG_CHECK_OK(ctx, vkg_model_cfg_int(ctx, m, "no_such_key", 0, &missing));
  ck_assert_int_eq(missing, 42);
  VKG_CHECK_FAILS(ctx, vkg_model_cfg_int(ctx, m, "no_such_key", 1, &missing), VKG_E_INPUT, "no_such_key");
  const vkg_st_entry *e = vkg_model_find(m, "main.%d.weight", 0);
  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq(e->shape.d[0], 16);
  ck_assert_ptr_null(vkg_model_find(m, "main.%d.weight", 2));
  vkg_model_close(m);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_open_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_model *m = NULL;
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, "/nonexistent/model", NULL, NULL, &m), VKG_E_INPUT, "/nonexistent/model");
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, DCGAN, NULL, "UNet2DModel", &m), VKG_E_INPUT,
                  "_class_name is 'DCGANGenerator', expected 'UNet2DModel'");
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/model_noconfig", vkg_test_tmpdir());
  mkdir(dir, 0755);
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, dir, NULL, NULL, &m), VKG_E_INPUT, "has no config.json");
  snprintf(path, sizeof path, "%s/config.json", dir);
  write_text(path, "{\"_class_name\": \"X\",}");
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, dir, NULL, NULL, &m), VKG_E_INPUT, "config.json:1:");
  write_text(path, "{\"_class_name\": \"X\"}");
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, dir, NULL, NULL, &m), VKG_E_INPUT, "has no weights file");
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  write_text(path, "\xff\xff\xff\xff\xff\xff\xff\x7f{}");
  VKG_CHECK_FAILS(ctx, vkg_model_open(ctx, dir, NULL, NULL, &m), VKG_E_INPUT, "model.safetensors");
  ck_assert_ptr_null(m);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_load_and_shape_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_model *m;
  VKG_CHECK_OK(ctx, vkg_model_open(ctx, DCGAN, NULL, NULL, &m));
  vkg_tensor *w = NULL;
  const int64_t want[4] = {16, -1, 4, 4};
  VKG_CHECK_OK(ctx, vkg_model_load(ctx, m, 4, want, &w, "main.%d.weight", 0));
  ck_assert_int_eq(vkg_tensor_numel(w), 16 * 32 * 4 * 4);
  /* The device copy equals the file. */
  float *host = NULL, *dev = malloc(vkg_tensor_bytes(w));
  vkg_shape shape;
  VKG_CHECK_OK(ctx, vkg_model_read(ctx, m, 4, want, &host, &shape, "main.0.weight"));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, w, dev, vkg_tensor_bytes(w)));
  ck_assert_int_eq(memcmp(host, dev, vkg_tensor_bytes(w)), 0);
  ck_assert_int_eq(shape.ndim, 4);
  free(host);
  free(dev);
  vkg_tensor_unref(w);

  const int64_t wrong[4] = {100, 32, 4, 4};
  VKG_CHECK_FAILS(ctx, vkg_model_load(ctx, m, 4, wrong, &w, "main.0.weight"), VKG_E_INPUT,
                  "tensor 'main.0.weight' in " DCGAN "/model.safetensors: expected shape [100, 32, 4, 4], got [16, 32, 4, 4]");
  VKG_CHECK_FAILS(ctx, vkg_model_load(ctx, m, -1, NULL, &w, "main.%d.weight", 12), VKG_E_INPUT,
                  "missing tensor 'main.12.weight'");
  VKG_CHECK_OK(ctx, vkg_model_load_opt(ctx, m, -1, NULL, &w, "main.12.weight"));
  ck_assert_ptr_null(w);
  VKG_CHECK_FAILS(ctx, vkg_model_load(ctx, m, -1, NULL, &w, "main.1.num_batches_tracked"), VKG_E_INPUT,
                  "not a floating-point weight");

  /* 19 tensors, 3 num_batches_tracked ignored, main.0.weight used: 15 unused. */
  ck_assert_int_eq(vkg_model_unused(ctx, m, 0), 15);
  vkg_model_mark_used(m, "main.9.weight");
  ck_assert_int_eq(vkg_model_unused(ctx, m, 0), 14);
  vkg_model_close(m);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("model");
  TCase *tc = tcase_create("model");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_open_and_config);
  tcase_add_test(tc, test_open_errors);
  tcase_add_test(tc, test_load_and_shape_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
