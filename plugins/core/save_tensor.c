/* core.save_tensor: writes its input into a .safetensors file (atomically; other entries of
 * an existing file are kept). With batches > 1 the batches are concatenated along dim 0 on
 * the host and the file is written once after the last batch, so an interrupted run leaves
 * no file behind (and never a partial one). */
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_save_tensor_inputs[1] = {
    {"tensor", "any", "tensor to save; batches are concatenated along dim 0", 0},
};

const vkg_param_desc vkg_core_save_tensor_params[VKG_CORE_SAVE_TENSOR_NPARAMS] = {
    {"path", VKG_PARAM_PATH, NULL, ".safetensors file to write or extend", NULL, 0, 0},
    {"name", VKG_PARAM_STRING, "tensor", "entry name (replaces an entry of that name)", NULL, 0, 0},
};

typedef struct save_tensor_state {
  unsigned char *data; /* all batches so far */
  size_t bytes;
  int64_t calls; /* batches gathered (1 for a node after an accumulator, which runs once) */
} save_tensor_state;

vkg_status vkg_core_save_tensor_create(vkg_node *node, void **state) {
  const char *name = NULL;
  vkg_node_param_string(node, "name", &name);
  if (!name || !name[0]) return vkg_node_error(node, VKG_E_INPUT, "name", "must not be empty");
  save_tensor_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_save_tensor_infer(vkg_node *node, void *state, const vkg_tensor_info *in,
                                      vkg_tensor_info *out) {
  if (in[0].shape.ndim == 0 && vkg_node_batch_count(node) > 1)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "a scalar cannot be concatenated across %lld batches; use batches: 1",
                                (long long)vkg_node_batch_count(node));
  return VKG_OK;
}

vkg_status vkg_core_save_tensor_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  save_tensor_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_tensor *t = in[0];
  size_t bytes = vkg_tensor_bytes(t);
  int64_t b = vkg_node_batch_index(node), nb = vkg_node_batch_count(node);
  unsigned char *grown = realloc(s->data, s->bytes + bytes + 1);
  if (!grown) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory (%zu bytes)", s->bytes + bytes);
  s->data = grown;
  vkg_status st = vkg_tensor_download(ctx, t, s->data + s->bytes, bytes);
  if (st) return st;
  s->bytes += bytes;
  s->calls++;
  if (b + 1 < nb) return VKG_OK;

  const char *path = NULL, *name = NULL;
  vkg_node_param_string(node, "path", &path);
  vkg_node_param_string(node, "name", &name);
  vkg_st_write_entry e = {name, vkg_tensor_dtype(t), *vkg_tensor_shape(t), s->data};
  if (e.shape.ndim > 0) e.shape.d[0] *= s->calls;
  st = vkg_safetensors_write(ctx, path, &e, 1, NULL, 0, 1);
  if (st) return vkg_node_rethrow(node, "path");
  return VKG_OK;
}

void vkg_core_save_tensor_destroy(void *state) {
  save_tensor_state *s = state;
  if (!s) return;
  free(s->data);
  free(s);
}
