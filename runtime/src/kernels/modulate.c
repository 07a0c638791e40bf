/* adaLN modulation: per-sample scale / shift columns of a modulation matrix, optional residual. */
#include "klib_internal.h"
#include "spv/kl_modulate.h"
#include "vkgen/kernels/elementwise.h"

vkg_status vkg_modulate(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *mod, int64_t scale_col,
                        int64_t shift_col, float one, const vkg_tensor *res, vkg_tensor *y) {
  const char *k = "modulate";
  vkg_status st = vkg_k_same_f32(ctx, k, x, y);
  if (!st) st = vkg_k_need(ctx, k, "mod", mod, VKG_F32);
  if (!st && res) st = vkg_k_same_shape(ctx, k, "x", x, "res", res);
  if (!st && res) st = vkg_k_need(ctx, k, "res", res, VKG_F32);
  if (!st) st = vkg_k_fits(ctx, k, mod);
  if (st) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ms = vkg_tensor_shape(mod);
  char a[64], b[64];
  if (xs->ndim < 2 || ms->ndim != 2 || ms->d[0] != xs->d[0])
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s and mod %s: expected x [B, ..., D] and mod [B, M]", k,
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(mod, b, sizeof b));
  int64_t D = xs->d[xs->ndim - 1], M = ms->d[1];
  if (scale_col < 0 || scale_col + D > M || shift_col + D > M)
    return vkg_error(ctx, VKG_E_INPUT, "%s: columns %lld and %lld of width %lld do not fit mod %s", k,
                     (long long)scale_col, (long long)shift_col, (long long)D, vkg_k_shape(mod, b, sizeof b));
  int64_t n = vkg_tensor_numel(x);
  struct {
    uint32_t n, per_sample, dim, m, scale_col;
    int32_t shift_col;
    float one;
    uint32_t has_res;
  } pc = {(uint32_t)n,         (uint32_t)(xs->d[0] ? n / xs->d[0] : 1), (uint32_t)(D ? D : 1), (uint32_t)M,
          (uint32_t)scale_col, shift_col < 0 ? -1 : (int32_t)shift_col, one,  res != NULL};
  const vkg_tensor *t[4] = {x, mod, res ? res : x, y};
  return VKG_K_LAUNCH(ctx, kl_modulate, t, 4, &pc, pc.n);
}
