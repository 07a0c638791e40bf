/* ar.logits / ar.sample through the graph API: PixelCNN golden logits (tools/ref fixture
 * pixelcnn_tiny) in full and band mode, sampling determinism and batch-size independence,
 * band sampling = full sampling, and the input errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>
#include <sys/stat.h>

#include <vkgen/io.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"
#define MODEL FIX "/pixelcnn_tiny"
#define TRAINED VKG_TEST_SOURCE_DIR "/models/pixelcnn-fashion"

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

/* Runs ar.logits of `model` in each of the modes on the pixels of node line px_node (its output
 * px_out), plus the extra node lines, and saves each mode's logits under the mode's name in out. */
static void run_logits_modes(vkg_ctx *ctx, vkg_registry *reg, const char *px_node, const char *px_out,
                             const char *model, const char *const *modes, int nmodes, const char *extra,
                             const char *out) {
  char text[8192];
  int len = snprintf(text, sizeof text, "vkgen: 1\nnodes:\n  %s\n%s", px_node, extra);
  for (int i = 0; i < nmodes; i++)
    len += snprintf(text + len, sizeof text - (size_t)len,
                    "  lg_%s: {op: ar.logits, inputs: {pixels: %s}, params: {model: %s, mode: %s}}\n"
                    "  sv_%s: {op: core.save_tensor, inputs: {tensor: lg_%s}, params: {path: %s, name: %s}}\n",
                    modes[i], px_out, model, modes[i], modes[i], modes[i], out, modes[i]);
  ck_assert_int_lt(len, (int)sizeof text);
  run_text(ctx, reg, text);
}

START_TEST(test_logits_golden_full_and_band) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  char out[512], px[600];
  tmp_path(out, sizeof out, "ar_logits.safetensors");
  snprintf(px, sizeof px, "px: {op: core.load_tensor, params: {path: %s/io.safetensors, name: pixels}}", MODEL);
  const char *modes[3] = {"full", "band", "cache"};
  run_logits_modes(ctx, reg, px, "px", MODEL, modes, 3, "", out);
  size_t nf, nb, nr, nc;
  float *cache = vkg_test_read_tensor(ctx, out, "cache", &nc);
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
  ck_assert_uint_eq(nc, nr);
  err = vkg_test_rel_err(cache, full, n, 1e-5, 0, &worst);
  ck_assert_msg(err <= 1.0, "cache vs full at %zu: %g vs %g", worst, cache[worst], full[worst]);
  free(full);
  free(band);
  free(cache);
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
  size_t c2, c3;
  int32_t *ca = sample(ctx, reg, 2, 2, "cache", 5, "ar_c2.safetensors", &c2); /* cache mode, samples 0..3 */
  int32_t *cb = sample(ctx, reg, 1, 3, "cache", 5, "ar_c3.safetensors", &c3); /* samples 0..2 */
  ck_assert_uint_eq(c2, b2);
  ck_assert_uint_eq(c3, b3);
  ck_assert_msg(memcmp(ca, a, c2) == 0, "cache and band sampling differ (batch 2)");
  ck_assert_msg(memcmp(cb, f, c3) == 0, "cache and full sampling differ (batch 3)");
  free(ca);
  free(cb);
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

/* ---- cache mode on odd shapes against a C reference ------------------------------------- */
/* A random PixelCNN (mask A then B, BatchNorm with random statistics, 1x1 head) in folder dir:
 * fm channels (not a multiple of 8), L layers, kernel k, `levels` levels. */
typedef struct odd_net {
  int fm, L, k, levels;
  float *w[4], *mask[4], *mean[4], *var[4], *gamma[4], *beta[4], *hw, *hb;
} odd_net;

