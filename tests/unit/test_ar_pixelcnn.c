/* ar.logits / ar.sample through the graph API: PixelCNN golden logits (tools/ref fixture
 * pixelcnn_tiny) in full and band mode, sampling determinism and batch-size independence,
 * band sampling = full sampling, and the input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"
#define MODEL FIX "/pixelcnn_tiny"

static vkg_registry *ar_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/ar.so"));
  return reg;
}

static void run_text(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "ar.yaml", text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
}

static const char *tmp_path(char *buf, size_t n, const char *file) {
  snprintf(buf, n, "%s/%s", vkg_test_tmpdir(), file);
  return buf;
}

START_TEST(test_logits_golden_full_and_band) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  char out[512], text[4096];
  tmp_path(out, sizeof out, "ar_logits.safetensors");
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  px: {op: core.load_tensor, params: {path: %s/io.safetensors, name: pixels}}\n"
           "  xf: {op: core.load_tensor, params: {path: %s/io.safetensors, name: x}}\n"
           "  full: {op: ar.logits, inputs: {pixels: px}, params: {model: %s}}\n"
           "  band: {op: ar.logits, inputs: {pixels: px}, params: {model: %s, mode: band}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: full}, params: {path: %s, name: full}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: band}, params: {path: %s, name: band}}\n",
           MODEL, MODEL, MODEL, MODEL, out, out);
  run_text(ctx, reg, text);
  size_t nf, nb, nr;
  float *full = vkg_test_read_tensor(ctx, out, "full", &nf), *band = vkg_test_read_tensor(ctx, out, "band", &nb);
  float *ref = vkg_test_read_tensor(ctx, MODEL "/io.safetensors", "logits", &nr);
  ck_assert_uint_eq(nf, nr);
  ck_assert_uint_eq(nb, nr);
  const size_t n = nr / sizeof(float);
  size_t worst = 0;
  double err = vkg_test_rel_err(full, ref, n, 1e-5, 1e-4, &worst);
  ck_assert_msg(err <= 1.0, "full logits differ at %zu: %g vs %g", worst, full[worst], ref[worst]);
  err = vkg_test_rel_err(band, ref, n, 1e-5, 1e-4, &worst);
  ck_assert_msg(err <= 1.0, "band logits differ at %zu: %g vs %g", worst, band[worst], ref[worst]);
  err = vkg_test_rel_err(band, full, n, 1e-5, 0, &worst);
  ck_assert_msg(err <= 1.0, "band vs full at %zu: %g vs %g", worst, band[worst], full[worst]);
  free(full);
  free(band);
  free(ref);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Samples `batches` x `batch` images of size 16 into file; returns the i32 pixels. */
static int32_t *sample(vkg_ctx *ctx, vkg_registry *reg, int batches, int batch, const char *mode, int seed,
                       const char *file, size_t *bytes) {
  char out[512], text[2048];
  tmp_path(out, sizeof out, file);
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: %d\nnodes:\n"
           "  smp: {op: ar.sample, params: {model: %s, batch: %d, size: 16, seed: %d, temperature: 0.9, mode: %s}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: smp.pixels}, params: {path: %s, name: pixels}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: smp.image}, params: {path: %s, name: image}}\n",
           batches, MODEL, batch, seed, mode, out, out);
  run_text(ctx, reg, text);
  size_t ib;
  int32_t *px = vkg_test_read_tensor(ctx, out, "pixels", bytes);
  float *img = vkg_test_read_tensor(ctx, out, "image", &ib);
  ck_assert_uint_eq(ib, *bytes);
  for (size_t i = 0; i < *bytes / 4; i++) {
    ck_assert_msg(px[i] >= 0 && px[i] <= 255, "pixel %zu = %d", i, px[i]);
    ck_assert_msg(img[i] == (float)px[i] / 255.0f, "image %zu = %g for pixel %d", i, img[i], px[i]);
  }
  free(img);
  return px;
}

