/* core.scale: y = x * scale + shift on the device (one vkg_scale_shift dispatch), or the
 * same affine map given as ranges: from [a, b] to [c, d], e.g. a generator's [-1, 1]
 * output to the [0, 1] that inception.features expects. */
#include <vkgen/kernels.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_scale_inputs[1] = {
    {"x", "f32", "any tensor", 0},
};

const vkg_port_desc vkg_core_scale_outputs[1] = {
    {"y", "f32", "x * scale + shift (or x mapped from range `from` to range `to`), same shape", 0},
};

const vkg_param_desc vkg_core_scale_params[VKG_CORE_SCALE_NPARAMS] = {
    {"scale", VKG_PARAM_FLOAT, "1", "multiplier (not with from/to)", NULL, 0, 0},
    {"shift", VKG_PARAM_FLOAT, "0", "added after scaling (not with from/to)", NULL, 0, 0},
    {"from", VKG_PARAM_FLOAT_LIST, "[0, 1]", "input range [a, b] (a != b), mapped linearly onto `to`", NULL, 0, 0},
    {"to", VKG_PARAM_FLOAT_LIST, "[0, 1]", "output range [c, d]: a maps to c, b to d (no clamping)", NULL, 0, 0},
};

static vkg_status range_param(vkg_node *node, const char *name, double r[2]) {
  const double *v = NULL;
  int n = 0;
  vkg_node_param_float_list(node, name, &v, &n);
  if (n != 2) return vkg_node_error(node, VKG_E_INPUT, name, "must be a range [low, high] (2 numbers), got %d", n);
  r[0] = v[0];
  r[1] = v[1];
  return VKG_OK;
}

/* The affine map y = x * a + b the params ask for; contradictory params are an error. */
static vkg_status scale_coeffs(vkg_node *node, double *a, double *b) {
  int ranges = vkg_node_param_given(node, "from") || vkg_node_param_given(node, "to");
  const char *affine = vkg_node_param_given(node, "scale") ? "scale" : vkg_node_param_given(node, "shift") ? "shift" : NULL;
  if (ranges && affine)
    return vkg_node_error(node, VKG_E_INPUT, affine, "give either scale/shift or from/to, not both");
  if (!ranges) {
    vkg_node_param_float(node, "scale", a);
    vkg_node_param_float(node, "shift", b);
    return VKG_OK;
  }
  double from[2], to[2];
  vkg_status st = range_param(node, "from", from);
  if (!st) st = range_param(node, "to", to);
  if (st) return st;
  if (!(from[1] != from[0]))
    return vkg_node_error(node, VKG_E_INPUT, "from", "is an empty range [%g, %g]: nothing to map from", from[0],
                          from[1]);
  *a = (to[1] - to[0]) / (from[1] - from[0]);
  *b = to[0] - from[0] * *a;
  return VKG_OK;
}

vkg_status vkg_core_scale_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  double a = 1, b = 0;
  vkg_status st = scale_coeffs(node, &a, &b);
  if (st) return st;
  out[0] = in[0];
  return VKG_OK;
}

vkg_status vkg_core_scale_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  double a = 1, b = 0;
  vkg_status st = scale_coeffs(node, &a, &b);
  if (st) return st;
  vkg_tensor *y = NULL;
  st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(in[0]), &y);
  if (!st) st = vkg_scale_shift(ctx, in[0], y, (float)a, (float)b);
  if (st) {
    vkg_tensor_unref(y);
    return vkg_node_rethrow(node, NULL);
  }
  out[0] = y;
  return VKG_OK;
}