static void odd_net_write(vkg_ctx *ctx, odd_net *n, const char *dir) {
  char path[600], names[4 * 6 + 2][32];
  vkg_st_write_entry e[4 * 6 + 2];
  int ne = 0;
  for (int l = 0; l < n->L; l++) {
    const int64_t cin = l == 0 ? 1 : n->fm, k = n->k, pl = n->fm * cin * k * k;
    n->w[l] = malloc((size_t)pl * sizeof(float));
    n->mask[l] = malloc((size_t)pl * sizeof(float));
    vkg_test_fill_uniform(n->w[l], (size_t)pl, 100u + (unsigned)l, -0.4f, 0.4f);
    for (int64_t i = 0; i < pl; i++) {
      const int64_t r = (i / k) % k, c = i % k;
      n->mask[l][i] = (r < k / 2 || (r == k / 2 && c < k / 2 + (l > 0))) ? 1.0f : 0.0f;
    }
    float **bn[4] = {&n->mean[l], &n->var[l], &n->gamma[l], &n->beta[l]};
    const float lo[4] = {-0.2f, 0.5f, 0.7f, -0.3f}, hi[4] = {0.2f, 1.5f, 1.3f, 0.3f};
    for (int j = 0; j < 4; j++) {
      *bn[j] = malloc((size_t)n->fm * sizeof(float));
      vkg_test_fill_uniform(*bn[j], (size_t)n->fm, 200u + 10u * (unsigned)l + (unsigned)j, lo[j], hi[j]);
    }
    const int64_t wd[4] = {n->fm, cin, k, k}, cd[1] = {n->fm};
    const char *suffix[6] = {"weight", "mask", "running_mean", "running_var", "weight", "bias"};
    const float *data[6] = {n->w[l], n->mask[l], n->mean[l], n->var[l], n->gamma[l], n->beta[l]};
    for (int j = 0; j < 6; j++) {
      snprintf(names[ne], sizeof names[ne], "%d.%s", 3 * l + (j >= 2), suffix[j]);
      e[ne] = (vkg_st_write_entry){names[ne], VKG_F32, j < 2 ? vkg_shape_make(4, wd) : vkg_shape_make(1, cd), data[j]};
      ne++;
    }
  }
  n->hw = malloc((size_t)(n->levels * n->fm) * sizeof(float));
  n->hb = malloc((size_t)n->levels * sizeof(float));
  vkg_test_fill_uniform(n->hw, (size_t)(n->levels * n->fm), 300u, -1.0f, 1.0f);
  vkg_test_fill_uniform(n->hb, (size_t)n->levels, 301u, -0.5f, 0.5f);
  const int64_t hd[4] = {n->levels, n->fm, 1, 1}, bd[1] = {n->levels};
  snprintf(names[ne], sizeof names[ne], "%d.weight", 3 * n->L);
  e[ne] = (vkg_st_write_entry){names[ne], VKG_F32, vkg_shape_make(4, hd), n->hw};
  ne++;
  snprintf(names[ne], sizeof names[ne], "%d.bias", 3 * n->L);
  e[ne] = (vkg_st_write_entry){names[ne], VKG_F32, vkg_shape_make(1, bd), n->hb};
  ne++;
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, e, ne, NULL, 0, 0));
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "{\"_class_name\": \"PixelCNN\", \"fm\": %d, \"layers\": %d, \"kernel_size\": %d, \"levels\": %d}\n",
          n->fm, n->L, n->k, n->levels);
  fclose(f);
}

static void odd_net_free(odd_net *n) {
  for (int l = 0; l < n->L; l++) {
    free(n->w[l]), free(n->mask[l]), free(n->mean[l]), free(n->var[l]), free(n->gamma[l]), free(n->beta[l]);
  }
  free(n->hw), free(n->hb);
}

/* C reference: the full masked network in double on pixels [B, 1, H, W] (0..255) -> logits
 * [B, levels, H, W], as jzbontar/pixelcnn-pytorch in eval mode. */
static double *odd_net_ref(const odd_net *n, const float *px, int B, int H, int W) {
  const int fm = n->fm, k = n->k, p = k / 2;
  double *a = calloc((size_t)(B * fm * H * W), sizeof(double)), *t = calloc((size_t)(B * fm * H * W), sizeof(double));
  double *in = calloc((size_t)(B * H * W), sizeof(double));
  for (int i = 0; i < B * H * W; i++) in[i] = px[i] / 255.0;
  for (int l = 0; l < n->L; l++) {
    const int cin = l == 0 ? 1 : fm;
    const double *x = l == 0 ? in : a;
    for (int b = 0; b < B; b++)
      for (int co = 0; co < fm; co++)
        for (int r = 0; r < H; r++)
          for (int c = 0; c < W; c++) {
            double s = 0;
            for (int ci = 0; ci < cin; ci++)
              for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                  const int rr = r + i - p, cc = c + j - p;
                  if (rr < 0 || rr >= H || cc < 0 || cc >= W) continue;
                  const int wi = ((co * cin + ci) * k + i) * k + j;
                  s += (double)n->w[l][wi] * n->mask[l][wi] * x[((b * cin + ci) * H + rr) * W + cc];
                }
            s = (s - n->mean[l][co]) / sqrt((double)n->var[l][co] + 1e-5) * n->gamma[l][co] + n->beta[l][co];
            t[((b * fm + co) * H + r) * W + c] = s > 0 ? s : 0;
          }
    memcpy(a, t, (size_t)(B * fm * H * W) * sizeof(double));
  }
  double *y = malloc((size_t)(B * n->levels * H * W) * sizeof(double));
  for (int b = 0; b < B; b++)
    for (int lv = 0; lv < n->levels; lv++)
      for (int q = 0; q < H * W; q++) {
        double s = n->hb[lv];
        for (int ci = 0; ci < fm; ci++) s += (double)n->hw[lv * fm + ci] * a[(b * fm + ci) * H * W + q];
        y[(b * n->levels + lv) * H * W + q] = s;
      }
  free(a), free(t), free(in);
  return y;
}

