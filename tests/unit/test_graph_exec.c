/* The executor on a real (lavapipe) device with the fake plugin: streaming batches,
 * accumulators and end-of-run nodes, liveness (flat memory), interrupts, failing
 * callbacks, progress lines, values and the JSON report. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_graph_fake.h"
#include "testutil.h"

static vkg_ctx *ctx;
static vkg_registry *reg;
static char *logbuf;
static size_t loglen;
static FILE *logf_;

static void setup(void) {
  fake_reset();
  ctx = vkg_test_ctx();
  logbuf = NULL;
  logf_ = open_memstream(&logbuf, &loglen);
  vkg_ctx_set_log(ctx, logf_);
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &fake_plugin, "/fake/t.so"));
}

static void teardown(void) {
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
  fclose(logf_);
  free(logbuf);
}

static vkg_graph *load_graph(int batches, const char *shape) {
  char text[2048];
  snprintf(text, sizeof text,
           "vkgen: 1\nname: stream\nbatches: %d\nnodes:\n"
           "  src: {op: t.src, params: {shape: %s}}\n"
           "  s: {op: t.sample, inputs: {noise: src}}\n"
           "  show: {op: t.sink, inputs: {images: s}}\n"
           "  m: {op: t.mean, inputs: {x: s}}\n"
           "  fin: {op: t.final, inputs: {x: m}}\n",
           batches, shape);
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "stream.yaml", text, strlen(text), NULL, 0, &g));
  return g;
}

static const vkg_run_options quiet = {0};

START_TEST(test_stream) {
  vkg_graph *g = load_graph(5, "[2, 3]");
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  ck_assert_int_eq(fake.starts, 1);
  ck_assert_int_eq(fake.acc_runs, 5);
  ck_assert_int_eq(fake.finishes, 1);
  ck_assert_int_eq(fake.last_batch, 4);
  ck_assert_int_eq(fake.acc_count, 30);
  /* sample doubles src's value b+1: mean over batches of 2(b+1) = 6 */
  ck_assert(fake.acc_sum == 180.0);
  ck_assert_str_eq(fake.final_seen, "fin");
  ck_assert(fake.final_value == 6.0);

  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  vkg_graph_print_values(g, f);
  fclose(f);
  ck_assert_msg(strstr(buf, "m.mean = 6\n") && strstr(buf, "fin.value = 6\n"), "%s", buf);
  free(buf);

  buf = NULL;
  f = open_memstream(&buf, &len);
  VKG_CHECK_OK(ctx, vkg_graph_write_report(g, f));
  fclose(f);
  json_error_t je;
  json_t *r = json_loads(buf, 0, &je);
  ck_assert_msg(r != NULL, "%s", je.text);
  ck_assert_str_eq(json_string_value(json_object_get(r, "graph")), "stream");
  ck_assert_str_eq(json_string_value(json_object_get(r, "file")), "stream.yaml");
  ck_assert(json_is_string(json_object_get(r, "device")));
  ck_assert_int_eq(json_integer_value(json_object_get(r, "batches_run")), 5);
  ck_assert(json_integer_value(json_object_get(r, "peak_device_bytes")) > 0);
  ck_assert(json_is_number(json_object_get(r, "wall_ms")));
  ck_assert(json_is_integer(json_object_get(r, "submits")));
  json_t *nodes = json_object_get(r, "nodes");
  ck_assert_int_eq(json_array_size(nodes), 5);
  json_t *n0 = json_array_get(nodes, 0);
  ck_assert_str_eq(json_string_value(json_object_get(n0, "id")), "src");
  ck_assert(json_is_number(json_object_get(n0, "gpu_ms")));
  ck_assert(json_is_number(json_object_get(n0, "cpu_ms")));
  json_t *o = json_array_get(json_object_get(n0, "outputs"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(o, "port")), "out");
  ck_assert_str_eq(json_string_value(json_object_get(o, "dtype")), "f32");
  ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(o, "shape"), 1)), 3);
  ck_assert(json_real_value(json_object_get(json_object_get(r, "values"), "m.mean")) == 6.0);
  json_decref(r);
  free(buf);
  int creates = fake.creates;
  vkg_graph_destroy(g);
  ck_assert_int_eq(fake.destroys, creates);
}
END_TEST

static uint64_t run_peak(int batches) {
  vkg_graph *g = load_graph(batches, "[64, 1024]");
  vkg_mem_stats before, after;
  vkg_ctx_mem_stats(ctx, &before);
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  vkg_ctx_mem_stats(ctx, &after);
  /* every tensor of the plan was released */
  ck_assert_uint_eq(after.in_use, before.in_use);
  vkg_graph_destroy(g);
  return after.peak;
}

/* A variadic input gets each list element in order; one tensor may appear several times
 * (its consumers count each), and is released after the node. */
