/* gan.interpolate: a, b [B, ...] -> [steps * B, ...], row block i = a + t_i (b - a) with
 * t_i = i / (steps - 1): latent walks (in z before gan.mapping, or in w between gan.mapping and
 * gan.synthesis). Sample i * B + k is step i of pair k. */
#include <stdlib.h>

#include "gan_internal.h"

const vkg_port_desc vkg_gan_interpolate_in[2] = {
    {"a", "f32", "start latents [B, ...]", 0},
    {"b", "f32", "end latents (a's shape)", 0},
};
const vkg_port_desc vkg_gan_interpolate_out[1] = {
    {"tensor", "f32", "[steps * B, ...]: block i is a + i / (steps - 1) * (b - a)", 0},
};
const vkg_param_desc vkg_gan_interpolate_params[1] = {
    {"steps", VKG_PARAM_INT, "8", "number of points from a to b, both ends included", NULL, 2, 4096},
};

vkg_status vkg_gan_interpolate_create(vkg_node *node, void **state) {
  int64_t *steps = malloc(sizeof *steps);
  if (!steps) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  *steps = 8;
  vkg_node_param_int(node, "steps", steps);
  *state = steps;
  return VKG_OK;
}

vkg_status vkg_gan_interpolate_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  const int64_t steps = *(const int64_t *)state;
  if (in[0].shape.ndim < 1 || !vkg_shape_equal(&in[0].shape, &in[1].shape)) {
    char a[96], b[96];
    vkg_shape_format(&in[0].shape, a, sizeof a);
    vkg_shape_format(&in[1].shape, b, sizeof b);
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "b %s must have a's shape %s", b, a);
  }
  out[0].dtype = VKG_F32;
  out[0].shape = in[0].shape;
  out[0].shape.d[0] *= steps;
  return VKG_OK;
}

vkg_status vkg_gan_interpolate_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  const int64_t steps = *(const int64_t *)state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *s = vkg_tensor_shape(in[0]);
  vkg_shape os = *s;
  os.d[0] *= steps;
  vkg_tensor *d = NULL, *y = NULL, **parts = calloc((size_t)steps, sizeof *parts);
  vkg_status st = parts ? vkg_tensor_create(ctx, VKG_F32, s, &d) : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (st == VKG_OK) st = vkg_binary(ctx, in[1], in[0], d, VKG_OP_SUB);
  for (int64_t i = 0; st == VKG_OK && i < steps; i++) {
    if ((st = vkg_tensor_create(ctx, VKG_F32, s, &parts[i])) != VKG_OK) break;
    st = vkg_scale_shift(ctx, d, parts[i], (float)((double)i / (double)(steps - 1)), 0.0f);
    if (st == VKG_OK) st = vkg_binary(ctx, parts[i], in[0], parts[i], VKG_OP_ADD);
  }
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &os, &y);
  if (st == VKG_OK) st = vkg_concat(ctx, (const vkg_tensor *const *)parts, (int)steps, 0, y);
  for (int64_t i = 0; parts && i < steps; i++) vkg_tensor_unref(parts[i]);
  free(parts);
  vkg_tensor_unref(d);
  if (st != VKG_OK) {
    vkg_tensor_unref(y);
    return vkg_node_rethrow(node, NULL);
  }
  out[0] = y;
  return VKG_OK;
}

void vkg_gan_interpolate_destroy(void *state) { free(state); }
