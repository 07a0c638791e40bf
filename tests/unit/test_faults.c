/* Faults at the graph API, with the fake plugin "t" and a recorder "ft": an interrupted run
 * flushes accumulators into end-of-run nodes, which see the batches actually run (so a node
 * that writes "after the last batch", like core.save_tensor, still writes); device memory
 * exhaustion names node, plugin and bytes and suggests a smaller batch; a failing run leaves
 * the graph reusable. The runner-level faults are in tests/cli/test_faults.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_graph_fake.h"
#include "testutil.h"

static vkg_ctx *ctx;
static vkg_registry *reg;

/* ---- ft.last: x f32 → (records what an end-of-run node sees) ------------------------- */

typedef struct last_log {
  int runs;
  int64_t index, count;
  int wrote; /* index + 1 == count: what a "write after the last batch" node tests */
} last_log;

static last_log last;

static vkg_status last_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  (void)out;
  return VKG_OK;
}

static vkg_status last_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  (void)out;
  last.runs++;
  last.index = vkg_node_batch_index(node);
  last.count = vkg_node_batch_count(node);
  last.wrote = last.index + 1 == last.count;
  return VKG_OK;
}

static const vkg_port_desc ft_x[] = {{"x", "f32", "input", 0}};
static const vkg_node_type ft_types[] = {
    {.name = "last", .doc = "records batch index and count", .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = ft_x,
     .infer = last_infer, .run = last_run},
};
static const vkg_plugin_desc ft_plugin = {
    VKG_PLUGIN_ABI,
    .name = "ft", .version = "1.0", .doc = "fault test recorder", .ntypes = 1, .types = ft_types,
};

static void setup(void) {
  fake_reset();
  memset(&last, 0, sizeof last);
  ctx = vkg_test_ctx();
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &fake_plugin, "/fake/t.so"));
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &ft_plugin, "/fake/ft.so"));
}

static void teardown(void) {
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}

static vkg_graph *load(const char *text) {
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "faults.yaml", text, strlen(text), NULL, 0, &g));
  return g;
}

static const vkg_run_options quiet = {0};

START_TEST(test_interrupt_flushes_end_of_run_nodes) {
  static volatile sig_atomic_t flag = 0;
  flag = 0;
  vkg_ctx_set_interrupt_flag(ctx, &flag);
  fake.interrupt_flag = &flag;
  fake.interrupt_at = 2;
  vkg_graph *g = load("vkgen: 1\nbatches: 10\nnodes:\n"
                      "  src: {op: t.src, params: {shape: [2, 3]}}\n"
                      "  m: {op: t.mean, inputs: {x: src}}\n"
                      "  keep: {op: ft.last, inputs: {x: m}}\n"
                      "  fin: {op: t.final, inputs: {x: m}}\n");
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_INTERRUPTED, "interrupted after batch 3 of 10");
  ck_assert_int_eq(fake.acc_runs, 3);
  ck_assert_int_eq(fake.acc_count, 18);
  ck_assert_int_eq(fake.finishes, 1);
  ck_assert(fake.final_value == 2.0); /* mean of 1, 2, 3 */
  /* the end-of-run node ran once and saw the 3 batches that ran as the whole run */
  ck_assert_int_eq(last.runs, 1);
  ck_assert_int_eq(last.index, 2);
  ck_assert_int_eq(last.count, 3);
  ck_assert(last.wrote);
  /* the graph still plans 10 batches: a later run (or its report) is not cut short */
  ck_assert_int_eq(vkg_graph_batches(g), 10);
  vkg_ctx_set_interrupt_flag(ctx, NULL);
  fake.interrupt_flag = NULL;
  memset(&last, 0, sizeof last);
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  ck_assert_int_eq(last.index, 9);
  ck_assert_int_eq(last.count, 10);
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_no_interrupt_end_of_run_sees_all) {
  vkg_graph *g = load("vkgen: 1\nbatches: 4\nnodes:\n"
                      "  src: {op: t.src, params: {shape: [2]}}\n"
                      "  m: {op: t.mean, inputs: {x: src}}\n"
                      "  keep: {op: ft.last, inputs: {x: m}}\n");
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  ck_assert_int_eq(last.runs, 1);
  ck_assert_int_eq(last.index, 3);
  ck_assert_int_eq(last.count, 4);
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_device_memory_exhausted) {
  vkg_ctx_set_mem_limit(ctx, 1u << 20);
  /* 512 x 1024 floats = 2 MiB: more than the 1 MiB limit */
  vkg_graph *g = load("vkgen: 1\nbatches: 3\nnodes:\n"
                      "  src: {op: t.src, params: {shape: [512, 1024]}}\n"
                      "  show: {op: t.sink, inputs: {images: src}}\n");
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_NOMEM, "node 'src' (t.src, plugin /fake/t.so)");
  const char *m = vkg_error_message(ctx);
  ck_assert_msg(strstr(m, "device memory exhausted"), "%s", m);
  ck_assert_msg(strstr(m, "2097152 bytes (2.0 MiB)"), "%s", m);
  ck_assert_msg(strstr(m, "try a smaller batch"), "%s", m);
  ck_assert_int_eq(fake.runs, 1); /* the first batch failed; nothing after it ran */
  /* with a smaller batch (set on the source node) the same graph fits */
  vkg_graph_destroy(g);
  fake_reset();
  g = load("vkgen: 1\nbatches: 3\nnodes:\n"
           "  src: {op: t.src, params: {shape: [64, 1024]}}\n"
           "  show: {op: t.sink, inputs: {images: src}}\n");
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  ck_assert_int_eq(fake.runs, 6);
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 0);
  vkg_graph_destroy(g);
  vkg_ctx_set_mem_limit(ctx, 0);
}
END_TEST

START_TEST(test_failing_run_is_not_sticky) {
  fake.fail_run_at = 1;
  vkg_graph *g = load("vkgen: 1\nbatches: 3\nnodes:\n"
                      "  src: {op: t.src, params: {shape: [2, 3]}}\n"
                      "  s: {op: t.sample, inputs: {noise: src}}\n"
                      "  m: {op: t.mean, inputs: {x: s}}\n"
                      "  keep: {op: ft.last, inputs: {x: m}}\n");
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_INPUT, "node 's' (t.sample, plugin /fake/t.so)");
  ck_assert_msg(strstr(vkg_error_message(ctx), "the sampler broke at batch 1"), "%s", vkg_error_message(ctx));
  ck_assert_int_eq(fake.finishes, 0); /* a failed run flushes nothing */
  ck_assert_int_eq(last.runs, 0);
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 0); /* every tensor of the failed batch was released */
  fake.fail_run_at = -1;
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  ck_assert_int_eq(last.runs, 1);
  ck_assert_int_eq(last.count, 3);
  vkg_graph_destroy(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("faults");
  TCase *tc = tcase_create("faults");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_interrupt_flushes_end_of_run_nodes);
  tcase_add_test(tc, test_no_interrupt_end_of_run_sees_all);
  tcase_add_test(tc, test_device_memory_exhausted);
  tcase_add_test(tc, test_failing_run_is_not_sticky);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
