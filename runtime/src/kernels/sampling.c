/* Sampling from logits with temperature, top-k and top-p (random.h: vkg_sample_logits). */
#include "klib_internal.h"
#include "spv/kl_topk_mask.h"
#include "spv/kl_topp_mask.h"
#include "vkgen/kernels/random.h"

/* Longest row a filter loops over in one invocation (lavapipe ends an invocation after 65535
 * loop iterations; see VKG_K_CHUNK). */
#define VKG_SAMPLE_MAX_C 32768

vkg_status vkg_sample_logits(vkg_ctx *ctx, const vkg_tensor *logits, vkg_tensor *idx, float temperature,
                             int64_t top_k, float top_p, uint64_t seed, uint64_t first_sample, uint32_t stream) {
  const char *k = "sample_logits";
  const int filter_k = top_k > 0, filter_p = top_p < 1.0f;
  if (!(temperature > 0) || (!filter_k && !filter_p))
    return vkg_categorical(ctx, logits, idx, temperature, seed, first_sample, stream);
  vkg_status st = vkg_k_need(ctx, k, "logits", logits, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, logits);
  if (st != VKG_OK) return st;
  const vkg_shape *ls = vkg_tensor_shape(logits);
  if (ls->ndim != 2 || ls->d[1] < 1 || ls->d[1] > VKG_SAMPLE_MAX_C) {
    char a[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: logits %s must be [N, C] with 1 <= C <= %d", k,
                     vkg_k_shape(logits, a, sizeof a), VKG_SAMPLE_MAX_C);
  }
  if (!(top_p >= 0))
    return vkg_error(ctx, VKG_E_INPUT, "%s: top_p must be in [0, 1], got %g", k, (double)top_p);
  const int64_t N = ls->d[0], C = ls->d[1];
  if (N == 0) return VKG_OK;
  vkg_tensor *m = NULL, *m2 = NULL, *stats = NULL;
  if ((st = vkg_tensor_create(ctx, VKG_F32, ls, &m)) != VKG_OK) return st;
  struct {
    uint32_t n, c, k;
    float inv_t;
  } p1 = {(uint32_t)(N * C), (uint32_t)C, filter_k ? (uint32_t)(top_k < C ? top_k : C) : 0u, 1.0f / temperature};
  const vkg_tensor *t1[2] = {logits, m};
  st = VKG_K_LAUNCH(ctx, kl_topk_mask, t1, 2, &p1, p1.n);
  if (st == VKG_OK && filter_p) {
    st = vkg_k_rowstats(ctx, m, (uint32_t)N, (uint32_t)C, 1, 0, 0.0f, &stats);
    if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, ls, &m2);
    if (st == VKG_OK) {
      struct {
        uint32_t n, c;
        float top_p;
      } p2 = {(uint32_t)(N * C), (uint32_t)C, top_p};
      const vkg_tensor *t2[3] = {m, stats, m2};
      st = VKG_K_LAUNCH(ctx, kl_topp_mask, t2, 3, &p2, p2.n);
    }
  }
  if (st == VKG_OK) st = vkg_categorical(ctx, m2 ? m2 : m, idx, 1.0f, seed, first_sample, stream);
  vkg_tensor_unref(m);
  vkg_tensor_unref(m2);
  vkg_tensor_unref(stats);
  return st;
}
