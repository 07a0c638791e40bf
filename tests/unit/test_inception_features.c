/* inception.features on the narrow FID Inception fixture (pool, logits, logits_unbiased vs
 * the float64 PyTorch reference), grayscale replication, a 10-class fc, and load errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MODEL VKG_TEST_SOURCE_DIR "/tests/fixtures/models/fid_inception_narrow"
#define IO MODEL "/io.safetensors"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "inception", NULL); }

static vkg_status run_graph(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  return vkg_test_run_graph(ctx, reg, "inception.yaml", text);
}

/* Runs images (tensor `name` of file `in`) through model; writes pool/logits/logits_unbiased to out. */
static vkg_status features(vkg_ctx *ctx, vkg_registry *reg, const char *model, const char *in, const char *name,
                           const char *out) {
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.load_tensor, params: {path: %s, name: %s}}\n"
           "  inc: {op: inception.features, inputs: {images: x}, params: {model: %s}}\n"
           "  a: {op: core.save_tensor, inputs: {tensor: inc.pool}, params: {path: %s, name: pool}}\n"
           "  b: {op: core.save_tensor, inputs: {tensor: inc.logits}, params: {path: %s, name: logits}}\n"
           "  c: {op: core.save_tensor, inputs: {tensor: inc.logits_unbiased}, params: {path: %s, name: "
           "logits_unbiased}}\n",
           in, name, model, out, out, out);
  return run_graph(ctx, reg, text);
}

static const float *entry(vkg_ctx *ctx, vkg_safetensors *st, const char *name, int64_t r, int64_t c) {
  const vkg_st_entry *e = NULL;
  int64_t dims[2] = {r, c};
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, name, 2, dims, &e));
  return e->data;
}

START_TEST(test_inception_narrow_fixture) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  char out[512];
  snprintf(out, sizeof out, "%s/inception_out.safetensors", vkg_test_tmpdir());
  VKG_CHECK_OK(ctx, features(ctx, reg, MODEL, IO, "images", out));
  vkg_safetensors *want = NULL, *got = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, IO, &want));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, out, &got));
  static const struct {
    const char *name;
    int64_t cols;
  } outs[3] = {{"pool", 128}, {"logits", 1008}, {"logits_unbiased", 1008}};
  for (int k = 0; k < 3; k++) {
    const float *w = entry(ctx, want, outs[k].name, 2, outs[k].cols), *g = entry(ctx, got, outs[k].name, 2, outs[k].cols);
    size_t worst = 0;
    double amax = 0;
    for (int64_t i = 0; i < 2 * outs[k].cols; i++) amax = fmax(amax, fabs(w[i]));
    /* rtol 1e-3 with an absolute floor of 1e-3 of the output's scale (entries near 0). */
    double err = vkg_test_rel_err(g, w, (size_t)(2 * outs[k].cols), 1e-3 * amax, 1e-3, &worst);
    double maxrel = 0;
    for (int64_t i = 0; i < 2 * outs[k].cols; i++) maxrel = fmax(maxrel, fabs(g[i] - w[i]) / amax);
    fprintf(stderr, "%s: max |err| / max |ref| = %.3g, tolerance use %.3g (worst %zu: %g vs %g)\n", outs[k].name,
            maxrel, err, worst, g[worst], w[worst]);
    ck_assert_msg(err <= 1.0, "%s: error %g of tolerance at %zu: %g vs %g", outs[k].name, err, worst, g[worst],
                  w[worst]);
  }
  vkg_safetensors_close(want);
  vkg_safetensors_close(got);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* A [B, 1, H, W] batch equals the same gray image replicated to 3 channels. */
