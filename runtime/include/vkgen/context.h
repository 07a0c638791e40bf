/* vkgen — the context object.
 *
 * One vkg_ctx per process (or per thread that runs graphs). It owns everything mutable:
 * the last error, the log sink, the Vulkan device (opened lazily on first GPU use, so
 * validation and file parsing need no device), memory pool, pipeline cache and the command
 * stream. Nothing in libvkgen keeps mutable state outside it.
 */
#ifndef VKGEN_CONTEXT_H
#define VKGEN_CONTEXT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_ctx_options {
  int device_index;      /* -1: VKGEN_DEVICE if set, else first discrete, integrated, then CPU */
  int validate;          /* -1: VKGEN_VALIDATE env; 1: enable Khronos validation layer */
  const char *cache_dir; /* NULL: $XDG_CACHE_HOME/vkgen or ~/.cache/vkgen ("" disables caching) */
  int verbose;           /* 0: warnings only; 1: info lines too */
} vkg_ctx_options;

/* Fills opts with the defaults above. */
VKG_EXPORT void vkg_ctx_options_init(vkg_ctx_options *opts);
/* NULL only when out of host memory. opts may be NULL (defaults). */
VKG_EXPORT vkg_ctx *vkg_ctx_create(const vkg_ctx_options *opts);
VKG_EXPORT void vkg_ctx_destroy(vkg_ctx *ctx);

/* Log sink for warnings/info/progress; default stderr. */
/* Picks the device by index (as opts.device_index); only before the device is opened. */
VKG_EXPORT void vkg_ctx_set_device_index(vkg_ctx *ctx, int index);
VKG_EXPORT void vkg_ctx_set_log(vkg_ctx *ctx, FILE *f);
VKG_EXPORT FILE *vkg_ctx_log(const vkg_ctx *ctx);

/* A flag the embedding application sets from its SIGINT handler; long loops poll it
 * through vkg_interrupted() and stop cleanly. */
VKG_EXPORT void vkg_ctx_set_interrupt_flag(vkg_ctx *ctx, const volatile sig_atomic_t *flag);
VKG_EXPORT int vkg_interrupted(const vkg_ctx *ctx);

/* Opens the Vulkan device if it is not open yet. Everything that touches the GPU calls this
 * (tensor creation, pipelines, dispatches), so callers rarely need it directly. */
VKG_EXPORT vkg_status vkg_ctx_open_device(vkg_ctx *ctx);
VKG_EXPORT int vkg_ctx_device_open(const vkg_ctx *ctx);

/* Device facts (valid after vkg_ctx_open_device). */
typedef enum vkg_device_kind {
  VKG_DEVICE_OTHER = 0,
  VKG_DEVICE_DISCRETE,
  VKG_DEVICE_INTEGRATED,
  VKG_DEVICE_VIRTUAL,
  VKG_DEVICE_CPU
} vkg_device_kind;

/* Device features kernels may choose variants by (vkg_device_caps.features). Derived from the
 * Vulkan properties, features and extensions by vkg_device_caps_derive (gpu.h). */
typedef enum vkg_device_feature {
  VKG_FEAT_FLOAT16 = 1u << 0,              /* shaderFloat16: f16 arithmetic in shaders */
  VKG_FEAT_STORAGE16 = 1u << 1,            /* storageBuffer16BitAccess: f16/i16 in storage buffers */
  VKG_FEAT_INT64 = 1u << 2,                /* shaderInt64 */
  VKG_FEAT_SUBGROUP_BASIC = 1u << 3,       /* subgroup operations in compute shaders: basic */
  VKG_FEAT_SUBGROUP_ARITHMETIC = 1u << 4,  /*   ... arithmetic (subgroupAdd, subgroupMax, ...) */
  VKG_FEAT_SUBGROUP_BALLOT = 1u << 5,      /*   ... ballot */
  VKG_FEAT_SUBGROUP_SHUFFLE = 1u << 6,     /*   ... shuffle */
  VKG_FEAT_SUBGROUP_SIZE_CONTROL = 1u << 7, /* subgroupSizeControl (1.3 or VK_EXT_subgroup_size_control) */
  VKG_FEAT_COOPMAT_KHR = 1u << 8,          /* VK_KHR_cooperative_matrix */
  VKG_FEAT_COOPMAT_NV = 1u << 9,           /* VK_NV_cooperative_matrix */
  VKG_FEAT_PUSH_DESCRIPTOR = 1u << 10,     /* VK_KHR_push_descriptor */
  VKG_FEAT_TIMESTAMPS = 1u << 11           /* compute-queue timestamps */
} vkg_device_feature;
#define VKG_FEAT_COUNT 12

/* Known driver behaviour that changes which code is right or fast, set from the driver ID (and
 * vendor) and version by vkg_device_caps_derive; each is documented in docs/architecture.md. */
