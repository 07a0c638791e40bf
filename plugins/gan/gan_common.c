/* Helpers the gan nodes share: per-call options from params, the class input. */
#include <stdlib.h>
#include <string.h>

#include "gan_internal.h"

void vkg_gan_opts_from_params(vkg_node *node, vkg_gan_opts *o) {
  const char *mode = "const";
  int64_t seed = 0;
  memset(o, 0, sizeof *o);
  o->psi = 1.0;
  o->cutoff = -1;
  vkg_node_param_float(node, "truncation_psi", &o->psi);
  vkg_node_param_int(node, "truncation_cutoff", &o->cutoff);
  vkg_node_param_string(node, "noise_mode", &mode);
  vkg_node_param_int(node, "seed", &seed);
  o->noise_mode = strcmp(mode, "random") == 0 ? 1 : strcmp(mode, "none") == 0 ? 2 : 0;
  o->seed = (uint64_t)seed;
}

vkg_status vkg_gan_class_infer(vkg_node *node, const vkg_gan_net *net, const vkg_model *m, int64_t batch,
                               const vkg_tensor_info *in, int port) {
  const vkg_tensor_info *c = &in[port];
  const int connected = c->shape.ndim > 0;
  if (net->c_dim == 0 && connected)
    return vkg_node_input_error(node, VKG_E_INPUT, port, "the model (%s) is unconditional (c_dim 0): "
                                "leave the class input unconnected", vkg_model_config_path(m));
  if (net->c_dim == 0) return VKG_OK;
  if (!connected)
    return vkg_node_input_error(node, VKG_E_INPUT, port, "the model (%s) is conditional (c_dim %lld): connect the "
                                "class input ([B] labels or [B, %lld] one-hot rows)", vkg_model_config_path(m),
                                (long long)net->c_dim, (long long)net->c_dim);
  char buf[96];
  vkg_shape_format(&c->shape, buf, sizeof buf);
  const int labels = (c->dtype == VKG_I32 || c->dtype == VKG_I64) && c->shape.ndim == 1;
  const int rows = c->dtype == VKG_F32 && c->shape.ndim == 2 && c->shape.d[1] == net->c_dim;
  if ((!labels && !rows) || c->shape.d[0] != batch)
    return vkg_node_input_error(node, VKG_E_INPUT, port, "class %s %s must be integer labels [%lld] or f32 one-hot "
                                "rows [%lld, %lld] (c_dim from %s)", vkg_dtype_name(c->dtype), buf, (long long)batch,
                                (long long)batch, (long long)net->c_dim, vkg_model_config_path(m));
  return VKG_OK;
}

vkg_status vkg_gan_class_onehot(vkg_ctx *ctx, vkg_tensor *labels, int64_t c_dim, vkg_tensor **out) {
  if (vkg_tensor_dtype(labels) == VKG_F32) {
    *out = vkg_tensor_ref(labels);
    return VKG_OK;
  }
  const int64_t n = vkg_tensor_numel(labels);
  int64_t *raw = malloc((size_t)(n ? n : 1) * sizeof *raw);
  float *hot = calloc((size_t)(n * c_dim > 0 ? n * c_dim : 1), sizeof *hot);
  vkg_status st = raw && hot ? vkg_tensor_download_ids(ctx, labels, raw)
                             : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  for (int64_t i = 0; st == VKG_OK && i < n; i++) {
    int64_t k = raw[i];
    if (k < 0 || k >= c_dim)
      st = vkg_error(ctx, VKG_E_INPUT, "class label %lld of sample %lld is outside [0, %lld)", (long long)k,
                     (long long)i, (long long)c_dim);
    else hot[i * c_dim + k] = 1.0f;
  }
  const int64_t d[2] = {n, c_dim};
  vkg_shape s = vkg_shape_make(2, d);
  if (st == VKG_OK) st = vkg_tensor_create_from(ctx, VKG_F32, &s, hot, out);
  free(raw);
  free(hot);
  return st;
}
