/* Graph loading and whole-graph validation: every error a user can make, with its
 * file:line:col, and the happy paths (defaults, paths, overrides, order). No GPU. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_graph_fake.h"
#include "testutil.h"

static vkg_ctx *ctx;
static vkg_registry *reg;

static void setup(void) {
  fake_reset();
  ctx = vkg_test_ctx_nodevice();
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &fake_plugin, "/fake/t.so"));
}

static void teardown(void) {
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
}

#define GNAME "dir/g.yaml"

static vkg_status load_sets(const char *text, const vkg_override *sets, int n, vkg_graph **g) {
  return vkg_graph_load_string(ctx, reg, GNAME, text, strlen(text), sets, n, g);
}

static vkg_status load(const char *text, vkg_graph **g) { return load_sets(text, NULL, 0, g); }

/* Loading must fail with code and a message holding each of the substrings. */
static void expect_fail_sets(const char *text, const vkg_override *sets, int n, vkg_status code, const char *s1,
                             const char *s2) {
  vkg_graph *g = NULL;
  int destroys0 = fake.destroys, creates0 = fake.creates;
  vkg_status st = load_sets(text, sets, n, &g);
  const char *m = vkg_error_message(ctx);
  ck_assert_msg(st == code, "expected %s, got %s (%s)\n%s", vkg_status_name(code), vkg_status_name(st), m, text);
  ck_assert_ptr_null(g);
  ck_assert_msg(strstr(m, s1), "message '%s' lacks '%s'", m, s1);
  if (s2) ck_assert_msg(strstr(m, s2), "message '%s' lacks '%s'", m, s2);
  /* every node created before the failure was destroyed */
  ck_assert_int_eq(fake.creates - creates0, fake.destroys - destroys0);
  vkg_error_clear(ctx);
}

static void expect_fail(const char *text, vkg_status code, const char *s1, const char *s2) {
  expect_fail_sets(text, NULL, 0, code, s1, s2);
}

#define HDR "vkgen: 1\nnodes:\n"

START_TEST(test_happy_defaults_and_order) {
  const char *text = "vkgen: 1\n"
                     "nodes:\n"
                     "  out:\n"
                     "    op: t.sink\n"
                     "    inputs: {images: s}\n"
                     "  s:\n"
                     "    op: t.sample\n"
                     "    doc: the sampler\n"
                     "    inputs: {noise: noise}\n"
                     "    params: {steps: 20}\n"
                     "  noise: {op: t.src, params: {shape: [4, 3, 8, 8]}}\n";
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load(text, &g));
  ck_assert_str_eq(vkg_graph_name(g), "g");
  ck_assert_int_eq(vkg_graph_batches(g), 1);
  ck_assert_int_eq(vkg_graph_node_count(g), 3);
  ck_assert_str_eq(vkg_node_id(vkg_graph_node(g, 0)), "noise");
  ck_assert_str_eq(vkg_node_id(vkg_graph_node(g, 1)), "s");
  ck_assert_str_eq(vkg_node_id(vkg_graph_node(g, 2)), "out");
  ck_assert_str_eq(vkg_node_op(vkg_graph_node(g, 1)), "t.sample");
  vkg_node *s = vkg_graph_node(g, 1);
  int64_t steps = 0;
  double eta = -1;
  int clip = -1, n = 0;
  const char *sched = NULL, *label = NULL, *model = NULL;
  const double *range = NULL;
  ck_assert_int_eq(vkg_node_param_int(s, "steps", &steps), 0);
  ck_assert_int_eq(steps, 20);
  ck_assert(vkg_node_param_given(s, "steps"));
  ck_assert(!vkg_node_param_given(s, "eta"));
  ck_assert_int_eq(vkg_node_param_float(s, "eta", &eta), 0);
  ck_assert(eta == 0.0);
  ck_assert_int_eq(vkg_node_param_bool(s, "clip", &clip), 0);
  ck_assert_int_eq(clip, 0);
  ck_assert_int_eq(vkg_node_param_string(s, "scheduler", &sched), 0);
  ck_assert_str_eq(sched, "ddpm");
  ck_assert_int_eq(vkg_node_param_string(s, "label", &label), 0);
  ck_assert_str_eq(label, "none");
  ck_assert_int_eq(vkg_node_param_float_list(s, "range", &range, &n), 0);
  ck_assert_int_eq(n, 2);
  ck_assert(range[0] == -1.0 && range[1] == 1.0);
  /* a default PATH is resolved against the graph's folder too */
  ck_assert_int_eq(vkg_node_param_string(s, "model", &model), 0);
  ck_assert_str_eq(model, "dir/models/default");
  /* wrong getter type: no value */
  ck_assert_int_ne(vkg_node_param_int(s, "eta", &steps), 0);
  ck_assert_int_ne(vkg_node_param_int(s, "nope", &steps), 0);
  const vkg_tensor_info *oi = vkg_graph_output_info(g, 1, 0);
  ck_assert_ptr_nonnull(oi);
  ck_assert_int_eq(oi->dtype, VKG_F32);
  ck_assert_int_eq(oi->shape.ndim, 4);
  ck_assert_int_eq(oi->shape.d[0], 4);
  ck_assert_ptr_null(vkg_graph_output_info(g, 2, 0));
  ck_assert_int_eq(fake.creates, 3);
  vkg_graph_destroy(g);
  ck_assert_int_eq(fake.destroys, 3);
}
END_TEST