typedef enum vkg_device_quirk {
  /* llvmpipe/lavapipe: each shared-memory (and storage) load is a scalar loop over the SIMD lanes,
   * so shared-memory tiling is slower than texel reads; kernels take the texel variant */
  VKG_QUIRK_SLOW_SHARED_MEMORY = 1u << 0,
  /* lavapipe: every texelFetch is a per-lane function call (Mesa 22.3 lp_bld_nir_soa.c); the texel GEMM
   * amortizes it with register blocks (gemm_engine.c) */
  VKG_QUIRK_TEXEL_FETCH_COST = 1u << 1,
  /* lavapipe (measured on Mesa 22.3): vkCmdPushDescriptorSetKHR ignores dstArrayElement, so array
   * elements must be pushed in one write; vkgen layouts have one descriptor per binding (dispatch.c) */
  VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT = 1u << 2,
  /* llvmpipe ends a shader loop after 65535 iterations: kernels bound their per-invocation loops
   * (VKG_K_CHUNK in kernels/klib_internal.h) */
  VKG_QUIRK_LOOP_ITERATION_LIMIT = 1u << 3,
  /* Qualcomm proprietary driver before Vulkan 1.0.66 cannot share a created pipeline through the
   * pipeline cache (ncnn's bug_corrupted_online_pipeline_cache): the on-disk cache is not used */
  VKG_QUIRK_CORRUPT_PIPELINE_CACHE = 1u << 4
} vkg_device_quirk;
#define VKG_QUIRK_COUNT 5

typedef struct vkg_device_caps {
  uint32_t features;        /* vkg_device_feature bits */
  uint32_t quirks;          /* vkg_device_quirk bits */
  uint32_t driver_id;       /* VkDriverId; 0 when the device is older than Vulkan 1.2 */
  uint32_t driver_version;  /* VkPhysicalDeviceProperties.driverVersion (vendor encoded) */
  uint32_t subgroup_size;   /* default subgroup size */
  uint32_t min_subgroup_size, max_subgroup_size; /* with subgroup size control; else both subgroup_size */
  uint32_t max_shared_memory;                    /* maxComputeSharedMemorySize, bytes */
  uint32_t max_workgroup_invocations;
} vkg_device_caps;

typedef struct vkg_device_info {
  int index;                   /* index among vkEnumeratePhysicalDevices */
  char name[256];
  vkg_device_kind kind;
  uint32_t vendor_id, device_id;
  uint32_t api_version;
  char driver[256];            /* driver name and info */
  uint64_t device_local_bytes; /* largest device-local heap */
  uint32_t subgroup_size;
  uint32_t max_workgroup_invocations;
  uint32_t max_shared_memory;
  int host_visible_device_memory; /* device-local memory is mappable (lavapipe, iGPU, ReBAR) */
  int has_float16;             /* shaderFloat16 + 16-bit storage */
  int has_int64;
  int has_cooperative_matrix;
  int has_timestamps;
  vkg_device_caps caps;        /* feature mask, quirks and the numbers variant choice uses */
} vkg_device_info;

VKG_EXPORT const vkg_device_info *vkg_ctx_device_info(const vkg_ctx *ctx);

/* Enumerates devices without opening one; *out is malloc'd (free with free()).
 * default_index receives the index vkg_ctx_open_device would choose. */
VKG_EXPORT vkg_status vkg_list_devices(vkg_ctx *ctx, vkg_device_info **out, int *count, int *default_index);

/* With validation on (VKGEN_VALIDATE=1): the number of error messages the Khronos validation
 * layer reported so far (each is also printed to the log sink). Always 0 otherwise. */
VKG_EXPORT uint64_t vkg_ctx_validation_errors(const vkg_ctx *ctx);

/* Memory accounting of the device pool, in bytes. */
typedef struct vkg_mem_stats {
  uint64_t in_use;   /* bytes held by live tensors now */
  uint64_t peak;     /* high-water mark of in_use since creation or last reset */
  uint64_t reserved; /* bytes of VkDeviceMemory held by the pool */
  uint64_t limit;    /* the pool refuses allocations beyond this (0 = heap size) */
} vkg_mem_stats;
VKG_EXPORT void vkg_ctx_mem_stats(const vkg_ctx *ctx, vkg_mem_stats *out);
VKG_EXPORT void vkg_ctx_mem_reset_peak(vkg_ctx *ctx);
/* Caps device memory use (tests of exhaustion, VKGEN_MEM_LIMIT env in bytes also works). */
VKG_EXPORT void vkg_ctx_set_mem_limit(vkg_ctx *ctx, uint64_t bytes);

#ifdef __cplusplus
}
#endif
#endif