START_TEST(test_sample_deterministic_batch_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  const size_t per = 16 * 16;
  size_t b2, b3, b3f, s2;
  int32_t *a = sample(ctx, reg, 2, 2, "band", 5, "ar_b2.safetensors", &b2);   /* samples 0..3 */
  int32_t *b = sample(ctx, reg, 1, 3, "band", 5, "ar_b3.safetensors", &b3);   /* samples 0..2 */
  int32_t *f = sample(ctx, reg, 1, 3, "full", 5, "ar_b3f.safetensors", &b3f); /* full mode */
  int32_t *d = sample(ctx, reg, 1, 2, "band", 6, "ar_s6.safetensors", &s2);   /* other seed */
  ck_assert_uint_eq(b2, 4 * per * 4);
  ck_assert_uint_eq(b3, 3 * per * 4);
  for (size_t k = 0; k < 3; k++)
    ck_assert_msg(memcmp(a + k * per, b + k * per, per * 4) == 0, "sample %zu differs between batch 2 and 3", k);
  ck_assert_msg(memcmp(b, f, 3 * per * 4) == 0, "band and full sampling differ");
  ck_assert_msg(memcmp(a, d, 2 * per * 4) != 0, "seeds 5 and 6 gave the same samples");
  ck_assert_msg(memcmp(a, a + per, per * 4) != 0, "samples 0 and 1 are equal");
  free(a);
  free(b);
  free(f);
  free(d);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Band logits equal full logits on a 16x16 image, where the windows are really cropped. */
START_TEST(test_band_equals_full_cropped) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  char out[512], text[4096];
  tmp_path(out, sizeof out, "ar_band16.safetensors");
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  smp: {op: ar.sample, params: {model: %s, batch: 2, size: 16, seed: 3}}\n"
           "  full: {op: ar.logits, inputs: {pixels: smp.pixels}, params: {model: %s}}\n"
           "  band: {op: ar.logits, inputs: {pixels: smp.pixels}, params: {model: %s, mode: band}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: full}, params: {path: %s, name: full}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: band}, params: {path: %s, name: band}}\n",
           MODEL, MODEL, MODEL, out, out);
  run_text(ctx, reg, text);
  size_t nf, nb;
  float *full = vkg_test_read_tensor(ctx, out, "full", &nf), *band = vkg_test_read_tensor(ctx, out, "band", &nb);
  ck_assert_uint_eq(nf, nb);
  ck_assert_uint_eq(nf, 2 * 256 * 16 * 16 * 4);
  size_t worst = 0;
  double err = vkg_test_rel_err(band, full, nf / 4, 1e-5, 0, &worst);
  ck_assert_msg(err <= 1.0, "band vs full at %zu: %g vs %g", worst, band[worst], full[worst]);
  free(full);
  free(band);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void expect_load_error(const char *nodes, const char *substr) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ar_registry(ctx);
  char text[2048];
  snprintf(text, sizeof text, "vkgen: 1\nnodes:\n%s", nodes);
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  substr);
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}

START_TEST(test_temperature_not_positive) {
  expect_load_error("  smp: {op: ar.sample, params: {model: " MODEL ", temperature: 0}}\n", "temperature must be > 0");
  expect_load_error("  smp: {op: ar.sample, params: {model: " MODEL ", temperature: -1.5}}\n",
                    "temperature must be > 0");
}
END_TEST

START_TEST(test_wrong_channels) {
  expect_load_error("  px: {op: core.randn, params: {shape: [2, 3, 10, 12]}}\n"
                    "  lg: {op: ar.logits, inputs: {pixels: px}, params: {model: " MODEL "}}\n",
                    "have 3 channels, the model takes 1");
  expect_load_error("  px: {op: core.randn, params: {shape: [2, 10, 12]}}\n"
                    "  lg: {op: ar.logits, inputs: {pixels: px}, params: {model: " MODEL "}}\n",
                    "pixels must be [B, 1, H, W]");
}
END_TEST

START_TEST(test_wrong_model_class) {
  expect_load_error("  smp: {op: ar.sample, params: {model: " FIX "/dcgan32}}\n", "PixelCNN");
}
END_TEST

int main(void) {
  Suite *s = suite_create("ar_pixelcnn");
  TCase *tc = tcase_create("pixelcnn");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_logits_golden_full_and_band);
  tcase_add_test(tc, test_sample_deterministic_batch_independent);
  tcase_add_test(tc, test_band_equals_full_cropped);
  tcase_add_test(tc, test_temperature_not_positive);
  tcase_add_test(tc, test_wrong_channels);
  tcase_add_test(tc, test_wrong_model_class);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
