/* Device tensors: refcounted pool ranges, views, and the transfers recorded into the stream
 * (upload through staging, download, fill, copy). */
#include <stdlib.h>
#include <string.h>

#include "gpu/gpu_internal.h"

static vkg_status check_info(vkg_ctx *ctx, vkg_dtype dtype, const vkg_shape *shape, size_t *bytes) {
  if ((unsigned)dtype >= VKG_DTYPE_COUNT) return vkg_error(ctx, VKG_E_INPUT, "unknown dtype %d", (int)dtype);
  if (!shape) return vkg_error(ctx, VKG_E_INPUT, "tensor without a shape");
  if (shape->ndim < 0 || shape->ndim > VKG_MAX_DIMS)
    return vkg_error(ctx, VKG_E_INPUT, "tensor with %d dimensions (at most %d)", shape->ndim, VKG_MAX_DIMS);
  uint64_t n = vkg_dtype_size(dtype);
  for (int i = 0; i < shape->ndim; i++) {
    char sb[160];
    if (shape->d[i] < 0)
      return vkg_error(ctx, VKG_E_INPUT, "tensor shape %s has a negative dimension",
                       vkg_shape_format(shape, sb, sizeof sb));
    if (shape->d[i] && n > (UINT64_MAX >> 2) / (uint64_t)shape->d[i])
      return vkg_error(ctx, VKG_E_NOMEM, "tensor shape %s is too large", vkg_shape_format(shape, sb, sizeof sb));
    n *= (uint64_t)shape->d[i];
  }
  if (n > (uint64_t)SIZE_MAX / 2) return vkg_error(ctx, VKG_E_NOMEM, "tensor too large");
  *bytes = (size_t)n;
  return VKG_OK;
}

vkg_status vkg_tensor_create(vkg_ctx *ctx, vkg_dtype dtype, const vkg_shape *shape, vkg_tensor **out) {
  if (!ctx || !out) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_tensor_create: NULL argument");
  *out = NULL;
  size_t bytes;
  vkg_status st = check_info(ctx, dtype, shape, &bytes);
  if (st) return st;
  st = vkg_gpu_require(ctx);
  if (st) return st;
  vkg_tensor *t = calloc(1, sizeof *t);
  if (!t) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  st = vkg_pool_alloc(ctx, bytes, &t->block, &t->offset, &t->alloc);
  if (st) {
    char sb[160];
    free(t);
    return vkg_error_prefix(ctx, "%s tensor %s: ", vkg_dtype_name(dtype), vkg_shape_format(shape, sb, sizeof sb));
  }
  t->ctx = ctx;
  t->refs = 1;
  t->dtype = dtype;
  t->shape = *shape;
  t->bytes = bytes;
  ctx->live_tensors++;
  *out = t;
  return VKG_OK;
}

vkg_status vkg_tensor_create_from(vkg_ctx *ctx, vkg_dtype dtype, const vkg_shape *shape, const void *host,
                                  vkg_tensor **out) {
  vkg_status st = vkg_tensor_create(ctx, dtype, shape, out);
  if (st) return st;
  st = vkg_tensor_upload(ctx, *out, host, (*out)->bytes);
  if (st) {
    vkg_tensor_unref(*out);
    *out = NULL;
  }
  return st;
}

vkg_status vkg_tensor_view(vkg_ctx *ctx, vkg_tensor *base, vkg_dtype dtype, const vkg_shape *shape, size_t byte_offset,
                           vkg_tensor **out) {
  if (!ctx || !out || !base) return vkg_error(ctx, VKG_E_INTERNAL, "vkg_tensor_view: NULL argument");
  *out = NULL;
  size_t bytes;
  vkg_status st = check_info(ctx, dtype, shape, &bytes);
  if (st) return st;
  if (byte_offset > base->bytes || bytes > base->bytes - byte_offset) {
    char a[160], b[160];
    return vkg_error(ctx, VKG_E_INPUT,
                     "view %s %s (%zu bytes) at byte offset %zu does not fit in its base %s %s (%zu bytes)",
                     vkg_dtype_name(dtype), vkg_shape_format(shape, a, sizeof a), bytes, byte_offset,
                     vkg_dtype_name(base->dtype), vkg_shape_format(&base->shape, b, sizeof b), base->bytes);
  }
  vkg_tensor *root = base->base ? base->base : base;
  vkg_tensor *t = calloc(1, sizeof *t);
  if (!t) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  t->ctx = ctx;
  t->refs = 1;
  t->dtype = dtype;
  t->shape = *shape;
  t->bytes = bytes;
  t->base = vkg_tensor_ref(root);
  t->block = root->block;
  t->offset = base->offset + byte_offset;
  ctx->live_tensors++;
  *out = t;
  return VKG_OK;
}

