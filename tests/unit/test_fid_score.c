/* fid.score and the FID host math: the pytorch-fid fixture (well- and rank-deficient
 * covariances), streaming over N batches == one batch, stats files saved from two halves and
 * merged == the full run, and the bad-input errors. The host math lives in fid.so (LAPACK) and
 * is reached through dlsym. */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "../../plugins/fid/fid_math.h"
#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models/fid/io.safetensors"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "fid", NULL); }

/* Loads and runs a graph; *value gets report value key ("node.key") when value is not NULL. */
static vkg_status run_graph(vkg_ctx *ctx, vkg_registry *reg, const char *text, const char *key, double *value) {
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "fid.yaml", text, strlen(text), NULL, 0, &g);
  if (st) return st;
  vkg_run_options ro = {0};
  st = vkg_graph_run(g, &ro);
  if (!st && key) {
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    VKG_CHECK_OK(ctx, vkg_graph_write_report(g, f));
    rewind(f);
    json_error_t err;
    json_t *r = json_loadf(f, 0, &err);
    ck_assert_msg(r != NULL, "report: %s", err.text);
    json_t *v = json_object_get(json_object_get(r, "values"), key);
    ck_assert_msg(json_is_number(v), "report has no value '%s'", key);
    *value = json_number_value(v);
    json_decref(r);
    fclose(f);
  }
  vkg_graph_destroy(g);
  return st;
}

static void *fid_so(void) {
  void *h = dlopen(VKG_TEST_PLUGIN_DIR "/fid.so", RTLD_NOW | RTLD_LOCAL);
  ck_assert_msg(h != NULL, "dlopen fid.so: %s", dlerror());
  return h;
}

/* numpy mean and cov (N - 1) of f32 rows, in double. */
static void moments(const float *x, int64_t n, int64_t d, double *mu, double *cov) {
  for (int64_t j = 0; j < d; j++) {
    mu[j] = 0;
    for (int64_t i = 0; i < n; i++) mu[j] += x[i * d + j];
    mu[j] /= (double)n;
  }
  for (int64_t a = 0; a < d; a++)
    for (int64_t b = 0; b < d; b++) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += (x[i * d + a] - mu[a]) * (x[i * d + b] - mu[b]);
      cov[a * d + b] = s / (double)(n - 1);
    }
}

static double host_fid(vkg_ctx *ctx, const float *a, int64_t na, const float *b, int64_t nb, int64_t d,
                       int *used_eps) {
  void *h = fid_so();
  vkg_fid_frechet_distance_fn fn = (vkg_fid_frechet_distance_fn)dlsym(h, "vkg_fid_frechet_distance");
  ck_assert_ptr_nonnull(fn);
  double *m = malloc(sizeof(double) * (size_t)(2 * (d + d * d)));
  double *mu1 = m, *s1 = m + d, *mu2 = s1 + d * d, *s2 = mu2 + d, fid = 0;
  moments(a, na, d, mu1, s1);
  moments(b, nb, d, mu2, s2);
  VKG_CHECK_OK(ctx, fn(ctx, mu1, s1, mu2, s2, d, 1e-6, &fid, used_eps));
  free(m);
  dlclose(h);
  return fid;
}

static const float *fixture(vkg_ctx *ctx, vkg_safetensors *st, const char *name, int64_t rows, int64_t cols) {
  const vkg_st_entry *e = NULL;
  int64_t dims[2] = {rows, cols};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, name, 2, dims, &e));
  return e->data;
}

