/* Token sequences: embeddings, the KV cache, decoding attention, token writes (sequence.h). */
#include <math.h>

#include "kernels_internal.h"
#include "klib_internal.h"
#include "spv/kl_attn_kv_apply.h"
#include "spv/kl_attn_kv_scores.h"
#include "spv/kl_attn_kv_softmax.h"
#include "spv/kl_embed.h"
#include "spv/kl_kv_append.h"
#include "spv/kl_put_tokens.h"
#include "vkgen/kernels/sequence.h"

static int is_ids(const vkg_tensor *t) {
  return t && (vkg_tensor_dtype(t) == VKG_I32 || vkg_tensor_dtype(t) == VKG_I64);
}

vkg_status vkg_embedding(vkg_ctx *ctx, const vkg_tensor *ids, int64_t col0, const vkg_tensor *tok,
                         const vkg_tensor *pos, int64_t pos0, vkg_tensor *y) {
  const char *k = "embedding";
  vkg_status st = vkg_k_need(ctx, k, "tok", tok, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK && pos) st = vkg_k_need(ctx, k, "pos", pos, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  const vkg_shape *is = ids ? vkg_tensor_shape(ids) : NULL, *es = vkg_tensor_shape(tok), *ys = vkg_tensor_shape(y);
  char a[64], b[64], c[64], d[64];
  int ok = is_ids(ids) && is->ndim == 2 && es->ndim == 2 && ys->ndim == 3 && ys->d[0] == is->d[0] &&
           ys->d[2] == es->d[1] && col0 >= 0 && col0 + ys->d[1] <= is->d[1] && es->d[0] >= 1;
  if (ok && pos) {
    const vkg_shape *ps = vkg_tensor_shape(pos);
    int64_t rows = ps->ndim == 3 && ps->d[0] == 1 ? ps->d[1] : ps->ndim == 2 ? ps->d[0] : -1;
    ok = rows >= 0 && ps->d[ps->ndim - 1] == es->d[1] && pos0 >= 0 && pos0 + ys->d[1] <= rows;
  }
  if (!ok)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: ids %s (i32/i64 [B, L]) from column %lld, tok %s [V, C], pos %s [P, C] from row %lld and y %s "
                     "[B, T, C] do not fit",
                     k, vkg_k_shape(ids, a, sizeof a), (long long)col0, vkg_k_shape(tok, b, sizeof b),
                     pos ? vkg_k_shape(pos, c, sizeof c) : "none", (long long)pos0, vkg_k_shape(y, d, sizeof d));
  struct {
    uint32_t n, t, c, v, stride, col0, pos0, is64, has_pos;
  } pc = {(uint32_t)vkg_tensor_numel(y), (uint32_t)ys->d[1], (uint32_t)ys->d[2], (uint32_t)es->d[0],
          (uint32_t)is->d[1], (uint32_t)col0, (uint32_t)pos0, vkg_tensor_dtype(ids) == VKG_I64,
          pos != NULL};
  const vkg_tensor *t[4] = {ids, tok, pos ? pos : tok, y};
  return VKG_K_LAUNCH(ctx, kl_embed, t, 4, &pc, pc.n);
}

/* [B, H, cap, D] cache shape check against B, H * D. */
static int cache_fits(const vkg_tensor *kc, int64_t B, int64_t HD, int64_t *H, int64_t *D, int64_t *cap) {
  const vkg_shape *s = vkg_tensor_shape(kc);
  if (s->ndim != 4 || s->d[0] != B || s->d[1] * s->d[3] != HD) return 0;
  *H = s->d[1], *cap = s->d[2], *D = s->d[3];
  return 1;
}

vkg_status vkg_kv_append(vkg_ctx *ctx, const vkg_tensor *k, const vkg_tensor *v, vkg_tensor *kc, vkg_tensor *vc,
                         int64_t pos) {
  const char *kn = "kv_append";
  vkg_status st = vkg_k_need(ctx, kn, "k", k, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "v", v, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "kc", kc, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "vc", vc, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, kn, kc);
  if (st != VKG_OK) return st;
  const vkg_shape *ks = vkg_tensor_shape(k);
  int64_t H = 0, D = 0, cap = 0;
  int ok = ks->ndim == 3 && vkg_shape_equal(ks, vkg_tensor_shape(v)) &&
           vkg_shape_equal(vkg_tensor_shape(kc), vkg_tensor_shape(vc)) &&
           cache_fits(kc, ks->d[0], ks->d[2], &H, &D, &cap) && pos >= 0 && pos + ks->d[1] <= cap;
  if (!ok) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: k/v %s do not fit caches %s [B, H, cap, D] at position %lld", kn,
                     vkg_k_shape(k, a, sizeof a), vkg_k_shape(kc, b, sizeof b), (long long)pos);
  }
  struct {
    uint32_t n, t, h, d, cap, pos;
  } pc = {(uint32_t)vkg_tensor_numel(k), (uint32_t)ks->d[1], (uint32_t)H, (uint32_t)D, (uint32_t)cap, (uint32_t)pos};
  const vkg_tensor *t[4] = {k, v, kc, vc};
  return VKG_K_LAUNCH(ctx, kl_kv_append, t, 4, &pc, pc.n);
}

