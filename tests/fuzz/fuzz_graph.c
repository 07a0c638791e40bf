/* Fuzz target: the graph loader (YAML → tree → nodes, params of every type, inputs,
 * overrides, cycles, phases, create and infer) on an in-process fake plugin "fz", so every
 * validation path runs without loading plugin files or doing GPU work (the graph is never
 * run). Leading "#set NODE.PARAM=VALUE" lines of the input (YAML comments) become --set
 * overrides. VKG_FUZZ_VERBOSE=1 prints each outcome (for checking what seeds reach). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/vkgen.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fz_state {
  char *label; /* owned copy: exercises create/destroy pairing under ASan's leak check */
} fz_state;

static vkg_status fz_create(vkg_node *node, void **state) {
  int fail = 0;
  vkg_node_param_bool(node, "fail", &fail);
  if (fail) return vkg_node_error(node, VKG_E_INPUT, "fail", "create refused (fail: true)");
  fz_state *s = calloc(1, sizeof *s);
  if (!s) return VKG_E_NOMEM;
  const char *label = NULL;
  if (vkg_node_param_string(node, "label", &label) == 0 && !(s->label = strdup(label))) {
    free(s);
    return VKG_E_NOMEM;
  }
  *state = s;
  return VKG_OK;
}

static void fz_destroy(void *state) {
  fz_state *s = state;
  if (!s) return;
  free(s->label);
  free(s);
}

static vkg_status fz_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  (void)out;
  return vkg_node_error(node, VKG_E_INTERNAL, NULL, "the graph fuzzer never runs graphs");
}

/* fz.src: → out (dtype from 'dtype', shape from 'shape') */
static vkg_status src_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  (void)in;
  const int64_t *d = NULL;
  int n = 0;
  const char *dt = NULL, *mode = NULL, *model = NULL;
  int flag = 0;
  double scale = 0;
  const double *range = NULL;
  int nr = 0;
  vkg_node_param_int_list(node, "shape", &d, &n);
  vkg_node_param_string(node, "dtype", &dt);
  vkg_node_param_string(node, "mode", &mode);
  vkg_node_param_string(node, "model", &model);
  vkg_node_param_bool(node, "flag", &flag);
  vkg_node_param_float(node, "scale", &scale);
  vkg_node_param_float_list(node, "range", &range, &nr);
  if (n < 1 || n > VKG_MAX_DIMS) return vkg_node_error(node, VKG_E_INPUT, "shape", "expected 1 to 6 dims, got %d", n);
  if (nr != 2 || !(range[0] < range[1]))
    return vkg_node_error(node, VKG_E_INPUT, "range", "expected [low, high] with low < high");
  if (flag && mode && !strcmp(mode, "cc"))
    return vkg_node_error(node, VKG_E_INPUT, "mode", "mode cc cannot be used with flag (model %s)", model);
  vkg_dtype t = VKG_F32;
  if (!dt || vkg_dtype_parse(dt, &t) != 0) return vkg_node_error(node, VKG_E_INPUT, "dtype", "unknown dtype");
  out[0].dtype = t;
  out[0].shape = vkg_shape_make(n, d);
  return VKG_OK;
}

/* fz.map: x f32|f16, cond any (optional) → a f32 (like x), b i32 (like x) */
static vkg_status map_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  int64_t steps = 0;
  vkg_node_param_int(node, "steps", &steps);
  if (steps == 13) return vkg_node_error(node, VKG_E_INPUT, "steps", "13 is unlucky");
  if (in[1].shape.ndim && !vkg_shape_equal(&in[0].shape, &in[1].shape))
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "shape differs from x");
  out[0] = in[0];
  out[0].dtype = VKG_F32;
  out[1] = in[0];
  out[1].dtype = VKG_I32;
  return VKG_OK;
}

/* fz.bad: x any → y f32, where infer misbehaves on request */
static vkg_status bad_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  const char *how = NULL;
  vkg_node_param_string(node, "how", &how);
  out[0] = in[0];
  if (!strcmp(how, "dtype")) out[0].dtype = VKG_I64;
  else if (!strcmp(how, "shape")) out[0].shape.d[0] = 0;
  else if (!strcmp(how, "ndim")) out[0].shape.ndim = VKG_MAX_DIMS + 1;
  else if (!strcmp(how, "fail")) return VKG_E_INPUT; /* no message: the executor must add one */
  else out[0].dtype = VKG_F32;
  return VKG_OK;
}

