/* core.concat: joins two tensors along an axis (e.g. originals and reconstructions side by
 * side along the width, axis 3, for a comparison grid). */
#include <stdlib.h>

#include <vkgen/kernels.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_concat_inputs[2] = {
    {"a", "f32|i32|i64", "first tensor", 0},
    {"b", "f32|i32|i64", "second tensor: same dtype and rank, same dims except along axis", 0},
};

const vkg_port_desc vkg_core_concat_outputs[1] = {
    {"tensor", "f32|i32|i64", "a and b joined along axis", 0},
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
  const vkg_shape *a = &in[0].shape, *b = &in[1].shape;
  if (in[0].dtype != in[1].dtype)
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "dtype %s differs from input a's %s",
                                vkg_dtype_name(in[1].dtype), vkg_dtype_name(in[0].dtype));
  int axis = concat_axis(node, a->ndim);
  if (axis < 0 || axis >= a->ndim)
    return vkg_node_error(node, VKG_E_INPUT, "axis", "out of range for tensors of rank %d", a->ndim);
  int ok = a->ndim == b->ndim;
  for (int i = 0; ok && i < a->ndim; i++)
    if (i != axis && a->d[i] != b->d[i]) ok = 0;
  if (!ok)
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "shape %s does not fit a's %s along axis %d",
                                vkg_shape_format(b, sb, sizeof sb), vkg_shape_format(a, sa, sizeof sa), axis);
  out[0] = in[0];
  out[0].shape.d[axis] += b->d[axis];
  return VKG_OK;
}

vkg_status vkg_core_concat_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_shape shape = *vkg_tensor_shape(in[0]);
  int axis = concat_axis(node, shape.ndim);
  shape.d[axis] += vkg_tensor_shape(in[1])->d[axis];
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, vkg_tensor_dtype(in[0]), &shape, &y);
  const vkg_tensor *xs[2] = {in[0], in[1]};
  if (!st) st = vkg_concat(ctx, xs, 2, axis, y);
  if (st) {
    vkg_tensor_unref(y);
    return vkg_node_rethrow(node, NULL);
  }
  out[0] = y;
  return VKG_OK;
}