vkg_tensor *vkg_tensor_ref(vkg_tensor *t) {
  if (t) t->refs++;
  return t;
}

void vkg_tensor_unref(vkg_tensor *t) {
  if (!t || --t->refs > 0) return;
  vkg_ctx *ctx = t->ctx;
  if (t->base)
    vkg_tensor_unref(t->base);
  else if (ctx->gpu)
    vkg_pool_free(ctx, t->block, t->offset, t->alloc);
  ctx->live_tensors--;
  free(t);
}

vkg_dtype vkg_tensor_dtype(const vkg_tensor *t) { return t ? t->dtype : VKG_F32; }
const vkg_shape *vkg_tensor_shape(const vkg_tensor *t) { return t ? &t->shape : NULL; }
int64_t vkg_tensor_numel(const vkg_tensor *t) { return t ? vkg_shape_numel(&t->shape) : 0; }
size_t vkg_tensor_bytes(const vkg_tensor *t) { return t ? t->bytes : 0; }

vkg_tensor_info vkg_tensor_get_info(const vkg_tensor *t) {
  vkg_tensor_info i;
  memset(&i, 0, sizeof i);
  if (t) {
    i.dtype = t->dtype;
    i.shape = t->shape;
  }
  return i;
}

/* End of the memory a tensor may touch: its own padded allocation, or its root's. */
static uint64_t tensor_limit(const vkg_tensor *t) {
  const vkg_tensor *root = t->base ? t->base : t;
  return root->offset + root->alloc;
}

static vkg_status check_host(vkg_ctx *ctx, const vkg_tensor *t, const void *host, size_t bytes, const char *what) {
  if (!ctx || !t) return vkg_error(ctx, VKG_E_INTERNAL, "%s: NULL tensor", what);
  if (bytes != t->bytes) {
    char sb[160];
    return vkg_error(ctx, VKG_E_INPUT, "%s: %zu bytes given for a %s %s tensor of %zu bytes", what, bytes,
                     vkg_dtype_name(t->dtype), vkg_shape_format(&t->shape, sb, sizeof sb), t->bytes);
  }
  if (!host && bytes) return vkg_error(ctx, VKG_E_INTERNAL, "%s: NULL host pointer", what);
  if (!ctx->gpu) return vkg_error(ctx, VKG_E_INTERNAL, "%s: the device is not open", what);
  return VKG_OK;
}

vkg_status vkg_tensor_upload(vkg_ctx *ctx, vkg_tensor *t, const void *host, size_t bytes) {
  vkg_status st = check_host(ctx, t, host, bytes, "upload");
  if (st) return st;
  const uint8_t *src = host;
  size_t done = 0;
  while (done < bytes) {
    uint8_t *ptr;
    VkBuffer sbuf;
    uint64_t soff, got;
    st = vkg_stream_stage(ctx, bytes - done, &ptr, &sbuf, &soff, &got);
    if (st) return st;
    memcpy(ptr, src + done, got);
    VkCommandBuffer cmd;
    st = vkg_stream_begin_cmd(ctx, &cmd);
    if (st) return st;
    VkBufferCopy r = {.srcOffset = soff, .dstOffset = t->offset + done, .size = got};
    vkCmdCopyBuffer(cmd, sbuf, t->block->buf, 1, &r);
    st = vkg_stream_end_cmd(ctx);
    if (st) return st;
    done += got;
  }
  return VKG_OK;
}

vkg_status vkg_tensor_download(vkg_ctx *ctx, const vkg_tensor *t, void *host, size_t bytes) {
  vkg_status st = check_host(ctx, t, host, bytes, "download");
  if (st) return st;
  st = vkg_stream_submit(ctx, 1);
  if (st) return st;
  if (!bytes) return VKG_OK;
  vkg_gpu *g = ctx->gpu;
  if (t->block->map) {
    if (!g->pool_coherent) {
      uint64_t atom = g->props.limits.nonCoherentAtomSize ? g->props.limits.nonCoherentAtomSize : 1;
      uint64_t lo = t->offset / atom * atom;
      uint64_t hi = (t->offset + bytes + atom - 1) / atom * atom;
      if (hi > t->block->size) hi = t->block->size;
      VkMappedMemoryRange mr = {
          .sType = VK_STRUCTURE_TYPE_MAPPED_MEMORY_RANGE, .memory = t->block->mem, .offset = lo, .size = hi - lo};
      VkResult r = vkInvalidateMappedMemoryRanges(g->dev, 1, &mr);
      if (r != VK_SUCCESS) return vkg_vk_fail(ctx, r, "download: vkInvalidateMappedMemoryRanges failed");
    }
    memcpy(host, t->block->map + t->offset, bytes);
    return VKG_OK;
  }
  uint8_t *dst = host;
  size_t done = 0;
  while (done < bytes) {
    uint8_t *ptr;
    VkBuffer sbuf;
    uint64_t soff, got;
    st = vkg_stream_stage(ctx, bytes - done, &ptr, &sbuf, &soff, &got);
    if (st) return st;
    VkCommandBuffer cmd;
    st = vkg_stream_begin_cmd(ctx, &cmd);
    if (st) return st;
    VkBufferCopy r = {.srcOffset = t->offset + done, .dstOffset = soff, .size = got};
    vkCmdCopyBuffer(cmd, t->block->buf, sbuf, 1, &r);
    st = vkg_stream_end_cmd(ctx);
    if (!st) st = vkg_stream_submit(ctx, 1);
    if (st) return st;
    memcpy(dst + done, ptr, got);
    done += got;
  }
  return VKG_OK;
}

