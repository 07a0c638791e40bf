/* vae plugin against the PyTorch fixtures (tools/ref/make_fixtures.py): AutoencoderKL and
 * MLPVAE encode and decode through real graphs (core.load_tensor -> vae.* -> core.save_tensor). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "vae", NULL); }

static vkg_status run_text(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  return vkg_test_run_graph(ctx, reg, "vae_test.yaml", text);
}

/* A malloc'd f32 copy of tensor `name` of a .safetensors file; *n its element count. */
static float *read_f32(vkg_ctx *ctx, const char *path, const char *name, size_t *n) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  ck_assert_msg(e != NULL, "%s: no tensor %s", path, name);
  ck_assert_msg(e->has_dtype && e->dtype == VKG_F32, "%s: %s is not f32", path, name);
  float *x = malloc(e->bytes);
  ck_assert_ptr_nonnull(x);
  memcpy(x, e->data, e->bytes);
  *n = e->bytes / sizeof(float);
  vkg_safetensors_close(st);
  return x;
}

/* Compares out:name with the fixture's ref_name (rtol 1e-4, small atol for values near 0). */
static void expect_close(vkg_ctx *ctx, const char *out, const char *name, const char *io, const char *ref_name) {
  size_t n = 0, m = 0, worst = 0;
  float *a = read_f32(ctx, out, name, &n);
  float *b = read_f32(ctx, io, ref_name, &m);
  ck_assert_msg(n == m, "%s: %zu elements, reference %s has %zu", name, n, ref_name, m);
  double maxabs = 0, maxref = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - b[i]);
    if (d > maxabs) maxabs = d;
    if (fabs(b[i]) > maxref) maxref = fabs(b[i]);
  }
  double e = vkg_test_rel_err(a, b, n, 1e-5 * (maxref > 1 ? maxref : 1), 1e-4, &worst);
  fprintf(stderr, "%s vs %s: max |err| %.3g (max |ref| %.3g), scaled err %.3g\n", name, ref_name, maxabs, maxref, e);
  ck_assert_msg(e <= 1.0, "%s vs %s: error %g at %zu (%g vs %g)", name, ref_name, e, worst, a[worst], b[worst]);
  free(a);
  free(b);
}

static const char *tmp(const char *file) {
  static char buf[8][512];
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, 512, "%s/%s", vkg_test_tmpdir(), file);
  return p;
}

/* Encodes the fixture's x and decodes both the posterior mean and the fixture's z through one
 * graph; checks mean (named `mean_name` in the fixture), logvar, recon and decoded. Returns the
 * path of the decoded output (a tmp() buffer). */
static const char *check_encode_decode(vkg_ctx *ctx, vkg_registry *reg, const char *m, const char *mean_name,
                                       const char *prefix) {
  char io[600], f[4][64];
  snprintf(io, sizeof io, "%s/io.safetensors", m);
  const char *names[4] = {"mean", "logvar", "recon", "decoded"};
  const char *o[4];
  for (int i = 0; i < 4; i++) {
    snprintf(f[i], sizeof f[i], "%s_%s.safetensors", prefix, names[i]);
    o[i] = tmp(f[i]);
  }
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.load_tensor, params: {path: %s, name: x}}\n"
           "  z: {op: core.load_tensor, params: {path: %s, name: z}}\n"
           "  enc: {op: vae.encode, inputs: {x: x}, params: {model: %s}}\n"
           "  rec: {op: vae.decode, inputs: {latent: enc.latent}, params: {model: %s}}\n"
           "  dec: {op: vae.decode, inputs: {latent: z}, params: {model: %s}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: enc.latent}, params: {path: %s, name: %s}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: enc.logvar}, params: {path: %s, name: logvar}}\n"
           "  s3: {op: core.save_tensor, inputs: {tensor: rec}, params: {path: %s, name: recon}}\n"
           "  s4: {op: core.save_tensor, inputs: {tensor: dec}, params: {path: %s, name: decoded}}\n",
           io, io, m, m, m, o[0], mean_name, o[1], o[2], o[3]);
  VKG_CHECK_OK(ctx, run_text(ctx, reg, text));
  expect_close(ctx, o[0], mean_name, io, mean_name);
  expect_close(ctx, o[1], "logvar", io, "logvar");
  expect_close(ctx, o[2], "recon", io, "recon");
  expect_close(ctx, o[3], "decoded", io, "decoded");
  return o[3];
}

