/* ddpm.sample and ddpm.unet through the graph API against the PyTorch loops of
 * tools/ref/schedulers.py (DDIM eta 0, DDIM trailing eta 0.8 and DDPM with the fixture's
 * variance noise), plus determinism and batch independence of the built-in noise. */
#include "test_ddpm_util.h"

static vkg_registry *ddpm_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/ddpm.so"));
  return reg;
}

static void run_text(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "ddpm-test.yaml", text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
}

/* Runs the loop on fixture io's noise (and variance_noise when with_noise) with extra params,
 * and compares sample and image with the fixture at tol. */
static void check_loop(const char *model, const char *io_name, const char *params, int with_noise, double tol) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ddpm_registry(ctx);
  char io[512], out_s[512], out_i[512], text[4096];
  snprintf(io, sizeof io, "%s/%s/%s", DDPM_FIX, model, io_name);
  snprintf(out_s, sizeof out_s, "%s/%s-%s-sample.safetensors", vkg_test_tmpdir(), model, io_name);
  snprintf(out_i, sizeof out_i, "%s/%s-%s-image.safetensors", vkg_test_tmpdir(), model, io_name);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.load_tensor, params: {path: %s, name: noise}}\n"
           "  vn: {op: core.load_tensor, params: {path: %s, name: variance_noise}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise%s}, params: {model: %s/%s, %s}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: sample.sample}, params: {path: %s, name: x}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: sample.image}, params: {path: %s, name: x}}\n",
           io, io, with_noise ? ", step_noise: vn" : "", DDPM_FIX, model, params, out_s, out_i);
  if (!with_noise) { /* drop the vn node: the fixture has no variance_noise */
    char *p = strstr(text, "  vn:"), *q = strchr(p, '\n') + 1;
    memmove(p, q, strlen(q) + 1);
  }
  run_text(ctx, reg, text);
  vkg_shape s;
  float *want = fx_read(ctx, io, "sample", &s), *want_img = fx_read(ctx, io, "image", NULL);
  float *got = fx_read(ctx, out_s, "x", NULL), *got_img = fx_read(ctx, out_i, "x", NULL);
  size_t n = (size_t)vkg_shape_numel(&s);
  char what[600];
  snprintf(what, sizeof what, "%s/%s sample", model, io_name);
  fx_expect_close(what, got, want, n, tol, tol);
  snprintf(what, sizeof what, "%s/%s image", model, io_name);
  fx_expect_close(what, got_img, want_img, n, tol, tol);
  free(want), free(want_img), free(got), free(got_img);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}

START_TEST(test_ddim_eta0) { check_loop("unet_tiny", "io_ddim.safetensors", "scheduler: ddim, steps: 10", 0, 1e-3); }
END_TEST
START_TEST(test_ddim_trailing_eta) {
  check_loop("unet_tiny", "io_ddim_eta.safetensors",
             "scheduler: ddim, steps: 5, eta: 0.8, timestep_spacing: trailing", 1, 1e-3);
}
END_TEST
START_TEST(test_ddpm_fixed_small) { check_loop("unet_tiny", "io_ddpm.safetensors", "scheduler: ddpm, steps: 5", 1, 1e-3); }
END_TEST
START_TEST(test_ddpm_fixed_large) {
  check_loop("unet_tiny_cifarstyle", "io_ddpm.safetensors", "steps: 5", 1, 1e-3); /* auto = DDPMScheduler */
}
END_TEST

/* ddpm.unet node: i64 timesteps per sample, and one f32 timestep broadcast to the batch. */
START_TEST(test_unet_node) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ddpm_registry(ctx);
  char io[512], out[512], text[4096];
  snprintf(io, sizeof io, "%s/unet_tiny/io.safetensors", DDPM_FIX);
  snprintf(out, sizeof out, "%s/unet-node.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.load_tensor, params: {path: %s, name: sample}}\n"
           "  t: {op: core.load_tensor, params: {path: %s, name: timestep}}\n"
           "  unet: {op: ddpm.unet, inputs: {sample: x, timestep: t}, params: {model: %s/unet_tiny}}\n"
           "  save: {op: core.save_tensor, inputs: {tensor: unet}, params: {path: %s, name: y}}\n",
           io, io, DDPM_FIX, out);
  run_text(ctx, reg, text);
  vkg_shape s;
  float *want = fx_read(ctx, io, "noise_pred", &s), *got = fx_read(ctx, out, "y", NULL);
  fx_expect_close("ddpm.unet node", got, want, (size_t)vkg_shape_numel(&s), 1e-5, 1e-4);
  free(want), free(got);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Runs ddpm.sample on core.randn noise: batches x batch samples; returns all samples. */
static float *run_random(vkg_ctx *ctx, vkg_registry *reg, int batches, int batch, int seed, const char *file) {
  char out[512], text[4096];
  snprintf(out, sizeof out, "%s/%s", vkg_test_tmpdir(), file);
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: %d\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [%d, 3, 8, 8], seed: 5}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s/unet_tiny, scheduler: ddpm, "
           "steps: 3, seed: %d}}\n"
           "  save: {op: core.save_tensor, inputs: {tensor: sample.sample}, params: {path: %s, name: x}}\n",
           batches, batch, DDPM_FIX, seed, out);
  run_text(ctx, reg, text);
  return fx_read(ctx, out, "x", NULL);
}

START_TEST(test_ddpm_noise_batch_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ddpm_registry(ctx);
  const size_t per = 3 * 8 * 8;
  float *a = run_random(ctx, reg, 1, 4, 11, "r-1x4.safetensors");
  float *b = run_random(ctx, reg, 2, 2, 11, "r-2x2.safetensors");
  float *c = run_random(ctx, reg, 1, 4, 11, "r-1x4b.safetensors");
  float *d = run_random(ctx, reg, 1, 4, 12, "r-seed12.safetensors");
  ck_assert_msg(memcmp(a, c, 4 * per * sizeof(float)) == 0, "same graph, different results");
  double m = fx_max_abs(a, b, 4 * per, NULL);
  fprintf(stderr, "ddpm batch 4 vs 2x2: max abs diff %g\n", m);
  ck_assert_msg(m < 1e-5, "batch size changed the samples by %g", m);
  ck_assert_msg(fx_max_abs(a, d, 4 * per, NULL) > 1e-3, "seed did not change the in-loop noise");
  free(a), free(b), free(c), free(d);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ddpm_sample");
  TCase *tc = tcase_create("sample");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_unet_node);
  tcase_add_test(tc, test_ddim_eta0);
  tcase_add_test(tc, test_ddim_trailing_eta);
  tcase_add_test(tc, test_ddpm_fixed_small);
  tcase_add_test(tc, test_ddpm_fixed_large);
  tcase_add_test(tc, test_ddpm_noise_batch_independent);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