vkg_status vkg_tensor_download_ids(vkg_ctx *ctx, const vkg_tensor *t, int64_t *host) {
  if (!t || (t->dtype != VKG_I32 && t->dtype != VKG_I64))
    return vkg_error(ctx, VKG_E_INPUT, "ids must be an i32 or i64 tensor, got %s", t ? vkg_dtype_name(t->dtype) : "none");
  const int64_t n = vkg_shape_numel(&t->shape);
  if (t->dtype == VKG_I64) return vkg_tensor_download(ctx, t, host, (size_t)n * sizeof *host);
  int32_t *narrow = malloc((size_t)(n ? n : 1) * sizeof *narrow);
  if (!narrow) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = vkg_tensor_download(ctx, t, narrow, (size_t)n * sizeof *narrow);
  for (int64_t i = 0; !st && i < n; i++) host[i] = narrow[i];
  free(narrow);
  return st;
}

vkg_status vkg_tensor_fill_u32(vkg_ctx *ctx, vkg_tensor *t, uint32_t pattern) {
  if (!ctx || !t) return vkg_error(ctx, VKG_E_INTERNAL, "fill: NULL tensor");
  if (!ctx->gpu) return vkg_error(ctx, VKG_E_INTERNAL, "fill: the device is not open");
  if (!t->bytes) return VKG_OK;
  /* Own tensors fill whole 16-byte units (their allocation is padded); a view must not
   * touch its neighbours, so it fills its exact bytes, which vkCmdFillBuffer wants in words. */
  uint64_t size = t->base ? (t->bytes + 3) / 4 * 4 : (t->bytes + 15) / 16 * 16;
  if (t->offset % 4 || t->offset + size > tensor_limit(t) ||
      (t->base && t->bytes % 4 && t->offset + size != tensor_limit(t))) {
    char sb[160];
    return vkg_error(ctx, VKG_E_INPUT, "fill: the %s %s view at byte %llu is not 4-byte aligned in offset and size",
                     vkg_dtype_name(t->dtype), vkg_shape_format(&t->shape, sb, sizeof sb),
                     (unsigned long long)t->offset);
  }
  VkCommandBuffer cmd;
  vkg_status st = vkg_stream_begin_cmd(ctx, &cmd);
  if (st) return st;
  vkCmdFillBuffer(cmd, t->block->buf, t->offset, size, pattern);
  return vkg_stream_end_cmd(ctx);
}

vkg_status vkg_tensor_copy(vkg_ctx *ctx, const vkg_tensor *src, vkg_tensor *dst) {
  if (!ctx || !src || !dst) return vkg_error(ctx, VKG_E_INTERNAL, "copy: NULL tensor");
  if (!ctx->gpu) return vkg_error(ctx, VKG_E_INTERNAL, "copy: the device is not open");
  if (src->bytes != dst->bytes) {
    char a[160], b[160];
    return vkg_error(ctx, VKG_E_INPUT, "copy: source %s %s (%zu bytes) and destination %s %s (%zu bytes) differ in size",
                     vkg_dtype_name(src->dtype), vkg_shape_format(&src->shape, a, sizeof a), src->bytes,
                     vkg_dtype_name(dst->dtype), vkg_shape_format(&dst->shape, b, sizeof b), dst->bytes);
  }
  if (!src->bytes || (src->block == dst->block && src->offset == dst->offset)) return VKG_OK;
  if (src->block == dst->block && src->offset < dst->offset + dst->bytes && dst->offset < src->offset + src->bytes)
    return vkg_error(ctx, VKG_E_INPUT, "copy: source and destination overlap (%zu bytes)", src->bytes);
  VkCommandBuffer cmd;
  vkg_status st = vkg_stream_begin_cmd(ctx, &cmd);
  if (st) return st;
  VkBufferCopy r = {.srcOffset = src->offset, .dstOffset = dst->offset, .size = src->bytes};
  vkCmdCopyBuffer(cmd, src->block->buf, dst->block->buf, 1, &r);
  return vkg_stream_end_cmd(ctx);
}
