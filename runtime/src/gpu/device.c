/* Vulkan instance, device choice (discrete > integrated > virtual > CPU), device facts,
 * the validation messenger, and opening/closing the device of a context. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

const char *vkg_vk_result_name(VkResult r) {
  switch (r) {
#define C(x) \
  case x: return #x;
    C(VK_SUCCESS) C(VK_NOT_READY) C(VK_TIMEOUT) C(VK_EVENT_SET) C(VK_EVENT_RESET) C(VK_INCOMPLETE)
    C(VK_ERROR_OUT_OF_HOST_MEMORY) C(VK_ERROR_OUT_OF_DEVICE_MEMORY) C(VK_ERROR_INITIALIZATION_FAILED)
    C(VK_ERROR_DEVICE_LOST) C(VK_ERROR_MEMORY_MAP_FAILED) C(VK_ERROR_LAYER_NOT_PRESENT)
    C(VK_ERROR_EXTENSION_NOT_PRESENT) C(VK_ERROR_FEATURE_NOT_PRESENT) C(VK_ERROR_INCOMPATIBLE_DRIVER)
    C(VK_ERROR_TOO_MANY_OBJECTS) C(VK_ERROR_FORMAT_NOT_SUPPORTED) C(VK_ERROR_FRAGMENTED_POOL)
    C(VK_ERROR_UNKNOWN) C(VK_ERROR_OUT_OF_POOL_MEMORY) C(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    C(VK_ERROR_FRAGMENTATION) C(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS) C(VK_PIPELINE_COMPILE_REQUIRED)
    C(VK_ERROR_INVALID_SHADER_NV)
#undef C
  default: return "VK_ERROR_(unknown)";
  }
}

vkg_status vkg_vk_fail(vkg_ctx *ctx, VkResult r, const char *fmt, ...) {
  char what[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  vkg_status code = VKG_E_DEVICE;
  if (r == VK_ERROR_OUT_OF_HOST_MEMORY || r == VK_ERROR_OUT_OF_DEVICE_MEMORY) code = VKG_E_NOMEM;
  return vkg_error(ctx, code, "%s: %s (%d)", what, vkg_vk_result_name(r), (int)r);
}

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_cb(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
                                               VkDebugUtilsMessageTypeFlagsEXT type,
                                               const VkDebugUtilsMessengerCallbackDataEXT *data, void *user) {
  vkg_ctx *ctx = user;
  const char *msg = data && data->pMessage ? data->pMessage : "(no message)";
  if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) {
    ctx->validation_errors++;
    fprintf(vkg_ctx_log(ctx), "vkgen: validation: %s\n", msg);
  } else if (ctx->opts.verbose) {
    fprintf(vkg_ctx_log(ctx), "vkgen: validation (warning): %s\n", msg);
  }
  return VK_FALSE;
}

static int has_layer(const char *name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || n == 0) return 0;
  VkLayerProperties *p = calloc(n, sizeof *p);
  int found = 0;
  if (p && vkEnumerateInstanceLayerProperties(&n, p) == VK_SUCCESS)
    for (uint32_t i = 0; i < n; i++)
      if (strcmp(p[i].layerName, name) == 0) found = 1;
  free(p);
  return found;
}

static int has_instance_ext(const char *layer, const char *name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceExtensionProperties(layer, &n, NULL) != VK_SUCCESS || n == 0) return 0;
  VkExtensionProperties *p = calloc(n, sizeof *p);
  int found = 0;
  if (p && vkEnumerateInstanceExtensionProperties(layer, &n, p) == VK_SUCCESS)
    for (uint32_t i = 0; i < n; i++)
      if (strcmp(p[i].extensionName, name) == 0) found = 1;
  free(p);
  return found;
}

static uint32_t instance_api(void) {
  uint32_t v = VK_API_VERSION_1_0;
  if (vkEnumerateInstanceVersion(&v) != VK_SUCCESS) v = VK_API_VERSION_1_0;
  if (v > VK_API_VERSION_1_3) v = VK_API_VERSION_1_3;
  return v;
}

/* validate: 1 to enable the Khronos layer and a messenger (stored in gpu when non-NULL). */
static vkg_status create_instance(vkg_ctx *ctx, int validate, VkInstance *out, vkg_gpu *gpu) {
  uint32_t api = instance_api();
  if (api < VK_API_VERSION_1_1)
    return vkg_error(ctx, VKG_E_DEVICE, "the Vulkan loader supports only Vulkan %u.%u; vkgen needs 1.1",
                     VK_API_VERSION_MAJOR(api), VK_API_VERSION_MINOR(api));
  const char *layers[1];
  const char *exts[1];
  uint32_t nlayers = 0, nexts = 0;
  const char *vl = "VK_LAYER_KHRONOS_validation";
  if (validate) {
    if (has_layer(vl)) {
      layers[nlayers++] = vl;
      if (has_instance_ext(NULL, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
          has_instance_ext(vl, VK_EXT_DEBUG_UTILS_EXTENSION_NAME))
        exts[nexts++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
      else
        vkg_warn(ctx, "validation: %s is missing; validation messages will not be counted",
                 VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    } else {
      vkg_warn(ctx, "validation requested but %s is not installed; continuing without it", vl);
    }
  }
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                           .pApplicationName = "vkgen",
                           .pEngineName = "vkgen",
                           .apiVersion = api};
  VkDebugUtilsMessengerCreateInfoEXT dbg = {
      .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
      .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT,
      .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
      .pfnUserCallback = debug_cb,
      .pUserData = ctx};
  VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                             .pNext = nexts ? &dbg : NULL,
                             .pApplicationInfo = &app,
                             .enabledLayerCount = nlayers,
                             .ppEnabledLayerNames = layers,
                             .enabledExtensionCount = nexts,
                             .ppEnabledExtensionNames = exts};
  VkResult r = vkCreateInstance(&ci, NULL, out);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateInstance failed (is a Vulkan driver installed?)");
  vkg_pin_driver_libraries();
  if (gpu && nexts) {
    PFN_vkCreateDebugUtilsMessengerEXT create =
        (PFN_vkCreateDebugUtilsMessengerEXT)vkGetInstanceProcAddr(*out, "vkCreateDebugUtilsMessengerEXT");
    gpu->destroy_messenger =
        (PFN_vkDestroyDebugUtilsMessengerEXT)vkGetInstanceProcAddr(*out, "vkDestroyDebugUtilsMessengerEXT");
    if (create && gpu->destroy_messenger) {
      if (create(*out, &dbg, NULL, &gpu->messenger) != VK_SUCCESS) {
        gpu->messenger = VK_NULL_HANDLE;
        vkg_warn(ctx, "validation: could not create the debug messenger");
      }
    }
  }
  return VKG_OK;
}

static int has_device_ext(VkPhysicalDevice pd, const char *name) {
  uint32_t n = 0;
  if (vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || n == 0) return 0;
  VkExtensionProperties *p = calloc(n, sizeof *p);
  int found = 0;
  if (p && vkEnumerateDeviceExtensionProperties(pd, NULL, &n, p) == VK_SUCCESS)
    for (uint32_t i = 0; i < n; i++)
      if (strcmp(p[i].extensionName, name) == 0) found = 1;
  free(p);
  return found;
}

static int compute_family(VkPhysicalDevice pd, uint32_t *family, uint32_t *ts_bits) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
  VkQueueFamilyProperties *q = calloc(n ? n : 1, sizeof *q);
  int found = 0;
  if (q) {
    vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    for (uint32_t i = 0; i < n && !found; i++) {
      if (q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
        found = 1;
        *family = i;
        *ts_bits = q[i].timestampValidBits;
      }
    }
  }
  free(q);
  return found;
}

