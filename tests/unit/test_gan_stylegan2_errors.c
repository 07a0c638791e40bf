/* StyleGAN2Generator: config and input errors (clear messages naming the file and key), the
 * counter-based random noise (independent of batch size), style mixing via gan.synthesis and
 * gan.interpolate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_ddpm_util.h"

#define FIX DDPM_FIX
#define TINY FIX "/stylegan2_tiny"

/* A model folder under the tmp dir: the tiny fixture's weights with config.json = cfg. */
static const char *bad_model(const char *name, const char *cfg) {
  static char dir[512];
  char path[2048], target[512];
  snprintf(dir, sizeof dir, "%s/%s", vkg_test_tmpdir(), name);
  snprintf(target, sizeof target, "%s/model.safetensors", TINY);
  snprintf(path, sizeof path, "mkdir -p '%s' && ln -sf '%s' '%s/model.safetensors'", dir, target, dir);
  ck_assert_int_eq(system(path), 0);
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(cfg, f);
  fclose(f);
  return dir;
}

/* The tiny fixture's config with w_dim, img_resolution, channel_max, mapping_layers given, plus extra keys. */
#define CFGV(wdim, res, cmax, nmap, extra)                                                                 \
  "{\"_class_name\": \"StyleGAN2Generator\", \"z_dim\": 16, \"w_dim\": " wdim ", \"img_resolution\": " res \
  ", \"img_channels\": 3, \"channel_base\": 256, \"channel_max\": " cmax ", \"mapping_layers\": " nmap extra "}"
#define CFG(extra) CFGV("16", "32", "32", "4", extra)

static void expect_graph_error(const char *nodes_fmt, const char *model, const char *substr) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = vkg_test_registry(ctx, "gan", NULL);
  char nodes[1024], text[1200];
  snprintf(nodes, sizeof nodes, nodes_fmt, model);
  snprintf(text, sizeof text, "vkgen: 1\nnodes:\n%s", nodes);
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  substr);
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}

#define GEN_Z(shape) "  z: {op: core.randn, params: {shape: " shape "}}\n"
#define GEN GEN_Z("[2, 16]") "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n"

START_TEST(test_config_errors) {
  expect_graph_error(GEN, bad_model("sg_cmax", CFGV("16", "32", "16", "4", "")),
                     "tensor 'synthesis.b4.const' is [32, 4, 4] but");
  expect_graph_error(GEN, bad_model("sg_map", CFGV("16", "32", "32", "8", "")),
                     "mapping_layers is 8 but");
  expect_graph_error(GEN, bad_model("sg_arch", CFG(", \"architecture\": \"resnet\"")),
                     "architecture 'resnet' is not supported (skip, orig)");
  expect_graph_error(GEN, bad_model("sg_res", CFGV("16", "24", "32", "4", "")), "img_resolution 24 is not a power");
  expect_graph_error(GEN, bad_model("sg_res64", CFGV("16", "64", "32", "4", "")),
                     "missing tensor 'synthesis.b64.conv0.weight'");
  expect_graph_error(GEN, bad_model("sg_nws", CFG(", \"num_ws\": 9")), "num_ws is 9 but img_resolution 32 gives 8");
  expect_graph_error(GEN, bad_model("sg_cdim", CFG(", \"c_dim\": 3")), "missing tensor 'mapping.embed.weight'");
  expect_graph_error(GEN, bad_model("sg_wdim", CFGV("8", "32", "32", "4", "")), "tensor 'mapping.fc3.weight' is [16, 16] but");
  expect_graph_error(GEN, bad_model("sg_nokey", "{\"_class_name\": \"StyleGAN2Generator\", \"w_dim\": 16}"),
                     "z_dim");
}
END_TEST

START_TEST(test_input_errors) {
  expect_graph_error(GEN_Z("[2, 8]") "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n", TINY,
                     "noise [2, 8] has 8 channels but the model's nz");
  expect_graph_error(GEN_Z("[2, 12]") "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %s}}\n",
                     FIX "/stylegan2_cond", "connect the class input");
  expect_graph_error(GEN_Z("[2, 16]") "  c: {op: core.randn, params: {shape: [2, 4]}}\n"
                     "  g: {op: gan.mapping, inputs: {z: z, class: c}, params: {model: %s}}\n",
                     TINY, "is unconditional (c_dim 0)");
  expect_graph_error(GEN_Z("[2, 16]") "  g: {op: gan.mapping, inputs: {z: z}, params: {model: %s}}\n",
                     FIX "/dcgan32", "needs a StyleGAN2Generator");
  expect_graph_error(GEN_Z("[2, 9]") "  g: {op: gan.mapping, inputs: {z: z}, params: {model: %s}}\n", TINY,
                     "z must be [B, 16]");
  expect_graph_error(GEN_Z("[2, 7, 16]") "  g: {op: gan.synthesis, inputs: {w: z}, params: {model: %s}}\n", TINY,
                     "w must be [B, 8, 16] or [B, 16]");
  expect_graph_error(GEN_Z("[2, 16]") "  g: {op: gan.synthesis, inputs: {w: z}, params: {model: %s, mix_from: 9}}\n",
                     TINY, "mix_from 9 is past the model's num_ws 8");
}
END_TEST

