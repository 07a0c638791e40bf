/* vae plugin: bad inputs are found when the graph is checked (before any GPU work), each with
 * a message naming what is wrong. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "vae", NULL); }

/* Loads (and so checks) a graph of a source node feeding one vae node. */
static vkg_status check(vkg_ctx *ctx, vkg_registry *reg, const char *shape, const char *op, const char *port,
                        const char *model, const char *extra) {
  char text[2048];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  src: {op: core.randn, params: {shape: %s}}\n"
           "  n: {op: %s, inputs: {%s: src}, params: {model: %s/%s%s}}\n",
           shape, op, port, FIX, model, extra);
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g);
  vkg_graph_destroy(g);
  return st;
}

START_TEST(test_vae_ok_graphs_validate) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = registry(ctx);
  VKG_CHECK_OK(ctx, check(ctx, reg, "[2, 3, 16, 12]", "vae.encode", "x", "autoencoder_kl_tiny", ""));
  VKG_CHECK_OK(ctx, check(ctx, reg, "[2, 4, 3, 5]", "vae.decode", "latent", "autoencoder_kl_tiny", ""));
  VKG_CHECK_OK(ctx, check(ctx, reg, "[2, 784]", "vae.encode", "x", "mlpvae_tiny", ""));
  VKG_CHECK_OK(ctx, check(ctx, reg, "[2, 8]", "vae.decode", "latent", "mlpvae_tiny", ""));
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_vae_latent_wrong_channels) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = registry(ctx);
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[2, 3, 8, 6]", "vae.decode", "latent", "autoencoder_kl_tiny", ""),
                  VKG_E_INPUT, "latent_channels 4");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "[2, 3, 8, 6]"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "'n'"));
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[2, 7]", "vae.decode", "latent", "mlpvae_tiny", ""), VKG_E_INPUT,
                  "[B, 8] (latent_dim)");
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[2, 8, 1, 1]", "vae.decode", "latent", "mlpvae_tiny", ""), VKG_E_INPUT,
                  "latent_dim");
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_vae_image_size_not_divisible) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = registry(ctx);
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[1, 3, 15, 12]", "vae.encode", "x", "autoencoder_kl_tiny", ""), VKG_E_INPUT,
                  "image size 15x12 is not divisible by the model's downsampling factor 2");
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[1, 1, 16, 12]", "vae.encode", "x", "autoencoder_kl_tiny", ""), VKG_E_INPUT,
                  "expected f32 images [B, 3, H, W]");
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[1, 1, 28, 27]", "vae.encode", "x", "mlpvae_tiny", ""), VKG_E_INPUT,
                  "784 values per sample");
  /* vae.sample's size param */
  const char *text = "vkgen: 1\nnodes:\n  s: {op: vae.sample, params: {model: " FIX
                     "/autoencoder_kl_tiny, size: [15, 16]}}\n";
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "s.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  "not divisible by the model's downsampling factor 2");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "size"));
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_vae_bad_model) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = registry(ctx);
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[1, 3, 16, 12]", "vae.encode", "x", "vqmodel_tiny", ""), VKG_E_INPUT,
                  "the vae plugin runs AutoencoderKL and MLPVAE");
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[1, 3, 16, 12]", "vae.encode", "x", "no_such_model", ""), VKG_E_INPUT,
                  "no_such_model");
  VKG_CHECK_FAILS(ctx, check(ctx, reg, "[2, 8]", "vae.decode", "latent", "mlpvae_tiny", ", scale_latents: true"),
                  VKG_E_INPUT, "scale_latents applies to AutoencoderKL only");
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vae_errors");
  TCase *tc = tcase_create("errors");
  tcase_add_test(tc, test_vae_ok_graphs_validate);
  tcase_add_test(tc, test_vae_latent_wrong_channels);
  tcase_add_test(tc, test_vae_image_size_not_divisible);
  tcase_add_test(tc, test_vae_bad_model);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
