/* StyleGAN2Generator through the graph API against the float64 PyTorch reference
 * (tools/ref/make_stylegan2_fixtures.py; fixtures stylegan2_tiny 32x32 and the conditional
 * stylegan2_cond 16x16 with conv_clamp): mapping and truncation to 1e-5, images to 1e-4 relative
 * (noise_mode const / none); noise_mode random is a pure function of (seed, global sample);
 * style mixing; config and input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_ddpm_util.h"

#define FIX DDPM_FIX

/* Runs `nodes` (YAML lines under nodes:, with %1$s = fixture folder, %2$s = tmp dir). */
static void run_graph(vkg_ctx *ctx, const char *name, const char *nodes, int batches) {
  vkg_registry *reg = vkg_test_registry(ctx, "gan", NULL);
  char body[4096], text[4608];
  snprintf(body, sizeof body, nodes, FIX, vkg_test_tmpdir());
  snprintf(text, sizeof text, "vkgen: 1\nbatches: %d\nnodes:\n%s", batches, body);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, name, text));
  vkg_registry_destroy(reg);
}

/* max |got - want| / max |want| <= rtol. */
static void expect_close(vkg_ctx *ctx, const char *got_file, const char *want_file, const char *want_name,
                         double rtol) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", vkg_test_tmpdir(), got_file);
  vkg_shape sy, sr;
  float *y = fx_read(ctx, path, "x", &sy), *ref = fx_read(ctx, want_file, want_name, &sr);
  ck_assert(vkg_shape_equal(&sy, &sr));
  const size_t n = (size_t)vkg_shape_numel(&sy);
  double maxref = 0, maxerr = 0;
  size_t worst = 0;
  for (size_t i = 0; i < n; i++) {
    double e = y[i] > ref[i] ? y[i] - ref[i] : ref[i] - y[i], a = ref[i] < 0 ? -ref[i] : ref[i];
    if (a > maxref) maxref = a;
    if (e > maxerr) maxerr = e, worst = i;
  }
  fprintf(stderr, "%s vs %s: max abs err %.3g, max |ref| %.3g\n", got_file, want_name, maxerr, maxref);
  ck_assert_msg(maxerr <= rtol * maxref, "%s: %s differs at %zu: %.9g vs %.9g (max err %.3g, max |ref| %.3g)",
                got_file, want_name, worst, y[worst], ref[worst], maxerr, maxref);
  free(y);
  free(ref);
}

START_TEST(test_mapping_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  run_graph(ctx, "map.yaml",
            "  z: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: z}}\n"
            "  m1: {op: gan.mapping, inputs: {z: z}, params: {model: %1$s/stylegan2_tiny}}\n"
            "  m2: {op: gan.mapping, inputs: {z: z}, params: {model: %1$s/stylegan2_tiny, truncation_psi: 0.7}}\n"
            "  m3: {op: gan.mapping, inputs: {z: z}, params: {model: %1$s/stylegan2_tiny, truncation_psi: 0.5, "
            "truncation_cutoff: 3}}\n"
            "  s1: {op: core.save_tensor, inputs: {tensor: m1}, params: {path: %2$s/sg_ws.safetensors, name: x}}\n"
            "  s2: {op: core.save_tensor, inputs: {tensor: m2}, params: {path: %2$s/sg_ws07.safetensors, name: x}}\n"
            "  s3: {op: core.save_tensor, inputs: {tensor: m3}, params: {path: %2$s/sg_ws05.safetensors, name: x}}\n",
            1);
  expect_close(ctx, "sg_ws.safetensors", FIX "/stylegan2_tiny/io.safetensors", "ws", 1e-5);
  expect_close(ctx, "sg_ws07.safetensors", FIX "/stylegan2_tiny/io.safetensors", "ws_psi07", 1e-5);
  expect_close(ctx, "sg_ws05.safetensors", FIX "/stylegan2_tiny/io.safetensors", "ws_psi05_cut3", 1e-5);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_synthesis_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  run_graph(ctx, "syn.yaml",
            "  w: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: ws}}\n"
            "  w7: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: ws_psi07}}\n"
            "  a: {op: gan.synthesis, inputs: {w: w}, params: {model: %1$s/stylegan2_tiny}}\n"
            "  b: {op: gan.synthesis, inputs: {w: w}, params: {model: %1$s/stylegan2_tiny, noise_mode: none}}\n"
            "  c: {op: gan.synthesis, inputs: {w: w7}, params: {model: %1$s/stylegan2_tiny}}\n"
            "  s1: {op: core.save_tensor, inputs: {tensor: a}, params: {path: %2$s/sg_img.safetensors, name: x}}\n"
            "  s2: {op: core.save_tensor, inputs: {tensor: b}, params: {path: %2$s/sg_none.safetensors, name: x}}\n"
            "  s3: {op: core.save_tensor, inputs: {tensor: c}, params: {path: %2$s/sg_img07.safetensors, name: x}}\n",
            1);
  expect_close(ctx, "sg_img.safetensors", FIX "/stylegan2_tiny/io.safetensors", "image", 1e-4);
  expect_close(ctx, "sg_none.safetensors", FIX "/stylegan2_tiny/io.safetensors", "image_none", 1e-4);
  expect_close(ctx, "sg_img07.safetensors", FIX "/stylegan2_tiny/io.safetensors", "image_psi07", 1e-4);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_generate_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  run_graph(ctx, "gen.yaml",
            "  z: {op: core.load_tensor, params: {path: %1$s/stylegan2_tiny/io.safetensors, name: z}}\n"
            "  g: {op: gan.generate, inputs: {noise: z}, params: {model: %1$s/stylegan2_tiny, truncation_psi: 0.7}}\n"
            "  s: {op: core.save_tensor, inputs: {tensor: g}, params: {path: %2$s/sg_gen.safetensors, name: x}}\n"
            "  zc: {op: core.load_tensor, params: {path: %1$s/stylegan2_cond/io.safetensors, name: z}}\n"
            "  c: {op: core.load_tensor, params: {path: %1$s/stylegan2_cond/io.safetensors, name: c}}\n"
            "  gc: {op: gan.generate, inputs: {noise: zc, class: c}, params: {model: %1$s/stylegan2_cond}}\n"
            "  sc: {op: core.save_tensor, inputs: {tensor: gc}, params: {path: %2$s/sg_cond.safetensors, name: x}}\n"
            "  mc: {op: gan.mapping, inputs: {z: zc, class: c}, params: {model: %1$s/stylegan2_cond, "
            "truncation_psi: 0.5, truncation_cutoff: 3}}\n"
            "  sm: {op: core.save_tensor, inputs: {tensor: mc}, params: {path: %2$s/sg_condw.safetensors, name: x}}\n",
            1);
  expect_close(ctx, "sg_gen.safetensors", FIX "/stylegan2_tiny/io.safetensors", "image_psi07", 1e-4);
  expect_close(ctx, "sg_cond.safetensors", FIX "/stylegan2_cond/io.safetensors", "image", 1e-4);
  expect_close(ctx, "sg_condw.safetensors", FIX "/stylegan2_cond/io.safetensors", "ws_psi05_cut3", 1e-5);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gan_stylegan2");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_mapping_golden);
  tcase_add_test(tc, test_synthesis_golden);
  tcase_add_test(tc, test_generate_golden);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
