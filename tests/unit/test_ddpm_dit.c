/* DiT (diffusers DiTTransformer2DModel) against PyTorch fixtures (tools/ref/dit_ref.py, make_dit_fixtures.py):
 * one forward (square and non-square latents) to 1e-4, the DiTPipeline loops through ddpm.sample (10-step DDIM
 * with guidance 4 then vae.decode with scale_latents; DDPM learned_range with guidance; no guidance with the
 * classes param) to 1e-3, and the validation errors (label out of range, guidance without a null class, latent
 * size not divisible by the patch size, transformer in_channels against the VAE's latent channels). The plugin's
 * model code is compiled into this test so the transformer runs without a graph. */
#include <sys/stat.h>
#include <unistd.h>

#include "test_ddpm_util.h"

#include "../../plugins/ddpm/dit.c"
#include "../../plugins/ddpm/dit_config.c"

#define DIT DDPM_FIX "/dit_tiny"
#define DIT_IO DIT "/io.safetensors"

static vkg_tensor *fx_upload_i64(vkg_ctx *ctx, const float *x, const vkg_shape *s) {
  int64_t n = vkg_shape_numel(s), *h = malloc((size_t)n * sizeof *h);
  for (int64_t i = 0; i < n; i++) h[i] = (int64_t)x[i];
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_I64, s, h, &t));
  free(h);
  return t;
}

static void forward_case(vkg_ctx *ctx, vkg_ddpm_dit *d, const char *xn, const char *tn, const char *ln, const char *yn) {
  vkg_shape xs, ts, ls, ys;
  float *x = fx_read(ctx, DIT_IO, xn, &xs), *t = fx_read(ctx, DIT_IO, tn, &ts), *l = fx_read(ctx, DIT_IO, ln, &ls);
  float *want = fx_read(ctx, DIT_IO, yn, &ys);
  vkg_tensor *xt = fx_upload(ctx, x, &xs), *tt = fx_upload(ctx, t, &ts), *lt = fx_upload_i64(ctx, l, &ls), *y = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_forward(ctx, d, xt, tt, lt, &y));
  ck_assert(vkg_shape_equal(vkg_tensor_shape(y), &ys));
  float *got = fx_download(ctx, y);
  fx_expect_close(yn, got, want, (size_t)vkg_shape_numel(&ys), 1e-5, 1e-4);
  free(x), free(t), free(l), free(want), free(got);
  vkg_tensor_unref(xt), vkg_tensor_unref(tt), vkg_tensor_unref(lt), vkg_tensor_unref(y);
}

START_TEST(test_dit_forward) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_ddpm_dit *d = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_open(ctx, DIT "/transformer", &d));
  const vkg_ddpm_dit_cfg *c = vkg_ddpm_dit_config(d);
  ck_assert_int_eq(c->dim, 24);
  ck_assert_int_eq(c->heads, 3);
  ck_assert_int_eq(c->out_channels, 8);
  ck_assert_int_eq(c->num_classes, 7);
  ck_assert_int_eq(vkg_ddpm_dit_has_null_class(d), 1);
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_load(ctx, d));
  ck_assert_int_eq(vkg_model_unused(ctx, d->model, 0), 0);
  forward_case(ctx, d, "sample", "timestep", "class_labels", "noise_pred");
  forward_case(ctx, d, "sample_rect", "timestep_rect", "class_labels_rect", "noise_pred_rect");
  forward_case(ctx, d, "sample", "timestep", "class_labels", "noise_pred"); /* the table of 4 x 4 again */
  vkg_ddpm_dit_destroy(d);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* The trained latent DiT (models/dit-fashion, tools/train/train_dit.py): one forward against its golden file. */
START_TEST(test_dit_trained_forward) {
  vkg_ctx *ctx = vkg_test_ctx();
  const char *gold = VKG_TEST_SOURCE_DIR "/models/dit-fashion/golden.safetensors";
  vkg_ddpm_dit *d = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_open(ctx, VKG_TEST_SOURCE_DIR "/models/dit-fashion/transformer", &d));
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_load(ctx, d));
  vkg_shape xs, ts, ls, ys;
  float *x = fx_read(ctx, gold, "sample", &xs), *t = fx_read(ctx, gold, "timestep", &ts);
  float *l = fx_read(ctx, gold, "class_labels", &ls), *want = fx_read(ctx, gold, "noise_pred", &ys);
  vkg_tensor *xt = fx_upload(ctx, x, &xs), *tt = fx_upload(ctx, t, &ts), *lt = fx_upload_i64(ctx, l, &ls), *y = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_dit_forward(ctx, d, xt, tt, lt, &y));
  float *got = fx_download(ctx, y);
  fx_expect_close("dit-fashion noise_pred", got, want, (size_t)vkg_shape_numel(&ys), 1e-4, 1e-4);
  free(x), free(t), free(l), free(want), free(got);
  vkg_tensor_unref(xt), vkg_tensor_unref(tt), vkg_tensor_unref(lt), vkg_tensor_unref(y);
  vkg_ddpm_dit_destroy(d);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_sincos_table) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *names[2] = {"pos_embed", "pos_embed_rect"};
  const int64_t gw[2] = {4, 6};
  for (int k = 0; k < 2; k++) {
    vkg_shape s;
    float *want = fx_read(ctx, DIT_IO, names[k], &s), *got = malloc((size_t)vkg_shape_numel(&s) * sizeof *got);
    vkg_nn_sincos_pos_embed_2d(24, 4, gw[k], 4.0, 1.0, got);
    fx_expect_close(names[k], got, want, (size_t)vkg_shape_numel(&s), 1e-7, 1e-6);
    free(want), free(got);
  }
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static vkg_registry *dit_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/ddpm.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/vae.so"));
  return reg;
}

