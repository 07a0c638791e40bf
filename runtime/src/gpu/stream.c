/* The command stream: a small ring of command buffers with fences. Every command is preceded
 * by a global memory barrier so it sees all earlier writes (and freed memory can be reused at
 * once); per-frame resources (staging, texel views, timestamps, descriptor sets) are recycled
 * when that frame's fence has signalled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

#define STAGE_ALIGN 16u

static vkg_frame *cur_frame(vkg_gpu *g) { return &g->frames[g->cur]; }

vkg_status vkg_stream_init(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  VkCommandPoolCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                 .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                 .queueFamilyIndex = g->qfamily};
  VkResult r = vkCreateCommandPool(g->dev, &pci, NULL, &g->cmdpool);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateCommandPool failed");
  for (int i = 0; i < VKG_NFRAMES; i++) {
    vkg_frame *f = &g->frames[i];
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = g->cmdpool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
    r = vkAllocateCommandBuffers(g->dev, &ai, &f->cmd);
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkAllocateCommandBuffers failed");
    VkFenceCreateInfo fci = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    r = vkCreateFence(g->dev, &fci, NULL, &f->fence);
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateFence failed");
  }
  return VKG_OK;
}

static void add_region_ns(vkg_gpu *g, int region, double ns) {
  if (region < 0) return;
  if (region >= g->nregion) {
    int n = g->nregion ? g->nregion : 64;
    while (n <= region) n *= 2;
    double *nr = realloc(g->region_ns, (size_t)n * sizeof *nr);
    if (!nr) return;
    memset(nr + g->nregion, 0, (size_t)(n - g->nregion) * sizeof *nr);
    g->region_ns = nr;
    g->nregion = n;
  }
  g->region_ns[region] += ns;
}

/* The frame's work has finished: release what it held. */
static void frame_complete(vkg_ctx *ctx, vkg_frame *f) {
  vkg_gpu *g = ctx->gpu;
  for (uint32_t i = 0; i < f->capviews; i++) {
    if (f->views[i].view) vkDestroyBufferView(g->dev, f->views[i].view, NULL);
    f->views[i].view = VK_NULL_HANDLE;
  }
  f->nviews = 0;
  for (int i = 0; i < f->nmarks; i++) {
    vkg_mark *m = &f->marks[i];
    if (m->q1 == UINT32_MAX) continue;
    uint64_t t[2];
    if (vkGetQueryPoolResults(g->dev, f->qpool, m->q0, 1, sizeof t[0], &t[0], sizeof t[0],
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS ||
        vkGetQueryPoolResults(g->dev, f->qpool, m->q1, 1, sizeof t[1], &t[1], sizeof t[1],
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
      continue;
    uint64_t d = t[1] - t[0];
    if (g->ts_bits < 64) d &= (1ull << g->ts_bits) - 1;
    add_region_ns(g, m->region, (double)d * g->ts_period);
  }
  for (int i = 0; i < f->nkmarks; i++) {
    const vkg_kmark *m = &f->kmarks[i];
    if (m->q1 == UINT32_MAX) continue;
    uint64_t t[2];
    if (vkGetQueryPoolResults(g->dev, f->qpool, m->q0, 2, sizeof t, t, sizeof t[0],
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
      continue;
    uint64_t d = t[1] - t[0];
    if (g->ts_bits < 64) d &= (1ull << g->ts_bits) - 1;
    m->p->prof_ns += (double)d * g->ts_period;
    m->p->prof_count++;
  }
  f->nkmarks = 0;
  f->nmarks = 0;
  f->nqueries = 0;
  f->qreset = 0;
  f->stage_used = 0;
  if (f->dpool && f->dsets) vkResetDescriptorPool(g->dev, f->dpool, 0);
  f->dsets = 0;
  f->pending = 0;
}

static vkg_status frame_wait(vkg_ctx *ctx, vkg_frame *f) {
  if (!f->pending) return VKG_OK;
  VkResult r = vkWaitForFences(ctx->gpu->dev, 1, &f->fence, VK_TRUE, UINT64_MAX);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "waiting for submitted GPU work failed");
  frame_complete(ctx, f);
  return VKG_OK;
}

static vkg_status write_ts(vkg_ctx *ctx, vkg_frame *f, uint32_t *q) {
  vkg_gpu *g = ctx->gpu;
  if (!f->qpool) {
    VkQueryPoolCreateInfo qci = {.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                 .queryType = VK_QUERY_TYPE_TIMESTAMP,
                                 .queryCount = VKG_FRAME_QUERIES};
    VkResult r = vkCreateQueryPool(g->dev, &qci, NULL, &f->qpool);
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateQueryPool failed");
  }
  if (!f->qreset) {
    vkCmdResetQueryPool(f->cmd, f->qpool, 0, VKG_FRAME_QUERIES);
    f->qreset = 1;
  }
  *q = f->nqueries++;
  /* bottom of pipe: the stamp is taken once all earlier commands are done */
  vkCmdWriteTimestamp(f->cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, f->qpool, *q);
  return VKG_OK;
}

static vkg_status mark_open(vkg_ctx *ctx, vkg_frame *f, int region) {
  if (f->nmarks == f->capmarks) {
    int cap = f->capmarks ? 2 * f->capmarks : 64;
    vkg_mark *nm = realloc(f->marks, (size_t)cap * sizeof *nm);
    if (!nm) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    f->marks = nm;
    f->capmarks = cap;
  }
  vkg_mark *m = &f->marks[f->nmarks];
  m->region = region;
  m->q1 = UINT32_MAX;
  vkg_status st = write_ts(ctx, f, &m->q0);
  if (st) return st;
  f->nmarks++;
  return VKG_OK;
}

static vkg_status mark_close(vkg_ctx *ctx, vkg_frame *f) {
  if (f->nmarks == 0 || f->marks[f->nmarks - 1].q1 != UINT32_MAX) return VKG_OK;
  return write_ts(ctx, f, &f->marks[f->nmarks - 1].q1);
}

/* Makes sure the current frame is recording. */
static vkg_status frame_begin(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  vkg_frame *f = cur_frame(g);
  if (f->recording) return VKG_OK;
  vkg_status st = frame_wait(ctx, f);
  if (st) return st;
  VkResult r = vkResetCommandBuffer(f->cmd, 0);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkResetCommandBuffer failed");
  VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                 .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
  r = vkBeginCommandBuffer(f->cmd, &bi);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkBeginCommandBuffer failed");
  f->recording = 1;
  f->ncmds = 0;
  if (g->open_region >= 0) return mark_open(ctx, f, g->open_region); /* a region split by a submit */
  return VKG_OK;
}

vkg_status vkg_stream_begin_cmd(vkg_ctx *ctx, VkCommandBuffer *cmd) {
  vkg_status st = frame_begin(ctx);
  if (st) return st;
  vkg_frame *f = cur_frame(ctx->gpu);
  /* Also first in a command buffer: a barrier's scope covers earlier submissions too. */
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                        .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                        .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                                         VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT};
  const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier(f->cmd, stages, stages, 0, 1, &mb, 0, NULL, 0, NULL);
  *cmd = f->cmd;
  return VKG_OK;
}

vkg_status vkg_stream_end_cmd(vkg_ctx *ctx) {
  vkg_frame *f = cur_frame(ctx->gpu);
  if (++f->ncmds >= VKG_AUTO_SUBMIT_CMDS) return vkg_stream_submit(ctx, 0);
  return VKG_OK;
}

vkg_status vkg_stream_submit(vkg_ctx *ctx, int wait) {
  vkg_gpu *g = ctx->gpu;
  if (!g) return VKG_OK;
  vkg_frame *f = cur_frame(g);
  if (f->recording) {
    vkg_status st = VKG_OK;
    if (g->open_region >= 0) st = mark_close(ctx, f);
    if (st) return st;
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
                          .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                          .dstAccessMask = VK_ACCESS_HOST_READ_BIT};
    vkCmdPipelineBarrier(f->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, NULL, 0, NULL);
    VkResult r = vkEndCommandBuffer(f->cmd);
    f->recording = 0;
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkEndCommandBuffer failed");
    r = vkResetFences(g->dev, 1, &f->fence);
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkResetFences failed");
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1, .pCommandBuffers = &f->cmd};
    r = vkQueueSubmit(g->queue, 1, &si, f->fence);
    if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkQueueSubmit failed");
    g->submits++;
    f->pending = 1;
    g->cur = (g->cur + 1) % VKG_NFRAMES;
  }
  if (wait) {
    for (int i = 0; i < VKG_NFRAMES; i++) {
      vkg_status st = frame_wait(ctx, &g->frames[(g->cur + i) % VKG_NFRAMES]);
      if (st) return st;
    }
    vkg_pool_trim(ctx, 0);
  }
  return VKG_OK;
}

vkg_status vkg_stream_stage(vkg_ctx *ctx, uint64_t want, uint8_t **ptr, VkBuffer *buf, uint64_t *off,
                            uint64_t *got) {
  vkg_gpu *g = ctx->gpu;
  vkg_status st = frame_begin(ctx);
  if (st) return st;
  vkg_frame *f = cur_frame(g);
  if (!f->stage_buf) {
    st = vkg_host_buffer(ctx, VKG_STAGING_BYTES, &f->stage_buf, &f->stage_mem, &f->stage_map);
    if (st) return st;
    f->stage_size = VKG_STAGING_BYTES;
  }
  uint64_t avail = f->stage_size - f->stage_used;
  uint64_t need = want < 65536 ? want : 65536; /* below this, start a fresh frame rather than split */
  if (avail < need || avail == 0) {
    st = vkg_stream_submit(ctx, 0);
    if (st) return st;
    return vkg_stream_stage(ctx, want, ptr, buf, off, got);
  }
  *got = want < avail ? want : avail;
  *off = f->stage_used;
  *ptr = f->stage_map + f->stage_used;
  *buf = f->stage_buf;
  f->stage_used += (*got + STAGE_ALIGN - 1) / STAGE_ALIGN * STAGE_ALIGN;
  if (f->stage_used > f->stage_size) f->stage_used = f->stage_size;
  return VKG_OK;
}

static uint64_t view_hash(VkBuffer buf, uint64_t off, uint64_t range) {
  uint64_t h = (uint64_t)(uintptr_t)buf * 0x9E3779B97F4A7C15ull;
  h ^= off + 0x632BE59BD9B4E019ull + (h << 6) + (h >> 2);
  h ^= range * 0xff51afd7ed558ccdull;
  return h ^ (h >> 29);
}

static int view_insert(vkg_frame *f, const vkg_view_slot *s) {
  uint32_t mask = f->capviews - 1;
  for (uint32_t i = (uint32_t)view_hash(s->buf, s->off, s->range) & mask;; i = (i + 1) & mask) {
    if (!f->views[i].view) {
      f->views[i] = *s;
      f->nviews++;
      return 1;
    }
  }
}

vkg_status vkg_stream_texel_view(vkg_ctx *ctx, VkBuffer buf, uint64_t off, uint64_t range, VkBufferView *out) {
  vkg_gpu *g = ctx->gpu;
  vkg_status st = frame_begin(ctx);
  if (st) return st;
  vkg_frame *f = cur_frame(g);
  if (f->capviews) {
    uint32_t mask = f->capviews - 1;
    for (uint32_t i = (uint32_t)view_hash(buf, off, range) & mask; f->views[i].view; i = (i + 1) & mask) {
      if (f->views[i].buf == buf && f->views[i].off == off && f->views[i].range == range) {
        *out = f->views[i].view;
        return VKG_OK;
      }
    }
  }
  if (2 * (f->nviews + 1) > f->capviews) {
    uint32_t cap = f->capviews ? 2 * f->capviews : 64;
    vkg_view_slot *nv = calloc(cap, sizeof *nv);
    if (!nv) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    vkg_view_slot *old = f->views;
    uint32_t oldcap = f->capviews;
    f->views = nv;
    f->capviews = cap;
    f->nviews = 0;
    for (uint32_t i = 0; i < oldcap; i++)
      if (old[i].view) view_insert(f, &old[i]);
    free(old);
  }
  VkBufferViewCreateInfo vci = {.sType = VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO,
                                .buffer = buf,
                                .format = VK_FORMAT_R32G32B32A32_SFLOAT,
                                .offset = off,
                                .range = range};
  vkg_view_slot s = {.buf = buf, .off = off, .range = range};
  VkResult r = vkCreateBufferView(g->dev, &vci, NULL, &s.view);
  if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateBufferView failed");
  view_insert(f, &s);
  *out = s.view;
  return VKG_OK;
}

vkg_status vkg_stream_alloc_set(vkg_ctx *ctx, VkDescriptorSetLayout dsl, VkDescriptorSet *out) {
  vkg_gpu *g = ctx->gpu;
  for (int attempt = 0; attempt < 2; attempt++) {
    vkg_status st = frame_begin(ctx);
    if (st) return st;
    vkg_frame *f = cur_frame(g);
    if (!f->dpool) {
      VkDescriptorPoolSize sizes[2] = {
          {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, VKG_AUTO_SUBMIT_CMDS * VKG_MAX_BINDINGS},
          {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, VKG_AUTO_SUBMIT_CMDS * VKG_MAX_BINDINGS}};
      VkDescriptorPoolCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                        .maxSets = VKG_AUTO_SUBMIT_CMDS,
                                        .poolSizeCount = 2,
                                        .pPoolSizes = sizes};
      VkResult r = vkCreateDescriptorPool(g->dev, &dci, NULL, &f->dpool);
      if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "vkCreateDescriptorPool failed");
    }
    VkDescriptorSetAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                      .descriptorPool = f->dpool,
                                      .descriptorSetCount = 1,
                                      .pSetLayouts = &dsl};
    VkResult r = vkAllocateDescriptorSets(g->dev, &ai, out);
    if (r == VK_SUCCESS) {
      f->dsets++;
      return VKG_OK;
    }
    if (attempt == 0 && (r == VK_ERROR_OUT_OF_POOL_MEMORY || r == VK_ERROR_FRAGMENTED_POOL)) {
      st = vkg_stream_submit(ctx, 0);
      if (st) return st;
      continue;
    }
    return vkg_vk_fail(ctx, r, "vkAllocateDescriptorSets failed");
  }
  return vkg_error(ctx, VKG_E_DEVICE, "vkAllocateDescriptorSets failed");
}