/* fz.acc: accumulator x any → mean f32 [1] */
static vkg_status acc_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  int64_t one = 1;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, &one);
  return VKG_OK;
}

static vkg_status fz_finish(vkg_node *node, void *state, vkg_tensor **out) { return fz_run(node, state, NULL, out); }

/* fz.cat: first f32, xs any (variadic, optional) → y: reads every entry of in[], refuses
 * elements whose rank differs from the first (an error at that element). */
static vkg_status cat_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  int n = vkg_node_input_count(node, 1);
  out[0] = in[0];
  for (int k = 0; k < n; k++) {
    if (in[1 + k].shape.ndim != in[0].shape.ndim)
      return vkg_node_input_error(node, VKG_E_INPUT, 1 + k, "rank %d differs from first's %d", in[1 + k].shape.ndim,
                                  in[0].shape.ndim);
  }
  out[0].dtype = VKG_F32;
  return VKG_OK;
}

/* fz.sink: images f32|f16|u8 →; fz.two: → first, second (no params) */
static vkg_status sink_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)state;
  (void)out;
  const char *path = NULL;
  vkg_node_param_string(node, "path", &path);
  if (in[0].shape.ndim != 4) return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected [B, C, H, W] (%s)", path);
  return VKG_OK;
}

static vkg_status two_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  int64_t d[2] = {2, 2};
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(2, d);
  out[1] = out[0];
  out[1].dtype = VKG_U8;
  return VKG_OK;
}

static const vkg_param_desc src_params[] = {
    {"shape", VKG_PARAM_INT_LIST, "[2, 3]", "dims", NULL, 1, 4096},
    {"seed", VKG_PARAM_INT, "0", "seed (unbounded)", NULL, 0, 0},
    {"scale", VKG_PARAM_FLOAT, "1.5", "scale", NULL, 0, 10},
    {"flag", VKG_PARAM_BOOL, "false", "a flag", NULL, 0, 0},
    {"label", VKG_PARAM_STRING, "x", "a label", NULL, 0, 0},
    {"model", VKG_PARAM_PATH, "models/m", "a folder", NULL, 0, 0},
    {"mode", VKG_PARAM_ENUM, "a", "mode", "a|b|cc", 0, 0},
    {"dtype", VKG_PARAM_ENUM, "f32", "output dtype", "f32|f16|i32|i64|u8", 0, 0},
    {"range", VKG_PARAM_FLOAT_LIST, "[-1, 1]", "range", NULL, -100, 100},
    {"fail", VKG_PARAM_BOOL, "false", "create fails", NULL, 0, 0},
};
static const vkg_param_desc map_params[] = {
    {"steps", VKG_PARAM_INT, "50", "steps", NULL, 1, 1000},
    {"eta", VKG_PARAM_FLOAT, "0", "eta", NULL, 0, 1},
    {"label", VKG_PARAM_STRING, "m", "a label", NULL, 0, 0},
    {"fail", VKG_PARAM_BOOL, "false", "create fails", NULL, 0, 0},
};
static const vkg_param_desc bad_params[] = {
    {"how", VKG_PARAM_ENUM, "none", "how infer misbehaves", "none|dtype|shape|ndim|fail", 0, 0},
};
static const vkg_param_desc sink_params[] = {
    {"path", VKG_PARAM_PATH, NULL, "output file (required)", NULL, 0, 0},
    {"nrow", VKG_PARAM_INT, NULL, "columns (required)", NULL, 1, 64},
    {"fail", VKG_PARAM_BOOL, "false", "create fails", NULL, 0, 0},
};

static const vkg_port_desc p_out_any[] = {{"out", "any", "a tensor", 0}};
static const vkg_port_desc p_map_in[] = {{"x", "f32|f16", "input", 0}, {"cond", "any", "conditioning", 1}};
static const vkg_port_desc p_map_out[] = {{"a", "f32", "floats", 0}, {"b", "i32", "ints", 0}};
static const vkg_port_desc p_x_any[] = {{"x", "any", "input", 0}};
static const vkg_port_desc p_y_f32[] = {{"y", "f32", "output", 0}};
static const vkg_port_desc p_mean[] = {{"mean", "f32", "the mean", 0}};
static const vkg_port_desc p_images[] = {{"images", "f32|f16|u8", "images", 0}};
static const vkg_port_desc p_two[] = {{"first", "f32", "floats", 0}, {"second", "u8", "bytes", 0}};
static const vkg_port_desc p_cat[] = {{"first", "f32", "floats", 0},
                                      {"xs", "any", "more", VKG_PORT_VARIADIC | VKG_PORT_OPTIONAL}};

