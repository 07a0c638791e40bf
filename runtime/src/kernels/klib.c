#include "klib_internal.h"

#include <stdio.h>

vkg_status vkg_k_pipeline(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes, int nbind,
                          uint32_t push_bytes, vkg_pipeline **out) {
  vkg_kernel_desc d = {0};
  d.name = name;
  d.spirv = spirv;
  d.spirv_bytes = spirv_bytes;
  d.nbind = nbind;
  for (int i = 0; i < nbind; i++) d.bind[i] = VKG_BIND_STORAGE;
  d.push_bytes = push_bytes;
  return vkg_pipeline_get(ctx, &d, NULL, 0, out);
}

vkg_status vkg_k_run(vkg_ctx *ctx, vkg_pipeline *p, const vkg_tensor *const *t, int n, const void *push,
                     uint32_t push_bytes, uint64_t count) {
  if (count == 0) return VKG_OK;
  vkg_binding b[VKG_MAX_BINDINGS] = {{0}};
  for (int i = 0; i < n; i++) b[i].tensor = t[i];
  uint64_t groups = (count + VKG_K_LOCAL - 1) / VKG_K_LOCAL;
  uint64_t maxx = vkg_max_groups(ctx, 0);
  if (maxx == 0 || maxx > 65535) maxx = 65535;
  uint64_t gx = groups < maxx ? groups : maxx;
  uint64_t gy = (groups + gx - 1) / gx;
  return vkg_dispatch(ctx, p, b, n, push, push_bytes, (uint32_t)gx, (uint32_t)gy, 1);
}

vkg_status vkg_k_launch(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes,
                        const vkg_tensor *const *t, int n, const void *push, uint32_t push_bytes, uint64_t count) {
  if (count == 0) return VKG_OK;
  vkg_pipeline *p = NULL;
  vkg_status st = vkg_k_pipeline(ctx, name, spirv, spirv_bytes, n, push_bytes, &p);
  if (st != VKG_OK) return st;
  return vkg_k_run(ctx, p, t, n, push, push_bytes, count);
}

const char *vkg_k_shape(const vkg_tensor *t, char *buf, size_t n) {
  if (!t) {
    snprintf(buf, n, "(null)");
    return buf;
  }
  return vkg_shape_format(vkg_tensor_shape(t), buf, n);
}

vkg_status vkg_k_need(vkg_ctx *ctx, const char *kernel, const char *what, const vkg_tensor *t, vkg_dtype dt) {
  if (!t) return vkg_error(ctx, VKG_E_INPUT, "%s: %s is NULL", kernel, what);
  if (vkg_tensor_dtype(t) != dt) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s %s must be %s, got %s", kernel, what, vkg_k_shape(t, b, sizeof b),
                     vkg_dtype_name(dt), vkg_dtype_name(vkg_tensor_dtype(t)));
  }
  return VKG_OK;
}

vkg_status vkg_k_same_shape(vkg_ctx *ctx, const char *kernel, const char *an, const vkg_tensor *a, const char *bn,
                            const vkg_tensor *b) {
  if (!vkg_shape_equal(vkg_tensor_shape(a), vkg_tensor_shape(b))) {
    char x[64], y[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s shape %s does not match %s shape %s", kernel, an,
                     vkg_k_shape(a, x, sizeof x), bn, vkg_k_shape(b, y, sizeof y));
  }
  return VKG_OK;
}

vkg_status vkg_k_fits(vkg_ctx *ctx, const char *kernel, const vkg_tensor *t) {
  if (vkg_tensor_numel(t) >= ((int64_t)1 << 31)) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor %s has more than 2^31 elements", kernel,
                     vkg_k_shape(t, b, sizeof b));
  }
  return VKG_OK;
}

vkg_status vkg_k_same_f32(vkg_ctx *ctx, const char *kernel, const vkg_tensor *x, const vkg_tensor *y) {
  vkg_status st = vkg_k_need(ctx, kernel, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kernel, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_same_shape(ctx, kernel, "x", x, "y", y);
  if (st == VKG_OK) st = vkg_k_fits(ctx, kernel, x);
  return st;
}