START_TEST(test_cache_odd_shapes) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  char dir[256], out[600], text[8192];
  snprintf(dir, sizeof dir, "%s/pixelcnn_odd", vkg_test_tmpdir());
  mkdir(dir, 0755);
  odd_net n = {.fm = 5, .L = 3, .k = 5, .levels = 13};
  odd_net_write(ctx, &n, dir);
  /* pixels 0..12 scaled to 0..255 on a 7 x 9 image, batch 3 (not a multiple of the 8 lanes) */
  const int B = 3, H = 7, W = 9;
  float px[3 * 7 * 9];
  vkg_test_fill_uniform(px, (size_t)(B * H * W), 7u, 0.0f, 256.0f);
  for (int i = 0; i < B * H * W; i++) px[i] = floorf(px[i]);
  const int64_t pd[4] = {B, 1, H, W};
  snprintf(out, sizeof out, "%s/px.safetensors", dir);
  vkg_st_write_entry pe = {"pixels", VKG_F32, vkg_shape_make(4, pd), px};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, out, &pe, 1, NULL, 0, 0));
  char px_node[600], lg[600];
  snprintf(px_node, sizeof px_node, "px: {op: core.load_tensor, params: {path: %s/px.safetensors, name: pixels}}",
           dir);
  snprintf(lg, sizeof lg, "%s/lg.safetensors", dir);
  snprintf(text, sizeof text,
           "  sc: {op: ar.sample, params: {model: %s, batch: 3, size: 6, seed: 9, temperature: 0.8, mode: cache}}\n"
           "  sf: {op: ar.sample, params: {model: %s, batch: 3, size: 6, seed: 9, temperature: 0.8, mode: full}}\n"
           "  s3: {op: core.save_tensor, inputs: {tensor: sc.pixels}, params: {path: %s, name: sc}}\n"
           "  s4: {op: core.save_tensor, inputs: {tensor: sf.pixels}, params: {path: %s, name: sf}}\n",
           dir, dir, lg, lg);
  const char *modes[2] = {"full", "cache"};
  run_logits_modes(ctx, reg, px_node, "px", dir, modes, 2, text, lg);
  snprintf(out, sizeof out, "%s/lg.safetensors", dir);
  size_t nf, nc, ns, nsf;
  float *full = vkg_test_read_tensor(ctx, out, "full", &nf), *cache = vkg_test_read_tensor(ctx, out, "cache", &nc);
  int32_t *sc = vkg_test_read_tensor(ctx, out, "sc", &ns), *sf = vkg_test_read_tensor(ctx, out, "sf", &nsf);
  const size_t m = (size_t)(B * n.levels * H * W);
  ck_assert_uint_eq(nc, m * 4);
  ck_assert_uint_eq(nf, m * 4);
  double *ref = odd_net_ref(&n, px, B, H, W);
  float *reff = malloc(m * sizeof(float));
  for (size_t i = 0; i < m; i++) reff[i] = (float)ref[i];
  size_t worst = 0;
  double err = vkg_test_rel_err(cache, reff, m, 1e-5, 1e-4, &worst);
  ck_assert_msg(err <= 1.0, "cache logits vs C reference at %zu: %g vs %g", worst, cache[worst], reff[worst]);
  err = vkg_test_rel_err(cache, full, m, 1e-5, 0, &worst);
  ck_assert_msg(err <= 1.0, "cache vs full logits at %zu: %g vs %g", worst, cache[worst], full[worst]);
  ck_assert_uint_eq(ns, (size_t)(3 * 36 * 4));
  ck_assert_uint_eq(nsf, ns);
  ck_assert_msg(memcmp(sc, sf, ns) == 0, "cache and full sampling differ on the odd model");
  free(ref), free(reff), free(full), free(cache), free(sc), free(sf);
  odd_net_free(&n);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* The trained model (5 layers, fm 32) on full 28-wide rows: a dispatch covers a whole row, where
 * lavapipe's loop limiter (65535 loop iterations per invocation) would cut a kernel whose loops
 * run longer than vkg_ar_cache_loop_iters estimates. Cache logits must equal full logits. */
START_TEST(test_cache_trained_model_rows) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ar_registry(ctx);
  char out[512];
  tmp_path(out, sizeof out, "ar_trained.safetensors");
  const char *modes[2] = {"full", "cache"};
  run_logits_modes(ctx, reg,
                   "px: {op: core.load_idx, params: {path: /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz,"
                   " batch: 2, offset: 7, range: [0, 255]}}",
                   "px.images", TRAINED, modes, 2, "", out);
  size_t nf, nc;
  float *full = vkg_test_read_tensor(ctx, out, "full", &nf), *cache = vkg_test_read_tensor(ctx, out, "cache", &nc);
  ck_assert_uint_eq(nf, (size_t)2 * 256 * 28 * 28 * 4);
  ck_assert_uint_eq(nc, nf);
  size_t worst = 0;
  const double err = vkg_test_rel_err(cache, full, nf / 4, 1e-5, 0, &worst);
  ck_assert_msg(err <= 1.0, "cache vs full logits of the trained model at %zu: %g vs %g", worst, cache[worst],
                full[worst]);
  free(full);
  free(cache);
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
  tcase_add_test(tc, test_cache_odd_shapes);
  tcase_add_test(tc, test_cache_trained_model_rows);
  tcase_add_test(tc, test_temperature_not_positive);
  tcase_add_test(tc, test_wrong_channels);
  tcase_add_test(tc, test_wrong_model_class);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