START_TEST(test_frechet_host_fixture) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  double want = atof(vkg_safetensors_metadata(st, "fid"));
  double want_small = atof(vkg_safetensors_metadata(st, "fid_small"));
  int used = -1;
  double got = host_fid(ctx, fixture(ctx, st, "real", 50, 16), 50, fixture(ctx, st, "fake", 60, 16), 60, 16, &used);
  ck_assert_msg(fabs(got - want) <= 1e-9 * want, "fid %.17g, pytorch-fid %.17g", got, want);
  ck_assert_int_eq(used, 0);
  /* 10 and 12 samples for 16 dims: both covariances singular. */
  double small = host_fid(ctx, fixture(ctx, st, "real_small", 10, 16), 10, fixture(ctx, st, "fake_small", 12, 16),
                          12, 16, &used);
  ck_assert_msg(fabs(small - want_small) <= 1e-6 * want_small, "fid_small %.17g, pytorch-fid %.17g", small,
                want_small);
  vkg_safetensors_close(st);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_frechet_host_identity_and_eps) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  void *h = fid_so();
  vkg_fid_frechet_distance_fn fn = (vkg_fid_frechet_distance_fn)dlsym(h, "vkg_fid_frechet_distance");
  /* Same distribution: 0. Diagonal covariances: closed form sum (sqrt a - sqrt b)^2. */
  double mu1[3] = {1, 2, 3}, mu2[3] = {1, 2, 5};
  double s1[9] = {4, 0, 0, 0, 9, 0, 0, 0, 1}, s2[9] = {1, 0, 0, 0, 4, 0, 0, 0, 1}, fid = -1;
  int used = -1;
  VKG_CHECK_OK(ctx, fn(ctx, mu1, s1, mu1, s1, 3, 1e-6, &fid, &used));
  ck_assert_msg(fabs(fid) < 1e-12, "%g", fid);
  VKG_CHECK_OK(ctx, fn(ctx, mu1, s1, mu2, s2, 3, 1e-6, &fid, &used));
  ck_assert_msg(fabs(fid - (4.0 + 1.0 + 1.0)) < 1e-12, "%g", fid);
  /* A NaN covariance entry: the eps retry cannot help either; a clear error. */
  s2[4] = NAN;
  VKG_CHECK_FAILS(ctx, fn(ctx, mu1, s1, mu2, s2, 3, 1e-6, &fid, &used), VKG_E_INPUT, "not finite");
  ck_assert_int_eq(used, 1);
  dlclose(h);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_fid_graph_fixture) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  double want = atof(vkg_safetensors_metadata(st, "fid"));
  double want_small = atof(vkg_safetensors_metadata(st, "fid_small"));
  vkg_safetensors_close(st);
  const char *fmt = "vkgen: 1\nnodes:\n"
                    "  r: {op: core.load_tensor, params: {path: " FIX ", name: %s}}\n"
                    "  f: {op: core.load_tensor, params: {path: " FIX ", name: %s}}\n"
                    "  fid: {op: fid.score, inputs: {real: r, fake: f}}\n";
  char text[4096];
  double got = 0;
  snprintf(text, sizeof text, fmt, "real", "fake");
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "fid.fid", &got));
  ck_assert_msg(fabs(got - want) <= 1e-3 * want, "fid %.10g, pytorch-fid %.10g", got, want);
  fprintf(stderr, "fid fixture: %.12g vs %.12g (rel %.2e)\n", got, want, fabs(got - want) / want);
  snprintf(text, sizeof text, fmt, "real_small", "fake_small");
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "fid.fid", &got));
  ck_assert_msg(fabs(got - want_small) <= 1e-3 * want_small, "fid_small %.10g, pytorch-fid %.10g", got,
                want_small);
  fprintf(stderr, "fid_small fixture: %.12g vs %.12g (rel %.2e)\n", got, want_small,
          fabs(got - want_small) / want_small);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* randn samples depend on (seed, sample index) only, so [10, D] x 6 batches streams the same
 * 60 samples as [60, D] x 1. */
static const char *stream_fmt = "vkgen: 1\nbatches: %d\nnodes:\n"
                                "  r: {op: core.randn, params: {shape: [%d, 24], seed: 11}}\n"
                                "  f: {op: core.randn, params: {shape: [%d, 24], seed: 12}}\n"
                                "  fid: {op: fid.score, inputs: {real: r, fake: f}}\n";