START_TEST(test_inception_grayscale) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *tmp = vkg_test_tmpdir();
  char in[512], o1[512], o3[512];
  snprintf(in, sizeof in, "%s/gray_in.safetensors", tmp);
  snprintf(o1, sizeof o1, "%s/gray_o1.safetensors", tmp);
  snprintf(o3, sizeof o3, "%s/gray_o3.safetensors", tmp);
  enum { H = 28, W = 28 };
  static float g1[2 * H * W], g3[2 * 3 * H * W];
  vkg_test_fill_uniform(g1, 2 * H * W, 3, 0, 1);
  for (int b = 0; b < 2; b++)
    for (int c = 0; c < 3; c++) memcpy(g3 + (b * 3 + c) * H * W, g1 + b * H * W, sizeof(float) * H * W);
  vkg_st_write_entry w[2] = {{"g1", VKG_F32, vkg_shape_4d(2, 1, H, W), g1}, {"g3", VKG_F32, vkg_shape_4d(2, 3, H, W), g3}};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, in, w, 2, NULL, 0, 0));
  VKG_CHECK_OK(ctx, features(ctx, reg, MODEL, in, "g1", o1));
  VKG_CHECK_OK(ctx, features(ctx, reg, MODEL, in, "g3", o3));
  vkg_safetensors *a = NULL, *b = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, o1, &a));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, o3, &b));
  const float *pa = entry(ctx, a, "pool", 2, 128), *pb = entry(ctx, b, "pool", 2, 128);
  for (int i = 0; i < 256; i++) ck_assert_msg(pa[i] == pb[i], "%d: %g vs %g", i, pa[i], pb[i]);
  vkg_safetensors_close(a);
  vkg_safetensors_close(b);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* A batch larger than a chunk runs in chunks (here 2, 2 and 1 images) with the same features
 * as one pass: big batches must not exceed the device's storage binding range. */
START_TEST(test_inception_chunked_batch) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *tmp = vkg_test_tmpdir();
  char in[512], o[2][512], text[4096];
  snprintf(in, sizeof in, "%s/chunk_in.safetensors", tmp);
  enum { B = 5, H = 75, W = 75 };
  static float x[B * 3 * H * W];
  vkg_test_fill_uniform(x, B * 3 * H * W, 11, 0, 1);
  vkg_st_write_entry w = {"x", VKG_F32, vkg_shape_4d(B, 3, H, W), x};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, in, &w, 1, NULL, 0, 0));
  for (int run = 0; run < 2; run++) {
    snprintf(o[run], sizeof o[run], "%s/chunk_out%d.safetensors", tmp, run);
    if (run) setenv("VKGEN_INCEPTION_CHUNK", "2", 1);
    snprintf(text, sizeof text,
             "vkgen: 1\nnodes:\n"
             "  x: {op: core.load_tensor, params: {path: %s, name: x}}\n"
             "  inc: {op: inception.features, inputs: {images: x}, params: {model: %s, resize: false}}\n"
             "  a: {op: core.save_tensor, inputs: {tensor: inc.pool}, params: {path: %s, name: pool}}\n"
             "  b: {op: core.save_tensor, inputs: {tensor: inc.logits}, params: {path: %s, name: logits}}\n",
             in, MODEL, o[run], o[run]);
    VKG_CHECK_OK(ctx, run_graph(ctx, reg, text));
  }
  unsetenv("VKGEN_INCEPTION_CHUNK");
  vkg_safetensors *a = NULL, *b = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, o[0], &a));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, o[1], &b));
  const char *names[2] = {"pool", "logits"};
  for (int k = 0; k < 2; k++) {
    const vkg_st_entry *ea = vkg_safetensors_find(a, names[k]), *eb = vkg_safetensors_find(b, names[k]);
    ck_assert_ptr_nonnull(ea);
    ck_assert_ptr_nonnull(eb);
    ck_assert(vkg_shape_equal(&ea->shape, &eb->shape));
    ck_assert_int_eq(ea->shape.d[0], B);
    size_t n = (size_t)vkg_shape_numel(&ea->shape), worst;
    double err = vkg_test_rel_err(eb->data, ea->data, n, 1e-6, 1e-5, &worst);
    ck_assert_msg(err <= 1, "%s[%zu]: chunked %g vs whole %g", names[k], worst, ((const float *)eb->data)[worst],
                  ((const float *)ea->data)[worst]);
  }
  vkg_safetensors_close(a);
  vkg_safetensors_close(b);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Copies the narrow model with a 10-class fc (the first 10 rows): the logits port is [B, 10]
 * and equals the fixture's first 10 logits. */
