/* core.load_idx on the Fashion-MNIST test set: labels, pixel scaling, offsets, and the
 * errors for a missing file and too many samples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define FASHION "/usr/share/datasets/fashion-mnist/"

static vkg_registry *core_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  return reg;
}

static vkg_status load(vkg_ctx *ctx, vkg_registry *reg, const char *text, vkg_graph **g) {
  return vkg_graph_load_string(ctx, reg, "idx.yaml", text, strlen(text), NULL, 0, g);
}

START_TEST(test_load_idx_labels_and_pixels) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  char text[2048], lpath[512], ipath[512];
  snprintf(lpath, sizeof lpath, "%s/labels.safetensors", vkg_test_tmpdir());
  snprintf(ipath, sizeof ipath, "%s/images.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: 2\nnodes:\n"
           "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 5, offset: 0}}\n"
           "  l: {op: core.save_tensor, inputs: {tensor: d.labels}, params: {path: %s, name: labels}}\n"
           "  i: {op: core.save_tensor, inputs: {tensor: d.images}, params: {path: %s, name: images}}\n",
           lpath, ipath);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load(ctx, reg, text, &g));
  const vkg_tensor_info *info = vkg_graph_output_info(g, 0, 0);
  ck_assert_int_eq(info->dtype, VKG_F32);
  ck_assert_int_eq(info->shape.ndim, 4);
  ck_assert_int_eq(info->shape.d[0], 5);
  ck_assert_int_eq(info->shape.d[1], 1);
  ck_assert_int_eq(info->shape.d[2], 28);
  ck_assert_int_eq(info->shape.d[3], 28);
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);

  vkg_safetensors *st = NULL;
  const vkg_st_entry *e = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, lpath, &st));
  int64_t ld[1] = {10};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "labels", 1, ld, &e));
  ck_assert_int_eq(e->dtype, VKG_I64);
  const int64_t *lab = e->data;
  /* The first Fashion-MNIST test labels: ankle boot, pullover, trouser, trouser, shirt, ... */
  const int64_t want[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  for (int k = 0; k < 10; k++) ck_assert_int_eq(lab[k], want[k]);
  vkg_safetensors_close(st);

  vkg_idx raw;
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, FASHION "t10k-images-idx3-ubyte.gz", &raw));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, ipath, &st));
  int64_t id[4] = {10, 1, 28, 28};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "images", 4, id, &e));
  const float *px = e->data;
  for (int i = 0; i < 10 * 28 * 28; i++)
    ck_assert_float_eq_tol(px[i], ((const uint8_t *)raw.data)[i] / 255.0f, 1e-7);
  vkg_safetensors_close(st);
  vkg_idx_free(&raw);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* range: [-1, 1] maps the bytes linearly; core.concat along the width puts two copies side
 * by side (the layout of a reconstruction comparison grid). */