static float *run_to_host(vkg_ctx *ctx, const char *name, const char *nodes_fmt, int batches, vkg_shape *shape) {
  vkg_registry *reg = vkg_test_registry(ctx, "gan", NULL);
  char out[512], nodes[2048], text[2400];
  snprintf(out, sizeof out, "%s/%s.safetensors", vkg_test_tmpdir(), name);
  snprintf(nodes, sizeof nodes, nodes_fmt, FIX, out);
  snprintf(text, sizeof text, "vkgen: 1\nbatches: %d\nnodes:\n%s", batches, nodes);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, name, text));
  vkg_registry_destroy(reg);
  return fx_read(ctx, out, "x", shape);
}

#define RANDOM_GRAPH(shape, mode)                                                                             \
  "  z: {op: core.randn, params: {shape: " shape ", seed: 3}}\n"                                              \
  "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %1$s/stylegan2_tiny, noise_mode: " mode        \
  ", seed: 11}}\n"                                                                                            \
  "  s: {op: core.save_tensor, inputs: {tensor: g}, params: {path: '%2$s', name: x}}\n"

START_TEST(test_random_noise) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_shape s1, s2, s3;
  float *one = run_to_host(ctx, "sg_rand1", RANDOM_GRAPH("[4, 16]", "random"), 1, &s1);
  float *two = run_to_host(ctx, "sg_rand2", RANDOM_GRAPH("[2, 16]", "random"), 2, &s2);
  float *cst = run_to_host(ctx, "sg_const", RANDOM_GRAPH("[4, 16]", "const"), 1, &s3);
  ck_assert(vkg_shape_equal(&s1, &s2));
  const size_t n = (size_t)vkg_shape_numel(&s1);
  size_t worst = 0;
  ck_assert_msg(vkg_test_rel_err(one, two, n, 1e-6, 1e-5, &worst) <= 1.0, "random noise depends on batch size");
  double diff = 0;
  for (size_t i = 0; i < n; i++) diff += fabs((double)one[i] - cst[i]);
  ck_assert_msg(diff / (double)n > 1e-3, "noise_mode random looks like const (mean diff %g)", diff / (double)n);
  free(one), free(two), free(cst);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

#define MIX_GRAPH(from)                                                                                       \
  "  a: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: ws}}\n"               \
  "  b: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: ws_psi07}}\n"         \
  "  g: {op: gan.synthesis, inputs: {w: a, w_mix: b}, params: {model: %1$s/stylegan2_tiny, mix_from: " from   \
  "}}\n"                                                                                                      \
  "  s: {op: core.save_tensor, inputs: {tensor: g}, params: {path: '%2$s', name: x}}\n"

START_TEST(test_style_mixing) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_shape s, r;
  const char *io = FIX "/stylegan2_tiny/io.safetensors";
  float *all_a = run_to_host(ctx, "sg_mix8", MIX_GRAPH("8"), 1, &s), *ref_a = fx_read(ctx, io, "image", &r);
  float *all_b = run_to_host(ctx, "sg_mix0", MIX_GRAPH("0"), 1, &s), *ref_b = fx_read(ctx, io, "image_psi07", &r);
  float *half = run_to_host(ctx, "sg_mix4", MIX_GRAPH("4"), 1, &s);
  const size_t n = (size_t)vkg_shape_numel(&s);
  size_t worst = 0;
  ck_assert(vkg_test_rel_err(all_a, ref_a, n, 1e-4, 1e-4, &worst) <= 1.0);
  ck_assert(vkg_test_rel_err(all_b, ref_b, n, 1e-4, 1e-4, &worst) <= 1.0);
  ck_assert(vkg_test_rel_err(half, ref_a, n, 1e-4, 1e-4, &worst) > 1.0); /* a real mix: neither */
  ck_assert(vkg_test_rel_err(half, ref_b, n, 1e-4, 1e-4, &worst) > 1.0);
  free(all_a), free(ref_a), free(all_b), free(ref_b), free(half);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_interpolate) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_shape s, r;
  const char *io = FIX "/stylegan2_tiny/io.safetensors";
  float *y = run_to_host(ctx, "sg_lerp",
                         "  a: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: ws}}\n"
                         "  b: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: "
                         "ws_psi07}}\n"
                         "  l: {op: gan.interpolate, inputs: {a: a, b: b}, params: {steps: 3}}\n"
                         "  s: {op: core.save_tensor, inputs: {tensor: l}, params: {path: '%2$s', name: x}}\n",
                         1, &s);
  float *a = fx_read(ctx, io, "ws", &r), *b = fx_read(ctx, io, "ws_psi07", &r);
  const size_t n = (size_t)vkg_shape_numel(&r);
  ck_assert_int_eq(s.d[0], 3 * r.d[0]);
  for (size_t i = 0; i < n; i++) {
    ck_assert_float_eq_tol(y[i], a[i], 1e-6);
    ck_assert_float_eq_tol(y[n + i], 0.5f * (a[i] + b[i]), 1e-5);
    ck_assert_float_eq_tol(y[2 * n + i], b[i], 1e-6);
  }
  free(y), free(a), free(b);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gan_stylegan2_errors");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_config_errors);
  tcase_add_test(tc, test_input_errors);
  tcase_add_test(tc, test_random_noise);
  tcase_add_test(tc, test_style_mixing);
  tcase_add_test(tc, test_interpolate);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
