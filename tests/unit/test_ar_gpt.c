/* ar.gpt_logits / ar.gpt_sample through the graph API against PyTorch (tools/ref/gpt_ref.py):
 * the fixture gpt_tiny (odd sizes, an unmasked prefix) and the trained models/gpt-prior-fashion:
 * logits to 1e-4 relative, greedy decoding (top_k 1 and temperature 0) exact; sampling
 * determinism, batch-size and batch-split independence, class input = class_labels; errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"
#define TINY FIX "/gpt_tiny"
#define PRIOR VKG_TEST_SOURCE_DIR "/models/gpt-prior-fashion"

static const char *tmp(char *buf, size_t n, const char *file) {
  snprintf(buf, n, "%s/%s", vkg_test_tmpdir(), file);
  return buf;
}

/* gpt_logits on io's tokens; greedy decoding of io's greedy_classes both as top_k 1 and temperature 0. */
static void golden(const char *model, const char *io, double rtol) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = vkg_test_registry(ctx, "ar", "vqvae", NULL);
  char out[512], text[4096], labels[256] = "";
  size_t cb = 0;
  int64_t *classes = vkg_test_read_tensor(ctx, io, "greedy_classes", &cb), n_classes = (int64_t)(cb / 8);
  ck_assert_int_ge(n_classes, 1);
  for (int64_t c = 0; c < n_classes; c++)
    snprintf(labels + strlen(labels), sizeof labels - strlen(labels), "%s%lld", c ? ", " : "", (long long)classes[c]);
  free(classes);
  tmp(out, sizeof out, "gpt_golden.safetensors");
  remove(out);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  tok: {op: core.load_tensor, params: {path: %s, name: tokens}}\n"
           "  lg: {op: ar.gpt_logits, inputs: {indices: tok}, params: {model: %s}}\n"
           "  g1: {op: ar.gpt_sample, params: {model: %s, batch: %lld, class_labels: [%s], top_k: 1, seed: 5}}\n"
           "  g0: {op: ar.gpt_sample, params: {model: %s, batch: %lld, class_labels: [%s], temperature: 0}}\n"
           "  s1: {op: core.save_tensor, inputs: {tensor: lg}, params: {path: %s, name: logits}}\n"
           "  s2: {op: core.save_tensor, inputs: {tensor: g1}, params: {path: %s, name: topk1}}\n"
           "  s3: {op: core.save_tensor, inputs: {tensor: g0}, params: {path: %s, name: greedy}}\n",
           io, model, model, (long long)n_classes, labels, model, (long long)n_classes, labels, out, out, out);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "gpt", text));
  size_t nb = 0, wb = 0;
  float *got = vkg_test_read_tensor(ctx, out, "logits", &nb), *want = vkg_test_read_tensor(ctx, io, "logits", &wb);
  ck_assert_uint_eq(nb, wb);
  size_t worst = 0;
  /* relative to the logits' scale: atol = rtol * max |logit| */
  double mx = 0;
  for (size_t i = 0; i < wb / 4; i++) mx = fabs(want[i]) > mx ? fabs(want[i]) : mx;
  double e = vkg_test_rel_err(got, want, wb / 4, rtol * mx, rtol, &worst);
  ck_assert_msg(e <= 1.0, "%s logits: error %.3g x tolerance at %zu (got %.9g want %.9g)", model, e, worst,
                (double)got[worst], (double)want[worst]);
  free(got), free(want);
  int64_t *g1 = vkg_test_read_tensor(ctx, out, "topk1", &nb), *g0 = vkg_test_read_tensor(ctx, out, "greedy", &wb),
          *ref = vkg_test_read_tensor(ctx, io, "greedy", &wb);
  ck_assert_uint_eq(nb, wb);
  for (size_t i = 0; i < wb / 8; i++) {
    ck_assert_msg(g1[i] == ref[i], "%s top_k 1: code %zu is %lld, PyTorch %lld", model, i, (long long)g1[i],
                  (long long)ref[i]);
    ck_assert_msg(g0[i] == ref[i], "%s temperature 0: code %zu is %lld, PyTorch %lld", model, i, (long long)g0[i],
                  (long long)ref[i]);
  }
  free(g1), free(g0), free(ref);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}

START_TEST(test_tiny_golden) { golden(TINY, TINY "/io.safetensors", 1e-4); }
END_TEST

START_TEST(test_prior_golden) { golden(PRIOR, PRIOR "/golden.safetensors", 1e-4); }
END_TEST