static vkg_status graph_run(vkg_ctx *ctx, vkg_registry *reg, const char *text, int run) {
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "dit-test.yaml", text, strlen(text), NULL, 0, &g);
  if (!st && run) {
    vkg_run_options ro = {0};
    st = vkg_graph_run(g, &ro);
  }
  vkg_graph_destroy(g);
  return st;
}

static void expect_file(vkg_ctx *ctx, const char *got_path, const char *io, const char *name, double tol) {
  vkg_shape s;
  float *want = fx_read(ctx, io, name, &s), *got = fx_read(ctx, got_path, "x", NULL);
  char what[256];
  snprintf(what, sizeof what, "%s %s", strrchr(io, '/') + 1, name);
  fx_expect_close(what, got, want, (size_t)vkg_shape_numel(&s), tol, tol);
  free(want), free(got);
}

/* DiTPipeline, 10 DDIM steps, guidance 4 (pipeline folder: scheduler/ and vae/ from it); the latents / 0.5
 * decoded by vae.decode with scale_latents. */
START_TEST(test_dit_ddim_guidance) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = dit_registry(ctx);
  const char *io = DIT "/io_ddim_cfg.safetensors";
  char out_s[512], out_d[512], text[4096];
  snprintf(out_s, sizeof out_s, "%s/dit-ddim-sample.safetensors", vkg_test_tmpdir());
  snprintf(out_d, sizeof out_d, "%s/dit-ddim-decoded.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.load_tensor, params: {path: %s, name: noise}}\n"
           "  labels: {op: core.load_tensor, params: {path: %s, name: class_labels}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise, class_labels: labels},\n"
           "           params: {model: %s, steps: 10, guidance_scale: 4}}\n"
           "  dec: {op: vae.decode, inputs: {latent: sample.sample}, params: {model: %s/vae, scale_latents: true}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: sample.sample}, params: {path: %s, name: x}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: dec}, params: {path: %s, name: x}}\n",
           io, io, DIT, DIT, out_s, out_d);
  VKG_CHECK_OK(ctx, graph_run(ctx, reg, text, 1));
  expect_file(ctx, out_s, io, "sample", 1e-3);
  expect_file(ctx, out_d, io, "decoded", 1e-3);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* model: the transformer/ subfolder (scheduler from the pipeline around it, overridden to DDPM
 * learned_range), guidance 1.5, the fixture's variance noise; and DDIM without guidance, labels from the
 * classes param. */
START_TEST(test_dit_ddpm_learned_range) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = dit_registry(ctx);
  const char *io = DIT "/io_ddpm_learned.safetensors";
  char out_s[512], out_n[512], text[4096];
  snprintf(out_s, sizeof out_s, "%s/dit-ddpm-sample.safetensors", vkg_test_tmpdir());
  snprintf(out_n, sizeof out_n, "%s/dit-noguide-sample.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.load_tensor, params: {path: %s, name: noise}}\n"
           "  vn: {op: core.load_tensor, params: {path: %s, name: variance_noise}}\n"
           "  labels: {op: core.load_tensor, params: {path: %s, name: class_labels}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise, step_noise: vn, class_labels: labels},\n"
           "           params: {model: %s/transformer, scheduler: ddpm, variance_type: learned_range, clip_sample: false,\n"
           "                    steps: 5, guidance_scale: 1.5}}\n"
           "  plain: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s, steps: 4, classes: [1, 4]}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: sample.sample}, params: {path: %s, name: x}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: plain.sample}, params: {path: %s, name: x}}\n",
           io, io, io, DIT, DIT, out_s, out_n);
  VKG_CHECK_OK(ctx, graph_run(ctx, reg, text, 1));
  expect_file(ctx, out_s, io, "sample", 1e-3);
  expect_file(ctx, out_n, io, "sample_ddim4_noguide", 1e-3);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static vkg_status sample_graph(vkg_ctx *ctx, vkg_registry *reg, const char *model, const char *shape,
                               const char *labels, const char *params, int run) {
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: %s}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s, steps: 2, classes: %s%s}}\n",
           shape, model, labels, params);
  return graph_run(ctx, reg, text, run);
}