START_TEST(test_load_idx_range_and_concat) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  char text[2048], ipath[512];
  snprintf(ipath, sizeof ipath, "%s/pairs.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3, range: [-1, 1]}}\n"
           "  e: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3, offset: 3}}\n"
           "  c: {op: core.concat, inputs: {tensors: [d.images, e.images]}, params: {axis: -1}}\n"
           "  i: {op: core.save_tensor, inputs: {tensor: c}, params: {path: %s, name: pairs}}\n",
           ipath);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load(ctx, reg, text, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  vkg_idx raw;
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, FASHION "t10k-images-idx3-ubyte.gz", &raw));
  vkg_safetensors *st = NULL;
  const vkg_st_entry *e = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, ipath, &st));
  int64_t dims[4] = {3, 1, 28, 56};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "pairs", 4, dims, &e));
  const float *px = e->data;
  const uint8_t *bytes = raw.data;
  for (int b = 0; b < 3; b++)
    for (int y = 0; y < 28; y++)
      for (int x = 0; x < 28; x++) {
        float left = px[(b * 28 + y) * 56 + x], right = px[(b * 28 + y) * 56 + 28 + x];
        ck_assert_float_eq_tol(left, -1.0f + bytes[(b * 28 + y) * 28 + x] * (2.0f / 255.0f), 1e-6);
        ck_assert_float_eq_tol(right, bytes[((b + 3) * 28 + y) * 28 + x] / 255.0f, 1e-7);
      }
  vkg_safetensors_close(st);
  vkg_idx_free(&raw);

  /* Three tensors along the batch (a list of any length; a tensor may repeat). */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 2}}\n"
           "  e: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 1, offset: 5}}\n"
           "  c: {op: core.concat, inputs: {tensors: [d.images, e.images, d.images]}}\n"
           "  i: {op: core.save_tensor, inputs: {tensor: c}, params: {path: %s, name: three}}\n",
           ipath);
  VKG_CHECK_OK(ctx, load(ctx, reg, text, &g));
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, FASHION "t10k-images-idx3-ubyte.gz", &raw));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, ipath, &st));
  int64_t dims3[4] = {5, 1, 28, 28};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "three", 4, dims3, &e));
  px = e->data;
  bytes = raw.data;
  const int src_image[5] = {0, 1, 5, 0, 1};
  for (int b = 0; b < 5; b++)
    for (int i = 0; i < 28 * 28; i++)
      ck_assert_float_eq_tol(px[b * 784 + i], bytes[src_image[b] * 784 + i] / 255.0f, 1e-7);
  vkg_safetensors_close(st);
  vkg_idx_free(&raw);

  /* Shapes that do not fit along the axis, and a bad range, are graph errors. */
  const char *bad_concat = "vkgen: 1\nnodes:\n"
                           "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3}}\n"
                           "  e: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 4}}\n"
                           "  c: {op: core.concat, inputs: {tensors: [d.images, e.images]}, params: {axis: 3}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, bad_concat, &g), VKG_E_INPUT, "does not fit tensors[0]'s [3, 1, 28, 28] along axis 3");
  ck_assert_msg(strstr(vkg_error_message(ctx), "idx.yaml:5:53: node 'c' (core.concat): input 'tensors[1]': shape"), "%s",
                vkg_error_message(ctx));
  /* each element is checked: a dtype other than the first's, named at its place in the list */
  const char *mixed = "vkgen: 1\nnodes:\n"
                      "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3}}\n"
                      "  c: {op: core.concat, inputs: {tensors: [d.images, d.images,\n    d.labels]}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, mixed, &g), VKG_E_INPUT,
                  "idx.yaml:5:5: node 'c' (core.concat): input 'tensors[2]': dtype i64 differs from tensors[0]'s f32");
  /* a scalar is not a list */
  const char *scalar = "vkgen: 1\nnodes:\n"
                       "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3}}\n"
                       "  c: {op: core.concat, inputs: {tensors: d.images}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, scalar, &g), VKG_E_INPUT, "input 'tensors' is variadic: it takes a list");
  const char *bad_range = "vkgen: 1\nnodes:\n"
                          "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 3, range: [1, -1]}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, bad_range, &g), VKG_E_INPUT, "need lo < hi");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_load_idx_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = core_registry(ctx);
  vkg_graph *g = NULL;
  const char *too_many = "vkgen: 1\nbatches: 3\nnodes:\n"
                         "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, batch: 4000}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, too_many, &g), VKG_E_INPUT, "holds 10000");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "'d'"));
  const char *missing = "vkgen: 1\nnodes:\n"
                        "  d: {op: core.load_idx, params: {path: /nonexistent/images-idx3-ubyte.gz, batch: 4}}\n";
  vkg_status st = load(ctx, reg, missing, &g);
  ck_assert_msg(st == VKG_E_IO || st == VKG_E_INPUT, "got %s", vkg_status_name(st));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "/nonexistent/images-idx3-ubyte.gz"));
  /* A labels file that is not a labels file (the images file) is refused. */
  const char *wrong = "vkgen: 1\nnodes:\n"
                      "  d: {op: core.load_idx, params: {path: " FASHION "t10k-images-idx3-ubyte.gz, labels: " FASHION
                      "t10k-images-idx3-ubyte.gz, batch: 4}}\n";
  VKG_CHECK_FAILS(ctx, load(ctx, reg, wrong, &g), VKG_E_INPUT, "labels");
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core_load_idx");
  TCase *tc = tcase_create("load_idx");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_load_idx_labels_and_pixels);
  tcase_add_test(tc, test_load_idx_range_and_concat);
  tcase_add_test(tc, test_load_idx_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
