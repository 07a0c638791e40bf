/* End to end: each trained Fashion-MNIST model in models/ run through the graph API on the fixed
 * inputs of its golden.safetensors (written by the PyTorch training scripts, float64 reference
 * on the same float32 weights) must reproduce the PyTorch outputs: single forwards to ~1e-4,
 * the 5-step DDIM loop and the 10-step DiT loop with guidance to ~1e-3, VQ indices exactly. See models/README.md for the tensors. */
#include "test_ddpm_util.h"

#define MODELS VKG_TEST_SOURCE_DIR "/models"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "vae", "vqvae", "gan", "ar", "ddpm", "inception", NULL); }

/* One comparison: tensor `got` of the run's output file against `want` of the golden file. */
typedef struct check {
  const char *got, *want;
  double atol, rtol; /* rtol 0 and atol 0: exact */
} check;

/* Runs `nodes` (YAML node lines; "%G" is the golden file, "%M" the model folder, "%O" the output
 * file) and compares outputs with the golden tensors. */
static void run_model(const char *model, const char *nodes, const check *checks, int nchecks) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  char golden[1024], mdir[512], out[512];
  snprintf(mdir, sizeof mdir, "%s/%s", MODELS, model);
  snprintf(golden, sizeof golden, "%s/golden.safetensors", mdir);
  snprintf(out, sizeof out, "%s/%s-out.safetensors", vkg_test_tmpdir(), model);
  remove(out);
  char text[8192];
  size_t k = (size_t)snprintf(text, sizeof text, "vkgen: 1\nnodes:\n");
  for (const char *p = nodes; *p && k + 600 < sizeof text; p++) {
    if (p[0] == '%' && (p[1] == 'G' || p[1] == 'M' || p[1] == 'O')) {
      const char *s = p[1] == 'G' ? golden : p[1] == 'M' ? mdir : out;
      k += (size_t)snprintf(text + k, sizeof text - k, "%s", s);
      p++;
    } else {
      text[k++] = *p;
    }
  }
  text[k] = '\0';
  if (getenv("VKG_TEST_VERBOSE")) fprintf(stderr, "%s", text);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, model, text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  for (int c = 0; c < nchecks; c++) {
    vkg_shape sg, sw;
    float *got = fx_read(ctx, out, checks[c].got, &sg);
    float *want = fx_read(ctx, golden, checks[c].want, &sw);
    size_t n = (size_t)vkg_shape_numel(&sw);
    ck_assert_msg((size_t)vkg_shape_numel(&sg) == n, "%s: %s has %lld values, golden %s %zu", model, checks[c].got,
                  (long long)vkg_shape_numel(&sg), checks[c].want, n);
    if (checks[c].atol == 0 && checks[c].rtol == 0) {
      for (size_t i = 0; i < n; i++)
        ck_assert_msg(got[i] == want[i], "%s: %s[%zu] = %g, golden %g", model, checks[c].want, i, got[i], want[i]);
    } else {
      size_t worst = 0;
      double err = vkg_test_rel_err(got, want, n, checks[c].atol, checks[c].rtol, &worst);
      ck_assert_msg(err <= 1.0, "%s: %s differs at %zu: %.7g vs golden %.7g (%.3g x tolerance)", model,
                    checks[c].want, worst, got[worst], want[worst], err);
    }
    free(got);
    free(want);
  }
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}

#define SAVE(node, port, name) \
  "  s_" name ": {op: core.save_tensor, inputs: {tensor: " node port "}, params: {path: %O, name: " name "}}\n"

START_TEST(test_mlpvae) {
  static const check c[] = {{"mu", "mu", 1e-5, 1e-4},
                            {"logvar", "logvar", 1e-5, 1e-4},
                            {"recon", "recon", 1e-5, 1e-4},
                            {"decoded", "decoded", 1e-5, 1e-4}};
  run_model("mlpvae-fashion",
            "  x: {op: core.load_tensor, params: {path: %G, name: x}}\n"
            "  z: {op: core.load_tensor, params: {path: %G, name: z}}\n"
            "  enc: {op: vae.encode, inputs: {x: x}, params: {model: %M}}\n"
            "  rec: {op: vae.decode, inputs: {latent: enc.latent}, params: {model: %M}}\n"
            "  dec: {op: vae.decode, inputs: {latent: z}, params: {model: %M}}\n" SAVE("enc", ".latent", "mu")
                SAVE("enc", ".logvar", "logvar") SAVE("rec", ".image", "recon") SAVE("dec", ".image", "decoded"),
            c, 4);
}
END_TEST