START_TEST(test_happy_name_batches_paths) {
  const char *text = "vkgen: 1\nname: my-graph\nbatches: 7\nnodes:\n"
                     "  a: {op: t.load, params: {path: data/x.bin}}\n"
                     "  b: {op: t.load, params: {path: /abs/y.bin}}\n"
                     "  c: {op: t.sample, inputs: {noise: a.tensor, cond: b}, params: {scheduler: ddim, eta: 1,"
                     " clip: true, range: [0, 1.5], label: \"007\", steps: 1000}}\n";
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load(text, &g));
  ck_assert_str_eq(vkg_graph_name(g), "my-graph");
  ck_assert_int_eq(vkg_graph_batches(g), 7);
  const char *p = NULL;
  ck_assert_int_eq(vkg_node_param_string(vkg_graph_node(g, 0), "path", &p), 0);
  ck_assert_str_eq(p, "dir/data/x.bin");
  ck_assert_int_eq(vkg_node_param_string(vkg_graph_node(g, 1), "path", &p), 0);
  ck_assert_str_eq(p, "/abs/y.bin");
  vkg_node *c = vkg_graph_node(g, 2);
  double eta;
  int clip;
  const double *r;
  int n;
  const char *label;
  int64_t b;
  ck_assert_int_eq(vkg_node_param_float(c, "eta", &eta), 0);
  ck_assert(eta == 1.0);
  ck_assert_int_eq(vkg_node_param_bool(c, "clip", &clip), 0);
  ck_assert_int_eq(clip, 1);
  ck_assert_int_eq(vkg_node_param_float_list(c, "range", &r, &n), 0);
  ck_assert(n == 2 && r[1] == 1.5);
  ck_assert_int_eq(vkg_node_param_string(c, "label", &label), 0);
  ck_assert_str_eq(label, "007");
  ck_assert_int_eq(vkg_node_batch_count(c), 7);
  ck_assert_int_eq(vkg_node_param_int(c, "steps", &b), 0);
  ck_assert_int_eq(b, 1000);
  vkg_graph_destroy(g);

  /* a graph with no folder in its name: paths stay relative to where the user runs */
  g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "g.yaml", text, strlen(text), NULL, 0, &g));
  ck_assert_int_eq(vkg_node_param_string(vkg_graph_node(g, 0), "path", &p), 0);
  ck_assert_str_eq(p, "data/x.bin");
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_load_file_fixture) {
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/fixtures/graphs/good.yaml", VKG_TEST_SOURCE_DIR);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load(ctx, reg, path, NULL, 0, &g));
  ck_assert_str_eq(vkg_graph_name(g), "good");
  const char *p = NULL;
  char want[1100];
  snprintf(want, sizeof want, "%s/tests/fixtures/graphs/weights/w.bin", VKG_TEST_SOURCE_DIR);
  ck_assert_int_eq(vkg_node_param_string(vkg_graph_node(g, 0), "path", &p), 0);
  ck_assert_str_eq(p, want);
  vkg_graph_destroy(g);

  snprintf(path, sizeof path, "%s/tests/fixtures/graphs/bad_param.yaml", VKG_TEST_SOURCE_DIR);
  VKG_CHECK_FAILS(ctx, vkg_graph_load(ctx, reg, path, NULL, 0, &g), VKG_E_INPUT, "bad_param.yaml:7:25: ");
  ck_assert(strstr(vkg_error_message(ctx), "did you mean 'steps'?"));
  snprintf(path, sizeof path, "%s/tests/fixtures/graphs/missing.yaml", VKG_TEST_SOURCE_DIR);
  VKG_CHECK_FAILS(ctx, vkg_graph_load(ctx, reg, path, NULL, 0, &g), VKG_E_IO, "missing.yaml");
}
END_TEST

