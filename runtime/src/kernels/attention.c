/* Scaled dot-product attention: as three passes (scores, row softmax, P @ V; vkg_attention and
 * its causal form), and fused with an online softmax that never stores the scores
 * (vkg_attention_flash). */
#include <math.h>

#include "kernels_internal.h"
#include "klib_internal.h"
#include "spv/kl_attn_flash.h"
#include "spv/kl_attn_flash_merge.h"
#include "spv/kl_attn_pv.h"
#include "spv/kl_attn_scores.h"
#include "vkgen/kernels/activation.h"
#include "vkgen/kernels/attention.h"

/* The shapes of q [.., Lq, D], k [.., Lk, D], v [.., Lk, Dv], out [.., Lq, Dv] (rank 3 or
 * 4, leading dims equal) into bh, lq, lk, d, dv. */
static vkg_status check_shapes(vkg_ctx *ctx, const char *kn, const vkg_tensor *q, const vkg_tensor *k,
                               const vkg_tensor *v, const vkg_tensor *out, int64_t *bh_, int64_t *lq_, int64_t *lk_,
                               int64_t *dq_, int64_t *dv_) {
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
  if (bh * lq * dv != 0 && lk == 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: k %s has no keys", kn, vkg_k_shape(k, a, sizeof a));
  *bh_ = bh;
  *lq_ = lq;
  *lk_ = lk;
  *dq_ = dq;
  *dv_ = dv;
  return VKG_OK;
}

static vkg_status attention(vkg_ctx *ctx, const char *kn, const vkg_tensor *q, const vkg_tensor *k,
                            const vkg_tensor *v, vkg_tensor *out, float scale, int causal, int64_t n_unmasked) {
  int64_t bh, lq, lk, dq, dv;
  vkg_status st = check_shapes(ctx, kn, q, k, v, out, &bh, &lq, &lk, &dq, &dv);
  if (st != VKG_OK) return st;
  if (bh * lq * dv == 0) return VKG_OK;
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

static vkg_status flash(vkg_ctx *ctx, const char *kn, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                        vkg_tensor *out, float scale);

/* The fused kernel wherever it applies (D up to FLASH_D_MAX): it is faster than the three
 * passes at every size measured (test_kernel_attention_flash's bench) and stores no scores. */
#define FLASH_D_MAX (6 * VKG_K_CHUNK)

vkg_status vkg_attention(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                         vkg_tensor *out, float scale) {
  const vkg_shape *sq = q ? vkg_tensor_shape(q) : NULL;
  if (sq && sq->ndim >= 1 && sq->d[sq->ndim - 1] <= FLASH_D_MAX) return flash(ctx, "attention", q, k, v, out, scale);
  return attention(ctx, "attention", q, k, v, out, scale, 0, 0);
}

vkg_status vkg_attention_causal(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                                vkg_tensor *out, float scale, int64_t n_unmasked) {
  return attention(ctx, "attention_causal", q, k, v, out, scale, 1, n_unmasked);
}

/* Loop iterations one invocation may spend (lavapipe stops at 65535; see VKG_K_CHUNK). */
#define FLASH_ITERS 60000

/* kl_attn_flash's (E output dims, R query rows) per invocation, by Dv. Measured on lavapipe
 * (test_kernel_attention_flash's bench): for Dv <= 64, (64, 4) is 2.4x (128, 2); above, the
 * wider (128, 2) recomputes the scores for fewer blocks of dims and wins (1.7x (64, 4) at
 * Dv 256); (256, 1) was slower than (128, 2) at Dv 256 and 512. */
static void flash_block(int64_t dv, uint32_t *e, uint32_t *r) {
  *e = dv <= 64 ? 64 : 128;
  *r = dv <= 64 ? 4 : 2;
}

vkg_status vkg_attention_flash(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                               vkg_tensor *out, float scale) {
  return flash(ctx, "attention_flash", q, k, v, out, scale);
}

static vkg_status flash(vkg_ctx *ctx, const char *kn, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                        vkg_tensor *out, float scale) {
  int64_t bh, lq, lk, dq, dv;
  vkg_status st = check_shapes(ctx, kn, q, k, v, out, &bh, &lq, &lk, &dq, &dv);
  if (st != VKG_OK) return st;
  if (bh * lq * dv == 0) return VKG_OK;
  if (dq > FLASH_D_MAX)
    return vkg_error(ctx, VKG_E_INPUT, "%s: D %lld is over the limit %d", kn, (long long)dq, FLASH_D_MAX);
  if (!(scale > 0)) scale = (float)(1.0 / sqrt((double)(dq ? dq : 1)));
  /* keys per invocation: blocks of 4 keys, each one loop of D / 4 (+ tail) and one pass over
   * up to FLASH_E accumulators, within the loop budget */
  uint32_t spec[2];
  flash_block(dv, &spec[0], &spec[1]);
  int64_t E = spec[0], R = spec[1];
  int64_t ne = dv < E ? dv : E;
  int64_t per_block = (dq + 3) / 4 + 3 + ne + 2;
  int64_t blocks = (FLASH_ITERS - (R + 1) * ne - 16) / per_block;
  int64_t chunk = 4 * (blocks > 1 ? blocks : 1);
  int64_t nch = (lk + chunk - 1) / chunk, neb = (dv + E - 1) / E, rows = bh * lq;
  double n = (double)rows * (double)nch * (double)neb;
  double part_floats = nch > 1 ? (double)rows * (double)nch * (double)(dv + 2) : 0.0;
  if (n >= 4294967296.0 || part_floats >= 4294967296.0 || (double)bh * (double)lk * (double)(dq > dv ? dq : dv) >=
                                                               4294967296.0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: [%lld, %lld, %lld] x [%lld, %lld] is over the 32-bit index range", kn,
                     (long long)bh, (long long)lq, (long long)lk, (long long)dq, (long long)dv);
  vkg_tensor *part = NULL;
  if (nch > 1) {
    vkg_shape ps = vkg_shape_make(2, (int64_t[]){rows * nch, dv + 2});
    if ((st = vkg_tensor_create(ctx, VKG_F32, &ps, &part)) != VKG_OK) return st;
  }
  struct {
    uint32_t rows, lq, lk, d, dv, chunk, nch, part;
    float scale;
  } p1 = {(uint32_t)rows, (uint32_t)lq, (uint32_t)lk, (uint32_t)dq, (uint32_t)dv, (uint32_t)chunk, (uint32_t)nch,
          nch > 1, scale};
  /* x: 64 R queries (R per invocation) of one batch*head; y (and z past the device limit):
   * (bh, chunk, e block) */
  uint64_t gx = (uint64_t)(lq + 64 * R - 1) / (uint64_t)(64 * R), gyz = (uint64_t)(bh * nch * neb);
  uint64_t maxy = vkg_max_groups(ctx, 1);
  if (maxy == 0 || maxy > 65535) maxy = 65535;
  uint64_t gy = gyz < maxy ? gyz : maxy, gz = (gyz + gy - 1) / gy;
  vkg_pipeline *pipe = NULL;
  if (st == VKG_OK)
    st = vkg_kernel_pipeline(ctx, "kl_attn_flash", vkg_spv_kl_attn_flash, sizeof vkg_spv_kl_attn_flash, "ssss",
                             sizeof p1, spec, 2, &pipe);
  if (st == VKG_OK && (gx > vkg_max_groups(ctx, 0) || gz > vkg_max_groups(ctx, 2)))
    st = vkg_error(ctx, VKG_E_INPUT, "%s: [%lld, %lld, %lld] needs more workgroups than the device has", kn,
                   (long long)bh, (long long)lq, (long long)lk);
  if (st == VKG_OK) {
    vkg_binding b[4] = {{q, 0, 0}, {k, 0, 0}, {v, 0, 0}, {part ? part : out, 0, 0}};
    st = vkg_dispatch(ctx, pipe, b, 4, &p1, sizeof p1, (uint32_t)gx, (uint32_t)gy, (uint32_t)gz);
  }
  if (st == VKG_OK && part) {
    struct {
      uint32_t n, dv, nch;
    } p2 = {(uint32_t)(rows * dv), (uint32_t)dv, (uint32_t)nch};
    const vkg_tensor *t2[2] = {part, out};
    st = VKG_K_LAUNCH(ctx, kl_attn_flash_merge, t2, 2, &p2, p2.n);
  }
  vkg_tensor_unref(part); /* the stream keeps recorded reads valid */
  return st;
}