START_TEST(test_fid_batches_equal_one_batch) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  char text[4096];
  double one = 0, many = 0;
  snprintf(text, sizeof text, stream_fmt, 1, 60, 60);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "fid.fid", &one));
  snprintf(text, sizeof text, stream_fmt, 6, 10, 10);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "fid.fid", &many));
  ck_assert_msg(one > 0.1, "fid of two 60-sample normal sets should be clearly positive: %g", one);
  ck_assert_msg(fabs(one - many) <= 1e-9 * one, "one batch %.17g vs 6 batches %.17g", one, many);

  /* The device accumulation agrees with the host formula on the same samples. */
  char path[512];
  snprintf(path, sizeof path, "%s/fid_stream.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: 6\nnodes:\n"
           "  r: {op: core.randn, params: {shape: [10, 24], seed: 11}}\n"
           "  f: {op: core.randn, params: {shape: [10, 24], seed: 12}}\n"
           "  sr: {op: core.save_tensor, inputs: {tensor: r}, params: {path: %s, name: real}}\n"
           "  sf: {op: core.save_tensor, inputs: {tensor: f}, params: {path: %s, name: fake}}\n",
           path, path);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  double want = host_fid(ctx, fixture(ctx, st, "real", 60, 24), 60, fixture(ctx, st, "fake", 60, 24), 60, 24, NULL);
  vkg_safetensors_close(st);
  ck_assert_msg(fabs(one - want) <= 1e-9 * want, "device %.17g vs host %.17g", one, want);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void read_stats(vkg_ctx *ctx, const char *path, double **sum, double **outer, int64_t *n, int64_t d) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  ck_assert_str_eq(vkg_safetensors_metadata(st, "format"), "vkgen-fid-stats");
  const vkg_st_entry *e = vkg_safetensors_find(st, "sum");
  ck_assert_ptr_nonnull(e);
  ck_assert_str_eq(e->st_dtype, "F64");
  ck_assert_int_eq(e->shape.d[0], d);
  *sum = malloc(e->bytes);
  memcpy(*sum, e->data, e->bytes);
  e = vkg_safetensors_find(st, "outer");
  ck_assert_ptr_nonnull(e);
  ck_assert_int_eq((int64_t)e->bytes, (int64_t)(d * d * 8));
  *outer = malloc(e->bytes);
  memcpy(*outer, e->data, e->bytes);
  e = vkg_safetensors_find(st, "n");
  ck_assert_ptr_nonnull(e);
  memcpy(n, e->data, 8);
  vkg_safetensors_close(st);
}

