/* Scaled dot-product attention as three passes: scores, row softmax, P @ V.
 * (Correctness first; vkg_matmul can replace the score and PV shaders once it is tuned.) */
#include <math.h>

#include "klib_internal.h"
#include "spv/kl_attn_pv.h"
#include "spv/kl_attn_scores.h"
#include "vkgen/kernels/activation.h"
#include "vkgen/kernels/attention.h"

static vkg_status attention(vkg_ctx *ctx, const char *kn, const vkg_tensor *q, const vkg_tensor *k,
                            const vkg_tensor *v, vkg_tensor *out, float scale, int causal, int64_t n_unmasked) {
  vkg_status st = vkg_k_need(ctx, kn, "q", q, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "k", k, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "v", v, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, kn, "out", out, VKG_F32);
  if (st != VKG_OK) return st;
  const vkg_shape *sq = vkg_tensor_shape(q), *sk = vkg_tensor_shape(k), *sv = vkg_tensor_shape(v),
                  *so = vkg_tensor_shape(out);
  char a[64], b[64], c[64], d[64];
  int nd = sq->ndim;
  int ok = (nd == 3 || nd == 4) && sk->ndim == nd && sv->ndim == nd && so->ndim == nd;
  int64_t bh = 1;
  for (int i = 0; ok && i < nd - 2; i++) {
    ok = sk->d[i] == sq->d[i] && sv->d[i] == sq->d[i] && so->d[i] == sq->d[i];
    bh *= sq->d[i];
  }
  int64_t lq = ok ? sq->d[nd - 2] : 0, dq = ok ? sq->d[nd - 1] : 0;
  int64_t lk = ok ? sk->d[nd - 2] : 0, dv = ok ? sv->d[nd - 1] : 0;
  ok = ok && sk->d[nd - 1] == dq && sv->d[nd - 2] == lk && so->d[nd - 2] == lq && so->d[nd - 1] == dv;
  if (!ok)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: shapes q %s, k %s, v %s, out %s do not fit [B, H, Lq, D], [B, H, Lk, D], [B, H, Lk, Dv], "
                     "[B, H, Lq, Dv]",
                     kn, vkg_k_shape(q, a, sizeof a), vkg_k_shape(k, b, sizeof b), vkg_k_shape(v, c, sizeof c),
                     vkg_k_shape(out, d, sizeof d));
  if (out == q || out == k || out == v) return vkg_error(ctx, VKG_E_INPUT, "%s: out must not alias an input", kn);
  if (bh * lq * dv == 0) return VKG_OK;
  if (lk == 0) return vkg_error(ctx, VKG_E_INPUT, "%s: k %s has no keys", kn, vkg_k_shape(k, a, sizeof a));
  if (bh * lq * lk >= ((int64_t)1 << 31))
    return vkg_error(ctx, VKG_E_INPUT, "%s: score matrix [%lld, %lld, %lld] is too large", kn, (long long)bh,
                     (long long)lq, (long long)lk);
  /* one invocation loops over D / 4 (scores) and Lk / 2 (P @ V): lavapipe's loop limit */
  if (lk > 16 * VKG_K_CHUNK || dq > 16 * VKG_K_CHUNK)
    return vkg_error(ctx, VKG_E_INPUT, "%s: Lk %lld or D %lld is over the limit %d", kn, (long long)lk, (long long)dq,
                     16 * VKG_K_CHUNK);
  if (causal && (n_unmasked < 0 || lq > lk))
    return vkg_error(ctx, VKG_E_INPUT, "%s: needs Lq <= Lk (got %lld, %lld) and n_unmasked >= 0 (got %lld)", kn,
                     (long long)lq, (long long)lk, (long long)n_unmasked);
  if (!(scale > 0)) scale = (float)(1.0 / sqrt((double)(dq ? dq : 1)));
  vkg_tensor *sc = NULL;
  int64_t sdims[3] = {bh, lq, lk};
  vkg_shape ss = vkg_shape_make(3, sdims);
  if ((st = vkg_tensor_create(ctx, VKG_F32, &ss, &sc)) != VKG_OK) return st;
  struct {
    uint32_t n, lq, lk, d;
    float scale;
    uint32_t causal, n_unmasked;
  } p1 = {(uint32_t)(bh * lq * lk), (uint32_t)lq, (uint32_t)lk, (uint32_t)dq, scale, (uint32_t)(causal != 0),
          (uint32_t)(n_unmasked < lk ? n_unmasked : lk)};
  const vkg_tensor *t1[3] = {q, k, sc};
  st = VKG_K_LAUNCH(ctx, kl_attn_scores, t1, 3, &p1, p1.n);
  if (st == VKG_OK) st = vkg_softmax(ctx, sc, sc);
  if (st == VKG_OK) {
    struct {
      uint32_t n, lq, lk, dv;
    } p2 = {(uint32_t)(bh * lq * dv), (uint32_t)lq, (uint32_t)lk, (uint32_t)dv};
    const vkg_tensor *t2[3] = {sc, v, out};
    st = VKG_K_LAUNCH(ctx, kl_attn_pv, t2, 3, &p2, p2.n);
  }
  vkg_tensor_unref(sc); /* the stream keeps recorded reads valid */
  return st;
}

vkg_status vkg_attention(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                         vkg_tensor *out, float scale) {
  return attention(ctx, "attention", q, k, v, out, scale, 0, 0);
}

vkg_status vkg_attention_causal(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                                vkg_tensor *out, float scale, int64_t n_unmasked) {
  return attention(ctx, "attention_causal", q, k, v, out, scale, 1, n_unmasked);
}