static void fill_info(VkPhysicalDevice pd, int index, vkg_device_info *info) {
  memset(info, 0, sizeof *info);
  VkPhysicalDeviceProperties p;
  vkGetPhysicalDeviceProperties(pd, &p);
  info->index = index;
  snprintf(info->name, sizeof info->name, "%s", p.deviceName);
  switch (p.deviceType) {
  case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: info->kind = VKG_DEVICE_DISCRETE; break;
  case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: info->kind = VKG_DEVICE_INTEGRATED; break;
  case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: info->kind = VKG_DEVICE_VIRTUAL; break;
  case VK_PHYSICAL_DEVICE_TYPE_CPU: info->kind = VKG_DEVICE_CPU; break;
  default: info->kind = VKG_DEVICE_OTHER; break;
  }
  info->vendor_id = p.vendorID;
  info->device_id = p.deviceID;
  info->api_version = p.apiVersion;
  info->max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
  info->max_shared_memory = p.limits.maxComputeSharedMemorySize;

  vkg_device_query q;
  memset(&q, 0, sizeof q);
  q.props = p;
  q.subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES;
  q.sg_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES;
  VkPhysicalDeviceDriverProperties drv = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &q.subgroup};
  int has_drv = p.apiVersion >= VK_API_VERSION_1_2;
  int has_sgc = p.apiVersion >= VK_API_VERSION_1_3 || has_device_ext(pd, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  void **tail = &q.subgroup.pNext;
  if (has_drv) {
    *tail = &drv;
    tail = &drv.pNext;
  }
  if (has_sgc) *tail = &q.sg_control;
  if (p.apiVersion >= VK_API_VERSION_1_1) vkGetPhysicalDeviceProperties2(pd, &p2);
  q.subgroup.pNext = NULL;
  q.sg_control.pNext = NULL;
  info->subgroup_size = q.subgroup.subgroupSize;
  if (has_drv) {
    q.driver_id = (uint32_t)drv.driverID;
    snprintf(info->driver, sizeof info->driver, "%.127s %.127s", drv.driverName, drv.driverInfo);
  } else {
    snprintf(info->driver, sizeof info->driver, "driver version 0x%x", p.driverVersion);
  }

  VkPhysicalDeviceMemoryProperties mp;
  vkGetPhysicalDeviceMemoryProperties(pd, &mp);
  uint32_t best_heap = UINT32_MAX;
  for (uint32_t i = 0; i < mp.memoryHeapCount; i++) {
    if ((mp.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && mp.memoryHeaps[i].size > info->device_local_bytes) {
      info->device_local_bytes = mp.memoryHeaps[i].size;
      best_heap = i;
    }
  }
  for (uint32_t i = 0; i < mp.memoryTypeCount; i++) {
    VkMemoryPropertyFlags f = mp.memoryTypes[i].propertyFlags;
    if (mp.memoryTypes[i].heapIndex == best_heap && (f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) &&
        (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT))
      info->host_visible_device_memory = 1;
  }

  VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  VkPhysicalDeviceVulkan11Features f11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features f12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan13Features f13 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDeviceSubgroupSizeControlFeatures fsgc = {
      .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  VkPhysicalDevice16BitStorageFeatures s16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  if (p.apiVersion >= VK_API_VERSION_1_2) {
    f2.pNext = &f11;
    f11.pNext = &f12;
    if (p.apiVersion >= VK_API_VERSION_1_3) f12.pNext = &f13;
    else if (has_sgc) f12.pNext = &fsgc;
  } else {
    f2.pNext = &s16;
    if (has_sgc) s16.pNext = &fsgc;
  }
  if (p.apiVersion >= VK_API_VERSION_1_1) vkGetPhysicalDeviceFeatures2(pd, &f2);
  q.shader_int64 = f2.features.shaderInt64 != 0;
  if (p.apiVersion >= VK_API_VERSION_1_2) {
    q.shader_float16 = f12.shaderFloat16 != 0;
    q.storage_buffer16 = f11.storageBuffer16BitAccess != 0;
  } else {
    q.storage_buffer16 = s16.storageBuffer16BitAccess != 0;
  }
  q.subgroup_size_control = p.apiVersion >= VK_API_VERSION_1_3 ? f13.subgroupSizeControl != 0 : fsgc.subgroupSizeControl != 0;
  q.ext_push_descriptor = has_device_ext(pd, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  q.ext_cooperative_matrix_khr = has_device_ext(pd, "VK_KHR_cooperative_matrix");
  q.ext_cooperative_matrix_nv = has_device_ext(pd, VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME);
  uint32_t fam = 0, ts_bits = 0;
  if (compute_family(pd, &fam, &ts_bits)) q.timestamp_bits = ts_bits;
  vkg_device_caps_derive(&q, &info->caps);
  info->has_int64 = (info->caps.features & VKG_FEAT_INT64) != 0;
  info->has_float16 = (info->caps.features & (VKG_FEAT_FLOAT16 | VKG_FEAT_STORAGE16)) == (VKG_FEAT_FLOAT16 | VKG_FEAT_STORAGE16);
  info->has_timestamps = (info->caps.features & VKG_FEAT_TIMESTAMPS) != 0;
  /* detected, not enabled: no kernel uses cooperative matrices yet */
  info->has_cooperative_matrix = (info->caps.features & (VKG_FEAT_COOPMAT_KHR | VKG_FEAT_COOPMAT_NV)) != 0;
}

static int kind_rank(vkg_device_kind k) {
  switch (k) {
  case VKG_DEVICE_DISCRETE: return 0;
  case VKG_DEVICE_INTEGRATED: return 1;
  case VKG_DEVICE_VIRTUAL: return 2;
  case VKG_DEVICE_CPU: return 3;
  default: return 4;
  }
}

static const char *kind_name(vkg_device_kind k) {
  static const char *const names[] = {"other", "discrete", "integrated", "virtual", "cpu"};
  return (unsigned)k < 5 ? names[k] : "other";
}

/* Enumerates with an existing instance; *infos malloc'd. */
static vkg_status enumerate(vkg_ctx *ctx, VkInstance inst, VkPhysicalDevice **pds, vkg_device_info **infos, int *count,
                            int *def) {
  uint32_t n = 0;
  VkResult r = vkEnumeratePhysicalDevices(inst, &n, NULL);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkEnumeratePhysicalDevices failed");
  if (n == 0) return vkg_error(ctx, VKG_E_DEVICE, "no Vulkan device found (install mesa-vulkan-drivers for lavapipe)");
  VkPhysicalDevice *pd = calloc(n, sizeof *pd);
  vkg_device_info *inf = calloc(n, sizeof *inf);
  if (!pd || !inf) {
    free(pd);
    free(inf);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory enumerating devices");
  }
  r = vkEnumeratePhysicalDevices(inst, &n, pd);
  vkg_pin_driver_libraries();
  if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
    free(pd);
    free(inf);
    return vkg_vk_fail(ctx, r, "vkEnumeratePhysicalDevices failed");
  }
  int best = -1;
  for (uint32_t i = 0; i < n; i++) {
    fill_info(pd[i], (int)i, &inf[i]);
    uint32_t fam, bits;
    int usable = inf[i].api_version >= VK_API_VERSION_1_1 && compute_family(pd[i], &fam, &bits);
    if (usable && (best < 0 || kind_rank(inf[i].kind) < kind_rank(inf[best].kind))) best = (int)i;
  }
  if (pds)
    *pds = pd;
  else
    free(pd);
  *infos = inf;
  *count = (int)n;
  *def = best;
  return VKG_OK;
}

static int requested_index(const vkg_ctx *ctx, int *idx) {
  if (ctx->opts.device_index >= 0) {
    *idx = ctx->opts.device_index;
    return 1;
  }
  const char *env = getenv("VKGEN_DEVICE");
  if (env && env[0]) {
    char *end = NULL;
    long v = strtol(env, &end, 10);
    *idx = (end && *end == 0) ? (int)v : -2;
    return 1;
  }
  return 0;
}

static void list_text(const vkg_device_info *inf, int n, char *buf, size_t cap) {
  size_t pos = 0;
  buf[0] = 0;
  for (int i = 0; i < n && pos < cap; i++) {
    int w = snprintf(buf + pos, cap - pos, "%s%d: %s (%s)", i ? "; " : "", i, inf[i].name, kind_name(inf[i].kind));
    if (w < 0) break;
    pos += (size_t)w;
  }
}

vkg_status vkg_list_devices(vkg_ctx *ctx, vkg_device_info **out, int *count, int *default_index) {
  if (!out || !count) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_list_devices: NULL output");
  *out = NULL;
  *count = 0;
  VkInstance inst = ctx && ctx->gpu ? ctx->gpu->instance : VK_NULL_HANDLE;
  int own = inst == VK_NULL_HANDLE;
  if (own) {
    vkg_status st = create_instance(ctx, 0, &inst, NULL);
    if (st) return st;
  }
  int def = -1;
  vkg_status st = enumerate(ctx, inst, NULL, out, count, &def);
  if (own) vkDestroyInstance(inst, NULL);
  if (st) return st;
  int req;
  if (ctx && requested_index(ctx, &req) && req >= 0 && req < *count) def = req;
  if (default_index) *default_index = def;
  return VKG_OK;
}

static vkg_status create_device(vkg_ctx *ctx, vkg_gpu *g) {
  uint32_t ts_bits = 0;
  compute_family(g->phys, &g->qfamily, &ts_bits);
  g->ts_bits = ts_bits;
  vkGetPhysicalDeviceProperties(g->phys, &g->props);
  vkGetPhysicalDeviceMemoryProperties(g->phys, &g->memprops);
  g->ts_period = g->props.limits.timestampPeriod;
  VkPhysicalDeviceMaintenance3Properties m3 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &m3};
  vkGetPhysicalDeviceProperties2(g->phys, &p2);
  g->max_alloc = m3.maxMemoryAllocationSize ? m3.maxMemoryAllocationSize : (1ull << 31);

  uint32_t api = g->props.apiVersion;
  VkPhysicalDeviceFeatures2 have = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  VkPhysicalDeviceVulkan11Features h11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features h12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan13Features h13 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDevice16BitStorageFeatures hs16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  if (api >= VK_API_VERSION_1_2) {
    have.pNext = &h11;
    h11.pNext = &h12;
    if (api >= VK_API_VERSION_1_3) h12.pNext = &h13;
  } else {
    have.pNext = &hs16;
  }
  vkGetPhysicalDeviceFeatures2(g->phys, &have);

  VkPhysicalDeviceFeatures2 want = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  VkPhysicalDeviceVulkan11Features w11 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceVulkan12Features w12 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan13Features w13 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES};
  VkPhysicalDevice16BitStorageFeatures ws16 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  want.features.shaderInt64 = have.features.shaderInt64;
  want.features.shaderInt16 = have.features.shaderInt16;
  want.features.shaderFloat64 = have.features.shaderFloat64;
  if (api >= VK_API_VERSION_1_2) {
    want.pNext = &w11;
    w11.pNext = &w12;
    w11.storageBuffer16BitAccess = h11.storageBuffer16BitAccess;
    w11.uniformAndStorageBuffer16BitAccess = h11.uniformAndStorageBuffer16BitAccess;
    w11.storagePushConstant16 = h11.storagePushConstant16;
    w12.shaderFloat16 = h12.shaderFloat16;
    w12.shaderInt8 = h12.shaderInt8;
    w12.storageBuffer8BitAccess = h12.storageBuffer8BitAccess;
    w12.uniformAndStorageBuffer8BitAccess = h12.uniformAndStorageBuffer8BitAccess;
    w12.storagePushConstant8 = h12.storagePushConstant8;
    if (api >= VK_API_VERSION_1_3) {
      w12.pNext = &w13;
      w13.subgroupSizeControl = h13.subgroupSizeControl;
      w13.computeFullSubgroups = h13.computeFullSubgroups;
    }
  } else {
    want.pNext = &ws16;
    ws16.storageBuffer16BitAccess = hs16.storageBuffer16BitAccess;
    ws16.uniformAndStorageBuffer16BitAccess = hs16.uniformAndStorageBuffer16BitAccess;
  }

  const char *exts[2];
  uint32_t nexts = 0;
  /* VKGEN_NO_PUSH_DESCRIPTOR=1 takes the descriptor-pool path, to test it where the
   * extension exists. */
  const char *np = getenv("VKGEN_NO_PUSH_DESCRIPTOR");
  int push = has_device_ext(g->phys, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) && !(np && np[0] && strcmp(np, "0") != 0);
  if (push) exts[nexts++] = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;

  float prio = 1.0f;
  VkDeviceQueueCreateInfo qci = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                 .queueFamilyIndex = g->qfamily,
                                 .queueCount = 1,
                                 .pQueuePriorities = &prio};
  VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                            .pNext = &want,
                            .queueCreateInfoCount = 1,
                            .pQueueCreateInfos = &qci,
                            .enabledExtensionCount = nexts,
                            .ppEnabledExtensionNames = exts};
  VkResult r = vkCreateDevice(g->phys, &dci, NULL, &g->dev);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateDevice failed for '%s'", g->info.name);
  vkGetDeviceQueue(g->dev, g->qfamily, 0, &g->queue);
  vkg_pin_driver_libraries();
  if (push) g->push_desc = (PFN_vkCmdPushDescriptorSetKHR)vkGetDeviceProcAddr(g->dev, "vkCmdPushDescriptorSetKHR");
  return VKG_OK;
}

