/* Compute pipelines, cached in the context by (kernel name, specialization values, a hash of the
 * SPIR-V words), and the on-disk VkPipelineCache (pipelines-<deviceUUID>.bin, written atomically).
 * The SPIR-V hash keeps two plugins that use one kernel name for different code apart. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpu/gpu_internal.h"

static uint64_t key_hash(const char *name, const uint32_t *spec, int nspec) {
  uint64_t h = 1469598103934665603ull;
  for (const char *c = name; *c; c++) h = (h ^ (uint8_t)*c) * 1099511628211ull;
  for (int i = 0; i < nspec; i++) h = (h ^ spec[i]) * 1099511628211ull;
  return h ^ (uint64_t)nspec;
}

static uint64_t spirv_hash(const uint32_t *w, size_t bytes) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < bytes / 4; i++) h = (h ^ w[i]) * 1099511628211ull;
  return h ^ (uint64_t)bytes;
}

/* Whether cached pipeline p was built from desc's code (the hash is computed once per lookup, and
 * only when the code is not at the address p saw). */
static int same_code(const vkg_pipeline *p, const vkg_kernel_desc *desc, uint64_t *h, int *have_h) {
  if (p->spirv_ptr == desc->spirv && p->spirv_bytes == desc->spirv_bytes) return 1;
  if (!*have_h) {
    *h = spirv_hash(desc->spirv, desc->spirv_bytes);
    *have_h = 1;
  }
  return p->spirv_bytes == desc->spirv_bytes && p->spirv_hash == *h;
}

static int cache_path(vkg_ctx *ctx, char *buf, size_t n) {
  if (!ctx->cache_dir || !ctx->cache_dir[0]) return 0;
  if (ctx->gpu->info.caps.quirks & VKG_QUIRK_CORRUPT_PIPELINE_CACHE) return 0; /* no cache data read or written */
  VkPhysicalDeviceIDProperties id = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
  VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &id};
  vkGetPhysicalDeviceProperties2(ctx->gpu->phys, &p2);
  char hex[2 * VK_UUID_SIZE + 1];
  for (unsigned i = 0; i < VK_UUID_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", id.deviceUUID[i]);
  int w = snprintf(buf, n, "%s/pipelines-%s.bin", ctx->cache_dir, hex);
  return w > 0 && (size_t)w < n;
}

/* The header check Vulkan specifies for pipeline cache data (version one). */
static int header_ok(const vkg_gpu *g, const uint8_t *d, size_t n) {
  if (n < 16 + VK_UUID_SIZE) return 0;
  uint32_t len, ver, vendor, device;
  memcpy(&len, d, 4);
  memcpy(&ver, d + 4, 4);
  memcpy(&vendor, d + 8, 4);
  memcpy(&device, d + 12, 4);
  return len >= 16 + VK_UUID_SIZE && len <= n && ver == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         vendor == g->props.vendorID && device == g->props.deviceID &&
         memcmp(d + 16, g->props.pipelineCacheUUID, VK_UUID_SIZE) == 0;
}

void vkg_pipelines_load_cache(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  char path[4096];
  uint8_t *data = NULL;
  size_t n = 0;
  if (cache_path(ctx, path, sizeof path)) {
    FILE *f = fopen(path, "rb");
    if (f) {
      if (fseek(f, 0, SEEK_END) == 0) {
        long sz = ftell(f);
        if (sz > 0 && fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)sz)) != NULL) {
          n = fread(data, 1, (size_t)sz, f);
          if (n != (size_t)sz) {
            vkg_warn(ctx, "pipeline cache %s: short read; ignoring it", path);
            n = 0;
          }
        }
      }
      fclose(f);
      if (n && !header_ok(g, data, n)) {
        vkg_warn(ctx, "pipeline cache %s was written by another driver or device; ignoring it", path);
        n = 0;
      }
    } else if (errno != ENOENT) {
      vkg_warn(ctx, "pipeline cache %s: %s; continuing without it", path, strerror(errno));
    }
  }
  VkPipelineCacheCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO, .initialDataSize = n, .pInitialData = n ? data : NULL};
  VkResult r = vkCreatePipelineCache(g->dev, &ci, NULL, &g->pcache);
  if (r != VK_SUCCESS && n) {
    vkg_warn(ctx, "pipeline cache %s rejected by the driver (%s); starting empty", path, vkg_vk_result_name(r));
    ci.initialDataSize = 0;
    ci.pInitialData = NULL;
    r = vkCreatePipelineCache(g->dev, &ci, NULL, &g->pcache);
  }
  if (r != VK_SUCCESS) g->pcache = VK_NULL_HANDLE; /* pipelines are still created, just uncached */
  free(data);
}

