/* Chunked per-row statistics for norms and softmax (see klib_internal.h). */
#include "klib_internal.h"
#include "spv/kl_rowstat.h"

static vkg_status new_pairs(vkg_ctx *ctx, int64_t n, vkg_tensor **out) {
  int64_t d[2] = {n, 2};
  vkg_shape s = vkg_shape_make(2, d);
  return vkg_tensor_create(ctx, VKG_F32, &s, out);
}

vkg_status vkg_k_rowstats(vkg_ctx *ctx, const vkg_tensor *x, uint32_t rows, uint32_t len, int softmax, int logsm,
                          float eps, vkg_tensor **stats) {
  *stats = NULL;
  uint32_t nch = (len + VKG_K_CHUNK - 1) / VKG_K_CHUNK;
  if (nch == 0) nch = 1;
  vkg_tensor *part = NULL, *st = NULL;
  vkg_status s = new_pairs(ctx, (int64_t)rows * nch, &part);
  if (s == VKG_OK) s = new_pairs(ctx, rows, &st);
  if (s != VKG_OK) {
    vkg_tensor_unref(part);
    vkg_tensor_unref(st);
    return s;
  }
  vkg_pipeline *p = NULL;
  struct {
    uint32_t n, rows, len, chunk, nch, mode, logsm;
    float eps;
  } pc = {rows * nch, rows, len, VKG_K_CHUNK, nch, softmax ? 3u : 0u, (uint32_t)(logsm != 0), eps};
  const vkg_tensor *t[3] = {x, part, st};
  s = vkg_k_pipeline(ctx, "kl_rowstat", vkg_spv_kl_rowstat, sizeof vkg_spv_kl_rowstat, 3, sizeof pc, &p);
  if (s == VKG_OK) s = vkg_k_run(ctx, p, t, 3, &pc, sizeof pc, pc.n);
  if (s == VKG_OK && !softmax) {
    pc.mode = 1;
    s = vkg_k_run(ctx, p, t, 3, &pc, sizeof pc, pc.n);
  }
  if (s == VKG_OK) {
    pc.mode = softmax ? 4u : 2u;
    pc.n = rows;
    s = vkg_k_run(ctx, p, t, 3, &pc, sizeof pc, pc.n);
  }
  vkg_tensor_unref(part); /* recorded work keeps its reads valid */
  if (s != VKG_OK) {
    vkg_tensor_unref(st);
    return s;
  }
  *stats = st;
  return VKG_OK;
}