START_TEST(test_fid_stats_merge) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *tmp = vkg_test_tmpdir();
  char full[512], half1[512], half2[512], merged[512], merged_api[512], text[4096];
  snprintf(full, sizeof full, "%s/full.stats.safetensors", tmp);
  snprintf(half1, sizeof half1, "%s/half1.stats.safetensors", tmp);
  snprintf(half2, sizeof half2, "%s/half2.stats.safetensors", tmp);
  snprintf(merged, sizeof merged, "%s/merged.stats.safetensors", tmp);
  snprintf(merged_api, sizeof merged_api, "%s/merged_api.stats.safetensors", tmp);
  /* The fixture's 50 real rows: all at once, and as rows 0..24 and 25..49 (files of their own). */
  char rows[512];
  snprintf(rows, sizeof rows, "%s/rows.safetensors", tmp);
  {
    vkg_safetensors *st = NULL;
    VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
    const float *r = fixture(ctx, st, "real", 50, 16);
    vkg_st_write_entry w[2] = {{"a", VKG_F32, vkg_shape_make(2, (const int64_t[]){25, 16}), r},
                               {"b", VKG_F32, vkg_shape_make(2, (const int64_t[]){25, 16}), r + 25 * 16}};
    VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, rows, w, 2, NULL, 0, 0));
    vkg_safetensors_close(st);
  }
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.load_tensor, params: {path: " FIX ", name: real}}\n"
           "  s: {op: fid.score, inputs: {real: r}, params: {save_stats: %s}}\n",
           full);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.load_tensor, params: {path: %s, name: a}}\n"
           "  s: {op: fid.score, inputs: {real: r}, params: {save_stats: %s}}\n",
           rows, half1);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.load_tensor, params: {path: %s, name: b}}\n"
           "  s: {op: fid.score, inputs: {real: r}, params: {save_stats: %s}}\n",
           rows, half2);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  /* Merge in a graph: half1 loaded + half2 streamed. */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.load_tensor, params: {path: %s, name: b}}\n"
           "  s: {op: fid.score, inputs: {real: r}, params: {load_stats: %s, save_stats: %s}}\n",
           rows, half1, merged);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  /* Merge through the C API: load both halves, add, save. */
  {
    void *h = fid_so();
    vkg_status (*load)(vkg_ctx *, const char *, vkg_fid_stats *) =
        (vkg_status(*)(vkg_ctx *, const char *, vkg_fid_stats *))dlsym(h, "vkg_fid_stats_load");
    vkg_status (*merge)(vkg_ctx *, vkg_fid_stats *, const vkg_fid_stats *, const char *) =
        (vkg_status(*)(vkg_ctx *, vkg_fid_stats *, const vkg_fid_stats *, const char *))dlsym(h, "vkg_fid_stats_merge");
    vkg_status (*save)(vkg_ctx *, const char *, const vkg_fid_stats *) =
        (vkg_status(*)(vkg_ctx *, const char *, const vkg_fid_stats *))dlsym(h, "vkg_fid_stats_save");
    void (*sfree)(vkg_fid_stats *) = (void (*)(vkg_fid_stats *))dlsym(h, "vkg_fid_stats_free");
    ck_assert(load && merge && save && sfree);
    vkg_fid_stats a, b;
    VKG_CHECK_OK(ctx, load(ctx, half1, &a));
    VKG_CHECK_OK(ctx, load(ctx, half2, &b));
    ck_assert_int_eq(a.n, 25);
    VKG_CHECK_OK(ctx, merge(ctx, &a, &b, "merge"));
    VKG_CHECK_OK(ctx, save(ctx, merged_api, &a));
    sfree(&a);
    sfree(&b);
    dlclose(h);
  }
  double *fs, *fo, *ms, *mo, *as, *ao;
  int64_t fn, mn, an;
  read_stats(ctx, full, &fs, &fo, &fn, 16);
  read_stats(ctx, merged, &ms, &mo, &mn, 16);
  read_stats(ctx, merged_api, &as, &ao, &an, 16);
  ck_assert_int_eq(fn, 50);
  ck_assert_int_eq(mn, 50);
  ck_assert_int_eq(an, 50);
  /* The merge itself is an exact f64 addition (the graph and API merges agree bit for bit);
   * the halves vs the full run differ only by the device accumulator's rounding (~2x f32
   * precision), so compare relative to the largest entry. */
  double worst = 0, scale_s = 0, scale_o = 0;
  for (int i = 0; i < 16; i++) scale_s = fmax(scale_s, fabs(fs[i]));
  for (int i = 0; i < 256; i++) scale_o = fmax(scale_o, fabs(fo[i]));
  for (int i = 0; i < 16; i++) {
    worst = fmax(worst, fabs(fs[i] - ms[i]) / scale_s);
    ck_assert(ms[i] == as[i]);
  }
  for (int i = 0; i < 256; i++) {
    worst = fmax(worst, fabs(fo[i] - mo[i]) / scale_o);
    ck_assert(mo[i] == ao[i]);
  }
  fprintf(stderr, "merged vs full stats: max difference %.3g of the largest entry\n", worst);
  ck_assert_msg(worst < 1e-12, "merged stats differ from the full run's by %g (relative)", worst);
  free(fs), free(fo), free(ms), free(mo), free(as), free(ao);

  /* FID against the merged file equals FID against the full run's file. */
  double f1 = 0, f2 = 0;
  const char *cmp = "vkgen: 1\nnodes:\n  f: {op: core.load_tensor, params: {path: " FIX ", name: fake}}\n"
                    "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: %s}}\n";
  snprintf(text, sizeof text, cmp, full);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "s.fid", &f1));
  snprintf(text, sizeof text, cmp, merged);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "s.fid", &f2));
  ck_assert_msg(fabs(f1 - f2) <= 1e-9 * f1, "%.17g vs %.17g", f1, f2);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  double want = atof(vkg_safetensors_metadata(st, "fid"));
  vkg_safetensors_close(st);
  ck_assert_msg(fabs(f1 - want) <= 1e-3 * want, "fid from stats file %.10g, pytorch-fid %.10g", f1, want);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_fid_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  char text[4096], stats8[512];
  /* Feature dims that disagree. */
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [4, 16]}}\n"
                            "  f: {op: core.randn, params: {shape: [4, 8]}}\n"
                            "  s: {op: fid.score, inputs: {real: r, fake: f}}\n",
                            NULL, NULL),
                  VKG_E_INPUT, "feature dims of real (16) and fake (8) disagree");
  /* Fewer than 2 samples. */
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [1, 16]}}\n"
                            "  f: {op: core.randn, params: {shape: [5, 16]}}\n"
                            "  s: {op: fid.score, inputs: {real: r, fake: f}}\n",
                            NULL, NULL),
                  VKG_E_INPUT, "real side has 1 samples; FID needs at least 2");
  /* A stats file from another feature size. */
  snprintf(stats8, sizeof stats8, "%s/d8.stats.safetensors", vkg_test_tmpdir());
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [5, 8]}}\n"
           "  s: {op: fid.score, inputs: {real: r}, params: {save_stats: %s}}\n",
           stats8);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, NULL, NULL));
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  f: {op: core.randn, params: {shape: [5, 16]}}\n"
           "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: %s}}\n",
           stats8);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "holds 8-dim real features");
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [5, 16]}}\n"
           "  f: {op: core.randn, params: {shape: [5, 16]}}\n"
           "  s: {op: fid.score, inputs: {real: r, fake: f}, params: {load_stats: %s}}\n",
           stats8);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "holds 8-dim features");
  /* A stats file that does not exist yet (written by an earlier graph): the graph loads, the
   * file is read before the first batch, and its size is checked then. */
  {
    char later[512];
    snprintf(later, sizeof later, "%s/later.stats.safetensors", vkg_test_tmpdir());
    snprintf(text, sizeof text,
             "vkgen: 1\nnodes:\n  f: {op: core.randn, params: {shape: [5, 16]}}\n"
             "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: %s}}\n",
             later);
    vkg_graph *g = NULL;
    VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "later.yaml", text, strlen(text), NULL, 0, &g));
    vkg_run_options ro = {0};
    ck_assert_int_ne(vkg_graph_run(g, &ro), VKG_OK);
    ck_assert_msg(strstr(vkg_error_message(ctx), "later.stats.safetensors") != NULL, "%s", vkg_error_message(ctx));
    vkg_graph_destroy(g);
    VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "later.yaml", text, strlen(text), NULL, 0, &g));
    char copy[8192];
    snprintf(copy, sizeof copy,
             "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [5, 8]}}\n"
             "  s: {op: fid.score, inputs: {real: r}, params: {save_stats: %s}}\n",
             later);
    VKG_CHECK_OK(ctx, run_graph(ctx, reg, copy, NULL, NULL));
    VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &ro), VKG_E_INPUT, "holds 8-dim real features");
    vkg_graph_destroy(g);
  }
  /* Not a stats file; nothing to compare. */
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  f: {op: core.randn, params: {shape: [5, 16]}}\n"
                            "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: " FIX "}}\n",
                            NULL, NULL),
                  VKG_E_INPUT, "not a FID stats file");
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  r: {op: core.randn, params: {shape: [5, 16]}}\n"
                            "  s: {op: fid.score, inputs: {real: r}}\n",
                            NULL, NULL),
                  VKG_E_INPUT, "no fake side");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST


/* ---- pytorch-fid .npz statistics ---------------------------------------------------------- */

static void put16(FILE *f, unsigned v) { fputc((int)(v & 255), f), fputc((int)(v >> 8 & 255), f); }
static void put32(FILE *f, unsigned long v) { put16(f, (unsigned)(v & 0xFFFF)), put16(f, (unsigned)(v >> 16)); }

/* A .npy image of a float64 array ([d] or [d, d]) in a malloc'd buffer. */
static unsigned char *npy_bytes(const double *v, int64_t d, int ndim, size_t *len) {
  char hdr[128];
  int n = ndim == 1 ? snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld,), }",
                                (long long)d)
                     : snprintf(hdr, sizeof hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (%lld, %lld), }",
                                (long long)d, (long long)d);
  while ((10 + n + 1) % 64) hdr[n++] = ' ';
  hdr[n++] = '\n';
  size_t count = (size_t)(ndim == 2 ? d * d : d);
  *len = 10 + (size_t)n + 8 * count;
  unsigned char *b = malloc(*len);
  memcpy(b, "\x93NUMPY\x01\x00", 8);
  b[8] = (unsigned char)(n & 255), b[9] = (unsigned char)(n >> 8);
  memcpy(b + 10, hdr, (size_t)n);
  memcpy(b + 10 + n, v, 8 * count);
  return b;
}