static int mkdir_p(const char *dir) {
  char tmp[4096];
  int w = snprintf(tmp, sizeof tmp, "%s", dir);
  if (w <= 0 || (size_t)w >= sizeof tmp) return -1;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
  return 0;
}

static void save_cache(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  char path[4096], tmp[4200];
  if (!g->pcache || !g->pipes_created || !cache_path(ctx, path, sizeof path)) return;
  size_t n = 0;
  if (vkGetPipelineCacheData(g->dev, g->pcache, &n, NULL) != VK_SUCCESS || n == 0) return;
  void *data = malloc(n);
  if (!data) return;
  if (vkGetPipelineCacheData(g->dev, g->pcache, &n, data) != VK_SUCCESS) {
    free(data);
    return;
  }
  if (mkdir_p(ctx->cache_dir) != 0) {
    vkg_warn(ctx, "cannot create cache folder %s: %s; the pipeline cache is not saved", ctx->cache_dir,
             strerror(errno));
    free(data);
    return;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int ok = f && fwrite(data, 1, n, f) == n;
  if (f && fclose(f) != 0) ok = 0;
  if (ok && rename(tmp, path) != 0) ok = 0;
  if (!ok) {
    vkg_warn(ctx, "cannot write the pipeline cache %s: %s", path, strerror(errno));
    remove(tmp);
  }
  free(data);
}

static void pipeline_free(vkg_gpu *g, vkg_pipeline *p) {
  if (p->pipe) vkDestroyPipeline(g->dev, p->pipe, NULL);
  if (p->layout) vkDestroyPipelineLayout(g->dev, p->layout, NULL);
  if (p->dsl) vkDestroyDescriptorSetLayout(g->dev, p->dsl, NULL);
  free(p->name);
  free(p);
}

void vkg_pipelines_destroy(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  save_cache(ctx);
  for (int i = 0; i < g->npipes; i++) pipeline_free(g, g->pipes[i]);
  free(g->pipes);
  g->pipes = NULL;
  g->npipes = g->cappipes = 0;
  if (g->pcache) vkDestroyPipelineCache(g->dev, g->pcache, NULL);
  g->pcache = VK_NULL_HANDLE;
}

static vkg_status build(vkg_ctx *ctx, const vkg_kernel_desc *d, vkg_pipeline *p) {
  vkg_gpu *g = ctx->gpu;
  VkDescriptorSetLayoutBinding b[VKG_MAX_BINDINGS];
  for (int i = 0; i < d->nbind; i++) {
    b[i] = (VkDescriptorSetLayoutBinding){
        .binding = (uint32_t)i,
        .descriptorType =
            d->bind[i] == VKG_BIND_TEXEL ? VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER : VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .descriptorCount = 1,
        .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
  }
  VkDescriptorSetLayoutCreateInfo dci = {
      .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
      .flags = g->push_desc ? VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR : 0,
      .bindingCount = (uint32_t)d->nbind,
      .pBindings = b};
  VkResult r = vkCreateDescriptorSetLayout(g->dev, &dci, NULL, &p->dsl);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "kernel '%s': vkCreateDescriptorSetLayout failed", d->name);
  VkPushConstantRange pcr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0, .size = d->push_bytes};
  VkPipelineLayoutCreateInfo lci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                    .setLayoutCount = 1,
                                    .pSetLayouts = &p->dsl,
                                    .pushConstantRangeCount = d->push_bytes ? 1 : 0,
                                    .pPushConstantRanges = &pcr};
  r = vkCreatePipelineLayout(g->dev, &lci, NULL, &p->layout);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "kernel '%s': vkCreatePipelineLayout failed", d->name);
  VkShaderModuleCreateInfo sci = {
      .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO, .codeSize = d->spirv_bytes, .pCode = d->spirv};
  VkShaderModule mod;
  r = vkCreateShaderModule(g->dev, &sci, NULL, &mod);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "kernel '%s': vkCreateShaderModule failed", d->name);
  VkSpecializationMapEntry me[VKG_MAX_SPEC];
  for (int i = 0; i < p->nspec; i++)
    me[i] = (VkSpecializationMapEntry){.constantID = (uint32_t)i, .offset = (uint32_t)(4 * i), .size = 4};
  VkSpecializationInfo si = {.mapEntryCount = (uint32_t)p->nspec,
                             .pMapEntries = me,
                             .dataSize = (size_t)p->nspec * 4,
                             .pData = p->spec};
  VkComputePipelineCreateInfo ci = {
      .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
      .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                .module = mod,
                .pName = d->entry ? d->entry : "main",
                .pSpecializationInfo = p->nspec ? &si : NULL},
      .layout = p->layout};
  r = vkCreateComputePipelines(g->dev, g->pcache, 1, &ci, NULL, &p->pipe);
  vkDestroyShaderModule(g->dev, mod, NULL);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "kernel '%s': vkCreateComputePipelines failed", d->name);
  return VKG_OK;
}

