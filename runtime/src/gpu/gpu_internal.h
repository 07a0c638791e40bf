/* Internal Vulkan state of a context: device, memory pool, stream, pipelines. */
#ifndef VKG_GPU_INTERNAL_H
#define VKG_GPU_INTERNAL_H

#include <vulkan/vulkan.h>

#include "core/ctx_internal.h"
#include "vkgen/gpu.h"
#include "vkgen/tensor.h"

#define VKG_NFRAMES 3              /* command buffers in flight */
#define VKG_AUTO_SUBMIT_CMDS 512   /* commands per command buffer before an auto-submit */
#define VKG_STAGING_BYTES (16u << 20)
#define VKG_BLOCK_BYTES (64ull << 20)
#define VKG_FRAME_QUERIES 1024     /* timestamp queries per frame (two per region mark) */
#define VKG_MAX_REGION_ID (1 << 20)

/* One VkDeviceMemory with its single buffer, sub-allocated through a sorted free list. */
typedef struct vkg_block {
  VkDeviceMemory mem;
  VkBuffer buf;
  uint8_t *map; /* persistent mapping when the pool memory is host-visible */
  uint64_t size;
  uint64_t used;
  struct vkg_range {
    uint64_t off, size;
  } *free;
  int nfree, capfree;
} vkg_block;

struct vkg_tensor {
  vkg_ctx *ctx;
  int refs;
  vkg_dtype dtype;
  vkg_shape shape;
  size_t bytes;
  vkg_tensor *base;   /* views: the tensor whose memory this is */
  vkg_block *block;   /* copied from base for views */
  uint64_t offset;    /* byte offset in block->buf */
  uint64_t alloc;     /* bytes owned in the pool (0 for views) */
};

typedef struct vkg_view_slot {
  VkBuffer buf;
  uint64_t off, range;
  VkBufferView view;
} vkg_view_slot;

typedef struct vkg_mark {
  int region;
  uint32_t q0, q1; /* q1 == UINT32_MAX while open */
} vkg_mark;

/* VKGEN_PROFILE_KERNELS=1: timestamps around one dispatch of pipeline p */
typedef struct vkg_kmark {
  struct vkg_pipeline *p;
  uint32_t q0, q1;
} vkg_kmark;

typedef struct vkg_frame {
  VkCommandBuffer cmd;
  VkFence fence;
  int recording, pending;
  uint32_t ncmds;
  /* host-visible staging for uploads/downloads, reused once the fence signals */
  VkBuffer stage_buf;
  VkDeviceMemory stage_mem;
  uint8_t *stage_map;
  uint64_t stage_size, stage_used;
  /* texel views referenced by this command buffer (open-addressing cache) */
  vkg_view_slot *views;
  uint32_t nviews, capviews;
  /* timestamps */
  VkQueryPool qpool;
  uint32_t nqueries;
  int qreset;
  vkg_mark *marks;
  int nmarks, capmarks;
  vkg_kmark *kmarks; /* only when profiling kernels */
  int nkmarks, capkmarks;
  /* descriptor sets when VK_KHR_push_descriptor is absent */
  VkDescriptorPool dpool;
  uint32_t dsets;
} vkg_frame;

struct vkg_pipeline {
  char *name;
  uint32_t spec[VKG_MAX_SPEC];
  int nspec;
  int nbind;
  vkg_bind_kind bind[VKG_MAX_BINDINGS];
  uint32_t push_bytes;
  VkDescriptorSetLayout dsl;
  VkPipelineLayout layout;
  VkPipeline pipe;
  uint64_t hash;             /* of name and specialization values */
  uint64_t spirv_hash;       /* of the SPIR-V words: a kernel name reused with other code is another pipeline */
  const uint32_t *spirv_ptr; /* where the code was seen (lookup fast path, compared, never read: kernel code
                              * must stay at its address while the context lives, as embedded SPIR-V does) */
  size_t spirv_bytes;
  double prof_ns; /* VKGEN_PROFILE_KERNELS: GPU time and dispatches of this pipeline */
  uint64_t prof_count;
};

typedef struct vkg_gpu {
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger;
  VkPhysicalDevice phys;
  VkDevice dev;
  VkQueue queue;
  uint32_t qfamily;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties memprops;
  uint64_t max_alloc;
  vkg_device_info info;
  PFN_vkCmdPushDescriptorSetKHR push_desc;

  VkCommandPool cmdpool;
  vkg_frame frames[VKG_NFRAMES];
  int cur;

  /* memory pool */
  vkg_block **blocks;
  int nblocks, capblocks;
  uint32_t pool_type;
  int pool_coherent;
  int map_pool; /* blocks are mapped and downloads read them directly */
  uint32_t staging_type;
  uint64_t align;
  uint64_t in_use, peak, reserved;

  /* pipelines */
  VkPipelineCache pcache;
  vkg_pipeline **pipes;
  int npipes, cappipes;
  int pipes_created;

  /* timing regions */
  double *region_ns;
  int nregion;
  int open_region; /* -1: none */
  uint32_t ts_bits;
  double ts_period;
  int profile_kernels; /* VKGEN_PROFILE_KERNELS=1: time every dispatch, summary at close */

  uint64_t submits, dispatches;
} vkg_gpu;

