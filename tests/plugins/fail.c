/* Test plugin "fail" for the fault tests (tests/cli/test_faults.sh): nodes that fail on
 * purpose in run or start, slow down batches, and an accumulator whose end-of-run output
 * says how many batches it saw (so a test can check what an interrupted run flushed).
 * Errors are set with vkg_error, not vkg_node_error, so the executor adds the node, op and
 * plugin file itself, as it must for any third-party plugin. */
#include <stdlib.h>
#include <time.h>

#include <vkgen/plugin.h>

typedef struct count_state {
  double batches, samples;
} count_state;

static vkg_status same_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  out[0] = in[0];
  return VKG_OK;
}

static void sleep_ms(int64_t ms) {
  if (ms <= 0) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* fail.pass: x → out (the same tensor); fails in run at batch 'at', sleeps 'sleep_ms'. */
static vkg_status pass_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  int64_t at = -1, ms = 0, b = vkg_node_batch_index(node);
  vkg_node_param_int(node, "at", &at);
  vkg_node_param_int(node, "sleep_ms", &ms);
  sleep_ms(ms);
  if (b == at)
    return vkg_error(vkg_node_ctx(node), VKG_E_PLUGIN, "deliberate failure in run at batch %lld", (long long)b);
  out[0] = vkg_tensor_ref(in[0]);
  return VKG_OK;
}

/* fail.start: x → out; its start callback fails, so no batch may run. */
static vkg_status start_fails(vkg_node *node, void *state) {
  (void)state;
  return vkg_error(vkg_node_ctx(node), VKG_E_PLUGIN, "deliberate failure in start");
}

static vkg_status start_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  (void)out;
  return vkg_error(vkg_node_ctx(node), VKG_E_INTERNAL, "run called after start failed");
}

/* fail.count: accumulator x → stats f32 [2] = {batches seen, samples seen (dim 0)}. */
static vkg_status count_create(vkg_node *node, void **state) {
  (void)node;
  *state = calloc(1, sizeof(count_state));
  return *state ? VKG_OK : VKG_E_NOMEM;
}

static vkg_status count_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  int64_t two = 2;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, &two);
  return VKG_OK;
}

static vkg_status count_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)node;
  (void)out;
  count_state *s = state;
  const vkg_shape *sh = vkg_tensor_shape(in[0]);
  s->batches += 1;
  s->samples += sh->ndim ? (double)sh->d[0] : 1;
  return VKG_OK;
}

static vkg_status count_finish(vkg_node *node, void *state, vkg_tensor **out) {
  count_state *s = state;
  float v[2] = {(float)s->batches, (float)s->samples};
  int64_t two = 2;
  vkg_shape sh = vkg_shape_make(1, &two);
  vkg_node_report_value(node, "batches", s->batches);
  return vkg_tensor_create_from(vkg_node_ctx(node), VKG_F32, &sh, v, &out[0]);
}

static void count_destroy(void *state) { free(state); }

static const vkg_port_desc p_x[] = {{"x", "any", "input", 0}};
static const vkg_port_desc p_out[] = {{"out", "any", "the input, unchanged", 0}};
static const vkg_port_desc p_stats[] = {{"stats", "f32", "[batches, samples] seen", 0}};
static const vkg_param_desc pass_params[] = {
    {"at", VKG_PARAM_INT, "2", "batch index whose run fails (-1: never)", NULL, -1, 1e12},
    {"sleep_ms", VKG_PARAM_INT, "0", "milliseconds to sleep in every run", NULL, 0, 60000},
};
static const vkg_node_type types[] = {
    {.name = "pass", .doc = "passes its input on; fails in run at batch 'at'", .ninputs = 1, .inputs = p_x,
     .noutputs = 1, .outputs = p_out, .nparams = 2, .params = pass_params, .infer = same_infer, .run = pass_run},
    {.name = "start", .doc = "fails in start", .ninputs = 1, .inputs = p_x, .noutputs = 1, .outputs = p_out,
     .infer = same_infer, .start = start_fails, .run = start_run},
    {.name = "count", .doc = "counts batches and samples", .flags = VKG_NODE_ACCUMULATOR, .ninputs = 1, .inputs = p_x,
     .noutputs = 1, .outputs = p_stats, .create = count_create, .infer = count_infer, .run = count_run,
     .finish = count_finish, .destroy = count_destroy},
};
static const vkg_plugin_desc desc = {
    VKG_PLUGIN_ABI,
    .name = "fail", .version = "0.1", .doc = "fault-injection test plugin", .ntypes = 3, .types = types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &desc; }