void vkg_stream_destroy(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  if (!g->cmdpool) return;
  int open = g->open_region;
  g->open_region = -1;
  if (vkg_stream_submit(ctx, 1) != VKG_OK) vkDeviceWaitIdle(g->dev);
  g->open_region = open;
  for (int i = 0; i < VKG_NFRAMES; i++) {
    vkg_frame *f = &g->frames[i];
    if (f->recording) vkEndCommandBuffer(f->cmd);
    f->pending = 0;
    f->nmarks = 0;
    frame_complete(ctx, f);
    free(f->views);
    free(f->marks);
    free(f->kmarks);
    if (f->qpool) vkDestroyQueryPool(g->dev, f->qpool, NULL);
    if (f->dpool) vkDestroyDescriptorPool(g->dev, f->dpool, NULL);
    if (f->stage_map) vkUnmapMemory(g->dev, f->stage_mem);
    if (f->stage_buf) vkDestroyBuffer(g->dev, f->stage_buf, NULL);
    if (f->stage_mem) vkFreeMemory(g->dev, f->stage_mem, NULL);
    if (f->fence) vkDestroyFence(g->dev, f->fence, NULL);
    memset(f, 0, sizeof *f);
  }
  vkDestroyCommandPool(g->dev, g->cmdpool, NULL);
  g->cmdpool = VK_NULL_HANDLE;
}