vkg_status vkg_ctx_open_device(vkg_ctx *ctx) {
  if (!ctx) return VKG_E_INTERNAL;
  if (ctx->gpu) return VKG_OK;
  vkg_gpu *g = calloc(1, sizeof *g);
  if (!g) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory opening the device");
  g->open_region = -1;
  const char *prof = getenv("VKGEN_PROFILE_KERNELS");
  g->profile_kernels = prof && *prof && strcmp(prof, "0") != 0;
  ctx->gpu = g;
  vkg_status st = create_instance(ctx, ctx->opts.validate, &g->instance, g);
  if (st) goto fail;
  VkPhysicalDevice *pds = NULL;
  vkg_device_info *infos = NULL;
  int n = 0, def = -1, req;
  st = enumerate(ctx, g->instance, &pds, &infos, &n, &def);
  if (st) goto fail;
  int idx = def;
  if (requested_index(ctx, &req)) {
    if (req == -2 && ctx->opts.device_index < 0) {
      char list[2048];
      list_text(infos, n, list, sizeof list);
      st = vkg_error(ctx, VKG_E_DEVICE, "VKGEN_DEVICE='%s' is not a device index: %d device(s): %s",
                     getenv("VKGEN_DEVICE"), n, list);
    } else if (req < 0 || req >= n) {
      char list[2048];
      list_text(infos, n, list, sizeof list);
      st = vkg_error(ctx, VKG_E_DEVICE, "device index %d is out of range: %d device(s): %s", req, n, list);
    }
    idx = req;
  } else if (idx < 0) {
    st = vkg_error(ctx, VKG_E_DEVICE, "no Vulkan 1.1 device with a compute queue found");
  }
  if (!st && infos[idx].api_version < VK_API_VERSION_1_1)
    st = vkg_error(ctx, VKG_E_DEVICE, "device %d '%s' supports only Vulkan %u.%u; vkgen needs 1.1", idx,
                   infos[idx].name, VK_API_VERSION_MAJOR(infos[idx].api_version),
                   VK_API_VERSION_MINOR(infos[idx].api_version));
  if (!st) {
    g->phys = pds[idx];
    g->info = infos[idx];
  }
  free(pds);
  free(infos);
  if (st) goto fail;
  st = create_device(ctx, g);
  if (st) goto fail;
  st = vkg_pool_init(ctx);
  if (st) goto fail;
  st = vkg_stream_init(ctx);
  if (st) goto fail;
  vkg_pipelines_load_cache(ctx);
  vkg_info(ctx, "vkgen: device %d: %s (%s)", g->info.index, g->info.name, g->info.driver);
  return VKG_OK;
fail:
  vkg_gpu_close(ctx);
  return st;
}

