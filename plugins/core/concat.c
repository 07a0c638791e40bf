/* core.concat: joins a list of tensors along an axis (e.g. originals and reconstructions
 * side by side along the width, axis 3, for a comparison grid). Its input "tensors" is
 * variadic: in[0 .. n-1] are the list's tensors, n = vkg_node_input_count(node, 0). */
#include <stdlib.h>

#include <vkgen/kernels.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_concat_inputs[1] = {
    {"tensors", "f32|i32|i64",
     "tensors to join, in order: same dtype and rank, same dims except along axis (one tensor is copied)",
     VKG_PORT_VARIADIC},
};

const vkg_port_desc vkg_core_concat_outputs[1] = {
    {"tensor", "f32|i32|i64", "the tensors joined along axis", 0},
};

const vkg_param_desc vkg_core_concat_params[VKG_CORE_CONCAT_NPARAMS] = {
    {"axis", VKG_PARAM_INT, "0", "axis to join along; negative counts from the end (-1: last)", NULL, -6, 5},
};

static int concat_axis(vkg_node *node, int ndim) {
  int64_t axis = 0;
  vkg_node_param_int(node, "axis", &axis);
  return (int)(axis < 0 ? axis + ndim : axis);
}

vkg_status vkg_core_concat_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  char sa[96], sb[96];
  int n = vkg_node_input_count(node, 0);
  const vkg_shape *a = &in[0].shape;
  int axis = concat_axis(node, a->ndim);
  if (axis < 0 || axis >= a->ndim)
    return vkg_node_error(node, VKG_E_INPUT, "axis", "out of range for tensors of rank %d", a->ndim);
  out[0] = in[0];
  for (int k = 1; k < n; k++) {
    const vkg_shape *b = &in[k].shape;
    if (in[k].dtype != in[0].dtype)
      return vkg_node_input_error(node, VKG_E_INPUT, k, "dtype %s differs from tensors[0]'s %s",
                                  vkg_dtype_name(in[k].dtype), vkg_dtype_name(in[0].dtype));
    int ok = a->ndim == b->ndim;
    for (int i = 0; ok && i < a->ndim; i++)
      if (i != axis && a->d[i] != b->d[i]) ok = 0;
    if (!ok)
      return vkg_node_input_error(node, VKG_E_INPUT, k, "shape %s does not fit tensors[0]'s %s along axis %d",
                                  vkg_shape_format(b, sb, sizeof sb), vkg_shape_format(a, sa, sizeof sa), axis);
    out[0].shape.d[axis] += b->d[axis];
    /* ids of the joined tensor lie below the largest part's limit; unknown if any part's is */
    if (!in[k].index_limit) out[0].index_limit = 0;
    else if (out[0].index_limit && in[k].index_limit > out[0].index_limit) out[0].index_limit = in[k].index_limit;
  }
  return VKG_OK;
}

vkg_status vkg_core_concat_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  int n = vkg_node_input_count(node, 0);
  vkg_shape shape = *vkg_tensor_shape(in[0]);
  int axis = concat_axis(node, shape.ndim);
  for (int k = 1; k < n; k++) shape.d[axis] += vkg_tensor_shape(in[k])->d[axis];
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, vkg_tensor_dtype(in[0]), &shape, &y);
  if (!st) st = vkg_concat(ctx, (const vkg_tensor *const *)in, n, axis, y);
  if (st) {
    vkg_tensor_unref(y);
    return vkg_node_rethrow(node, NULL);
  }
  out[0] = y;
  return VKG_OK;
}