vkg_status vkg_attention_cached(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *kc, const vkg_tensor *vc,
                                int64_t n, vkg_tensor *y, float scale) {
  const char *kn = "attention_cached";
  vkg_status st = vkg_k_need(ctx, kn, "q", q, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "kc", kc, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "vc", vc, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, kn, kc);
  if (st != VKG_OK) return st;
  const vkg_shape *qs = vkg_tensor_shape(q);
  int64_t H = 0, D = 0, cap = 0;
  int ok = qs->ndim == 3 && qs->d[1] == 1 && vkg_shape_equal(qs, vkg_tensor_shape(y)) &&
           vkg_shape_equal(vkg_tensor_shape(kc), vkg_tensor_shape(vc)) && cache_fits(kc, qs->d[0], qs->d[2], &H, &D, &cap);
  if (!ok || n < 1 || n > cap || cap > VKG_K_CHUNK) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: q %s [B, 1, H * D] and caches %s [B, H, cap, D] with n = %lld do not fit (1 <= n <= cap <= %d)",
                     kn, vkg_k_shape(q, a, sizeof a), vkg_k_shape(kc, b, sizeof b), (long long)n, VKG_K_CHUNK);
  }
  if (y == q) return vkg_error(ctx, VKG_E_INPUT, "%s: y must not alias q", kn);
  if (!(scale > 0)) scale = (float)(1.0 / sqrt((double)D));
  const int64_t BH = qs->d[0] * H;
  vkg_tensor *s = NULL;
  if ((st = vkg_kernel_scratch(ctx, (uint64_t)(BH * cap), &s)) != VKG_OK) return st;
  struct {
    uint32_t cnt, h, d, cap, n;
    float scale;
  } p1 = {(uint32_t)(BH * n), (uint32_t)H, (uint32_t)D, (uint32_t)cap, (uint32_t)n, scale};
  const vkg_tensor *t1[3] = {q, kc, s};
  st = VKG_K_LAUNCH(ctx, kl_attn_kv_scores, t1, 3, &p1, p1.cnt);
  if (st == VKG_OK) {
    struct {
      uint32_t rows, cap, n;
    } ps = {(uint32_t)BH, (uint32_t)cap, (uint32_t)n};
    const vkg_tensor *ts[1] = {s};
    st = VKG_K_LAUNCH(ctx, kl_attn_kv_softmax, ts, 1, &ps, ps.rows);
  }
  if (st == VKG_OK) {
    struct {
      uint32_t cnt, h, d, cap, n;
    } p2 = {(uint32_t)(BH * D), (uint32_t)H, (uint32_t)D, (uint32_t)cap, (uint32_t)n};
    const vkg_tensor *t2[3] = {s, vc, y};
    st = VKG_K_LAUNCH(ctx, kl_attn_kv_apply, t2, 3, &p2, p2.cnt);
  }
  vkg_tensor_unref(s);
  return st;
}

vkg_status vkg_put_tokens(vkg_ctx *ctx, const vkg_tensor *idx, vkg_tensor *seq, int64_t col) {
  const char *kn = "put_tokens";
  vkg_status st = vkg_k_need(ctx, kn, "idx", idx, VKG_I32);
  if (st != VKG_OK) return st;
  const vkg_shape *is = vkg_tensor_shape(idx), *ss = seq ? vkg_tensor_shape(seq) : NULL;
  if (!is_ids(seq) || is->ndim != 1 || ss->ndim != 2 || ss->d[0] != is->d[0] || col < 0 || col >= ss->d[1]) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: idx %s [N] and seq %s (i32/i64 [N, L]) at column %lld do not fit", kn,
                     vkg_k_shape(idx, a, sizeof a), vkg_k_shape(seq, b, sizeof b), (long long)col);
  }
  if ((st = vkg_k_fits(ctx, kn, seq)) != VKG_OK) return st;
  struct {
    uint32_t n, len, col, is64;
  } pc = {(uint32_t)is->d[0], (uint32_t)ss->d[1], (uint32_t)col, vkg_tensor_dtype(seq) == VKG_I64};
  const vkg_tensor *t[2] = {idx, seq};
  return VKG_K_LAUNCH(ctx, kl_put_tokens, t, 2, &pc, pc.n);
}