vkg_status vkg_pipeline_get(vkg_ctx *ctx, const vkg_kernel_desc *desc, const uint32_t *spec, int nspec,
                            vkg_pipeline **out) {
  if (!ctx || !out) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_pipeline_get: NULL argument");
  *out = NULL;
  if (!desc || !desc->name || !desc->name[0])
    return vkg_error(ctx, VKG_E_INTERNAL, "vkg_pipeline_get: kernel descriptor without a name");
  const char *nm = desc->name;
  if (!desc->spirv || desc->spirv_bytes < 20 || desc->spirv_bytes % 4 || desc->spirv[0] != 0x07230203u)
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': not SPIR-V (%zu bytes)", nm, desc->spirv_bytes);
  if (desc->nbind < 0 || desc->nbind > VKG_MAX_BINDINGS)
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': %d bindings (at most %d)", nm, desc->nbind, VKG_MAX_BINDINGS);
  if (desc->push_bytes > VKG_MAX_PUSH || desc->push_bytes % 4)
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': push constant block of %u bytes (a multiple of 4, at most %d)",
                     nm, desc->push_bytes, VKG_MAX_PUSH);
  if (nspec < 0 || nspec > VKG_MAX_SPEC || (nspec && !spec))
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': %d specialization constants (at most %d)", nm, nspec,
                     VKG_MAX_SPEC);
  for (int i = 0; i < desc->nbind; i++)
    if (desc->bind[i] != VKG_BIND_STORAGE && desc->bind[i] != VKG_BIND_TEXEL)
      return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': binding %d has an unknown kind %d", nm, i, (int)desc->bind[i]);
  vkg_status st = vkg_gpu_require(ctx);
  if (st) return st;
  vkg_gpu *g = ctx->gpu;
  if (desc->push_bytes > g->props.limits.maxPushConstantsSize)
    return vkg_error(ctx, VKG_E_DEVICE, "kernel '%s': %u bytes of push constants, the device allows %u", nm,
                     desc->push_bytes, g->props.limits.maxPushConstantsSize);
  uint64_t h = key_hash(nm, spec, nspec), sh = 0;
  int have_sh = 0;
  for (int i = 0; i < g->npipes; i++) {
    vkg_pipeline *p = g->pipes[i];
    if (p->hash == h && p->nspec == nspec && strcmp(p->name, nm) == 0 &&
        (nspec == 0 || memcmp(p->spec, spec, (size_t)nspec * 4) == 0) && same_code(p, desc, &sh, &have_sh)) {
      if (p->nbind != desc->nbind || p->push_bytes != desc->push_bytes ||
          memcmp(p->bind, desc->bind, (size_t)p->nbind * sizeof p->bind[0]) != 0)
        return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': two descriptors with this name disagree on bindings", nm);
      *out = p;
      return VKG_OK;
    }
  }
  if (g->npipes == g->cappipes) {
    int cap = g->cappipes ? 2 * g->cappipes : 32;
    vkg_pipeline **np = realloc(g->pipes, (size_t)cap * sizeof *np);
    if (!np) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    g->pipes = np;
    g->cappipes = cap;
  }
  vkg_pipeline *p = calloc(1, sizeof *p);
  if (!p || !(p->name = strdup(nm))) {
    free(p);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  p->hash = h;
  p->spirv_hash = have_sh ? sh : spirv_hash(desc->spirv, desc->spirv_bytes);
  p->spirv_ptr = desc->spirv;
  p->spirv_bytes = desc->spirv_bytes;
  p->nspec = nspec;
  if (nspec) memcpy(p->spec, spec, (size_t)nspec * 4);
  p->nbind = desc->nbind;
  memcpy(p->bind, desc->bind, sizeof p->bind);
  p->push_bytes = desc->push_bytes;
  st = build(ctx, desc, p);
  if (st) {
    pipeline_free(g, p);
    return st;
  }
  g->pipes[g->npipes++] = p;
  g->pipes_created++;
  *out = p;
  return VKG_OK;
}