/* np.savez-like zip (stored members, no zip64, CRC left 0: the reader does not check it). */
static void write_npz(const char *path, const double *mu, const double *sigma, int64_t d) {
  size_t len[2];
  unsigned char *data[2] = {npy_bytes(mu, d, 1, &len[0]), npy_bytes(sigma, d, 2, &len[1])};
  const char *names[2] = {"mu.npy", "sigma.npy"};
  unsigned long off[2];
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  for (int k = 0; k < 2; k++) {
    off[k] = (unsigned long)ftell(f);
    put32(f, 0x04034b50), put16(f, 20), put16(f, 0), put16(f, 0), put16(f, 0), put16(f, 0);
    put32(f, 0), put32(f, len[k]), put32(f, len[k]), put16(f, (unsigned)strlen(names[k])), put16(f, 0);
    fputs(names[k], f);
    fwrite(data[k], 1, len[k], f);
  }
  unsigned long cd = (unsigned long)ftell(f);
  for (int k = 0; k < 2; k++) {
    put32(f, 0x02014b50), put16(f, 20), put16(f, 20), put16(f, 0), put16(f, 0), put16(f, 0), put16(f, 0);
    put32(f, 0), put32(f, len[k]), put32(f, len[k]), put16(f, (unsigned)strlen(names[k])), put16(f, 0), put16(f, 0);
    put16(f, 0), put16(f, 0), put32(f, 0), put32(f, off[k]);
    fputs(names[k], f);
  }
  unsigned long cdlen = (unsigned long)ftell(f) - cd;
  put32(f, 0x06054b50), put16(f, 0), put16(f, 0), put16(f, 2), put16(f, 2), put32(f, cdlen), put32(f, cd), put16(f, 0);
  fclose(f);
  free(data[0]), free(data[1]);
}

START_TEST(test_fid_npz_stats) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, FIX, &st));
  double want = atof(vkg_safetensors_metadata(st, "fid"));
  double mu[16], sigma[256];
  moments(fixture(ctx, st, "real", 50, 16), 50, 16, mu, sigma);
  vkg_safetensors_close(st);
  char npz[512], text[4096];
  snprintf(npz, sizeof npz, "%s/real.npz", vkg_test_tmpdir());
  write_npz(npz, mu, sigma, 16);
  double got = 0;
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  f: {op: core.load_tensor, params: {path: " FIX ", name: fake}}\n"
           "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: %s}}\n",
           npz);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text, "s.fid", &got));
  ck_assert_msg(fabs(got - want) <= 1e-9 * want, "fid from .npz %.17g, pytorch-fid %.17g", got, want);
  /* No sample count: it cannot be merged with streamed features. */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  f: {op: core.load_tensor, params: {path: " FIX ", name: fake}}\n"
           "  s: {op: fid.score, inputs: {real: f, fake: f}, params: {load_stats: %s}}\n",
           npz);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "cannot be merged");
  /* A truncated file. */
  FILE *f = fopen(npz, "r+b");
  ck_assert_int_eq(ftruncate(fileno(f), 100), 0);
  fclose(f);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  f: {op: core.load_tensor, params: {path: " FIX ", name: fake}}\n"
           "  s: {op: fid.score, inputs: {fake: f}, params: {load_stats: %s}}\n",
           npz);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text, NULL, NULL), VKG_E_INPUT, "not a zip");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("fid");
  TCase *tc = tcase_create("fid");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_frechet_host_fixture);
  tcase_add_test(tc, test_frechet_host_identity_and_eps);
  tcase_add_test(tc, test_fid_graph_fixture);
  tcase_add_test(tc, test_fid_batches_equal_one_batch);
  tcase_add_test(tc, test_fid_stats_merge);
  tcase_add_test(tc, test_fid_errors);
  tcase_add_test(tc, test_fid_npz_stats);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
