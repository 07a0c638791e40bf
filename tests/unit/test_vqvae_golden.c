/* vqvae plugin against the PyTorch fixture (tools/ref/make_fixtures.py, vqmodel_tiny): encode
 * (latent, quantized, indices exact; code 31 duplicates code 12, so the tie must go to 12),
 * decode of latents and of codes, decode_indices (i64 and i32), and the error paths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MODEL VKG_TEST_SOURCE_DIR "/tests/fixtures/models/vqmodel_tiny"
#define IO MODEL "/io.safetensors"

static vkg_registry *registry(vkg_ctx *ctx) { return vkg_test_registry(ctx, "vqvae", NULL); }

static vkg_status run_text(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  return vkg_test_run_graph(ctx, reg, "vq_test.yaml", text);
}

static const char *tmp(const char *file) {
  static char buf[8][512];
  static int k;
  char *p = buf[k++ % 8];
  snprintf(p, 512, "%s/%s", vkg_test_tmpdir(), file);
  return p;
}

/* A malloc'd copy of tensor `name` (any dtype); *e_out gets dtype/shape (data not valid). */
static void *read_any(vkg_ctx *ctx, const char *path, const char *name, vkg_st_entry *e_out) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  ck_assert_msg(e != NULL, "%s: no tensor %s", path, name);
  void *x = malloc(e->bytes ? e->bytes : 1);
  ck_assert_ptr_nonnull(x);
  memcpy(x, e->data, e->bytes);
  *e_out = *e;
  e_out->data = NULL;
  vkg_safetensors_close(st);
  return x;
}

static void expect_close(vkg_ctx *ctx, const char *out, const char *name, const char *ref_name) {
  vkg_st_entry ea, eb;
  float *a = read_any(ctx, out, name, &ea), *b = read_any(ctx, IO, ref_name, &eb);
  ck_assert_msg(ea.dtype == VKG_F32 && vkg_shape_equal(&ea.shape, &eb.shape), "%s: dtype/shape differ from %s", name,
                ref_name);
  size_t n = ea.bytes / 4, worst = 0;
  double maxabs = 0, maxref = 0;
  for (size_t i = 0; i < n; i++) {
    if (fabs((double)a[i] - b[i]) > maxabs) maxabs = fabs((double)a[i] - b[i]);
    if (fabs(b[i]) > maxref) maxref = fabs(b[i]);
  }
  double e = vkg_test_rel_err(a, b, n, 1e-5 * (maxref > 1 ? maxref : 1), 1e-4, &worst);
  fprintf(stderr, "%s vs %s: max |err| %.3g (max |ref| %.3g), scaled err %.3g\n", name, ref_name, maxabs, maxref, e);
  ck_assert_msg(e <= 1.0, "%s vs %s: error %g at %zu (%g vs %g)", name, ref_name, e, worst, a[worst], b[worst]);
  free(a);
  free(b);
}

START_TEST(test_vq_encode_decode_golden) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *o[6] = {tmp("vq_latent.st"), tmp("vq_quant.st"), tmp("vq_idx.st"), tmp("vq_dec_latent.st"),
                      tmp("vq_dec_quant.st"), tmp("vq_dec_idx.st")};
  char text[4096];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.load_tensor, params: {path: %s, name: x}}\n"
           "  idx: {op: core.load_tensor, params: {path: %s, name: indices}}\n"
           "  lat: {op: core.load_tensor, params: {path: %s, name: latent}}\n"
           "  enc: {op: vqvae.encode, inputs: {x: x}, params: {model: %s}}\n"
           "  d1: {op: vqvae.decode, inputs: {quantized: lat}, params: {model: %s}}\n"
           "  d2: {op: vqvae.decode, inputs: {quantized: enc.quantized}, params: {model: %s}}\n"
           "  d3: {op: vqvae.decode_indices, inputs: {indices: idx}, params: {model: %s}}\n"
           "  s0: {op: core.save_tensor, inputs: {tensor: enc.latent}, params: {path: %s, name: t}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: enc.quantized}, params: {path: %s, name: t}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: enc.indices}, params: {path: %s, name: t}}\n"
           "  s3: {op: core.save_tensor, inputs: {tensor: d1}, params: {path: %s, name: t}}\n"
           "  s4: {op: core.save_tensor, inputs: {tensor: d2}, params: {path: %s, name: t}}\n"
           "  s5: {op: core.save_tensor, inputs: {tensor: d3}, params: {path: %s, name: t}}\n",
           IO, IO, IO, MODEL, MODEL, MODEL, MODEL, o[0], o[1], o[2], o[3], o[4], o[5]);
  VKG_CHECK_OK(ctx, run_text(ctx, reg, text));
  expect_close(ctx, o[0], "t", "latent");
  expect_close(ctx, o[1], "t", "quantized");
  vkg_st_entry ea, eb;
  int64_t *a = read_any(ctx, o[2], "t", &ea), *b = read_any(ctx, IO, "indices", &eb);
  ck_assert_int_eq(ea.dtype, VKG_I64);
  ck_assert(vkg_shape_equal(&ea.shape, &eb.shape));
  int saw12 = 0;
  for (size_t i = 0; i < ea.bytes / 8; i++) {
    ck_assert_msg(a[i] == b[i], "indices[%zu] = %lld, reference %lld", i, (long long)a[i], (long long)b[i]);
    saw12 |= a[i] == 12;
  }
  ck_assert_msg(saw12, "the fixture's duplicated code 12 was never chosen: the tie check tests nothing");
  free(a);
  free(b);
  expect_close(ctx, o[3], "t", "decoded"); /* diffusers decode(latent) quantizes first */
  expect_close(ctx, o[4], "t", "decoded");
  expect_close(ctx, o[5], "t", "decoded");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* Writes the fixture's indices as i32 with one entry replaced by bad (when set), to path. */
