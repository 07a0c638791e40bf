/* vkgen — compute pipelines and the command stream.
 *
 * Kernels (in libvkgen or in plugins) are SPIR-V compute shaders. A shader's resources are
 * all in set 0, bindings 0..n-1, each either a storage buffer or a uniform texel buffer
 * (samplerBuffer, viewed as RGBA32F: the fast read path on lavapipe), plus one push-constant
 * block of at most 128 bytes. Specialization constants 0..n-1 are 32-bit values.
 *
 * The stream: each context has one command stream. vkg_dispatch() records into it and puts
 * a compute→compute memory barrier between consecutive dispatches, so every dispatch sees the
 * writes of all earlier ones and freed memory can be reused at once. Work is submitted when
 * a host value is needed (vkg_tensor_download), at vkg_flush(), or when the stream's
 * command buffer grows past a threshold (then without waiting). Uploads and fills are
 * recorded in the same order.
 */
#ifndef VKGEN_GPU_H
#define VKGEN_GPU_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VKG_MAX_BINDINGS 16
#define VKG_MAX_SPEC 16
#define VKG_MAX_PUSH 128

typedef enum vkg_bind_kind {
  VKG_BIND_STORAGE = 0, /* layout(std430, binding=i) buffer */
  VKG_BIND_TEXEL = 1    /* layout(binding=i) uniform samplerBuffer, format RGBA32F */
} vkg_bind_kind;

typedef struct vkg_kernel_desc {
  const char *name;       /* unique per SPIR-V module; used as cache key and in timings */
  const uint32_t *spirv;  /* SPIR-V words */
  size_t spirv_bytes;
  const char *entry;      /* NULL = "main" */
  int nbind;
  vkg_bind_kind bind[VKG_MAX_BINDINGS];
  uint32_t push_bytes;    /* size of the push-constant block, 0 if none */
} vkg_kernel_desc;

typedef struct vkg_pipeline vkg_pipeline;

/* Returns the pipeline for (desc->name, spec values), creating it on first use. Pipelines
 * are owned by the context and live until it is destroyed; the VkPipelineCache is saved
 * to the cache directory. spec may be NULL when nspec is 0. */
VKG_EXPORT vkg_status vkg_pipeline_get(vkg_ctx *ctx, const vkg_kernel_desc *desc, const uint32_t *spec, int nspec,
                                       vkg_pipeline **out);

/* One binding of a dispatch: a tensor, or a byte range of it (bytes == 0: to its end).
 * For VKG_BIND_TEXEL the range must be 16-byte aligned in offset; its length is rounded
 * down to whole texels (16 bytes). */
typedef struct vkg_binding {
  const vkg_tensor *tensor;
  size_t offset;
  size_t bytes;
} vkg_binding;

/* Records one dispatch of groups_x * groups_y * groups_z workgroups. nbind must match the
 * pipeline's layout. Fails (with the kernel name) on a dimension over the device limit. */
VKG_EXPORT vkg_status vkg_dispatch(vkg_ctx *ctx, vkg_pipeline *p, const vkg_binding *binds, int nbind,
                                   const void *push, uint32_t push_bytes, uint32_t groups_x, uint32_t groups_y,
                                   uint32_t groups_z);
/* Convenience: whole tensors as bindings. */
VKG_EXPORT vkg_status vkg_dispatch_tensors(vkg_ctx *ctx, vkg_pipeline *p, vkg_tensor *const *tensors, int n,
                                           const void *push, uint32_t push_bytes, uint32_t groups_x,
                                           uint32_t groups_y, uint32_t groups_z);

/* Names of one vkg_device_feature / vkg_device_quirk bit (context.h): "float16",
 * "slow_shared_memory", ...; NULL for a bit that is not one. */
VKG_EXPORT const char *vkg_device_feature_name(uint32_t bit);
VKG_EXPORT const char *vkg_device_quirk_name(uint32_t bit);

/* Device limits kernels need to size their grids. */
VKG_EXPORT uint32_t vkg_max_groups(const vkg_ctx *ctx, int axis); /* maxComputeWorkGroupCount[axis] */

/* Submits all recorded work and waits for it. */
VKG_EXPORT vkg_status vkg_flush(vkg_ctx *ctx);
/* Submits recorded work without waiting (a hint to keep the GPU busy). */
VKG_EXPORT vkg_status vkg_submit(vkg_ctx *ctx);

/* GPU timing regions (timestamp queries): time of the work recorded between begin and end
 * is added to the region's total once it has executed. Regions do not nest. */
VKG_EXPORT vkg_status vkg_region_begin(vkg_ctx *ctx, int region_id);
VKG_EXPORT vkg_status vkg_region_end(vkg_ctx *ctx, int region_id);
/* Nanoseconds accumulated for region_id by work that has completed (call after vkg_flush). */
VKG_EXPORT double vkg_region_gpu_ns(const vkg_ctx *ctx, int region_id);

/* Number of vkQueueSubmit calls and dispatches so far (for tests and reports). */
VKG_EXPORT uint64_t vkg_stat_submits(const vkg_ctx *ctx);
VKG_EXPORT uint64_t vkg_stat_dispatches(const vkg_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
