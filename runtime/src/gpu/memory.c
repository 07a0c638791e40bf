/* The device memory pool: big VkDeviceMemory blocks, one VkBuffer each, sub-allocated by a
 * sorted free list with coalescing. Freed ranges are reusable at once (the stream orders all
 * work with barriers); whole blocks are released only when no submission is pending. */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

static const VkBufferUsageFlags POOL_USAGE = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                             VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT |
                                             VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;

void vkg_format_bytes(uint64_t b, char *buf, size_t n) {
  if (b >= (1ull << 30))
    snprintf(buf, n, "%.1f GiB", (double)b / (double)(1ull << 30));
  else if (b >= (1ull << 20))
    snprintf(buf, n, "%.1f MiB", (double)b / (double)(1ull << 20));
  else if (b >= (1ull << 10))
    snprintf(buf, n, "%.1f KiB", (double)b / 1024.0);
  else
    snprintf(buf, n, "%llu bytes", (unsigned long long)b);
}

static int find_type(const vkg_gpu *g, uint32_t bits, VkMemoryPropertyFlags need, VkMemoryPropertyFlags avoid,
                     int heap) {
  for (uint32_t i = 0; i < g->memprops.memoryTypeCount; i++) {
    VkMemoryPropertyFlags f = g->memprops.memoryTypes[i].propertyFlags;
    if (!(bits & (1u << i)) || (f & need) != need || (f & avoid)) continue;
    if (heap >= 0 && g->memprops.memoryTypes[i].heapIndex != (uint32_t)heap) continue;
    return (int)i;
  }
  return -1;
}

static uint32_t type_bits(vkg_gpu *g, VkBufferUsageFlags usage) {
  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = 4096, .usage = usage};
  VkBuffer b;
  if (vkCreateBuffer(g->dev, &bci, NULL, &b) != VK_SUCCESS) return 0;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(g->dev, b, &req);
  vkDestroyBuffer(g->dev, b, NULL);
  return req.memoryTypeBits;
}