/* ---- VKGEN_PROFILE_KERNELS ---- */

static int timing_on(const vkg_gpu *g) { return g->ts_bits > 0 && g->info.has_timestamps; }

vkg_status vkg_stream_kernel_profile_prepare(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  if (!g->profile_kernels || !timing_on(g)) return VKG_OK;
  vkg_status st = frame_begin(ctx);
  if (st) return st;
  /* two stamps, plus the close and reopen of a region split by the submit */
  if (cur_frame(g)->nqueries + 4 > VKG_FRAME_QUERIES) {
    st = vkg_stream_submit(ctx, 0);
    if (!st) st = frame_begin(ctx);
  }
  return st;
}

vkg_status vkg_stream_kernel_stamp(vkg_ctx *ctx, vkg_pipeline *p, int end) {
  vkg_gpu *g = ctx->gpu;
  if (!g->profile_kernels || !timing_on(g)) return VKG_OK;
  vkg_frame *f = cur_frame(g);
  if (!end) {
    if (f->nkmarks == f->capkmarks) {
      int cap = f->capkmarks ? 2 * f->capkmarks : 256;
      vkg_kmark *nm = realloc(f->kmarks, (size_t)cap * sizeof *nm);
      if (!nm) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
      f->kmarks = nm;
      f->capkmarks = cap;
    }
    vkg_kmark *m = &f->kmarks[f->nkmarks++];
    m->p = p;
    m->q1 = UINT32_MAX;
    return write_ts(ctx, f, &m->q0);
  }
  if (f->nkmarks == 0) return VKG_OK;
  vkg_kmark *m = &f->kmarks[f->nkmarks - 1];
  vkg_status st = write_ts(ctx, f, &m->q1);
  if (!st && m->q1 != m->q0 + 1) m->q1 = UINT32_MAX; /* not adjacent: dropped */
  return st;
}