START_TEST(test_overrides) {
  const char *text = HDR "  noise: {op: t.src}\n"
                         "  s: {op: t.sample, inputs: {noise: noise}, params: {steps: 20}}\n";
  char b1[64], b2[64], b3[64], b4[64];
  vkg_override sets[4];
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.steps=30", b1, sizeof b1, &sets[0]));
  ck_assert_str_eq(sets[0].node, "s");
  ck_assert_str_eq(sets[0].param, "steps");
  ck_assert_str_eq(sets[0].value, "30");
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "noise.shape=[1,2]", b2, sizeof b2, &sets[1]));
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.steps=40", b3, sizeof b3, &sets[2]));
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.model=m/x", b4, sizeof b4, &sets[3]));
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load_sets(text, sets, 4, &g));
  int64_t steps;
  const int64_t *shape;
  int n;
  const char *model;
  ck_assert_int_eq(vkg_node_param_int(vkg_graph_node(g, 1), "steps", &steps), 0);
  ck_assert_int_eq(steps, 40); /* the last --set wins */
  ck_assert_int_eq(vkg_node_param_int_list(vkg_graph_node(g, 0), "shape", &shape, &n), 0);
  ck_assert(n == 2 && shape[0] == 1 && shape[1] == 2);
  ck_assert(vkg_node_param_given(vkg_graph_node(g, 0), "shape"));
  ck_assert_int_eq(vkg_graph_output_info(g, 0, 0)->shape.ndim, 2);
  /* paths given on the command line are relative to the current folder */
  ck_assert_int_eq(vkg_node_param_string(vkg_graph_node(g, 1), "model", &model), 0);
  ck_assert_str_eq(model, "m/x");
  vkg_graph_destroy(g);

  vkg_override bad;
  char small[4];
  VKG_CHECK_FAILS(ctx, vkg_override_parse(ctx, "steps=3", b1, sizeof b1, &bad), VKG_E_USAGE, "NODE.PARAM=VALUE");
  VKG_CHECK_FAILS(ctx, vkg_override_parse(ctx, "s.steps", b1, sizeof b1, &bad), VKG_E_USAGE, "NODE.PARAM=VALUE");
  VKG_CHECK_FAILS(ctx, vkg_override_parse(ctx, "s.steps=3", small, sizeof small, &bad), VKG_E_USAGE, "too long");

  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "sx.steps=3", b1, sizeof b1, &bad));
  expect_fail_sets(text, &bad, 1, VKG_E_INPUT, "--set: ", "unknown node 'sx' (did you mean 's'?)");
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.stesp=3", b1, sizeof b1, &bad));
  expect_fail_sets(text, &bad, 1, VKG_E_INPUT, "--set: node 's' (t.sample): unknown param 'stesp'",
                   "did you mean 'steps'?");
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.steps=abc", b1, sizeof b1, &bad));
  expect_fail_sets(text, &bad, 1, VKG_E_INPUT, "--set: node 's' (t.sample): param 'steps': expected an integer, got 'abc'",
                   NULL);
  VKG_CHECK_OK(ctx, vkg_override_parse(ctx, "s.steps=[1", b1, sizeof b1, &bad));
  expect_fail_sets(text, &bad, 1, VKG_E_INPUT, "--set", "not valid YAML");
}
END_TEST

START_TEST(test_err_yaml_level) {
  expect_fail("", VKG_E_INPUT, GNAME ":1:1: ", "empty file");
  expect_fail("# only a comment\n", VKG_E_INPUT, GNAME ":1:1: ", "empty file");
  expect_fail("vkgen: 1\nnodes: [a, b\n", VKG_E_INPUT, GNAME ":3:1: ", "not valid YAML");
  expect_fail("vkgen: 1\n  bad indent: x\n", VKG_E_INPUT, GNAME ":2:", "not valid YAML");
  expect_fail("- a\n- b\n", VKG_E_INPUT, GNAME ":1:1: ", "a graph is a mapping");
  expect_fail("just text\n", VKG_E_INPUT, GNAME ":1:1: ", "a graph is a mapping");
  expect_fail("vkgen: 1\n---\nvkgen: 1\n", VKG_E_INPUT, GNAME ":3:1: ", "several YAML documents");
  expect_fail("vkgen: 1\nnodes:\n  a: &x {op: t.src}\n  b: *x\n", VKG_E_INPUT, GNAME ":3:6: ",
              "aliases are not supported");
  expect_fail("vkgen: 1\nnodes:\n  a: {op: t.src}\n  ? [x]\n  : 1\n", VKG_E_INPUT, GNAME ":4:", "mapping keys");
}
END_TEST