START_TEST(test_inception_ten_classes) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *tmp = vkg_test_tmpdir();
  char folder[512], path[600], out[512];
  snprintf(folder, sizeof folder, "%s/inception10", tmp);
  snprintf(path, sizeof path, "%s/model.safetensors", folder);
  snprintf(out, sizeof out, "%s/inception10_out.safetensors", tmp);
  vkg_safetensors *src = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, MODEL "/model.safetensors", &src));
  int n = vkg_safetensors_count(src);
  vkg_st_write_entry *w = calloc((size_t)n, sizeof *w);
  for (int i = 0; i < n; i++) {
    const vkg_st_entry *e = vkg_safetensors_entry(src, i);
    w[i].name = e->name;
    w[i].dtype = e->dtype;
    w[i].shape = e->shape;
    w[i].data = e->data;
    if (!strcmp(e->name, "fc.weight") || !strcmp(e->name, "fc.bias")) w[i].shape.d[0] = 10; /* first rows */
  }
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, w, n, NULL, 0, 0));
  free(w);
  vkg_safetensors_close(src);
  snprintf(path, sizeof path, "%s/config.json", folder);
  FILE *f = fopen(path, "w");
  fputs("{\"_class_name\": \"FIDInceptionV3\"}\n", f);
  fclose(f);

  char text[2048];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  x: {op: core.load_tensor, params: {path: " IO ", name: images}}\n"
           "  inc: {op: inception.features, inputs: {images: x}, params: {model: %s}}\n"
           "  b: {op: core.save_tensor, inputs: {tensor: inc.logits}, params: {path: %s, name: logits}}\n",
           folder, out);
  VKG_CHECK_OK(ctx, run_graph(ctx, reg, text));
  vkg_safetensors *want = NULL, *got = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, IO, &want));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, out, &got));
  const float *wl = entry(ctx, want, "logits", 2, 1008), *gl = entry(ctx, got, "logits", 2, 10);
  for (int b = 0; b < 2; b++)
    for (int i = 0; i < 10; i++)
      ck_assert_msg(fabs(gl[b * 10 + i] - wl[b * 1008 + i]) <= 1e-3 * (1 + fabs(wl[b * 1008 + i])), "%g vs %g",
                    gl[b * 10 + i], wl[b * 1008 + i]);
  vkg_safetensors_close(want);
  vkg_safetensors_close(got);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_inception_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  /* Not an FID Inception folder. */
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  x: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
                            "  inc: {op: inception.features, inputs: {images: x}, params: {model: " VKG_TEST_SOURCE_DIR
                            "/tests/fixtures/models/dcgan32}}\n"),
                  VKG_E_INPUT, "FIDInceptionV3");
  /* Wrong image layout. */
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  x: {op: core.randn, params: {shape: [1, 2, 8, 8]}}\n"
                            "  inc: {op: inception.features, inputs: {images: x}, params: {model: " MODEL "}}\n"),
                  VKG_E_INPUT, "images must be [B, 3, H, W]");
  VKG_CHECK_FAILS(ctx,
                  run_graph(ctx, reg,
                            "vkgen: 1\nnodes:\n  x: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
                            "  inc: {op: inception.features, inputs: {images: x}, params: {model: " MODEL
                            ", resize: false}}\n"),
                  VKG_E_INPUT, "too small");
  /* A weight whose channel count breaks the flow: drop Mixed_5c.branch1x1 to half its input. */
  const char *tmp = vkg_test_tmpdir();
  char folder[512], path[600], text[2048];
  snprintf(folder, sizeof folder, "%s/inception_bad", tmp);
  snprintf(path, sizeof path, "%s/model.safetensors", folder);
  vkg_safetensors *src = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, MODEL "/model.safetensors", &src));
  int n = vkg_safetensors_count(src);
  vkg_st_write_entry *w = calloc((size_t)n, sizeof *w);
  for (int i = 0; i < n; i++) {
    const vkg_st_entry *e = vkg_safetensors_entry(src, i);
    w[i] = (vkg_st_write_entry){e->name, e->dtype, e->shape, e->data};
    if (!strcmp(e->name, "Mixed_5c.branch1x1.conv.weight")) w[i].shape.d[1] /= 2;
  }
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, w, n, NULL, 0, 0));
  free(w);
  vkg_safetensors_close(src);
  snprintf(path, sizeof path, "%s/config.json", folder);
  FILE *f = fopen(path, "w");
  fputs("{\"_class_name\": \"FIDInceptionV3\"}\n", f);
  fclose(f);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  x: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
           "  inc: {op: inception.features, inputs: {images: x}, params: {model: %s}}\n",
           folder);
  VKG_CHECK_FAILS(ctx, run_graph(ctx, reg, text), VKG_E_INPUT, "'Mixed_5c.branch1x1.conv.weight' takes 8 input channels");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("inception");
  TCase *tc = tcase_create("inception");
  tcase_set_timeout(tc, 900);
  tcase_add_test(tc, test_inception_narrow_fixture);
  tcase_add_test(tc, test_inception_grayscale);
  tcase_add_test(tc, test_inception_chunked_batch);
  tcase_add_test(tc, test_inception_ten_classes);
  tcase_add_test(tc, test_inception_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