typedef struct kprof_row {
  const char *name;
  double ns;
  uint64_t count;
} kprof_row;

static int kprof_cmp(const void *a, const void *b) {
  double x = ((const kprof_row *)a)->ns, y = ((const kprof_row *)b)->ns;
  return x < y ? 1 : x > y ? -1 : 0;
}

void vkg_stream_kernel_profile_report(vkg_ctx *ctx) {
  vkg_gpu *g = ctx->gpu;
  if (!g || !g->profile_kernels) return;
  FILE *out = ctx->log ? ctx->log : stderr;
  if (!timing_on(g)) {
    fprintf(out, "vkgen kernel profile: the device has no timestamps\n");
    return;
  }
  kprof_row *rows = calloc((size_t)g->npipes + 1, sizeof *rows);
  if (!rows) return;
  int n = 0;
  double total = 0;
  uint64_t count = 0;
  for (int i = 0; i < g->npipes; i++) { /* one row per kernel name (all specializations) */
    const vkg_pipeline *p = g->pipes[i];
    if (!p->prof_count) continue;
    int j = 0;
    while (j < n && strcmp(rows[j].name, p->name)) j++;
    if (j == n) rows[n++].name = p->name;
    rows[j].ns += p->prof_ns;
    rows[j].count += p->prof_count;
    total += p->prof_ns;
    count += p->prof_count;
  }
  qsort(rows, (size_t)n, sizeof *rows, kprof_cmp);
  fprintf(out, "vkgen kernel profile: %llu dispatches, %.1f ms GPU time\n", (unsigned long long)count, total * 1e-6);
  fprintf(out, "%-32s %10s %6s %10s %8s\n", "kernel", "ms", "%", "dispatches", "us/disp");
  for (int i = 0; i < n; i++)
    fprintf(out, "%-32s %10.2f %6.1f %10llu %8.1f\n", rows[i].name, rows[i].ns * 1e-6,
            total > 0 ? 100.0 * rows[i].ns / total : 0.0, (unsigned long long)rows[i].count,
            rows[i].ns * 1e-3 / (double)rows[i].count);
  fflush(out);
  free(rows);
}

