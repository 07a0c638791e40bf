/* Counter-based random fills and categorical sampling (Philox4x32-10, see random.h). */
#include "klib_internal.h"
#include "spv/kl_categorical.h"
#include "spv/kl_philox_fill.h"
#include "vkgen/kernels/random.h"

static vkg_status fill(vkg_ctx *ctx, const char *k, vkg_tensor *t, uint64_t seed, uint64_t first, uint32_t stream,
                       int normal) {
  vkg_status st = vkg_k_need(ctx, k, "t", t, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, t);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(t);
  int64_t numel = vkg_tensor_numel(t);
  if (numel == 0) return VKG_OK;
  int64_t samples = s->ndim ? s->d[0] : 1, per = numel / samples, blocks = (per + 3) / 4;
  struct {
    uint32_t n, per, blocks, first_lo, first_hi, seed_lo, seed_hi, stream, normal;
  } pc = {(uint32_t)(samples * blocks),
          (uint32_t)per,
          (uint32_t)blocks,
          (uint32_t)first,
          (uint32_t)(first >> 32),
          (uint32_t)seed,
          (uint32_t)(seed >> 32),
          stream,
          (uint32_t)(normal != 0)};
  const vkg_tensor *tt[1] = {t};
  return VKG_K_LAUNCH(ctx, kl_philox_fill, tt, 1, &pc, pc.n);
}

vkg_status vkg_randn(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample, uint32_t stream) {
  return fill(ctx, "randn", t, seed, first_sample, stream, 1);
}

vkg_status vkg_rand_uniform(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample, uint32_t stream) {
  return fill(ctx, "rand_uniform", t, seed, first_sample, stream, 0);
}

vkg_status vkg_categorical(vkg_ctx *ctx, const vkg_tensor *logits, vkg_tensor *idx, float temperature, uint64_t seed,
                           uint64_t first_sample, uint32_t stream) {
  const char *k = "categorical";
  vkg_status st = vkg_k_need(ctx, k, "logits", logits, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "idx", idx, VKG_I32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, logits);
  if (st != VKG_OK) return st;
  const vkg_shape *ls = vkg_tensor_shape(logits), *is = vkg_tensor_shape(idx);
  if (ls->ndim != 2 || ls->d[1] < 1 || is->ndim != 1 || is->d[0] != ls->d[0]) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: logits %s and idx %s must be [N, C] (C >= 1) and [N]", k,
                     vkg_k_shape(logits, a, sizeof a), vkg_k_shape(idx, b, sizeof b));
  }
  if (ls->d[0] == 0) return VKG_OK;
  int64_t cchunk = VKG_K_CHUNK / 2, nch = (ls->d[1] + cchunk - 1) / cchunk; /* cchunk: a multiple of 4 */
  vkg_tensor *part = NULL;
  int64_t pd[2] = {ls->d[0] * nch, 2};
  vkg_shape ps = vkg_shape_make(2, pd);
  if ((st = vkg_tensor_create(ctx, VKG_F32, &ps, &part)) != VKG_OK) return st;
  struct {
    uint32_t n, c, cchunk, nch, greedy;
    float inv_t;
    uint32_t first_lo, first_hi, seed_lo, seed_hi, stream;
  } pc = {(uint32_t)(ls->d[0] * nch),
          (uint32_t)ls->d[1],
          (uint32_t)cchunk,
          (uint32_t)nch,
          (uint32_t)!(temperature > 0),
          temperature > 0 ? 1.0f / temperature : 1.0f,
          (uint32_t)first_sample,
          (uint32_t)(first_sample >> 32),
          (uint32_t)seed,
          (uint32_t)(seed >> 32),
          stream};
  const vkg_tensor *t[2] = {logits, part};
  st = VKG_K_LAUNCH(ctx, kl_categorical, t, 2, &pc, pc.n);
  if (st == VKG_OK) st = vkg_k_argbest_merge(ctx, part, idx, (uint32_t)ls->d[0], (uint32_t)nch);
  vkg_tensor_unref(part);
  return st;
}