START_TEST(test_vae_kl) {
  static const check c[] = {{"mean", "mean", 1e-5, 1e-4},
                            {"logvar", "logvar", 1e-4, 1e-4},
                            {"recon", "recon", 1e-5, 1e-4},
                            {"decoded", "decoded", 1e-5, 1e-4}};
  run_model("vae-kl-fashion",
            "  x: {op: core.load_tensor, params: {path: %G, name: x}}\n"
            "  z: {op: core.load_tensor, params: {path: %G, name: z}}\n"
            "  enc: {op: vae.encode, inputs: {x: x}, params: {model: %M}}\n"
            "  rec: {op: vae.decode, inputs: {latent: enc.latent}, params: {model: %M}}\n"
            "  dec: {op: vae.decode, inputs: {latent: z}, params: {model: %M}}\n" SAVE("enc", ".latent", "mean")
                SAVE("enc", ".logvar", "logvar") SAVE("rec", ".image", "recon") SAVE("dec", ".image", "decoded"),
            c, 4);
}
END_TEST

START_TEST(test_vqvae) {
  static const check c[] = {{"latent", "latent", 1e-5, 1e-4},
                            {"quantized", "quantized", 1e-5, 1e-4},
                            {"indices", "indices", 0, 0},
                            {"decoded", "decoded", 1e-5, 1e-4},
                            {"from_indices", "decoded", 1e-5, 1e-4}};
  run_model("vqvae-fashion",
            "  x: {op: core.load_tensor, params: {path: %G, name: x}}\n"
            "  idx: {op: core.load_tensor, params: {path: %G, name: indices}}\n"
            "  enc: {op: vqvae.encode, inputs: {x: x}, params: {model: %M}}\n"
            "  dec: {op: vqvae.decode, inputs: {quantized: enc.latent}, params: {model: %M}}\n"
            "  deci: {op: vqvae.decode_indices, inputs: {indices: idx}, params: {model: %M}}\n" SAVE(
                "enc", ".latent", "latent") SAVE("enc", ".quantized", "quantized") SAVE("enc", ".indices", "indices")
                SAVE("dec", ".image", "decoded") SAVE("deci", ".image", "from_indices"),
            c, 5);
}
END_TEST

START_TEST(test_dcgan) {
  static const check c[] = {{"image", "image", 1e-5, 1e-4}};
  run_model("dcgan-fashion",
            "  z: {op: core.load_tensor, params: {path: %G, name: noise}}\n"
            "  gen: {op: gan.generate, inputs: {noise: z}, params: {model: %M}}\n" SAVE("gen", ".image", "image"),
            c, 1);
}
END_TEST

START_TEST(test_stylegan2) {
  static const check c[] = {{"image", "image", 1e-4, 1e-4}};
  run_model("stylegan2-fashion",
            "  z: {op: core.load_tensor, params: {path: %G, name: z}}\n"
            "  gen: {op: gan.generate, inputs: {noise: z}, params: {model: %M, noise_mode: const}}\n" SAVE(
                "gen", ".image", "image"),
            c, 1);
}
END_TEST

/* The golden file keeps only logits rows 12..15 (the full logits are 1.6 MB): compare those, and
 * the log-probability of the true pixel values over the whole image. */