START_TEST(test_err_header) {
  expect_fail("nodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":1:1: ", "missing 'vkgen: 1'");
  expect_fail("vkgen: 2\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":1:8: ",
              "unsupported graph format version 2 (this vkgen reads 1)");
  expect_fail("vkgen: [1]\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":1:8: ", "format version 1");
  expect_fail("vkgen: 1\nnodez:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":2:1: ",
              "unknown key 'nodez' (did you mean 'nodes'?)");
  expect_fail("vkgen: 1\n", VKG_E_INPUT, GNAME ":1:1: ", "missing 'nodes'");
  expect_fail("vkgen: 1\nnodes: {}\n", VKG_E_INPUT, GNAME ":2:8: ", "non-empty mapping");
  expect_fail("vkgen: 1\nnodes: [a]\n", VKG_E_INPUT, GNAME ":2:8: ", "non-empty mapping");
  expect_fail("vkgen: 1\nbatches: 0\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":2:10: ",
              "'batches' must be an integer >= 1, got '0'");
  expect_fail("vkgen: 1\nbatches: many\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":2:10: ", "got 'many'");
  expect_fail("vkgen: 1\nname: [x]\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":2:7: ", "'name' must be a string");
}
END_TEST

START_TEST(test_err_duplicates) {
  expect_fail(HDR "  a: {op: t.src}\n  b: {op: t.src}\n  a: {op: t.load}\n", VKG_E_INPUT, GNAME ":5:3: ",
              "duplicate node id 'a' (first defined at 3:3)");
  expect_fail(HDR "  a: {op: t.src, params: {seed: 1, seed: 2}}\n", VKG_E_INPUT, GNAME ":3:36: ",
              "duplicate key 'seed' (first defined at 3:27)");
  expect_fail("vkgen: 1\nvkgen: 1\nnodes:\n  a: {op: t.src}\n", VKG_E_INPUT, GNAME ":2:1: ",
              "duplicate key 'vkgen' (first defined at 1:1)");
}
END_TEST

START_TEST(test_err_nodes) {
  expect_fail(HDR "  a: {op: t.src, parms: {}}\n", VKG_E_INPUT, GNAME ":3:18: ",
              "node 'a': unknown key 'parms' (did you mean 'params'?)");
  expect_fail(HDR "  a: {params: {}}\n", VKG_E_INPUT, GNAME ":3:3: ", "node 'a': missing 'op'");
  expect_fail(HDR "  a: t.src\n", VKG_E_INPUT, GNAME ":3:3: ", "node 'a' must be a mapping");
  expect_fail(HDR "  a.b: {op: t.src}\n", VKG_E_INPUT, GNAME ":3:3: ", "invalid node id 'a.b'");
  expect_fail(HDR "  a: {op: t.srx}\n", VKG_E_INPUT, GNAME ":3:11: ",
              "node 'a': unknown op 't.srx' (did you mean 't.src'?)");
  expect_fail(HDR "  a: {op: sample}\n", VKG_E_INPUT, GNAME ":3:11: ", "(did you mean 't.sample'?)");
  expect_fail(HDR "  a: {op: zzz.qqqqqq}\n", VKG_E_INPUT, GNAME ":3:11: ", "unknown op 'zzz.qqqqqq'");
}
END_TEST

START_TEST(test_err_inputs) {
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {nosie: n}}\n", VKG_E_INPUT, GNAME ":4:30: ",
              "node 's' (t.sample): unknown input 'nosie' (did you mean 'noise'?)");
  expect_fail(HDR "  n: {op: t.src, inputs: {x: n}}\n", VKG_E_INPUT, GNAME ":3:27: ", "this op takes no inputs");
  expect_fail(HDR "  noise: {op: t.src}\n  s: {op: t.sample, inputs: {noise: nosie}}\n", VKG_E_INPUT,
              GNAME ":4:37: ", "input 'noise': unknown node 'nosie' (did you mean 'noise'?)");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n.outt}}\n", VKG_E_INPUT, GNAME ":4:37: ",
              "node 'n' (t.src) has no output 'outt' (did you mean 'out'?)");
  expect_fail(HDR "  n: {op: t.src}\n  p: {op: t.split, inputs: {x: n}}\n  s: {op: t.sample, inputs: {noise: p}}\n",
              VKG_E_INPUT, GNAME ":5:37: ", "node 'p' has outputs a, b: name one as p.a");
  expect_fail(HDR "  n: {op: t.src}\n  k: {op: t.sink, inputs: {images: n}}\n  s: {op: t.sample, inputs: {noise: k}}\n",
              VKG_E_INPUT, GNAME ":5:37: ", "node 'k' (t.sink) has no outputs");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {cond: n}}\n", VKG_E_INPUT, GNAME ":4:3: ",
              "node 's' (t.sample): input 'noise' is not connected");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: [n]}}\n", VKG_E_INPUT, GNAME ":4:37: ",
              "input 'noise' takes one tensor (NODE or NODE.PORT), not a list (lists are for variadic inputs, and "
              "this op has none)");
}
END_TEST