/* A pipeline folder around the fixture's transformer whose VAE has latent_channels lc. */
static const char *pipe_with_vae(int lc) {
  static char dir[512];
  char p[640], target[640];
  snprintf(dir, sizeof dir, "%s/dit_pipe_lc%d", vkg_test_tmpdir(), lc);
  mkdir(dir, 0755);
  snprintf(p, sizeof p, "%s/vae", dir);
  mkdir(p, 0755);
  snprintf(p, sizeof p, "%s/model_index.json", dir);
  FILE *f = fopen(p, "w");
  fputs("{\"_class_name\": \"DiTPipeline\"}\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/vae/config.json", dir);
  f = fopen(p, "w");
  fprintf(f, "{\"_class_name\": \"AutoencoderKL\", \"latent_channels\": %d}\n", lc);
  fclose(f);
  snprintf(p, sizeof p, "%s/transformer", dir);
  snprintf(target, sizeof target, "%s/transformer", DIT);
  if (access(p, F_OK) != 0) ck_assert_int_eq(symlink(target, p), 0);
  return dir;
}

START_TEST(test_dit_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = dit_registry(ctx);
  /* class label out of range (the classes param at load; an input at run time) */
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DIT, "[2, 4, 8, 8]", "[1, 9]", "", 0), VKG_E_INPUT,
                  "class 9 out of range [0, 8)");
  char text[2048];
  const char *io = DIT "/io_ddim_cfg.safetensors";
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [3, 4, 8, 8]}}\n"
           "  labels: {op: core.load_tensor, params: {path: %s, name: class_labels}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise, class_labels: labels}, params: {model: %s, steps: 1}}\n",
           io, DIT);
  VKG_CHECK_FAILS(ctx, graph_run(ctx, reg, text, 0), VKG_E_INPUT, "class_labels [2]: expected [3]");
  /* guidance on a model without a null class */
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DDPM_FIX "/dit_nonull", "[2, 4, 8, 8]", "[1]", ", guidance_scale: 4", 0),
                  VKG_E_INPUT, "needs the null class");
  VKG_CHECK_OK(ctx, sample_graph(ctx, reg, DDPM_FIX "/dit_nonull", "[1, 4, 8, 8]", "[1]", ", scheduler: ddim", 0));
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DDPM_FIX "/dit_nonull", "[1, 4, 8, 8]", "[7]", ", scheduler: ddim", 1),
                  VKG_E_INPUT, "class label 7 (sample 0) out of range [0, 7)");
  /* latents not divisible by the patch size */
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DIT, "[1, 4, 8, 9]", "[1]", "", 0), VKG_E_INPUT,
                  "multiples of the patch size 2");
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DIT, "[1, 3, 8, 8]", "[1]", "", 0), VKG_E_INPUT, "in_channels");
  /* the transformer's in_channels differ from the VAE's latent channels */
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, pipe_with_vae(3), "[1, 4, 8, 8]", "[1]", "", 0), VKG_E_INPUT,
                  "in_channels 4 differs from the VAE's latent_channels 3");
  VKG_CHECK_OK(ctx, sample_graph(ctx, reg, pipe_with_vae(4), "[1, 4, 8, 8]", "[1]", "", 0));
  /* learned_range needs the variance channels; guidance and classes only for DiT */
  VKG_CHECK_FAILS(ctx, sample_graph(ctx, reg, DIT, "[1, 4, 8, 8]", "[1]", ", guidance_scale: 0.5", 0), VKG_E_INPUT,
                  "must be >= 1");
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s/unet_tiny, guidance_scale: 3}}\n",
           DDPM_FIX);
  VKG_CHECK_FAILS(ctx, graph_run(ctx, reg, text, 0), VKG_E_INPUT, "class-conditional DiT models only");
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [1, 4, 8, 8]}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s}}\n",
           DIT);
  VKG_CHECK_FAILS(ctx, graph_run(ctx, reg, text, 0), VKG_E_INPUT, "connect class_labels or give classes");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ddpm_dit");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_sincos_table);
  tcase_add_test(tc, test_dit_forward);
  tcase_add_test(tc, test_dit_ddim_guidance);
  tcase_add_test(tc, test_dit_ddpm_learned_range);
  tcase_add_test(tc, test_dit_errors);
  tcase_add_test(tc, test_dit_trained_forward);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
