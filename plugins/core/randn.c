/* core.randn: standard normal noise. Sample k of the whole run (batch b, row i: k = b * B + i)
 * is a pure function of (seed, k, stream), so changing the batch size or the number of batches
 * does not change any sample. */
#include <stdlib.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_randn_outputs[1] = {
    {"tensor", "f32", "noise of the given shape; dim 0 counts samples", 0},
};

const vkg_param_desc vkg_core_randn_params[VKG_CORE_RANDN_NPARAMS] = {
    {"shape", VKG_PARAM_INT_LIST, NULL, "shape of one batch, [B, ...]; B samples per batch", NULL, 1, 1e9},
    {"seed", VKG_PARAM_INT, "0", "random seed", NULL, 0, 0},
    {"stream", VKG_PARAM_INT, "0", "independent stream of the same seed (0..2^32-1)", NULL, 0, 4294967295.0},
};

typedef struct randn_state {
  vkg_shape shape;
  uint64_t seed;
  uint32_t stream;
} randn_state;

vkg_status vkg_core_randn_create(vkg_node *node, void **state) {
  const int64_t *dims = NULL;
  int n = 0;
  int64_t seed = 0, stream = 0;
  vkg_node_param_int_list(node, "shape", &dims, &n);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_int(node, "stream", &stream);
  if (n < 1 || n > VKG_MAX_DIMS)
    return vkg_node_error(node, VKG_E_INPUT, "shape", "expected 1 to %d dims, got %d", VKG_MAX_DIMS, n);
  for (int i = 0; i < n; i++)
    if (dims[i] < 1) return vkg_node_error(node, VKG_E_INPUT, "shape", "dim %d is %lld, must be >= 1", i, (long long)dims[i]);
  randn_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  s->shape = vkg_shape_make(n, dims);
  if (vkg_shape_numel(&s->shape) > ((int64_t)1 << 34)) {
    free(s);
    return vkg_node_error(node, VKG_E_INPUT, "shape", "too many elements");
  }
  s->seed = (uint64_t)seed;
  s->stream = (uint32_t)stream;
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_randn_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  randn_state *s = state;
  out[0].dtype = VKG_F32;
  out[0].shape = s->shape;
  return VKG_OK;
}

vkg_status vkg_core_randn_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  randn_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_tensor *t = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s->shape, &t);
  if (st) return st;
  uint64_t first = (uint64_t)vkg_node_batch_index(node) * (uint64_t)s->shape.d[0];
  st = vkg_randn(ctx, t, s->seed, first, s->stream);
  if (st) {
    vkg_tensor_unref(t);
    return st;
  }
  out[0] = t;
  return VKG_OK;
}

void vkg_core_randn_destroy(void *state) { free(state); }