/* Variadic inputs: a list, each element checked and located like a single input. */
START_TEST(test_variadic) {
  vkg_graph *g = NULL;
  const char *ok = HDR "  a: {op: t.src, params: {shape: [2, 3]}}\n"
                       "  sp: {op: t.split, inputs: {x: a}}\n"
                       "  s: {op: t.sum, inputs: {xs: [a, sp.b, a], scale: sp.a}}\n";
  VKG_CHECK_OK(ctx, load(ok, &g));
  ck_assert_int_eq(fake.sum_count, 3);
  vkg_node *s = vkg_graph_node(g, 2);
  ck_assert_str_eq(vkg_node_id(s), "s");
  ck_assert_int_eq(vkg_node_input_count(s, 0), 1);
  ck_assert_int_eq(vkg_node_input_count(s, 1), 3);
  ck_assert_int_eq(vkg_node_input_count(s, 2), -1);
  ck_assert_int_eq(vkg_node_input_count(s, -1), -1);
  ck_assert_int_eq(vkg_graph_output_info(g, 2, 0)->shape.d[1], 3);
  /* vkg_node_input_error names the element and points at it */
  vkg_node_input_error(s, VKG_E_INPUT, 2, "odd");
  ck_assert_str_eq(vkg_error_message(ctx), GNAME ":5:35: node 's' (t.sum): input 'xs[1]': odd");
  vkg_error_clear(ctx);
  vkg_graph_destroy(g);

  /* an optional variadic port: left out or empty, count 0 */
  VKG_CHECK_OK(ctx, load(HDR "  s: {op: t.sum}\n", &g));
  ck_assert_int_eq(fake.sum_count, 0);
  ck_assert_int_eq(vkg_node_input_count(vkg_graph_node(g, 0), 1), 0);
  vkg_graph_destroy(g);
  VKG_CHECK_OK(ctx, load(HDR "  s: {op: t.sum, inputs: {xs: []}}\n", &g));
  ck_assert_int_eq(fake.sum_count, 0);
  vkg_graph_destroy(g);
  /* block style lists work as well */
  VKG_CHECK_OK(ctx, load(HDR "  a: {op: t.src}\n  s:\n    op: t.sum\n    inputs:\n      xs:\n        - a\n        - a\n",
                         &g));
  ck_assert_int_eq(fake.sum_count, 2);
  vkg_graph_destroy(g);

  /* a scalar for a variadic input */
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: a}}\n", VKG_E_INPUT, GNAME ":4:31: ",
              "node 's' (t.sum): input 'xs' is variadic: it takes a list of tensors, e.g. xs: [a, other.out], got a");
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: {a: 1}}}\n", VKG_E_INPUT, GNAME ":4:31: ",
              "input 'xs' is variadic");
  /* a list for a fixed input of an op that has a variadic one */
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {scale: [a]}}\n", VKG_E_INPUT, GNAME ":4:34: ",
              "input 'scale' takes one tensor (NODE or NODE.PORT), not a list (lists are for variadic inputs; only "
              "'xs' does)");
  /* each element: unknown node, unknown port, not a reference, wrong dtype, shape (infer) */
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: [a, b, a]}}\n", VKG_E_INPUT, GNAME ":4:35: ",
              "input 'xs[1]': unknown node 'b'");
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: [a, a.nope]}}\n", VKG_E_INPUT,
              GNAME ":4:35: ", "input 'xs[1]': node 'a' (t.src) has no output 'nope'");
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: [a, [a]]}}\n", VKG_E_INPUT, GNAME ":4:35: ",
              "input 'xs[1]': expected NODE or NODE.PORT, got a list");
  expect_fail(HDR "  a: {op: t.src}\n  i: {op: t.toint, inputs: {x: a}}\n"
                  "  s: {op: t.sum, inputs: {xs: [a,\n      a, i]}}\n",
              VKG_E_INPUT, GNAME ":6:10: ", "input 'xs[2]' accepts f32, but i.y is i32 [2, 3]");
  expect_fail(HDR "  a: {op: t.src}\n  b: {op: t.src, params: {shape: [4]}}\n"
                  "  s: {op: t.sum, inputs: {xs: [a, a, b]}}\n",
              VKG_E_INPUT, GNAME ":5:38: ", "input 'xs[2]': shape differs from xs[0]'s");
  /* a non-optional variadic input: not wired, or an empty list */
  expect_fail(HDR "  c: {op: t.cat}\n", VKG_E_INPUT, GNAME ":3:3: ",
              "node 'c' (t.cat): input 'xs' is not connected (add inputs: {xs: [NODE, ...]})");
  expect_fail(HDR "  c: {op: t.cat, inputs: {xs: []}}\n", VKG_E_INPUT, GNAME ":3:31: ",
              "input 'xs': the list is empty; it takes at least one tensor");
  /* a cycle through a list element is named */
  expect_fail(HDR "  a: {op: t.src}\n  s: {op: t.sum, inputs: {xs: [a, s]}}\n", VKG_E_INPUT, "cycle: s -> s", NULL);
}
END_TEST