START_TEST(test_variadic_run) {
  const char *text = "vkgen: 1\nbatches: 2\nnodes:\n"
                     "  src: {op: t.src, params: {shape: [2, 3]}}\n"
                     "  one: {op: t.load, params: {path: x}}\n"
                     "  d: {op: t.sample, inputs: {noise: src}}\n"
                     "  s: {op: t.sum, inputs: {xs: [src, d, src], scale: one}}\n"
                     "  m: {op: t.mean, inputs: {x: s}}\n"
                     "  fin: {op: t.final, inputs: {x: m}}\n";
  vkg_graph *g = NULL;
  VKG_CHECK_OK(ctx, vkg_graph_load_string(ctx, reg, "var.yaml", text, strlen(text), NULL, 0, &g));
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  /* batch b: src = b + 1, d = 2 (b + 1): s = 4 (b + 1); mean over b = 0, 1: 6 */
  ck_assert_int_eq(fake.acc_count, 12);
  ck_assert(fake.acc_sum == 72.0);
  ck_assert(fake.final_value == 6.0);
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_liveness_flat_memory) {
  uint64_t p5 = run_peak(5);
  uint64_t p50 = run_peak(50);
  ck_assert(p5 > 0);
  /* src, s alive at once at most (256 KiB each), whatever the batch count */
  ck_assert_msg(p50 <= p5, "peak grew with batches: %llu -> %llu", (unsigned long long)p5, (unsigned long long)p50);
  ck_assert_msg(p5 <= 3 * 64 * 1024 * 4 + 4096, "peak %llu: more tensors alive than the plan needs",
                (unsigned long long)p5);
}
END_TEST

START_TEST(test_interrupt) {
  static volatile sig_atomic_t flag = 0;
  flag = 0;
  vkg_ctx_set_interrupt_flag(ctx, &flag);
  fake.interrupt_flag = &flag;
  fake.interrupt_at = 2;
  vkg_graph *g = load_graph(10, "[2, 3]");
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_INTERRUPTED, "interrupted after batch 3 of 10");
  ck_assert_int_eq(fake.acc_runs, 3);
  ck_assert_int_eq(fake.finishes, 1);
  ck_assert(fake.final_value == 4.0); /* mean of 2, 4, 6 */
  vkg_graph_destroy(g);
  vkg_ctx_set_interrupt_flag(ctx, NULL);
}
END_TEST

START_TEST(test_failing_run) {
  vkg_graph *g = load_graph(4, "[2, 3]");
  fake.fail_run_at = 1;
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_INPUT,
                  "node 's' (t.sample, plugin /fake/t.so): the sampler broke at batch 1");
  ck_assert_int_eq(fake.finishes, 0);
  fake.fail_run_at = -1;
  fake.nomem_run = 1;
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_NOMEM,
                  "node 's' (t.sample, plugin /fake/t.so): out of device memory (12 bytes); try a smaller batch");
  fake.nomem_run = 0;
  fake.wrong_shape = 1;
  VKG_CHECK_FAILS(ctx, vkg_graph_run(g, &quiet), VKG_E_PLUGIN,
                  "node 's' (t.sample, plugin /fake/t.so): run gave output 'sample' f32 [3, 3], but infer said f32 [2, 3]");
  fake.wrong_shape = 0;
  /* the graph still runs after failures, and nothing leaked */
  vkg_mem_stats before, after;
  vkg_ctx_mem_stats(ctx, &before);
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &quiet));
  vkg_ctx_mem_stats(ctx, &after);
  ck_assert_uint_eq(after.in_use, before.in_use);
  vkg_graph_destroy(g);
}
END_TEST

START_TEST(test_progress_lines) {
  vkg_graph *g = load_graph(3, "[2, 3]");
  vkg_run_options o = {.progress = 1};
  VKG_CHECK_OK(ctx, vkg_graph_run(g, &o));
  fflush(logf_);
  ck_assert_msg(strstr(logbuf, "batch 1/3\n"), "%s", logbuf);
  ck_assert_msg(strstr(logbuf, "batch 3/3\n"), "%s", logbuf);
  ck_assert_msg(strstr(logbuf, "src: 1/1 tensors"), "%s", logbuf);
  ck_assert_msg(!strchr(logbuf, '\r'), "plain lines only when asked: %s", logbuf);
  vkg_graph_destroy(g);
}
END_TEST

int main(void) {
  Suite *s = suite_create("graph_exec");
  TCase *tc = tcase_create("exec");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_stream);
  tcase_add_test(tc, test_variadic_run);
  tcase_add_test(tc, test_liveness_flat_memory);
  tcase_add_test(tc, test_interrupt);
  tcase_add_test(tc, test_failing_run);
  tcase_add_test(tc, test_progress_lines);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
