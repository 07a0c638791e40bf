/* A fake plugin "t" for the graph tests, registered with vkg_registry_add: its infer
 * callbacks do real shape logic; its run callbacks make small tensors with
 * vkg_tensor_create_from, so executor tests run on any Vulkan device. */
#ifndef VKG_TEST_GRAPH_FAKE_H
#define VKG_TEST_GRAPH_FAKE_H

#include <stdlib.h>
#include <string.h>
#include <vkgen/vkgen.h>

/* What the fake nodes saw; tests reset and inspect it (test-process state only). */
typedef struct fake_log {
  int creates, destroys, starts, runs, finishes;
  int acc_runs;
  int64_t last_batch;
  double acc_sum;      /* sum of every element the accumulator saw */
  int64_t acc_count;
  int interrupt_at;    /* t.src sets *interrupt_flag after this batch index (-1: never) */
  volatile sig_atomic_t *interrupt_flag;
  int fail_run_at;     /* t.sample's run fails at this batch (-1: never) */
  int nomem_run;       /* t.sample's run fails with VKG_E_NOMEM */
  int wrong_shape;     /* t.sample's run produces a tensor of another shape */
  int sum_count;       /* vkg_node_input_count of t.sum's xs at its last infer */
  char final_seen[64]; /* what t.final read */
  double final_value;
} fake_log;

static fake_log fake;

static void fake_reset(void) {
  memset(&fake, 0, sizeof fake);
  fake.interrupt_at = -1;
  fake.fail_run_at = -1;
}

typedef struct fake_state {
  int64_t n;
  double sum;
} fake_state;

static vkg_status fake_create(vkg_node *node, void **state) {
  (void)node;
  fake_state *s = calloc(1, sizeof *s);
  if (!s) return VKG_E_NOMEM;
  fake.creates++;
  *state = s;
  return VKG_OK;
}

static void fake_destroy(void *state) {
  fake.destroys++;
  free(state);
}

static vkg_status fake_start(vkg_node *node, void *state) {
  (void)node;
  (void)state;
  fake.starts++;
  return VKG_OK;
}

/* ---- t.src: → out f32 [shape] ------------------------------------------------------- */

static vkg_status src_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  (void)in;
  const int64_t *d;
  int n;
  vkg_node_param_int_list(node, "shape", &d, &n);
  if (n < 1 || n > VKG_MAX_DIMS) return vkg_node_error(node, VKG_E_INPUT, "shape", "expected 1 to 6 dims, got %d", n);
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(n, d);
  return VKG_OK;
}

static vkg_status src_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  fake.runs++;
  int64_t b = vkg_node_batch_index(node);
  fake.last_batch = b;
  const int64_t *d;
  int n;
  vkg_node_param_int_list(node, "shape", &d, &n);
  vkg_shape s = vkg_shape_make(n, d);
  int64_t numel = vkg_shape_numel(&s);
  float *host = malloc(sizeof(float) * (size_t)numel);
  if (!host) return VKG_E_NOMEM;
  for (int64_t i = 0; i < numel; i++) host[i] = (float)(b + 1);
  vkg_node_progress(node, 1, 1, "tensors");
  vkg_status st = vkg_tensor_create_from(vkg_node_ctx(node), VKG_F32, &s, host, &out[0]);
  free(host);
  if (fake.interrupt_flag && fake.interrupt_at == b) *fake.interrupt_flag = 1;
  return st;
}

/* ---- t.sample: noise f32, cond any (optional) → sample f32 --------------------------- */

static vkg_status sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  int64_t steps;
  vkg_node_param_int(node, "steps", &steps);
  if (steps == 999) return vkg_node_error(node, VKG_E_INPUT, "steps", "999 is not allowed here");
  if (in[1].shape.ndim && !vkg_shape_equal(&in[0].shape, &in[1].shape))
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "shape differs from noise");
  out[0] = in[0];
  return VKG_OK;
}

static vkg_status sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  fake.runs++;
  vkg_ctx *ctx = vkg_node_ctx(node);
  int64_t b = vkg_node_batch_index(node);
  if (fake.fail_run_at == b) return vkg_error(ctx, VKG_E_INPUT, "the sampler broke at batch %lld", (long long)b);
  if (fake.nomem_run) return vkg_error(ctx, VKG_E_NOMEM, "out of device memory (12 bytes)");
  vkg_shape s = *vkg_tensor_shape(in[0]);
  if (fake.wrong_shape) s.d[0] += 1;
  int64_t numel = vkg_shape_numel(&s);
  float *host = calloc((size_t)numel, sizeof(float));
  if (!host) return VKG_E_NOMEM;
  vkg_status st = VKG_OK;
  if (!fake.wrong_shape) st = vkg_tensor_download(ctx, in[0], host, sizeof(float) * (size_t)numel);
  for (int64_t i = 0; i < numel; i++) host[i] *= 2.0f;
  if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &s, host, &out[0]);
  free(host);
  return st;
}

/* ---- t.load: path (PATH, required) → tensor f32 [1] ---------------------------------- */