START_TEST(test_err_params) {
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {stesp: 3}}\n", VKG_E_INPUT,
              GNAME ":4:50: ", "node 's' (t.sample): unknown param 'stesp' (did you mean 'steps'?)");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {steps: abc}}\n", VKG_E_INPUT,
              GNAME ":4:57: ", "node 's' (t.sample): param 'steps': expected an integer, got 'abc'");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {steps: 2.5}}\n", VKG_E_INPUT,
              GNAME ":4:57: ", "expected an integer, got '2.5'");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {steps: 0}}\n", VKG_E_INPUT,
              GNAME ":4:57: ", "param 'steps': must be in [1, 1000], got 0");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {eta: x}}\n", VKG_E_INPUT,
              GNAME ":4:55: ", "param 'eta': expected a number, got 'x'");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {eta: 1.5}}\n", VKG_E_INPUT,
              GNAME ":4:55: ", "param 'eta': must be in [0, 1], got 1.5");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {scheduler: ddmi}}\n",
              VKG_E_INPUT, GNAME ":4:61: ",
              "param 'scheduler': expected one of ddpm, ddim, got 'ddmi' (did you mean 'ddim'?)");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {clip: yes please}}\n",
              VKG_E_INPUT, GNAME ":4:56: ", "param 'clip': expected true or false, got 'yes please'");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {clip: \"true\"}}\n",
              VKG_E_INPUT, GNAME ":4:56: ", "param 'clip': expected true or false");
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {range: 3}}\n", VKG_E_INPUT,
              GNAME ":4:57: ", "param 'range': expected a list of numbers, got '3'");
  expect_fail(HDR "  n: {op: t.src, params: {shape: [2, x, 4]}}\n", VKG_E_INPUT, GNAME ":3:38: ",
              "param 'shape': element 2: expected an integer, got 'x'");
  expect_fail(HDR "  n: {op: t.src, params: {shape: [2, 0]}}\n", VKG_E_INPUT, GNAME ":3:38: ",
              "param 'shape': element 2 must be in [1, 4096], got 0");
  expect_fail(HDR "  n: {op: t.src, params: {shape: {a: 1}}}\n", VKG_E_INPUT, GNAME ":3:34: ",
              "expected a list of integers, got 'a mapping'");
  expect_fail(HDR "  n: {op: t.src, params: {label: x}}\n", VKG_E_INPUT, GNAME ":3:27: ",
              "node 'n' (t.src): unknown param 'label'");
  expect_fail(HDR "  n: {op: t.src, params: [1]}\n", VKG_E_INPUT, GNAME ":3:26: ", "'params' must be a mapping");
  expect_fail(HDR "  n: {op: t.load}\n", VKG_E_INPUT, GNAME ":3:3: ",
              "node 'n' (t.load): missing required param 'path'");
  expect_fail(HDR "  n: {op: t.load, params: {path: ~}}\n", VKG_E_INPUT, GNAME ":3:34: ",
              "param 'path': expected a string, got null");
  expect_fail(HDR "  n: {op: t.split, params: {x: 1}, inputs: {x: m}}\n  m: {op: t.src}\n", VKG_E_INPUT, GNAME ":3:29: ",
              "(this op takes no params)");
}
END_TEST