/* Sampling: same seed, same codes whatever the batch size or split; the class input equals
 * class_labels; top-k / top-p runs; different seeds differ. */
START_TEST(test_sample_independence) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = vkg_test_registry(ctx, "ar", "vqvae", NULL);
  char out[512], text[4096], cls[512];
  tmp(out, sizeof out, "gpt_split.safetensors");
  tmp(cls, sizeof cls, "gpt_cls.safetensors");
  remove(out);
  remove(cls);
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  a: {op: ar.gpt_sample, params: {model: %s, batch: 6, class_labels: [0, 1, 2, 3, 4], seed: 9, top_k: 8, "
           "top_p: 0.9}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: a}, params: {path: %s, name: whole}}\n",
           TINY, out);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "gpt", text));
  /* 3 batches of 2, all class 0: samples 0 and 5 are class 0 in both runs */
  snprintf(text, sizeof text,
           "vkgen: 1\nbatches: 3\nnodes:\n"
           "  a: {op: ar.gpt_sample, params: {model: %s, batch: 2, class_labels: [0], seed: 9, top_k: 8, top_p: 0.9}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: a}, params: {path: %s, name: split}}\n",
           TINY, out);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "gpt", text));
  size_t nw = 0, ns = 0;
  int64_t *whole = vkg_test_read_tensor(ctx, out, "whole", &nw), *split = vkg_test_read_tensor(ctx, out, "split", &ns);
  ck_assert_uint_eq(nw, 6 * 10 * 8);
  ck_assert_uint_eq(ns, 6 * 10 * 8);
  /* sample 0 and 5 have class 0 in both runs: identical codes (sample index = global index) */
  ck_assert(memcmp(whole, split, 10 * 8) == 0);
  ck_assert(memcmp(whole + 50, split + 50, 10 * 8) == 0);
  for (size_t i = 0; i < 60; i++) ck_assert(whole[i] >= 0 && whole[i] < 37);
  /* a class input tensor (0..4 from the fixture) gives the codes of class_labels [0..4] */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  c: {op: core.load_tensor, params: {path: %s/io.safetensors, name: greedy_classes}}\n"
           "  a: {op: ar.gpt_sample, inputs: {class: c}, params: {model: %s, seed: 9, top_k: 8, top_p: 0.9}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: a}, params: {path: %s, name: from_input}}\n",
           TINY, TINY, out);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "gpt", text));
  int64_t *from_input = vkg_test_read_tensor(ctx, out, "from_input", &ns);
  ck_assert_uint_eq(ns, 5 * 10 * 8);
  ck_assert(memcmp(whole, from_input, 5 * 10 * 8) == 0);
  /* another seed draws other codes */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  a: {op: ar.gpt_sample, params: {model: %s, batch: 6, class_labels: [0, 1, 2, 3, 4], seed: 10, top_k: 8, "
           "top_p: 0.9}}\n"
           "  s: {op: core.save_tensor, inputs: {tensor: a}, params: {path: %s, name: seed10}}\n",
           TINY, out);
  VKG_CHECK_OK(ctx, vkg_test_run_graph(ctx, reg, "gpt", text));
  int64_t *seed10 = vkg_test_read_tensor(ctx, out, "seed10", &ns);
  ck_assert(memcmp(whole, seed10, 6 * 10 * 8) != 0);
  free(whole), free(split), free(from_input), free(seed10);
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

static void expect_fail(vkg_ctx *ctx, vkg_registry *reg, const char *text, const char *substr) {
  VKG_CHECK_FAILS(ctx, vkg_test_run_graph(ctx, reg, "gpt", text), VKG_E_INPUT, substr);
}

START_TEST(test_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = vkg_test_registry(ctx, "ar", "vqvae", NULL);
  char text[4096];
  /* a grid larger than block_size */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  a: {op: ar.gpt_sample, params: {model: %s, grid: [4, 4], class_labels: [1]}}\n", TINY);
  expect_fail(ctx, reg, text, "more than the model's block_size 11");
  /* class out of range, missing class for a class-conditional model */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  a: {op: ar.gpt_sample, params: {model: %s, class_labels: [1, 5]}}\n", TINY);
  expect_fail(ctx, reg, text, "class 5 is out of range: the model has 5 classes");
  snprintf(text, sizeof text, "vkgen: 1\nnodes:\n  a: {op: ar.gpt_sample, params: {model: %s}}\n", TINY);
  expect_fail(ctx, reg, text, "connect a class input or give class_labels");
  /* a prior whose vocabulary differs from the VQ model's codebook (37 vs 32 codes) */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  a: {op: ar.gpt_sample, params: {model: %s, class_labels: [1]}}\n"
           "  d: {op: vqvae.decode_indices, inputs: {indices: a}, params: {model: %s/vqmodel_tiny}}\n",
           TINY, FIX);
  expect_fail(ctx, reg, text, "its indices take 37 values (the producer's vocabulary), but the model's codebook has 32");
  /* an id >= vocab in the data (found at run, before any GPU work on it) */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  t: {op: core.load_tensor, params: {path: %s/io.safetensors, name: bad_tokens}}\n"
           "  l: {op: ar.gpt_logits, inputs: {indices: t}, params: {model: %s}}\n",
           TINY, TINY);
  expect_fail(ctx, reg, text, "token id 37 at [1, 4] is outside the model's vocabulary [0, 37)");
  /* too many tokens for the block */
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n  t: {op: core.load_tensor, params: {path: %s/io.safetensors, name: greedy}}\n"
           "  c: {op: core.concat, inputs: {tensors: [t, t]}, params: {axis: 1}}\n"
           "  l: {op: ar.gpt_logits, inputs: {indices: c}, params: {model: %s}}\n",
           TINY, TINY);
  expect_fail(ctx, reg, text, "20 tokens exceed the model's block_size 11");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