void vkg_gpu_close(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  if (!g) return;
  if (g->dev) {
    vkDeviceWaitIdle(g->dev);
    vkg_stream_destroy(ctx);
    vkg_stream_kernel_profile_report(ctx);
    if (ctx->live_tensors > 0)
      vkg_warn(ctx, "%lld tensor(s) still alive at context destroy (leaked references)", (long long)ctx->live_tensors);
    vkg_pipelines_destroy(ctx);
    vkg_pool_destroy(ctx);
    vkDestroyDevice(g->dev, NULL);
  }
  if (g->messenger && g->destroy_messenger) g->destroy_messenger(g->instance, g->messenger, NULL);
  if (g->instance) vkDestroyInstance(g->instance, NULL);
  free(g->region_ns);
  free(g);
  ctx->gpu = NULL;
}

vkg_status vkg_gpu_require(vkg_ctx *ctx) { return ctx->gpu ? VKG_OK : vkg_ctx_open_device(ctx); }

int vkg_ctx_device_open(const vkg_ctx *ctx) { return ctx && ctx->gpu != NULL; }

const vkg_device_info *vkg_ctx_device_info(const vkg_ctx *ctx) { return ctx && ctx->gpu ? &ctx->gpu->info : NULL; }

uint32_t vkg_max_groups(const vkg_ctx *ctx, int axis) {
  if (!ctx || !ctx->gpu || axis < 0 || axis > 2) return 0;
  return ctx->gpu->props.limits.maxComputeWorkGroupCount[axis];
}