static void write_indices(vkg_ctx *ctx, const char *path, vkg_dtype dt, int set_bad, int64_t bad, size_t at) {
  vkg_st_entry e;
  int64_t *ix = read_any(ctx, IO, "indices", &e);
  size_t n = e.bytes / 8;
  if (set_bad) ix[at] = bad;
  vkg_st_write_entry w = {"indices", dt, e.shape, ix};
  int32_t *i32 = NULL;
  if (dt == VKG_I32) {
    i32 = malloc(n * 4);
    for (size_t i = 0; i < n; i++) i32[i] = (int32_t)ix[i];
    w.data = i32;
  }
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, &w, 1, NULL, 0, 0));
  free(i32);
  free(ix);
}

static vkg_status run_decode_indices(vkg_ctx *ctx, vkg_registry *reg, const char *in, const char *out) {
  char text[2048];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  idx: {op: core.load_tensor, params: {path: %s, name: indices}}\n"
           "  dec: {op: vqvae.decode_indices, inputs: {indices: idx}, params: {model: %s}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: dec}, params: {path: %s, name: t}}\n",
           in, MODEL, out);
  return run_text(ctx, reg, text);
}

START_TEST(test_vq_decode_indices_i32) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *in = tmp("idx32.st"), *out = tmp("idx32_dec.st");
  write_indices(ctx, in, VKG_I32, 0, 0, 0);
  VKG_CHECK_OK(ctx, run_decode_indices(ctx, reg, in, out));
  expect_close(ctx, out, "t", "decoded");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* An index outside [0, 32) fails the run with the position and value (the shader clamps it,
 * so nothing is read out of bounds; valgrind/validation would see it otherwise). */
START_TEST(test_vq_indices_out_of_range) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = registry(ctx);
  const char *in = tmp("bad_idx.st"), *out = tmp("bad_idx_dec.st");
  /* flat 53 of [2, 8, 6] = [1, 0, 5] */
  write_indices(ctx, in, VKG_I64, 1, 32, 53);
  VKG_CHECK_FAILS(ctx, run_decode_indices(ctx, reg, in, out), VKG_E_INPUT, "indices out of range");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "indices[1, 0, 5] = 32"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "dec"));
  write_indices(ctx, in, VKG_I64, 1, -1, 7);
  VKG_CHECK_FAILS(ctx, run_decode_indices(ctx, reg, in, out), VKG_E_INPUT, "indices[0, 1, 1] = -1");
  write_indices(ctx, in, VKG_I64, 1, (int64_t)1 << 33, 0);
  VKG_CHECK_FAILS(ctx, run_decode_indices(ctx, reg, in, out), VKG_E_INPUT, "outside [0, 31]");
  write_indices(ctx, in, VKG_I32, 1, 1000, 95);
  VKG_CHECK_FAILS(ctx, run_decode_indices(ctx, reg, in, out), VKG_E_INPUT, "indices[1, 7, 5] = 1000");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static vkg_status load_only(vkg_ctx *ctx, vkg_registry *reg, const char *text) {
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "vq_bad.yaml", text, strlen(text), NULL, 0, &g);
  vkg_graph_destroy(g);
  return st;
}

START_TEST(test_vq_bad_inputs) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = registry(ctx);
  char text[2048];
  /* latents with 3 channels; the model's vq_embed_dim is 4 */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  z: {op: core.randn, params: {shape: [2, 3, 8, 6]}}\n"
           "  dec: {op: vqvae.decode, inputs: {quantized: z}, params: {model: %s}}\n",
           MODEL);
  VKG_CHECK_FAILS(ctx, load_only(ctx, reg, text), VKG_E_INPUT, "vq_embed_dim 4 channels");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "[2, 3, 8, 6]"));
  /* 15 rows: not a multiple of the downsampling factor 2 */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.randn, params: {shape: [1, 3, 15, 12]}}\n"
           "  enc: {op: vqvae.encode, inputs: {x: x}, params: {model: %s}}\n",
           MODEL);
  VKG_CHECK_FAILS(ctx, load_only(ctx, reg, text), VKG_E_INPUT, "not divisible by the model's downsampling factor 2");
  /* float indices */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.randn, params: {shape: [1, 4, 4]}}\n"
           "  dec: {op: vqvae.decode_indices, inputs: {indices: x}, params: {model: %s}}\n",
           MODEL);
  VKG_CHECK_FAILS(ctx, load_only(ctx, reg, text), VKG_E_INPUT, "dec");
  /* a model folder of another class */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  x: {op: core.randn, params: {shape: [1, 3, 16, 16]}}\n"
           "  enc: {op: vqvae.encode, inputs: {x: x}, params: {model: %s/../autoencoder_kl_tiny}}\n",
           MODEL);
  VKG_CHECK_FAILS(ctx, load_only(ctx, reg, text), VKG_E_INPUT, "expected 'VQModel'");
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vqvae_golden");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_vq_encode_decode_golden);
  tcase_add_test(tc, test_vq_decode_indices_i32);
  tcase_add_test(tc, test_vq_indices_out_of_range);
  tcase_add_test(tc, test_vq_bad_inputs);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
