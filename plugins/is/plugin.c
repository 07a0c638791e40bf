/* The is plugin: is.score, the Inception Score of streamed logits (math in is_math.c). */
#include <stdlib.h>

#include <vkgen/plugin.h>
#include <vkgen/version.h>

#include "is_math.h"

static const vkg_port_desc is_inputs[1] = {
    {"logits", "f32", "classifier logits [B, C] (inception.features' logits_unbiased matches torch-fidelity)", 0},
};
static const vkg_port_desc is_outputs[2] = {
    {"mean", "f32", "mean of the per-split scores [1]", 0},
    {"std", "f32", "population standard deviation (ddof 0) of the per-split scores [1]", 0},
};
static const vkg_param_desc is_params[2] = {
    {"splits", VKG_PARAM_INT, "10", "number of splits, taken in sample order (no shuffle)", NULL, 1, 1e6},
    {"samples", VKG_PARAM_INT, "0",
     "total sample count when known: rows then stream into their split's sums (memory splits x C doubles); "
     "0 keeps every row's logits on the host until the end (4 C bytes a sample)",
     NULL, 0, 1e12},
};

typedef struct is_state {
  int splits;
  int64_t samples, classes;
  vkg_is_acc *acc;
  float *host;
  size_t host_bytes;
} is_state;

static void is_destroy(void *state) {
  is_state *s = state;
  if (!s) return;
  vkg_is_acc_destroy(s->acc);
  free(s->host);
  free(s);
}

static vkg_status is_create(vkg_node *node, void **state) {
  is_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  int64_t splits = 10;
  vkg_node_param_int(node, "splits", &splits);
  vkg_node_param_int(node, "samples", &s->samples);
  s->splits = (int)splits;
  if (s->samples > 0 && s->samples < splits) {
    long long n = (long long)s->samples;
    free(s);
    return vkg_node_error(node, VKG_E_INPUT, "samples", "%lld samples are fewer than the %lld splits", n,
                          (long long)splits);
  }
  *state = s;
  return VKG_OK;
}

static vkg_status is_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  is_state *s = state;
  char buf[96];
  if (in[0].shape.ndim != 2 || in[0].shape.d[1] < 1)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "logits must be [B, C], got %s",
                                vkg_shape_format(&in[0].shape, buf, sizeof buf));
  s->classes = in[0].shape.d[1];
  for (int k = 0; k < 2; k++) {
    out[k].dtype = VKG_F32;
    out[k].shape = vkg_shape_make(1, (const int64_t[]){1});
  }
  return VKG_OK;
}

static vkg_status is_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  is_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *sh = vkg_tensor_shape(in[0]);
  char buf[96];
  if (sh->ndim != 2 || sh->d[1] != s->classes)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "logits must be [B, %lld], got %s", (long long)s->classes,
                                vkg_shape_format(sh, buf, sizeof buf));
  if (!s->acc && vkg_is_acc_create(ctx, s->classes, s->splits, s->samples, &s->acc))
    return vkg_error_prefix(ctx, "node '%s': ", vkg_node_id(node));
  size_t bytes = vkg_tensor_bytes(in[0]);
  if (bytes > s->host_bytes) {
    float *h = realloc(s->host, bytes);
    if (!h) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory (%zu bytes)", bytes);
    s->host = h;
    s->host_bytes = bytes;
  }
  vkg_status st = vkg_tensor_download(ctx, in[0], s->host, bytes);
  if (st) return st;
  /* rows sit at their global sample index: a sharded run sees its batches out of order */
  int64_t first = vkg_node_batch_index(node) * sh->d[0];
  if (vkg_is_acc_add_at(ctx, s->acc, s->host, sh->d[0], first))
    return vkg_error_prefix(ctx, "node '%s': ", vkg_node_id(node));
  return VKG_OK;
}

static vkg_status is_finish(vkg_node *node, void *state, vkg_tensor **out) {
  is_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  double mean = 0, std = 0;
  if (!s->acc) return vkg_node_error(node, VKG_E_INPUT, NULL, "no logits arrived");
  if (vkg_is_acc_result(ctx, s->acc, &mean, &std)) return vkg_error_prefix(ctx, "node '%s': ", vkg_node_id(node));
  vkg_node_report_value(node, "mean", mean);
  vkg_node_report_value(node, "std", std);
  float m = (float)mean, d = (float)std;
  vkg_shape one = vkg_shape_make(1, (const int64_t[]){1});
  vkg_status st = vkg_tensor_create_from(ctx, VKG_F32, &one, &m, &out[0]);
  if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &one, &d, &out[1]);
  return st;
}

static vkg_status is_state_save(vkg_node *node, void *state, void **data, size_t *size) {
  is_state *s = state;
  if (vkg_is_acc_save(vkg_node_ctx(node), s->acc, data, size)) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

static vkg_status is_state_merge(vkg_node *node, void *state, const void *data, size_t size) {
  is_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (!s->acc && vkg_is_acc_create(ctx, s->classes, s->splits, s->samples, &s->acc)) return vkg_node_rethrow(node, NULL);
  if (vkg_is_acc_merge(ctx, s->acc, data, size)) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

static const vkg_node_type is_types[1] = {
    {.name = "score",
     .doc = "Inception Score of logits streamed across batches (torch-fidelity's math in float64, splits in sample "
         "order, no shuffle).",
     .flags = VKG_NODE_ACCUMULATOR, .ninputs = 1, .inputs = is_inputs, .noutputs = 2, .outputs = is_outputs,
     .nparams = 2, .params = is_params, .create = is_create, .infer = is_infer, .run = is_run, .finish = is_finish,
     .destroy = is_destroy, .state_save = is_state_save, .state_merge = is_state_merge},
};

static const vkg_plugin_desc is_plugin = {
    VKG_PLUGIN_ABI,
    .name = "is", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Inception Score (torch-fidelity formulation).", .ntypes = 1, .types = is_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &is_plugin; }