START_TEST(test_pixelcnn) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  char golden[512], out[512], text[2048];
  snprintf(golden, sizeof golden, "%s/pixelcnn-fashion/golden.safetensors", MODELS);
  snprintf(out, sizeof out, "%s/pixelcnn-out.safetensors", vkg_test_tmpdir());
  remove(out);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  px: {op: core.load_tensor, params: {path: %s, name: pixels}}\n"
           "  lg: {op: ar.logits, inputs: {pixels: px}, params: {model: %s/pixelcnn-fashion}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: lg}, params: {path: %s, name: logits}}\n",
           golden, MODELS, out);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "pixelcnn", text, strlen(text), NULL, 0, &g));
  vkg_run_options ro = {0};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &ro));
  vkg_graph_destroy(g);
  vkg_shape s, sr;
  float *logits = fx_read(ctx, out, "logits", &s);
  float *rows = fx_read(ctx, golden, "logits_rows", &sr);
  float *logprob = fx_read(ctx, golden, "logprob", NULL);
  float *px = fx_read(ctx, golden, "x", NULL);
  ck_assert_int_eq(s.ndim, 4);
  ck_assert_int_eq(s.d[1], 256);
  const int64_t B = s.d[0], H = s.d[2], W = s.d[3], R = sr.d[2];
  ck_assert_int_eq(sr.d[0], B);
  float *sel = malloc((size_t)(B * 256 * R * W) * sizeof *sel);
  ck_assert_ptr_nonnull(sel);
  for (int64_t b = 0; b < B; b++)
    for (int64_t c = 0; c < 256; c++)
      for (int64_t y = 0; y < R; y++)
        memcpy(sel + ((b * 256 + c) * R + y) * W, logits + ((b * 256 + c) * H + 12 + y) * W, (size_t)W * sizeof *sel);
  size_t worst = 0;
  double err = vkg_test_rel_err(sel, rows, (size_t)(B * 256 * R * W), 1e-4, 1e-4, &worst);
  ck_assert_msg(err <= 1.0, "pixelcnn: logits_rows differ at %zu: %.7g vs golden %.7g", worst, sel[worst], rows[worst]);
  /* log-softmax at the true pixel, in double */
  double maxerr = 0;
  for (int64_t b = 0; b < B; b++)
    for (int64_t i = 0; i < H * W; i++) {
      int v = (int)lround(px[b * H * W + i] * 255.0);
      double m = -INFINITY, sum = 0;
      for (int c = 0; c < 256; c++) m = fmax(m, logits[(b * 256 + c) * H * W + i]);
      for (int c = 0; c < 256; c++) sum += exp(logits[(b * 256 + c) * H * W + i] - m);
      double lp = logits[(b * 256 + v) * H * W + i] - m - log(sum);
      double e = fabs(lp - logprob[b * H * W + i]) / (1e-4 + 1e-4 * fabs(logprob[b * H * W + i]));
      if (e > maxerr) maxerr = e;
    }
  ck_assert_msg(maxerr <= 1.0, "pixelcnn: logprob off by %.3g x tolerance", maxerr);
  free(sel), free(logits), free(rows), free(logprob), free(px);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_ddpm_unet) {
  static const check c[] = {{"noise_pred", "noise_pred", 1e-4, 1e-4}};
  run_model("ddpm-fashion",
            "  x: {op: core.load_tensor, params: {path: %G, name: sample}}\n"
            "  t: {op: core.load_tensor, params: {path: %G, name: timestep}}\n"
            "  u: {op: ddpm.unet, inputs: {sample: x, timestep: t}, params: {model: %M}}\n" SAVE("u", ".noise_pred",
                                                                                                 "noise_pred"),
            c, 1);
}
END_TEST

START_TEST(test_ddpm_ddim5) {
  static const check c[] = {{"ddim_sample", "ddim_sample", 1e-3, 1e-3}, {"ddim_image", "ddim_image", 1e-3, 1e-3}};
  run_model("ddpm-fashion",
            "  n: {op: core.load_tensor, params: {path: %G, name: noise}}\n"
            "  d: {op: ddpm.sample, inputs: {noise: n}, params: {model: %M, scheduler: ddim, steps: 5, eta: 0}}\n" SAVE(
                "d", ".sample", "ddim_sample") SAVE("d", ".image", "ddim_image"),
            c, 2);
}
END_TEST

/* The latent DiT pipeline folder: 10 DDIM steps with guidance 3 for classes 0 and 7, then the VAE decode of
 * latents / scaling_factor (vae.decode scale_latents). */
START_TEST(test_dit_ddim_cfg) {
  static const check c[] = {{"ddim_sample", "ddim_sample", 1e-3, 1e-3}, {"ddim_decoded", "ddim_decoded", 1e-3, 1e-3}};
  run_model("dit-fashion",
            "  n: {op: core.load_tensor, params: {path: %G, name: noise}}\n"
            "  l: {op: core.load_tensor, params: {path: %G, name: ddim_classes}}\n"
            "  d: {op: ddpm.sample, inputs: {noise: n, class_labels: l},\n"
            "      params: {model: %M, scheduler: ddim, steps: 10, guidance_scale: 3}}\n"
            "  v: {op: vae.decode, inputs: {latent: d.sample}, params: {model: %M/vae, scale_latents: true}}\n" SAVE(
                "d", ".sample", "ddim_sample") SAVE("v", "", "ddim_decoded"),
            c, 2);
}
END_TEST

START_TEST(test_inception) {
  static const check c[] = {{"pool", "pool", 1e-4, 1e-4},
                            {"logits", "logits", 1e-4, 1e-4},
                            {"logits_unbiased", "logits_unbiased", 1e-4, 1e-4}};
  run_model("inception-fashion",
            "  x: {op: core.load_tensor, params: {path: %G, name: images}}\n"
            "  f: {op: inception.features, inputs: {images: x}, params: {model: %M}}\n" SAVE("f", ".pool", "pool")
                SAVE("f", ".logits", "logits") SAVE("f", ".logits_unbiased", "logits_unbiased"),
            c, 3);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("trained_models");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_mlpvae);
  tcase_add_test(tc, test_vae_kl);
  tcase_add_test(tc, test_vqvae);
  tcase_add_test(tc, test_dcgan);
  tcase_add_test(tc, test_stylegan2);
  tcase_add_test(tc, test_pixelcnn);
  tcase_add_test(tc, test_ddpm_unet);
  tcase_add_test(tc, test_ddpm_ddim5);
  tcase_add_test(tc, test_dit_ddim_cfg);
  tcase_add_test(tc, test_inception);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return vkg_test_run_suite(suite()); }