#define NP(a) (int)(sizeof a / sizeof a[0])
static const vkg_node_type fz_types[] = {
    {.name = "src", .doc = "source", .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = p_out_any,
     .nparams = NP(src_params), .params = src_params, .create = fz_create, .infer = src_infer, .run = fz_run,
     .destroy = fz_destroy},
    {.name = "map", .doc = "map", .ninputs = 2, .inputs = p_map_in, .noutputs = 2, .outputs = p_map_out,
     .nparams = NP(map_params), .params = map_params, .create = fz_create, .infer = map_infer, .run = fz_run,
     .destroy = fz_destroy},
    {.name = "bad", .doc = "bad infer", .ninputs = 1, .inputs = p_x_any, .noutputs = 1, .outputs = p_y_f32,
     .nparams = NP(bad_params), .params = bad_params, .infer = bad_infer, .run = fz_run},
    {.name = "acc", .doc = "accumulator", .flags = VKG_NODE_ACCUMULATOR, .ninputs = 1, .inputs = p_x_any,
     .noutputs = 1, .outputs = p_mean, .infer = acc_infer, .run = fz_run, .finish = fz_finish},
    {.name = "sink", .doc = "sink", .flags = VKG_NODE_SINK, .ninputs = 1, .inputs = p_images,
     .nparams = NP(sink_params), .params = sink_params, .create = fz_create, .infer = sink_infer, .run = fz_run,
     .destroy = fz_destroy},
    {.name = "two", .doc = "two outputs", .flags = VKG_NODE_SOURCE, .noutputs = 2, .outputs = p_two,
     .infer = two_infer, .run = fz_run},
    {.name = "cat", .doc = "variadic", .ninputs = 2, .inputs = p_cat, .noutputs = 1, .outputs = p_y_f32,
     .infer = cat_infer, .run = fz_run},
};
static const vkg_plugin_desc fz_plugin = {
    VKG_PLUGIN_ABI,
    .name = "fz", .version = "1.0", .doc = "graph fuzzer plugin", .ntypes = NP(fz_types), .types = fz_types,
};

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 0;
  vkg_registry *reg = NULL;
  if (vkg_registry_create(ctx, &reg) || vkg_registry_add(reg, &fz_plugin, "<fuzz>")) abort();

  /* Leading "#set " lines → overrides (their text is kept in bufs). */
  static const char tag[] = "#set ";
  vkg_override sets[MAX_SETS];
  char bufs[MAX_SETS][256];
  int nsets = 0;
  size_t pos = 0;
  while (nsets < MAX_SETS && size - pos > 5 && !memcmp(data + pos, tag, 5)) {
    const uint8_t *nl = memchr(data + pos, '\n', size - pos);
    size_t end = nl ? (size_t)(nl - data) : size;
    char line[300];
    size_t n = end - pos - 5;
    if (n >= sizeof line) n = sizeof line - 1;
    memcpy(line, data + pos + 5, n);
    line[n] = 0;
    if (strlen(line) == n && vkg_override_parse(ctx, line, bufs[nsets], sizeof bufs[nsets], &sets[nsets]) == VKG_OK)
      nsets++;
    pos = nl ? end + 1 : size;
  }

  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "fuzz/graph.yaml", (const char *)data, size, sets, nsets, &g);
  if (st == VKG_OK) {
    if (!g) abort();
    (void)vkg_graph_name(g);
    (void)vkg_graph_batches(g);
    for (int i = 0; i < vkg_graph_node_count(g); i++) {
      vkg_node *v = vkg_graph_node(g, i);
      if (!v || !vkg_node_id(v) || !vkg_node_op(v)) abort();
      for (int p = 0; p < 4; p++) (void)vkg_graph_output_info(g, i, p);
    }
    if (getenv("VKG_FUZZ_VERBOSE")) fprintf(stderr, "ok: %d nodes\n", vkg_graph_node_count(g));
    vkg_graph_destroy(g);
  } else {
    if (g) abort();
    const char *m = vkg_error_message(ctx);
    if (!m || !m[0]) abort(); /* every refusal says why */
    if (getenv("VKG_FUZZ_VERBOSE")) fprintf(stderr, "%s\n", m);
  }
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
  return 0;
}
