/* core.load_tensor: one entry of a .safetensors file. The file is opened (mmapped and
 * validated) at create so shape inference knows dtype and shape; the data is uploaded once
 * before the first batch and the same tensor is handed out for every batch. */
#include <stdlib.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_load_tensor_outputs[1] = {
    {"tensor", "any", "the tensor as stored (f32, f16, i32, i64 or u8)", 0},
};

const vkg_param_desc vkg_core_load_tensor_params[VKG_CORE_LOAD_TENSOR_NPARAMS] = {
    {"path", VKG_PARAM_PATH, NULL, ".safetensors file", NULL, 0, 0},
    {"name", VKG_PARAM_STRING, "\"\"", "tensor name in the file; may be empty when the file holds one tensor",
     NULL, 0, 0},
};

typedef struct load_tensor_state {
  vkg_safetensors *st;
  const vkg_st_entry *e;
  vkg_tensor *t;
} load_tensor_state;

void vkg_core_load_tensor_destroy(void *state) {
  load_tensor_state *s = state;
  if (!s) return;
  vkg_tensor_unref(s->t);
  vkg_safetensors_close(s->st);
  free(s);
}

vkg_status vkg_core_load_tensor_create(vkg_node *node, void **state) {
  const char *path = NULL, *name = "";
  vkg_node_param_string(node, "path", &path);
  vkg_node_param_string(node, "name", &name);
  load_tensor_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_safetensors_open(vkg_node_ctx(node), path, &s->st);
  if (st) {
    free(s);
    return vkg_node_rethrow(node, "path");
  }
  int count = vkg_safetensors_count(s->st);
  if (!name || !name[0]) {
    if (count != 1) {
      vkg_core_load_tensor_destroy(s);
      return vkg_node_error(node, VKG_E_INPUT, "name", "'%s' holds %d tensors; say which one with name", path,
                            count);
    }
    s->e = vkg_safetensors_entry(s->st, 0);
  } else {
    s->e = vkg_safetensors_find(s->st, name);
    if (!s->e) {
      vkg_core_load_tensor_destroy(s);
      return vkg_node_error(node, VKG_E_INPUT, "name", "no tensor '%s' in '%s' (%d tensors)", name, path, count);
    }
  }
  if (!s->e->has_dtype) {
    const char *dt = s->e->st_dtype;
    vkg_core_load_tensor_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "name", "tensor dtype %s in '%s' is not supported (f32, f16, i32, i64, u8)",
                          dt, path);
  }
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_load_tensor_infer(vkg_node *node, void *state, const vkg_tensor_info *in,
                                      vkg_tensor_info *out) {
  load_tensor_state *s = state;
  out[0].dtype = s->e->dtype;
  out[0].shape = s->e->shape;
  return VKG_OK;
}

vkg_status vkg_core_load_tensor_start(vkg_node *node, void *state) {
  load_tensor_state *s = state;
  if (s->t) return VKG_OK;
  return vkg_tensor_create_from(vkg_node_ctx(node), s->e->dtype, &s->e->shape, s->e->data, &s->t);
}

vkg_status vkg_core_load_tensor_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  load_tensor_state *s = state;
  vkg_status st = vkg_core_load_tensor_start(node, state); /* in case the executor has no start pass */
  if (st) return st;
  out[0] = vkg_tensor_ref(s->t);
  return VKG_OK;
}