/* What vkg_device_caps_derive reads: copies of the Vulkan query results (pNext ignored), so a
 * test can describe a device this machine does not have. */
typedef struct vkg_device_query {
  VkPhysicalDeviceProperties props;
  uint32_t driver_id;                             /* VkPhysicalDeviceDriverProperties.driverID; 0 before 1.2 */
  VkPhysicalDeviceSubgroupProperties subgroup;
  int subgroup_size_control;                      /* the feature (1.3 or VK_EXT_subgroup_size_control) */
  VkPhysicalDeviceSubgroupSizeControlProperties sg_control;
  int shader_float16, storage_buffer16, shader_int64;
  int ext_push_descriptor, ext_cooperative_matrix_khr, ext_cooperative_matrix_nv;
  uint32_t timestamp_bits;                        /* of the compute queue family */
} vkg_device_query;

/* device_caps.c: the feature mask and quirk flags of a device (pure; exported for the unit test). */
VKG_EXPORT void vkg_device_caps_derive(const vkg_device_query *q, vkg_device_caps *out);

/* device.c */
vkg_status vkg_vk_fail(vkg_ctx *ctx, VkResult r, const char *fmt, ...) VKG_PRINTF(3, 4);
const char *vkg_vk_result_name(VkResult r);
vkg_status vkg_gpu_require(vkg_ctx *ctx); /* opens the device if needed */
/* Sanitizer builds: marks the loaded Vulkan driver/layer libraries RTLD_NODELETE so leak reports
 * from them stay attributable at exit (driver_pin.c); a no-op otherwise. */
void vkg_pin_driver_libraries(void);

/* memory.c */
vkg_status vkg_pool_init(vkg_ctx *ctx);
void vkg_pool_destroy(vkg_ctx *ctx);
vkg_status vkg_pool_alloc(vkg_ctx *ctx, uint64_t bytes, vkg_block **block, uint64_t *offset, uint64_t *alloc);
void vkg_pool_free(vkg_ctx *ctx, vkg_block *block, uint64_t offset, uint64_t alloc);
void vkg_pool_trim(vkg_ctx *ctx, int all); /* only when no submission is pending */
uint64_t vkg_pool_limit(const vkg_ctx *ctx);
void vkg_format_bytes(uint64_t b, char *buf, size_t n);
vkg_status vkg_host_buffer(vkg_ctx *ctx, uint64_t size, VkBuffer *buf, VkDeviceMemory *mem, uint8_t **map);

/* stream.c */
vkg_status vkg_stream_init(vkg_ctx *ctx);
void vkg_stream_destroy(vkg_ctx *ctx);
/* Starts one command: returns the command buffer with a barrier already recorded. */
vkg_status vkg_stream_begin_cmd(vkg_ctx *ctx, VkCommandBuffer *cmd);
/* Ends it (counts it; may auto-submit). */
vkg_status vkg_stream_end_cmd(vkg_ctx *ctx);
vkg_status vkg_stream_submit(vkg_ctx *ctx, int wait);
/* Staging space in the current frame: up to want bytes (at least 1, at most the staging size). */
vkg_status vkg_stream_stage(vkg_ctx *ctx, uint64_t want, uint8_t **ptr, VkBuffer *buf, uint64_t *off,
                            uint64_t *got);
/* A texel view over a range, valid until the current command buffer completes. */
vkg_status vkg_stream_texel_view(vkg_ctx *ctx, VkBuffer buf, uint64_t off, uint64_t range, VkBufferView *out);
/* A descriptor set from the current frame's pool (no push descriptors). */
vkg_status vkg_stream_alloc_set(vkg_ctx *ctx, VkDescriptorSetLayout dsl, VkDescriptorSet *out);
/* VKGEN_PROFILE_KERNELS: a timestamp before (end = 0) or after (end = 1) pipeline p's dispatch,
 * recorded into the current command buffer; no-op unless profiling. kernel_profile_prepare
 * makes room for both stamps first (it may submit: call it before vkg_stream_begin_cmd). */
vkg_status vkg_stream_kernel_profile_prepare(vkg_ctx *ctx);
vkg_status vkg_stream_kernel_stamp(vkg_ctx *ctx, struct vkg_pipeline *p, int end);
/* Prints the per-kernel summary (stderr through vkg_info) once all work is complete. */
void vkg_stream_kernel_profile_report(vkg_ctx *ctx);

/* pipeline.c */
void vkg_pipelines_load_cache(vkg_ctx *ctx);
void vkg_pipelines_destroy(vkg_ctx *ctx); /* saves the cache */

#endif