/* A copy of gpt_tiny with another config.json (the weights linked): validate must refuse it naming
 * the file and the key or tensor. */
static void config_case(vkg_ctx *ctx, vkg_registry *reg, const char *name, const char *config, const char *substr) {
  char dir[512], path[600], text[2048];
  snprintf(dir, sizeof dir, "%s/gpt_%s", vkg_test_tmpdir(), name);
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/config.json", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(config, f);
  fclose(f);
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  remove(path);
  ck_assert_int_eq(symlink(TINY "/model.safetensors", path), 0);
  snprintf(text, sizeof text, "vkgen: 1\nnodes:\n  a: {op: ar.gpt_sample, params: {model: %s, class_labels: [1]}}\n",
           dir);
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "cfg.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  substr);
  ck_assert_ptr_null(g);
}

/* gpt_tiny's config.json with some values replaced */
static const char *tiny_cfg(char *buf, size_t n, int vocab, int layers, int heads, int unmasked, int classes,
                            const char *latent) {
  snprintf(buf, n,
           "{\"_class_name\": \"GPT\", \"vocab_size\": %d, \"block_size\": 11, \"n_layer\": %d, \"n_head\": %d, "
           "\"n_embd\": 24, \"n_unmasked\": %d, \"n_classes\": %d, \"latent_shape\": %s}",
           vocab, layers, heads, unmasked, classes, latent);
  return buf;
}

START_TEST(test_config_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = vkg_test_registry(ctx, "ar", NULL);
  char c[512];
  config_case(ctx, reg, "heads", tiny_cfg(c, sizeof c, 37, 2, 5, 2, 5, "[2, 5]"),
              "config.json: n_head 5 does not divide n_embd 24");
  config_case(ctx, reg, "deeper", tiny_cfg(c, sizeof c, 37, 3, 3, 2, 5, "[2, 5]"), "no tensor 'blocks.2.ln1.weight'");
  config_case(ctx, reg, "shallower", tiny_cfg(c, sizeof c, 37, 1, 3, 2, 5, "[2, 5]"), "has a block 1, but");
  config_case(ctx, reg, "vocab", tiny_cfg(c, sizeof c, 40, 2, 3, 2, 5, "[2, 5]"),
              "tensor 'tok_emb.weight': expected shape [40, 24]");
  config_case(ctx, reg, "mask", tiny_cfg(c, sizeof c, 37, 2, 3, 0, 5, "[2, 5]"),
              "is not minGPT's causal mask with n_unmasked 0");
  config_case(ctx, reg, "grid", tiny_cfg(c, sizeof c, 37, 2, 3, 2, 5, "[4, 4]"),
              "latent_shape must be [h, w] with h * w <= block_size 11");
  config_case(ctx, reg, "classes", tiny_cfg(c, sizeof c, 37, 2, 3, 2, 38, "[2, 5]"),
              "n_classes is 38; it must be in [0, 37]");
  config_case(ctx, reg, "nokey", "{\"_class_name\": \"GPT\", \"vocab_size\": 37}", "block_size");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ar_gpt");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_tiny_golden);
  tcase_add_test(tc, test_prior_golden);
  tcase_add_test(tc, test_sample_independence);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_config_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
