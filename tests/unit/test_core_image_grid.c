/* core.save_image_grid and core.save_images: tile layout (like torchvision's make_grid),
 * value conversion (like save_image), channels, and per-sample file names. */
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

/* Writes x [b, c, h, w] to a safetensors file and runs load_tensor → NODE with params. */
static void run_images(vkg_ctx *ctx, vkg_registry *reg, const float *x, int b, int c, int h, int w,
                       const char *node, const char *params) {
  char st_path[512], text[2048];
  snprintf(st_path, sizeof st_path, "%s/x_%s.safetensors", vkg_test_tmpdir(), node);
  vkg_st_write_entry e = {"x", VKG_F32, vkg_shape_4d(b, c, h, w), x};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, st_path, &e, 1, NULL, 0, 0));
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  x: {op: core.load_tensor, params: {path: %s, name: x}}\n"
           "  out: {op: %s, inputs: {images: x}, params: %s}\n",
           st_path, node, params);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "grid.yaml", text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
}

START_TEST(test_grid_layout) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  /* 3 gray 2x2 images with values (k+1)/4 → bytes 64, 128, 191 (x*255+0.5, truncated). */
  float x[3 * 4];
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < 4; i++) x[k * 4 + i] = (k + 1) / 4.0f;
  char path[512], params[700];
  snprintf(path, sizeof path, "%s/grid.png", vkg_test_tmpdir());
  snprintf(params, sizeof params, "{path: %s, nrow: 2, padding: 1}", path);
  run_images(ctx, reg, x, 3, 1, 2, 2, "core.save_image_grid", params);
  vkg_image img;
  VKG_CHECK_OK(ctx, vkg_png_read(ctx, path, &img));
  /* 2 columns, 2 rows of (2 + 1) px plus the outer padding: 7 x 7. */
  ck_assert_int_eq(img.width, 7);
  ck_assert_int_eq(img.height, 7);
  ck_assert_int_eq(img.channels, 1);
  const uint8_t want_tile[4] = {64, 128, 191, 0}; /* the 4th slot stays padding */
  for (int y = 0; y < 7; y++)
    for (int xx = 0; xx < 7; xx++) {
      int ty = y - 1, tx = xx - 1, want = 0;
      if (ty >= 0 && tx >= 0 && ty % 3 < 2 && tx % 3 < 2) want = want_tile[(ty / 3) * 2 + tx / 3];
      ck_assert_msg(img.pixels[y * 7 + xx] == want, "pixel (%d, %d) = %d, want %d", y, xx, img.pixels[y * 7 + xx],
                    want);
    }
  vkg_image_free(&img);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_grid_range_rgb_and_default_nrow) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  /* 5 RGB 1x1 images, range [-1, 1]: R = -1 → 0, G = 0 → 128, B = 3 → 255 (clamped). */
  float x[5 * 3];
  for (int k = 0; k < 5; k++) {
    x[k * 3 + 0] = -1.0f;
    x[k * 3 + 1] = 0.0f;
    x[k * 3 + 2] = 3.0f;
  }
  char path[512], params[700];
  snprintf(path, sizeof path, "%s/rgb.png", vkg_test_tmpdir());
  snprintf(params, sizeof params, "{path: %s, range: [-1, 1], pad_value: 1}", path);
  run_images(ctx, reg, x, 5, 3, 1, 1, "core.save_image_grid", params);
  vkg_image img;
  VKG_CHECK_OK(ctx, vkg_png_read(ctx, path, &img));
  /* nrow = ceil(sqrt(5)) = 3: 3 x 2 tiles of 1 + 2 px padding, plus 2. */
  ck_assert_int_eq(img.width, 11);
  ck_assert_int_eq(img.height, 8);
  ck_assert_int_eq(img.channels, 3);
  const uint8_t *p = img.pixels + (2 * 11 + 2) * 3; /* tile 0 at (2, 2) */
  ck_assert_int_eq(p[0], 0);
  ck_assert_int_eq(p[1], 128);
  ck_assert_int_eq(p[2], 255);
  ck_assert_int_eq(img.pixels[0], 255); /* pad_value 1 is white */
  vkg_image_free(&img);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_save_images_names) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = core_registry(ctx);
  float x[2 * 4 * 3 * 2];
  for (int i = 0; i < 2 * 4 * 3 * 2; i++) x[i] = (float)i / 47.0f;
  char pattern[600], params[700], path[600];
  snprintf(pattern, sizeof pattern, "%s/each/s{index}.png", vkg_test_tmpdir());
  snprintf(params, sizeof params, "{path: \"%s\"}", pattern);
  run_images(ctx, reg, x, 2, 4, 3, 2, "core.save_images", params);
  for (int k = 0; k < 2; k++) {
    snprintf(path, sizeof path, "%s/each/s%d.png", vkg_test_tmpdir(), k);
    vkg_image img;
    VKG_CHECK_OK(ctx, vkg_png_read(ctx, path, &img));
    ck_assert_int_eq(img.width, 2);
    ck_assert_int_eq(img.height, 3);
    ck_assert_int_eq(img.channels, 4);
    /* pixel (y=1, x=1), channel 2 of sample k: index ((k*4 + 2)*3 + 1)*2 + 1 */
    int idx = ((k * 4 + 2) * 3 + 1) * 2 + 1;
    ck_assert_int_eq(img.pixels[(1 * 2 + 1) * 4 + 2], (int)((float)idx / 47.0f * 255.0f + 0.5f));
    vkg_image_free(&img);
  }
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_image_input_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = core_registry(ctx);
  vkg_graph *g = NULL;
  /* 2 channels is not an image. */
  const char *two = "vkgen: 1\nnodes:\n  n: {op: core.randn, params: {shape: [4, 2, 8, 8]}}\n"
                    "  g: {op: core.save_image_grid, inputs: {images: n}, params: {path: /tmp/x.png}}\n";
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "e.yaml", two, strlen(two), NULL, 0, &g), VKG_E_INPUT,
                  "channels");
  const char *noindex = "vkgen: 1\nnodes:\n  n: {op: core.randn, params: {shape: [4, 3, 8, 8]}}\n"
                        "  s: {op: core.save_images, inputs: {images: n}, params: {path: /tmp/x.png}}\n";
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "e.yaml", noindex, strlen(noindex), NULL, 0, &g),
                  VKG_E_INPUT, "{index}");
  const char *range = "vkgen: 1\nnodes:\n  n: {op: core.randn, params: {shape: [4, 3, 8, 8]}}\n"
                      "  g: {op: core.save_image_grid, inputs: {images: n}, params: {path: /tmp/x.png, range: [1, 1]}}\n";
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "e.yaml", range, strlen(range), NULL, 0, &g), VKG_E_INPUT,
                  "range");
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("core_image_grid");
  TCase *tc = tcase_create("grid");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_grid_layout);
  tcase_add_test(tc, test_grid_range_rgb_and_default_nrow);
  tcase_add_test(tc, test_save_images_names);
  tcase_add_test(tc, test_image_input_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
