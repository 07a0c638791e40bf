/* Small tensor helpers shared by the layers. */
#include "nn_internal.h"

vkg_status vkg_nn_new4(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, vkg_tensor **out) {
  vkg_shape s = vkg_shape_4d(n, c, h, w);
  return vkg_tensor_create(ctx, VKG_F32, &s, out);
}

vkg_status vkg_nn_reshape(vkg_ctx *ctx, vkg_tensor *x, const vkg_shape *shape, vkg_tensor **out) {
  if (vkg_shape_numel(shape) != vkg_tensor_numel(x)) {
    char a[96], b[96];
    return vkg_error(ctx, VKG_E_INTERNAL, "reshape %s to %s: element counts differ",
                     vkg_shape_format(vkg_tensor_shape(x), a, sizeof a), vkg_shape_format(shape, b, sizeof b));
  }
  return vkg_tensor_view(ctx, x, vkg_tensor_dtype(x), shape, 0, out);
}

vkg_status vkg_nn_add_scaled(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, float scale, vkg_tensor **out) {
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(a), &y);
  if (!st) st = vkg_binary(ctx, a, b, y, VKG_OP_ADD);
  /* diffusers divides by output_scale_factor; 1/f differs from it by at most an ulp. */
  if (!st && scale != 1.0f) st = vkg_scale_shift(ctx, y, y, scale, 0.0f);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}