static vkg_status load_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, (int64_t[]){1});
  return VKG_OK;
}

static vkg_status one_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  float one = 1;
  vkg_shape s = vkg_shape_make(1, (int64_t[]){1});
  return vkg_tensor_create_from(vkg_node_ctx(node), VKG_F32, &s, &one, &out[0]);
}

/* ---- t.split: x f32 → a, b f32 ------------------------------------------------------ */

static vkg_status split_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  out[0] = out[1] = in[0];
  return VKG_OK;
}

static vkg_status split_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)node;
  (void)state;
  out[0] = vkg_tensor_ref(in[0]);
  out[1] = vkg_tensor_ref(in[0]);
  return VKG_OK;
}

/* ---- t.toint: x f32 → y i32 ---------------------------------------------------------- */

static vkg_status toint_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  out[0] = in[0];
  out[0].dtype = VKG_I32;
  return VKG_OK;
}

/* ---- t.sink: images f32 → ------------------------------------------------------------ */

static vkg_status sink_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  (void)out;
  return VKG_OK;
}

static vkg_status sink_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)node;
  (void)state;
  (void)in;
  (void)out;
  fake.runs++;
  return VKG_OK;
}

/* ---- t.mean: accumulator x f32 → mean f32 [1] ---------------------------------------- */

static vkg_status mean_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, (int64_t[]){1});
  return VKG_OK;
}

static vkg_status mean_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)out;
  fake_state *s = state;
  fake.acc_runs++;
  int64_t n = vkg_tensor_numel(in[0]);
  float *host = malloc(sizeof(float) * (size_t)n);
  if (!host) return VKG_E_NOMEM;
  vkg_status st = vkg_tensor_download(vkg_node_ctx(node), in[0], host, sizeof(float) * (size_t)n);
  for (int64_t i = 0; i < n && !st; i++) s->sum += host[i];
  s->n += n;
  free(host);
  return st;
}

static vkg_status mean_finish(vkg_node *node, void *state, vkg_tensor **out) {
  fake_state *s = state;
  fake.finishes++;
  fake.acc_sum = s->sum;
  fake.acc_count = s->n;
  float m = s->n ? (float)(s->sum / (double)s->n) : 0.0f;
  vkg_node_report_value(node, "mean", m);
  vkg_shape sh = vkg_shape_make(1, (int64_t[]){1});
  return vkg_tensor_create_from(vkg_node_ctx(node), VKG_F32, &sh, &m, &out[0]);
}

/* ---- t.final: x f32 [1] → (reads the value, a sink) ---------------------------------- */

static vkg_status final_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)out;
  float v = 0;
  vkg_status st = vkg_tensor_download(vkg_node_ctx(node), in[0], &v, sizeof v);
  fake.final_value = v;
  snprintf(fake.final_seen, sizeof fake.final_seen, "%s", vkg_node_id(node));
  vkg_node_report_value(node, "value", v);
  return st;
}

/* ---- t.sum: scale f32 [1] (optional), xs f32 (variadic, optional) → y f32 --------------
 * y = (sum of the xs) * scale; all xs of one shape; no xs: y = [0]. */

static vkg_status sum_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  int n = vkg_node_input_count(node, 1);
  fake.sum_count = n;
  if (vkg_node_input_count(node, 0) != 1 || vkg_node_input_count(node, 2) != -1)
    return vkg_node_error(node, VKG_E_INTERNAL, NULL, "bad input counts");
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, (int64_t[]){1});
  if (n) out[0].shape = in[1].shape;
  for (int k = 1; k < n; k++)
    if (!vkg_shape_equal(&in[1 + k].shape, &in[1].shape))
      return vkg_node_input_error(node, VKG_E_INPUT, 1 + k, "shape differs from xs[0]'s");
  return VKG_OK;
}

static vkg_status sum_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  int n = vkg_node_input_count(node, 1);
  float scale = 1;
  vkg_status st = in[0] ? vkg_tensor_download(ctx, in[0], &scale, sizeof scale) : VKG_OK;
  vkg_shape s = n ? *vkg_tensor_shape(in[1]) : vkg_shape_make(1, (int64_t[]){1});
  int64_t numel = vkg_shape_numel(&s);
  float *acc = calloc((size_t)numel * 2, sizeof(float));
  if (!acc) return VKG_E_NOMEM;
  for (int k = 0; k < n && !st; k++) {
    st = vkg_tensor_download(ctx, in[1 + k], acc + numel, sizeof(float) * (size_t)numel);
    for (int64_t i = 0; i < numel; i++) acc[i] += acc[numel + i];
  }
  for (int64_t i = 0; i < numel; i++) acc[i] *= scale;
  if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &s, acc, &out[0]);
  free(acc);
  return st;
}

static const vkg_port_desc p_out_f32[] = {{"out", "f32", "a tensor", 0}};
static const vkg_port_desc p_sum_in[] = {{"scale", "f32", "factor", VKG_PORT_OPTIONAL},
                                         {"xs", "f32", "terms", VKG_PORT_VARIADIC | VKG_PORT_OPTIONAL}};