vkg_status vkg_pool_init(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  const VkPhysicalDeviceLimits *l = &g->props.limits;
  uint64_t a = 16;
  if (l->minStorageBufferOffsetAlignment > a) a = l->minStorageBufferOffsetAlignment;
  if (l->minTexelBufferOffsetAlignment > a) a = l->minTexelBufferOffsetAlignment;
  g->align = a;

  int heap = -1;
  uint64_t best = 0;
  for (uint32_t i = 0; i < g->memprops.memoryHeapCount; i++)
    if ((g->memprops.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && g->memprops.memoryHeaps[i].size > best) {
      best = g->memprops.memoryHeaps[i].size;
      heap = (int)i;
    }
  uint32_t bits = type_bits(g, POOL_USAGE);
  const VkMemoryPropertyFlags dl = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  const VkMemoryPropertyFlags hv = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int t = -1;
  /* Mapped device memory is a win where it is ordinary RAM (CPU, iGPU); on a discrete card a
   * BAR mapping is uncached and host reads crawl, so staging copies are better there. */
  if (g->info.kind != VKG_DEVICE_DISCRETE) t = find_type(g, bits, dl | hv, 0, heap);
  if (t < 0) t = find_type(g, bits, dl, VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT, heap);
  if (t < 0) t = find_type(g, bits, dl, 0, heap);
  if (t < 0) t = find_type(g, bits, 0, 0, -1);
  if (t < 0) return vkg_error(ctx, VKG_E_DEVICE, "no memory type usable for storage buffers on '%s'", g->info.name);
  g->pool_type = (uint32_t)t;
  VkMemoryPropertyFlags pf = g->memprops.memoryTypes[t].propertyFlags;
  g->info.host_visible_device_memory = (pf & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) != 0;
  g->pool_coherent = (pf & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  /* VKGEN_FORCE_STAGING=1 takes the discrete-GPU path (staging downloads) on any device,
   * so that path is tested on lavapipe too. */
  const char *fs = getenv("VKGEN_FORCE_STAGING");
  g->map_pool = g->info.host_visible_device_memory && !(fs && fs[0] && strcmp(fs, "0") != 0);

  uint32_t sbits = type_bits(g, VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT);
  int s = find_type(g, sbits, hv | VK_MEMORY_PROPERTY_HOST_CACHED_BIT, 0, -1);
  if (s < 0) s = find_type(g, sbits, hv, 0, -1);
  if (s < 0) return vkg_error(ctx, VKG_E_DEVICE, "no host-visible coherent memory type on '%s'", g->info.name);
  g->staging_type = (uint32_t)s;
  return VKG_OK;
}

static void block_free(vkg_gpu *g, vkg_block *b) {
  if (b->map) vkUnmapMemory(g->dev, b->mem);
  if (b->buf) vkDestroyBuffer(g->dev, b->buf, NULL);
  if (b->mem) vkFreeMemory(g->dev, b->mem, NULL);
  free(b->free);
  free(b);
}

void vkg_pool_destroy(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  for (int i = 0; i < g->nblocks; i++) block_free(g, g->blocks[i]);
  free(g->blocks);
  g->blocks = NULL;
  g->nblocks = g->capblocks = 0;
  g->reserved = 0;
}

uint64_t vkg_pool_limit(const vkg_ctx *ctx) {
  if (ctx->mem_limit) return ctx->mem_limit;
  return ctx->gpu ? ctx->gpu->info.device_local_bytes : 0;
}

void vkg_pool_trim(vkg_ctx *ctx, int all) {
  vkg_gpu *g = ctx->gpu;
  int kept = 0;
  for (int i = 0; i < g->nblocks;) {
    vkg_block *b = g->blocks[i];
    /* keep one empty standard block: freeing and reallocating it every flush costs time */
    if (b->used == 0 && (all || kept || b->size != VKG_BLOCK_BYTES)) {
      g->reserved -= b->size;
      block_free(g, b);
      g->blocks[i] = g->blocks[--g->nblocks];
      continue;
    }
    if (b->used == 0) kept = 1;
    i++;
  }
}

static vkg_status new_block(vkg_ctx *ctx, uint64_t size, vkg_block **out, VkResult *vr) {
  vkg_gpu *g = ctx->gpu;
  *vr = VK_SUCCESS;
  if (g->nblocks == g->capblocks) {
    int cap = g->capblocks ? 2 * g->capblocks : 8;
    vkg_block **nb = realloc(g->blocks, (size_t)cap * sizeof *nb);
    if (!nb) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    g->blocks = nb;
    g->capblocks = cap;
  }
  vkg_block *b = calloc(1, sizeof *b);
  if (!b) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  b->size = size;
  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO, .size = size, .usage = POOL_USAGE};
  VkResult r = vkCreateBuffer(g->dev, &bci, NULL, &b->buf);
  if (r == VK_SUCCESS) {
    VkMemoryRequirements req;
    vkGetBufferMemoryRequirements(g->dev, b->buf, &req);
    VkMemoryAllocateInfo mai = {
        .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size, .memoryTypeIndex = g->pool_type};
    r = vkAllocateMemory(g->dev, &mai, NULL, &b->mem);
    if (r == VK_SUCCESS) r = vkBindBufferMemory(g->dev, b->buf, b->mem, 0);
    if (r == VK_SUCCESS && g->map_pool)
      r = vkMapMemory(g->dev, b->mem, 0, VK_WHOLE_SIZE, 0, (void **)&b->map);
  }
  b->free = malloc(sizeof *b->free);
  if (r != VK_SUCCESS || !b->free) {
    block_free(g, b);
    *vr = r == VK_SUCCESS ? VK_ERROR_OUT_OF_HOST_MEMORY : r;
    return r == VK_SUCCESS ? vkg_error(ctx, VKG_E_NOMEM, "out of host memory") : VKG_E_NOMEM;
  }
  b->capfree = 1;
  b->nfree = 1;
  b->free[0].off = 0;
  b->free[0].size = size;
  g->blocks[g->nblocks++] = b;
  g->reserved += size;
  *out = b;
  return VKG_OK;
}

static int take(vkg_block *b, uint64_t size, uint64_t *off) {
  for (int i = 0; i < b->nfree; i++) {
    if (b->free[i].size < size) continue;
    *off = b->free[i].off;
    b->free[i].off += size;
    b->free[i].size -= size;
    if (b->free[i].size == 0) {
      memmove(&b->free[i], &b->free[i + 1], (size_t)(b->nfree - i - 1) * sizeof *b->free);
      b->nfree--;
    }
    b->used += size;
    return 1;
  }
  return 0;
}

static vkg_status exhausted(vkg_ctx *ctx, uint64_t bytes, const char *why) {
  char a[32], u[32], l[32];
  vkg_format_bytes(bytes, a, sizeof a);
  vkg_format_bytes(ctx->gpu->in_use, u, sizeof u);
  vkg_format_bytes(vkg_pool_limit(ctx), l, sizeof l);
  return vkg_error(ctx, VKG_E_NOMEM,
                   "device memory exhausted: a tensor of %llu bytes (%s) was asked for with %s in use of %s%s%s",
                   (unsigned long long)bytes, a, u, l, why ? ": " : "", why ? why : "");
}

vkg_status vkg_pool_alloc(vkg_ctx *ctx, uint64_t bytes, vkg_block **block, uint64_t *offset, uint64_t *alloc) {
  vkg_gpu *g = ctx->gpu;
  uint64_t size = bytes ? bytes : 1;
  size = (size + g->align - 1) / g->align * g->align;
  uint64_t limit = vkg_pool_limit(ctx);
  if (g->in_use + size > limit) return exhausted(ctx, bytes, NULL);
  if (size > g->max_alloc) {
    char m[32];
    vkg_format_bytes(g->max_alloc, m, sizeof m);
    char why[96];
    snprintf(why, sizeof why, "larger than the device's maxMemoryAllocationSize (%s)", m);
    return exhausted(ctx, bytes, why);
  }
  for (int i = 0; i < g->nblocks; i++) {
    if (g->blocks[i]->size - g->blocks[i]->used < size) continue;
    if (take(g->blocks[i], size, offset)) {
      *block = g->blocks[i];
      goto done;
    }
  }
  /* The limit caps bytes in use, not bytes reserved: block granularity must not make a
   * tensor that fits under the limit fail. The heap itself is the judge of reservations. */
  for (int attempt = 0; attempt < 2; attempt++) {
    uint64_t bsize = size > VKG_BLOCK_BYTES ? size : VKG_BLOCK_BYTES;
    if (bsize > g->max_alloc) bsize = size;
    VkResult vr = VK_SUCCESS;
    vkg_status st = new_block(ctx, bsize, block, &vr);
    if (st == VKG_OK) {
      take(*block, size, offset);
      goto done;
    }
    if (vr == VK_SUCCESS) return st; /* host memory */
    if (vr == VK_ERROR_DEVICE_LOST)
      return vkg_vk_fail(ctx, vr, "allocating %llu bytes of device memory", (unsigned long long)bsize);
    if (attempt == 0) {
      /* empty blocks may be waiting for finished work: wait, release them, try again */
      st = vkg_stream_submit(ctx, 1);
      if (st) return st;
      vkg_pool_trim(ctx, 1);
      continue;
    }
    char why[96];
    snprintf(why, sizeof why, "vkAllocateMemory failed with %s", vkg_vk_result_name(vr));
    return exhausted(ctx, bytes, why);
  }
  return exhausted(ctx, bytes, NULL);
done:
  *alloc = size;
  g->in_use += size;
  if (g->in_use > g->peak) g->peak = g->in_use;
  return VKG_OK;
}

void vkg_pool_free(vkg_ctx *ctx, vkg_block *b, uint64_t off, uint64_t size) {
  vkg_gpu *g = ctx->gpu;
  if (!g || !b || !size) return;
  int i = 0;
  while (i < b->nfree && b->free[i].off < off) i++;
  int merge_prev = i > 0 && b->free[i - 1].off + b->free[i - 1].size == off;
  int merge_next = i < b->nfree && off + size == b->free[i].off;
  if (merge_prev && merge_next) {
    b->free[i - 1].size += size + b->free[i].size;
    memmove(&b->free[i], &b->free[i + 1], (size_t)(b->nfree - i - 1) * sizeof *b->free);
    b->nfree--;
  } else if (merge_prev) {
    b->free[i - 1].size += size;
  } else if (merge_next) {
    b->free[i].off = off;
    b->free[i].size += size;
  } else {
    if (b->nfree == b->capfree) {
      int cap = b->capfree * 2;
      struct vkg_range *nf = realloc(b->free, (size_t)cap * sizeof *nf);
      if (!nf) return; /* the range is lost to this block, not a correctness problem */
      b->free = nf;
      b->capfree = cap;
    }
    memmove(&b->free[i + 1], &b->free[i], (size_t)(b->nfree - i) * sizeof *b->free);
    b->free[i].off = off;
    b->free[i].size = size;
    b->nfree++;
  }
  b->used -= size;
  g->in_use -= size;
}

vkg_status vkg_host_buffer(vkg_ctx *ctx, uint64_t size, VkBuffer *buf, VkDeviceMemory *mem, uint8_t **map) {
  vkg_gpu *g = ctx->gpu;
  *buf = VK_NULL_HANDLE;
  *mem = VK_NULL_HANDLE;
  *map = NULL;
  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                            .size = size,
                            .usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT};
  VkResult r = vkCreateBuffer(g->dev, &bci, NULL, buf);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "creating a staging buffer of %llu bytes", (unsigned long long)size);
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(g->dev, *buf, &req);
  VkMemoryAllocateInfo mai = {
      .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO, .allocationSize = req.size, .memoryTypeIndex = g->staging_type};
  r = vkAllocateMemory(g->dev, &mai, NULL, mem);
  if (r == VK_SUCCESS) r = vkBindBufferMemory(g->dev, *buf, *mem, 0);
  if (r == VK_SUCCESS) r = vkMapMemory(g->dev, *mem, 0, VK_WHOLE_SIZE, 0, (void **)map);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(g->dev, *buf, NULL);
    if (*mem) vkFreeMemory(g->dev, *mem, NULL);
    *buf = VK_NULL_HANDLE;
    *mem = VK_NULL_HANDLE;
    *map = NULL;
    return vkg_vk_fail(ctx, r, "allocating %llu bytes of staging memory", (unsigned long long)size);
  }
  return VKG_OK;
}

void vkg_ctx_mem_stats(const vkg_ctx *ctx, vkg_mem_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!ctx) return;
  out->limit = vkg_pool_limit(ctx);
  if (!ctx->gpu) return;
  out->in_use = ctx->gpu->in_use;
  out->peak = ctx->gpu->peak;
  out->reserved = ctx->gpu->reserved;
}

void vkg_ctx_mem_reset_peak(vkg_ctx *ctx) {
  if (ctx && ctx->gpu) ctx->gpu->peak = ctx->gpu->in_use;
}

void vkg_ctx_set_mem_limit(vkg_ctx *ctx, uint64_t bytes) {
  if (ctx) ctx->mem_limit = bytes;
}