/* ---- public: flush, submit, regions, stats ---- */

vkg_status vkg_flush(vkg_ctx *ctx) {
  if (!ctx) return VKG_E_INTERNAL;
  if (!ctx->gpu) return VKG_OK;
  return vkg_stream_submit(ctx, 1);
}

vkg_status vkg_submit(vkg_ctx *ctx) {
  if (!ctx) return VKG_E_INTERNAL;
  if (!ctx->gpu) return VKG_OK;
  return vkg_stream_submit(ctx, 0);
}

vkg_status vkg_region_begin(vkg_ctx *ctx, int region_id) {
  if (!ctx) return VKG_E_INTERNAL;
  if (region_id < 0 || region_id >= VKG_MAX_REGION_ID)
    return vkg_error(ctx, VKG_E_INTERNAL, "timing region id %d out of range [0, %d)", region_id, VKG_MAX_REGION_ID);
  vkg_status st = vkg_gpu_require(ctx);
  if (st) return st;
  vkg_gpu *g = ctx->gpu;
  if (g->open_region >= 0)
    return vkg_error(ctx, VKG_E_INTERNAL, "timing region %d begun while region %d is open (regions do not nest)",
                     region_id, g->open_region);
  if (!timing_on(g)) {
    g->open_region = region_id;
    return VKG_OK;
  }
  st = frame_begin(ctx);
  if (st) return st;
  if (cur_frame(g)->nqueries + 2 > VKG_FRAME_QUERIES) {
    st = vkg_stream_submit(ctx, 0);
    if (!st) st = frame_begin(ctx);
    if (st) return st;
  }
  st = mark_open(ctx, cur_frame(g), region_id);
  if (st) return st;
  g->open_region = region_id;
  return VKG_OK;
}

vkg_status vkg_region_end(vkg_ctx *ctx, int region_id) {
  if (!ctx) return VKG_E_INTERNAL;
  vkg_gpu *g = ctx->gpu;
  if (!g || g->open_region != region_id)
    return vkg_error(ctx, VKG_E_INTERNAL, "timing region %d ended but %s", region_id,
                     g && g->open_region >= 0 ? "another region is open" : "no region is open");
  if (timing_on(g)) {
    vkg_status st = frame_begin(ctx); /* after a submit this opens a continuation mark first */
    if (st) return st;
    st = mark_close(ctx, cur_frame(g));
    if (st) return st;
  }
  g->open_region = -1;
  return VKG_OK;
}

double vkg_region_gpu_ns(const vkg_ctx *ctx, int region_id) {
  if (!ctx || !ctx->gpu || region_id < 0 || region_id >= ctx->gpu->nregion) return 0;
  return ctx->gpu->region_ns[region_id];
}

uint64_t vkg_stat_submits(const vkg_ctx *ctx) { return ctx && ctx->gpu ? ctx->gpu->submits : 0; }

uint64_t vkg_stat_dispatches(const vkg_ctx *ctx) { return ctx && ctx->gpu ? ctx->gpu->dispatches : 0; }