static const vkg_port_desc p_cat_in[] = {{"xs", "f32", "terms", VKG_PORT_VARIADIC}};
static const vkg_port_desc p_sample_in[] = {{"noise", "f32", "noise", 0}, {"cond", "any", "conditioning", 1}};
static const vkg_port_desc p_sample_out[] = {{"sample", "f32", "the sample", 0}};
static const vkg_port_desc p_x_f32[] = {{"x", "f32", "input", 0}};
static const vkg_port_desc p_x_any[] = {{"x", "any", "input", 0}};
static const vkg_port_desc p_split_out[] = {{"a", "f32", "first", 0}, {"b", "f32", "second", 0}};
static const vkg_port_desc p_y_i32[] = {{"y", "i32", "ints", 0}};
static const vkg_port_desc p_y_f32[] = {{"y", "f32", "floats", 0}};
static const vkg_port_desc p_images[] = {{"images", "f32|f16", "images", 0}};
static const vkg_port_desc p_mean_out[] = {{"mean", "f32", "the mean", 0}};
static const vkg_port_desc p_tensor[] = {{"tensor", "f32", "loaded", 0}};

static const vkg_param_desc src_params[] = {
    {"shape", VKG_PARAM_INT_LIST, "[2, 3]", "dims", NULL, 1, 4096},
    {"seed", VKG_PARAM_INT, "0", "seed", NULL, 0, 0},
};
static const vkg_param_desc sample_params[] = {
    {"steps", VKG_PARAM_INT, "50", "denoising steps", NULL, 1, 1000},
    {"scheduler", VKG_PARAM_ENUM, "ddpm", "scheduler", "ddpm|ddim", 0, 0},
    {"eta", VKG_PARAM_FLOAT, "0", "eta", NULL, 0, 1},
    {"clip", VKG_PARAM_BOOL, "false", "clip", NULL, 0, 0},
    {"range", VKG_PARAM_FLOAT_LIST, "[-1, 1]", "range", NULL, 0, 0},
    {"label", VKG_PARAM_STRING, "none", "a label", NULL, 0, 0},
    {"model", VKG_PARAM_PATH, "models/default", "model folder", NULL, 0, 0},
};
static const vkg_param_desc load_params[] = {
    {"path", VKG_PARAM_PATH, NULL, "file to load", NULL, 0, 0},
};

static const vkg_node_type fake_types[] = {
    {.name = "src", .doc = "source", .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = p_out_f32, .nparams = 2,
     .params = src_params, .create = fake_create, .infer = src_infer, .start = fake_start, .run = src_run,
     .destroy = fake_destroy},
    {.name = "sample", .doc = "sampler", .ninputs = 2, .inputs = p_sample_in, .noutputs = 1, .outputs = p_sample_out,
     .nparams = 7, .params = sample_params, .create = fake_create, .infer = sample_infer, .run = sample_run,
     .destroy = fake_destroy},
    {.name = "load", .doc = "loader", .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = p_tensor, .nparams = 1,
     .params = load_params, .infer = load_infer, .run = one_run},
    {.name = "split", .doc = "split", .ninputs = 1, .inputs = p_x_f32, .noutputs = 2, .outputs = p_split_out,
     .infer = split_infer, .run = split_run},
    {.name = "toint", .doc = "to int", .ninputs = 1, .inputs = p_x_f32, .noutputs = 1, .outputs = p_y_i32,
     .infer = toint_infer, .run = split_run},
    {.name = "badtype", .doc = "declares f32, infers i32", .ninputs = 1, .inputs = p_x_any, .noutputs = 1,
     .outputs = p_y_f32, .infer = toint_infer, .run = split_run},
    {.name = "sink", .doc = "sink", .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = p_images, .create = fake_create,
     .infer = sink_infer, .run = sink_run, .destroy = fake_destroy},
    {.name = "mean", .doc = "mean", .flags = VKG_NODE_ACCUMULATOR, .ninputs = 1, .inputs = p_x_f32, .noutputs = 1,
     .outputs = p_mean_out, .create = fake_create, .infer = mean_infer, .run = mean_run, .finish = mean_finish,
     .destroy = fake_destroy},
    {.name = "final", .doc = "reads a value", .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = p_x_f32,
     .infer = sink_infer, .run = final_run},
    {.name = "sum", .doc = "sums a list", .ninputs = 2, .inputs = p_sum_in, .noutputs = 1, .outputs = p_y_f32,
     .infer = sum_infer, .run = sum_run},
    {.name = "cat", .doc = "takes a non-empty list", .ninputs = 1, .inputs = p_cat_in, .noutputs = 1,
     .outputs = p_y_f32, .infer = split_infer, .run = split_run},
};

static const vkg_plugin_desc fake_plugin = {
    VKG_PLUGIN_ABI,
    .name = "t", .version = "1.0", .doc = "fake test plugin",
    .ntypes = (int)(sizeof fake_types / sizeof fake_types[0]), .types = fake_types,
};

#endif
