/* vkg_dispatch: checks a dispatch against the pipeline and device limits, then records
 * descriptors (pushed, or from the frame's pool), push constants and the dispatch. */
#include <string.h>

#include "gpu/gpu_internal.h"

vkg_status vkg_dispatch(vkg_ctx *ctx, vkg_pipeline *p, const vkg_binding *binds, int nbind, const void *push,
                        uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (!ctx || !p) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_dispatch: NULL pipeline");
  vkg_gpu *g = ctx->gpu;
  if (!g) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_dispatch: the device is not open");
  const char *nm = p->name;
  if (nbind != p->nbind || (nbind && !binds))
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': %d bindings given, its layout has %d", nm, nbind, p->nbind);
  if (push_bytes > p->push_bytes || (push_bytes && !push))
    return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': %u bytes of push constants given, its block has %u", nm,
                     push_bytes, p->push_bytes);
  const uint32_t *maxg = g->props.limits.maxComputeWorkGroupCount;
  if (gx > maxg[0] || gy > maxg[1] || gz > maxg[2])
    return vkg_error(ctx, VKG_E_INPUT, "kernel '%s': %u x %u x %u workgroups exceed the device limit %u x %u x %u", nm,
                     gx, gy, gz, maxg[0], maxg[1], maxg[2]);
  if (!gx || !gy || !gz) return VKG_OK;
  const VkPhysicalDeviceLimits *lim = &g->props.limits;

  VkDescriptorSet set = VK_NULL_HANDLE;
  if (!g->push_desc && nbind) {
    vkg_status st = vkg_stream_alloc_set(ctx, p->dsl, &set); /* first: it may start a new frame */
    if (st) return st;
  }
  VkWriteDescriptorSet w[VKG_MAX_BINDINGS];
  VkDescriptorBufferInfo bi[VKG_MAX_BINDINGS];
  VkBufferView views[VKG_MAX_BINDINGS];
  for (int i = 0; i < nbind; i++) {
    const vkg_tensor *t = binds[i].tensor;
    if (!t) return vkg_error(ctx, VKG_E_INTERNAL, "kernel '%s': binding %d has no tensor", nm, i);
    if (binds[i].offset > t->bytes || binds[i].bytes > t->bytes - binds[i].offset)
      return vkg_error(ctx, VKG_E_INPUT, "kernel '%s': binding %d: range [%zu, +%zu) outside the tensor's %zu bytes", nm,
                       i, binds[i].offset, binds[i].bytes, t->bytes);
    uint64_t off = t->offset + binds[i].offset;
    uint64_t range = binds[i].bytes ? binds[i].bytes : t->bytes - binds[i].offset;
    const vkg_tensor *root = t->base ? t->base : t;
    uint64_t end = root->offset + root->alloc; /* padded end of the memory this tensor owns */
    memset(&w[i], 0, sizeof w[i]);
    w[i].sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET;
    w[i].dstSet = set;
    w[i].dstBinding = (uint32_t)i;
    /* one descriptor per binding, never an array: lavapipe ignores dstArrayElement in pushed writes
     * (VKG_QUIRK_PUSH_DESCRIPTOR_IGNORES_ARRAY_ELEMENT), and layouts here have no arrays at all */
    w[i].descriptorCount = 1;
    if (p->bind[i] == VKG_BIND_TEXEL) {
      if (off % 16 || off % lim->minTexelBufferOffsetAlignment)
        return vkg_error(ctx, VKG_E_INPUT,
                         "kernel '%s': texel binding %d at byte offset %zu is not aligned to %llu bytes", nm, i,
                         binds[i].offset,
                         (unsigned long long)(lim->minTexelBufferOffsetAlignment > 16 ? lim->minTexelBufferOffsetAlignment : 16));
      /* whole texels; the last partial one is readable when the padding is ours */
      uint64_t up = (range + 15) / 16 * 16;
      range = off + up <= end ? up : range / 16 * 16;
      if (range == 0) range = 16 <= end - off ? 16 : 0;
      if (range == 0)
        return vkg_error(ctx, VKG_E_INPUT, "kernel '%s': texel binding %d covers no whole texel", nm, i);
      if (range / 16 > lim->maxTexelBufferElements)
        return vkg_error(ctx, VKG_E_INPUT,
                         "kernel '%s': texel binding %d has %llu texels, the device allows %u (split the work)", nm, i,
                         (unsigned long long)(range / 16), lim->maxTexelBufferElements);
      vkg_status st = vkg_stream_texel_view(ctx, t->block->buf, off, range, &views[i]);
      if (st) return st;
      w[i].descriptorType = VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER;
      w[i].pTexelBufferView = &views[i];
    } else {
      if (off % lim->minStorageBufferOffsetAlignment)
        return vkg_error(ctx, VKG_E_INPUT,
                         "kernel '%s': storage binding %d at byte offset %zu is not aligned to %llu bytes", nm, i,
                         binds[i].offset, (unsigned long long)lim->minStorageBufferOffsetAlignment);
      if (range == 0) range = end - off >= 4 ? 4 : 0; /* an empty tensor still needs a valid range */
      if (range == 0) return vkg_error(ctx, VKG_E_INPUT, "kernel '%s': storage binding %d is empty", nm, i);
      if (range > lim->maxStorageBufferRange)
        return vkg_error(ctx, VKG_E_INPUT,
                         "kernel '%s': storage binding %d spans %llu bytes, the device allows %u (split the work)", nm,
                         i, (unsigned long long)range, lim->maxStorageBufferRange);
      bi[i] = (VkDescriptorBufferInfo){.buffer = t->block->buf, .offset = off, .range = range};
      w[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      w[i].pBufferInfo = &bi[i];
    }
  }
  vkg_status st = vkg_stream_kernel_profile_prepare(ctx);
  if (st) return st;
  VkCommandBuffer cmd;
  st = vkg_stream_begin_cmd(ctx, &cmd);
  if (st) return st;
  st = vkg_stream_kernel_stamp(ctx, p, 0);
  if (st) return st;
  vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->pipe);
  if (nbind) {
    if (g->push_desc) {
      g->push_desc(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, (uint32_t)nbind, w);
    } else {
      vkUpdateDescriptorSets(g->dev, (uint32_t)nbind, w, 0, NULL);
      vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1, &set, 0, NULL);
    }
  }
  if (push_bytes) vkCmdPushConstants(cmd, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
  vkCmdDispatch(cmd, gx, gy, gz);
  g->dispatches++;
  st = vkg_stream_kernel_stamp(ctx, p, 1);
  if (st) return st;
  return vkg_stream_end_cmd(ctx);
}

vkg_status vkg_dispatch_tensors(vkg_ctx *ctx, vkg_pipeline *p, vkg_tensor *const *tensors, int n, const void *push,
                                uint32_t push_bytes, uint32_t gx, uint32_t gy, uint32_t gz) {
  if (n < 0 || n > VKG_MAX_BINDINGS || (n && !tensors))
    return vkg_error(ctx, VKG_E_INTERNAL, "vkg_dispatch_tensors: %d bindings (at most %d)", n, VKG_MAX_BINDINGS);
  vkg_binding b[VKG_MAX_BINDINGS];
  for (int i = 0; i < n; i++) b[i] = (vkg_binding){.tensor = tensors[i], .offset = 0, .bytes = 0};
  return vkg_dispatch(ctx, p, b, n, push, push_bytes, gx, gy, gz);
}