START_TEST(test_err_graph_level) {
  expect_fail(HDR "  a: {op: t.sample, inputs: {noise: c}}\n"
                  "  b: {op: t.sample, inputs: {noise: a}}\n"
                  "  c: {op: t.sample, inputs: {noise: b}}\n",
              VKG_E_INPUT, "cycle: ", NULL);
  {
    const char *m = NULL;
    vkg_graph *g = NULL;
    const char *t = HDR "  src: {op: t.src}\n"
                        "  a: {op: t.sample, inputs: {noise: c}}\n"
                        "  b: {op: t.sample, inputs: {noise: a}}\n"
                        "  c: {op: t.sample, inputs: {noise: b, cond: src}}\n";
    ck_assert_int_eq(load(t, &g), VKG_E_INPUT);
    m = vkg_error_message(ctx);
    ck_assert_msg(strstr(m, "a -> b -> c -> a") || strstr(m, "b -> c -> a -> b") || strstr(m, "c -> a -> b -> c"),
                  "%s", m);
    ck_assert_msg(strstr(m, GNAME ":4:") || strstr(m, GNAME ":5:") || strstr(m, GNAME ":6:"), "%s", m);
  }
  expect_fail(HDR "  a: {op: t.sample, inputs: {noise: a}}\n", VKG_E_INPUT, GNAME ":3:37: ", "cycle: a -> a");
  /* dtype mismatch on an edge */
  expect_fail(HDR "  n: {op: t.src}\n  i: {op: t.toint, inputs: {x: n}}\n  s: {op: t.sample, inputs: {noise: i}}\n",
              VKG_E_INPUT, GNAME ":5:37: ", "node 's' (t.sample): input 'noise' accepts f32, but i.y is i32 [2, 3]");
  /* phase mixing: m's output exists after the last batch, n's per batch */
  expect_fail(HDR "  n: {op: t.src}\n  m: {op: t.mean, inputs: {x: n}}\n"
                  "  s: {op: t.sample, inputs: {noise: n, cond: m}}\n",
              VKG_E_INPUT, GNAME ":5:3: ", "node 's' (t.sample): mixes a per-batch input (from 'n') with an end-of-run "
                                            "input (from 'm'");
  /* infer errors come through vkg_node_error: location of the param's value */
  expect_fail(HDR "  n: {op: t.src}\n  s: {op: t.sample, inputs: {noise: n}, params: {steps: 999}}\n", VKG_E_INPUT,
              GNAME ":4:57: node 's' (t.sample): param 'steps': 999 is not allowed here", NULL);
  expect_fail(HDR "  n: {op: t.src}\n  m: {op: t.src, params: {shape: [3]}}\n"
                  "  s: {op: t.sample, inputs: {noise: n, cond: m}}\n",
              VKG_E_INPUT, GNAME ":5:46: node 's' (t.sample): input 'cond': shape differs from noise", NULL);
  expect_fail(HDR "  n: {op: t.src, params: {shape: [1, 1, 1, 1, 1, 1, 1]}}\n", VKG_E_INPUT,
              GNAME ":3:34: node 'n' (t.src): param 'shape': expected 1 to 6 dims, got 7", NULL);
  /* an infer that breaks its port's contract is a plugin bug */
  expect_fail(HDR "  n: {op: t.src}\n  b: {op: t.badtype, inputs: {x: n}}\n", VKG_E_PLUGIN,
              "node 'b' (t.badtype, plugin /fake/t.so): infer gave output 'y' dtype i32, but the port declares f32",
              NULL);
}
END_TEST

START_TEST(test_err_limits) {
  /* nesting */
  char deep[400];
  size_t u = (size_t)snprintf(deep, sizeof deep, "vkgen: 1\nnodes: {a: {op: t.src, doc: ");
  for (int i = 0; i < 70; i++) deep[u++] = '[';
  deep[u] = 0;
  expect_fail(deep, VKG_E_INPUT, GNAME ":2:", "nesting deeper than 64");
  /* size */
  size_t big = (16u << 20) + 10;
  char *text = malloc(big + 1);
  ck_assert_ptr_nonnull(text);
  memset(text, ' ', big);
  memcpy(text, "vkgen: 1\n", 9);
  text[big] = 0;
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, GNAME, text, big, NULL, 0, &g), VKG_E_INPUT, "16 MiB");
  free(text);
  /* node count: 100001 nodes */
  size_t cap = 100002 * 32 + 64, len = 0;
  text = malloc(cap);
  ck_assert_ptr_nonnull(text);
  len += (size_t)snprintf(text + len, cap - len, "vkgen: 1\nnodes:\n");
  for (int i = 0; i < 100001; i++) len += (size_t)snprintf(text + len, cap - len, "  n%d: {op: t.load}\n", i);
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, GNAME, text, len, NULL, 0, &g), VKG_E_INPUT,
                  "too many nodes (100001; at most 100000)");
  free(text);
}
END_TEST

START_TEST(test_many_nodes_fast) {
  /* 20000 chained nodes: lookups and ordering must not be quadratic */
  int n = 20000;
  size_t cap = (size_t)n * 64 + 64, len = 0;
  char *text = malloc(cap);
  ck_assert_ptr_nonnull(text);
  len += (size_t)snprintf(text + len, cap - len, "vkgen: 1\nnodes:\n  n0: {op: t.src}\n");
  for (int i = n - 1; i >= 1; i--)
    len += (size_t)snprintf(text + len, cap - len, "  n%d: {op: t.sample, inputs: {noise: n%d}}\n", i, i - 1);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, GNAME, text, len, NULL, 0, &g));
  ck_assert_int_eq(vkg_graph_node_count(g), n);
  ck_assert_str_eq(vkg_node_id(vkg_graph_node(g, 0)), "n0");
  ck_assert_str_eq(vkg_node_id(vkg_graph_node(g, n - 1)), "n19999");
  vkg_graph_destroy(g);
  free(text);
}
END_TEST