START_TEST(test_autoencoder_kl_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  check_encode_decode(ctx, reg, FIX "/autoencoder_kl_tiny", "mean", "kl");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* scale_latents: encode multiplies the mean by scaling_factor (0.18215 in the fixture's config),
 * decode divides it back out, so the round trip matches the unscaled decode. */
START_TEST(test_autoencoder_kl_scale_latents) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *io = FIX "/autoencoder_kl_tiny/io.safetensors";
  const char *m = FIX "/autoencoder_kl_tiny";
  const char *o1 = tmp("kls_mean.safetensors"), *o2 = tmp("kls_recon.safetensors");
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.load_tensor, params: {path: %s, name: x}}\n"
           "  enc: {op: vae.encode, inputs: {x: x}, params: {model: %s, scale_latents: true}}\n"
           "  rec: {op: vae.decode, inputs: {latent: enc.latent}, params: {model: %s, scale_latents: true}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: enc.latent}, params: {path: %s, name: mean}}\n"
           "  s3: {op: core.save_tensor, inputs: {tensor: rec}, params: {path: %s, name: recon}}\n",
           io, m, m, o1, o2);
  VKG_CHECK_OK(ctx, run_text(ctx, reg, text));
  size_t n = 0, k = 0;
  float *a = read_f32(ctx, o1, "mean", &n);
  float *b = read_f32(ctx, io, "mean", &k);
  ck_assert_uint_eq(n, k);
  for (size_t i = 0; i < n; i++) b[i] *= 0.18215f;
  size_t worst = 0;
  double e = vkg_test_rel_err(a, b, n, 1e-5, 1e-4, &worst);
  ck_assert_msg(e <= 1.0, "scaled mean: error %g at %zu (%g vs %g)", e, worst, a[worst], b[worst]);
  free(a);
  free(b);
  expect_close(ctx, o2, "recon", io, "recon");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_mlpvae_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *o4 = check_encode_decode(ctx, reg, FIX "/mlpvae_tiny", "mu", "mlp");
  /* decoded keeps the [B, 1, 28, 28] image shape */
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, o4, &st));
  const vkg_st_entry *e = NULL;
  int64_t dims[4] = {3, 1, 28, 28};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "decoded", 4, dims, &e));
  vkg_safetensors_close(st);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* vae.sample: sample k depends on (seed, k) only; its latent is vkg_randn's, its image the
 * decode of that latent. */
static float *run_sample(vkg_ctx *ctx, vkg_registry *reg, const char *model, int batches, int batch, int seed,
                         const char *file, const char *what, size_t *n) {
  const char *out = tmp(file);
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: %d\nnodes:\n"
           "  s: {op: vae.sample, params: {model: %s, batch: %d, seed: %d}}\n"
           "  o1: {op: core.save_tensor, inputs: {tensor: s.image}, params: {path: %s, name: image}}\n"
           "  o2: {op: core.save_tensor, inputs: {tensor: s.latent}, params: {path: %s.z, name: latent}}\n",
           batches, model, batch, seed, out, out);
  VKG_CHECK_OK(ctx, run_text(ctx, reg, text));
  if (strcmp(what, "latent") == 0) {
    char zp[600];
    snprintf(zp, sizeof zp, "%s.z", out);
    return read_f32(ctx, zp, what, n);
  }
  return read_f32(ctx, out, what, n);
}

START_TEST(test_vae_sample_batch_independent) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *m = FIX "/mlpvae_tiny";
  size_t na = 0, nb = 0;
  float *a = run_sample(ctx, reg, m, 2, 3, 5, "sa.safetensors", "image", &na);
  float *b = run_sample(ctx, reg, m, 1, 6, 5, "sb.safetensors", "image", &nb);
  ck_assert_uint_eq(na, 6 * 784);
  ck_assert_uint_eq(na, nb);
  size_t worst = 0;
  ck_assert_msg(vkg_test_rel_err(a, b, na, 1e-6, 1e-5, &worst) <= 1.0, "sample %zu differs", worst / 784);
  for (size_t i = 0; i < na; i++) ck_assert_msg(a[i] >= 0.0f && a[i] <= 1.0f, "MLPVAE image value %g", a[i]);
  free(a);
  free(b);
  /* KL: latents [B, 4, 8, 8] for the config's sample_size 16 and downsampling factor 2 */
  float *z = run_sample(ctx, reg, FIX "/autoencoder_kl_tiny", 1, 2, 1, "sk.safetensors", "latent", &na);
  ck_assert_uint_eq(na, 2 * 4 * 8 * 8);
  free(z);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vae_golden");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_autoencoder_kl_golden);
  tcase_add_test(tc, test_autoencoder_kl_scale_latents);
  tcase_add_test(tc, test_mlpvae_golden);
  tcase_add_test(tc, test_vae_sample_batch_independent);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
