/* Shared plumbing of the kernel library: pipelines of embedded shaders, variant choice. */
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"

vkg_kernel_variant vkg_kernel_variant_select(const vkg_device_caps *caps, vkg_device_kind kind) {
  if (!caps) return VKG_VARIANT_TILED;
  if (caps->quirks & VKG_QUIRK_SLOW_SHARED_MEMORY) return VKG_VARIANT_TEXEL;
  if (kind == VKG_DEVICE_CPU) return VKG_VARIANT_TEXEL; /* a CPU device vkgen has no quirks for: the same trade */
  if (caps->max_shared_memory < VKG_TILED_SHARED_BYTES || caps->max_workgroup_invocations < VKG_TILED_INVOCATIONS)
    return VKG_VARIANT_TEXEL;
  return VKG_VARIANT_TILED;
}

vkg_kernel_variant vkg_kernel_variant_get(vkg_ctx *ctx) {
  const char *env = getenv("VKGEN_KERNEL_VARIANT");
  if (env && strcmp(env, "gpu") == 0) return VKG_VARIANT_GPU;
  if (env && strcmp(env, "cpu") == 0) return VKG_VARIANT_CPU;
  if (vkg_ctx_open_device(ctx) != VKG_OK) return VKG_VARIANT_GPU; /* the caller's next call reports it */
  const vkg_device_info *info = vkg_ctx_device_info(ctx);
  return info ? vkg_kernel_variant_select(&info->caps, info->kind) : VKG_VARIANT_GPU;
}

const char *vkg_kernel_variant_name(vkg_kernel_variant v) { return v == VKG_VARIANT_TEXEL ? "cpu (texel)" : "gpu (tiled)"; }

vkg_status vkg_kernel_pipeline(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes,
                               const char *binds, uint32_t push_bytes, const uint32_t *spec, int nspec,
                               vkg_pipeline **out) {
  vkg_kernel_desc d;
  memset(&d, 0, sizeof d);
  d.name = name;
  d.spirv = spirv;
  d.spirv_bytes = spirv_bytes;
  d.push_bytes = push_bytes;
  size_t n = strlen(binds);
  if (n > VKG_MAX_BINDINGS) return vkg_error(ctx, VKG_E_INTERNAL, "kernel %s: %zu bindings", name, n);
  d.nbind = (int)n;
  for (size_t i = 0; i < n; ++i) d.bind[i] = binds[i] == 't' ? VKG_BIND_TEXEL : VKG_BIND_STORAGE;
  vkg_status st = vkg_pipeline_get(ctx, &d, spec, nspec, out);
  if (st != VKG_OK) return vkg_error_prefix(ctx, "kernel %s: ", name);
  return VKG_OK;
}

vkg_status vkg_kernel_check_f32(vkg_ctx *ctx, const char *kernel, const char *tname, const vkg_tensor *t) {
  if (!t) return vkg_error(ctx, VKG_E_INPUT, "%s: %s is missing", kernel, tname);
  if (vkg_tensor_dtype(t) != VKG_F32)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s must be f32, got %s", kernel, tname,
                     vkg_dtype_name(vkg_tensor_dtype(t)));
  return VKG_OK;
}

vkg_status vkg_kernel_scratch(vkg_ctx *ctx, uint64_t n, vkg_tensor **out) {
  int64_t d = (int64_t)(n ? n : 1);
  vkg_shape s = vkg_shape_make(1, &d);
  return vkg_tensor_create(ctx, VKG_F32, &s, out);
}