START_TEST(test_node_error_api) {
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, load(HDR "  n: {op: t.src, params: {seed: 5}}\n  s: {op: t.sample, inputs: {noise: n}}\n", &g));
  vkg_node *n = vkg_graph_node(g, 0);
  ck_assert_int_eq(vkg_node_error(n, VKG_E_INPUT, "seed", "bad %d", 1), VKG_E_INPUT);
  ck_assert_str_eq(vkg_error_message(ctx), GNAME ":3:33: node 'n' (t.src): param 'seed': bad 1");
  /* default param: the node's location */
  ck_assert_int_eq(vkg_node_error(n, VKG_E_IO, "shape", "x"), VKG_E_IO);
  ck_assert_str_eq(vkg_error_message(ctx), GNAME ":3:3: node 'n' (t.src): param 'shape': x");
  vkg_node_error(n, VKG_E_INPUT, NULL, "plain");
  ck_assert_str_eq(vkg_error_message(ctx), GNAME ":3:3: node 'n' (t.src): plain");
  vkg_node *s = vkg_graph_node(g, 1);
  vkg_node_input_error(s, VKG_E_INPUT, 0, "wrong");
  ck_assert_str_eq(vkg_error_message(ctx), GNAME ":4:37: node 's' (t.sample): input 'noise': wrong");
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_describe) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  VKG_CHECK_OK(ctx, vkg_registry_describe(reg, f, 1));
  fclose(f);
  json_error_t je;
  json_t *root = json_loads(buf, 0, &je);
  ck_assert_msg(root != NULL, "describe JSON does not parse: %s", je.text);
  json_t *plugins = json_object_get(root, "plugins");
  ck_assert_int_eq(json_array_size(plugins), 1);
  json_t *p = json_array_get(plugins, 0);
  ck_assert_str_eq(json_string_value(json_object_get(p, "name")), "t");
  ck_assert_str_eq(json_string_value(json_object_get(p, "origin")), "/fake/t.so");
  json_t *nodes = json_object_get(p, "nodes");
  json_t *sample = NULL;
  for (size_t i = 0; i < json_array_size(nodes); i++)
    if (!strcmp(json_string_value(json_object_get(json_array_get(nodes, i), "op")), "t.sample"))
      sample = json_array_get(nodes, i);
  ck_assert_ptr_nonnull(sample);
  json_t *params = json_object_get(sample, "params");
  ck_assert_int_eq(json_array_size(params), 7);
  json_t *steps = json_array_get(params, 0);
  ck_assert_str_eq(json_string_value(json_object_get(steps, "name")), "steps");
  ck_assert_str_eq(json_string_value(json_object_get(steps, "type")), "int");
  ck_assert_str_eq(json_string_value(json_object_get(steps, "default")), "50");
  ck_assert(json_real_value(json_object_get(steps, "max")) == 1000.0);
  json_t *sched = json_array_get(params, 1);
  ck_assert_int_eq(json_array_size(json_object_get(sched, "choices")), 2);
  json_t *inputs = json_object_get(sample, "inputs");
  ck_assert(json_is_true(json_object_get(json_array_get(inputs, 1), "optional")));
  json_decref(root);
  free(buf);

  buf = NULL;
  f = open_memstream(&buf, &len);
  VKG_CHECK_OK(ctx, vkg_registry_describe(reg, f, 0));
  fclose(f);
  ck_assert(strstr(buf, "t.sample"));
  ck_assert(strstr(buf, "steps"));
  ck_assert(strstr(buf, "[accumulator]"));
  free(buf);
}
END_TEST

START_TEST(test_suggest) {
  const char *c[] = {"steps", "seed", "scheduler"};
  char h[64];
  ck_assert_str_eq(vkg_registry_suggest(reg, "t.smaple"), "t.sample");
  ck_assert_ptr_null(vkg_registry_suggest(reg, "completely.different"));
  (void)c;
  (void)h;
}
END_TEST

int main(void) {
  Suite *s = suite_create("graph_load");
  TCase *tc = tcase_create("load");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_happy_defaults_and_order);
  tcase_add_test(tc, test_happy_name_batches_paths);
  tcase_add_test(tc, test_load_file_fixture);
  tcase_add_test(tc, test_overrides);
  tcase_add_test(tc, test_err_yaml_level);
  tcase_add_test(tc, test_err_header);
  tcase_add_test(tc, test_err_duplicates);
  tcase_add_test(tc, test_err_nodes);
  tcase_add_test(tc, test_err_inputs);
  tcase_add_test(tc, test_variadic);
  tcase_add_test(tc, test_err_params);
  tcase_add_test(tc, test_err_graph_level);
  tcase_add_test(tc, test_node_error_api);
  tcase_add_test(tc, test_describe);
  tcase_add_test(tc, test_suggest);
  suite_add_tcase(s, tc);
  /* big inputs in their own case (CK_RUN_CASE=load skips them under valgrind) */
  TCase *big = tcase_create("limits");
  tcase_add_checked_fixture(big, setup, teardown);
  tcase_set_timeout(big, 300);
  tcase_add_test(big, test_err_limits);
  tcase_add_test(big, test_many_nodes_fast);
  suite_add_tcase(s, big);
  return vkg_test_run_suite(s);
}
