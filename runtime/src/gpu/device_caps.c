/* Device features and driver quirks: a pure function of what Vulkan reports (so tests can
 * derive them from synthetic properties of devices this machine does not have), and their
 * names for `vkgen devices`. The live query that fills vkg_device_query is in device.c. */
#include <string.h>

#include "gpu/gpu_internal.h"

static int is_lavapipe(const vkg_device_query *q) {
  if (q->driver_id == VK_DRIVER_ID_MESA_LLVMPIPE) return 1;
  /* Vulkan 1.1 devices report no driver ID: lavapipe is the CPU device with Mesa's vendor ID */
  return q->driver_id == 0 && q->props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU && q->props.vendorID == 0x10005;
}

static int is_qualcomm_proprietary(const vkg_device_query *q) {
  if (q->driver_id) return q->driver_id == VK_DRIVER_ID_QUALCOMM_PROPRIETARY;
  return q->props.vendorID == 0x5143;
}

void vkg_device_caps_derive(const vkg_device_query *q, vkg_device_caps *out) {
  memset(out, 0, sizeof *out);
  uint32_t f = 0;
  if (q->shader_float16) f |= VKG_FEAT_FLOAT16;
  if (q->storage_buffer16) f |= VKG_FEAT_STORAGE16;
  if (q->shader_int64) f |= VKG_FEAT_INT64;
  if (q->subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) {
    VkSubgroupFeatureFlags ops = q->subgroup.supportedOperations;
    if (ops & VK_SUBGROUP_FEATURE_BASIC_BIT) f |= VKG_FEAT_SUBGROUP_BASIC;
    if (ops & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) f |= VKG_FEAT_SUBGROUP_ARITHMETIC;
    if (ops & VK_SUBGROUP_FEATURE_BALLOT_BIT) f |= VKG_FEAT_SUBGROUP_BALLOT;
    if (ops & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) f |= VKG_FEAT_SUBGROUP_SHUFFLE;
  }
  int sg_control = q->subgroup_size_control &&
                   (q->sg_control.requiredSubgroupSizeStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                   q->sg_control.minSubgroupSize > 0 && q->sg_control.maxSubgroupSize >= q->sg_control.minSubgroupSize;
  if (sg_control) f |= VKG_FEAT_SUBGROUP_SIZE_CONTROL;
  if (q->ext_cooperative_matrix_khr) f |= VKG_FEAT_COOPMAT_KHR;
  if (q->ext_cooperative_matrix_nv) f |= VKG_FEAT_COOPMAT_NV;
  if (q->ext_push_descriptor) f |= VKG_FEAT_PUSH_DESCRIPTOR;
  if (q->timestamp_bits > 0 && q->props.limits.timestampPeriod > 0) f |= VKG_FEAT_TIMESTAMPS;
  out->features = f;

  uint32_t k = 0;
  if (is_lavapipe(q)) {
    k |= VKG_QUIRK_SLOW_SHARED_MEMORY | VKG_QUIRK_TEXEL_FETCH_COST | VKG_QUIRK_LOOP_ITERATION_LIMIT;
    /* measured on Mesa 22.3 (docs/benchmarks.md). lavapipe reports driverVersion 1 whatever the Mesa
     * release, so no version can gate it: every lavapipe keeps the flag */
    k |= VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT;
  }
  if (is_qualcomm_proprietary(q) && q->props.apiVersion < VK_MAKE_VERSION(1, 0, 66))
    k |= VKG_QUIRK_CORRUPT_PIPELINE_CACHE;
  out->quirks = k;

  out->driver_id = q->driver_id;
  out->driver_version = q->props.driverVersion;
  out->subgroup_size = q->subgroup.subgroupSize;
  out->min_subgroup_size = sg_control ? q->sg_control.minSubgroupSize : q->subgroup.subgroupSize;
  out->max_subgroup_size = sg_control ? q->sg_control.maxSubgroupSize : q->subgroup.subgroupSize;
  out->max_shared_memory = q->props.limits.maxComputeSharedMemorySize;
  out->max_workgroup_invocations = q->props.limits.maxComputeWorkGroupInvocations;
}

const char *vkg_device_feature_name(uint32_t bit) {
  switch (bit) {
  case VKG_FEAT_FLOAT16: return "float16";
  case VKG_FEAT_STORAGE16: return "storage16";
  case VKG_FEAT_INT64: return "int64";
  case VKG_FEAT_SUBGROUP_BASIC: return "subgroup_basic";
  case VKG_FEAT_SUBGROUP_ARITHMETIC: return "subgroup_arithmetic";
  case VKG_FEAT_SUBGROUP_BALLOT: return "subgroup_ballot";
  case VKG_FEAT_SUBGROUP_SHUFFLE: return "subgroup_shuffle";
  case VKG_FEAT_SUBGROUP_SIZE_CONTROL: return "subgroup_size_control";
  case VKG_FEAT_COOPMAT_KHR: return "cooperative_matrix_khr";
  case VKG_FEAT_COOPMAT_NV: return "cooperative_matrix_nv";
  case VKG_FEAT_PUSH_DESCRIPTOR: return "push_descriptor";
  case VKG_FEAT_TIMESTAMPS: return "timestamps";
  default: return NULL;
  }
}

const char *vkg_device_quirk_name(uint32_t bit) {
  switch (bit) {
  case VKG_QUIRK_SLOW_SHARED_MEMORY: return "slow_shared_memory";
  case VKG_QUIRK_TEXEL_FETCH_COST: return "texel_fetch_cost";
  case VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT: return "push_descriptor_ignores_array_element";
  case VKG_QUIRK_LOOP_ITERATION_LIMIT: return "loop_iteration_limit";
  case VKG_QUIRK_CORRUPT_PIPELINE_CACHE: return "corrupt_pipeline_cache";
  default: return NULL;
  }
}
