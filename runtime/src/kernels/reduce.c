/* sum / mean over axes, and nearest-code argmin. */
#include <stdio.h>
#include <string.h>

#include "klib_internal.h"
#include "spv/kl_argbest_merge.h"
#include "spv/kl_argmin_code.h"
#include "spv/kl_reduce_axes.h"
#include "vkgen/kernels/reduce.h"

typedef struct reduce_push {
  uint32_t n, count, rchunk, nch;
  float scale;
  uint32_t kshape[6], ks[6], rshape[6], rs[6];
} reduce_push;

/* Runs pc (n = outputs, count = reduced elements) from x into y; long reductions go through
 * a [n, nch] tensor of partial sums that is reduced again along its last axis. */
static vkg_status reduce_run(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, reduce_push pc) {
  uint32_t outs = pc.n;
  if (outs == 0) return VKG_OK;
  pc.rchunk = VKG_K_CHUNK;
  pc.nch = pc.count <= VKG_K_CHUNK ? 1 : (pc.count + VKG_K_CHUNK - 1) / VKG_K_CHUNK;
  if (pc.nch == 1) {
    const vkg_tensor *t[2] = {x, y};
    return VKG_K_LAUNCH(ctx, kl_reduce_axes, t, 2, &pc, pc.n);
  }
  vkg_tensor *part = NULL;
  int64_t d[2] = {outs, pc.nch};
  vkg_shape ps = vkg_shape_make(2, d);
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &ps, &part);
  if (st != VKG_OK) return st;
  float scale = pc.scale;
  pc.scale = 1.0f;
  pc.n = outs * pc.nch;
  const vkg_tensor *t[2] = {x, part};
  st = VKG_K_LAUNCH(ctx, kl_reduce_axes, t, 2, &pc, pc.n);
  if (st == VKG_OK) {
    reduce_push p2;
    memset(&p2, 0, sizeof p2);
    for (int i = 0; i < 6; i++) p2.kshape[i] = p2.rshape[i] = 1;
    p2.kshape[5] = outs;
    p2.ks[5] = pc.nch;
    p2.rshape[5] = pc.nch;
    p2.rs[5] = 1;
    p2.n = outs;
    p2.count = pc.nch;
    p2.scale = scale;
    st = reduce_run(ctx, part, y, p2);
  }
  vkg_tensor_unref(part);
  return st;
}

static vkg_status reduce(vkg_ctx *ctx, const char *k, const vkg_tensor *x, vkg_tensor *y, const int *axes, int naxes,
                         int keepdim, int mean) {
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st != VKG_OK) return st;
  if (x == y) return vkg_error(ctx, VKG_E_INPUT, "%s: y must not alias x", k);
  const vkg_shape *xs = vkg_tensor_shape(x);
  int nd = xs->ndim, red[VKG_MAX_DIMS] = {0};
  if (naxes < 0 || naxes > nd || (naxes > 0 && !axes))
    return vkg_error(ctx, VKG_E_INPUT, "%s: %d axes for a rank-%d input", k, naxes, nd);
  for (int i = 0; i < naxes; i++) {
    int a = axes[i] < 0 ? axes[i] + nd : axes[i];
    if (a < 0 || a >= nd || red[a]) return vkg_error(ctx, VKG_E_INPUT, "%s: bad or repeated axis %d", k, axes[i]);
    red[a] = 1;
  }
  /* expected output shape */
  vkg_shape want = {0};
  int64_t count = 1;
  for (int d = 0; d < nd; d++) {
    if (red[d]) count *= xs->d[d];
    if (!red[d] || keepdim) want.d[want.ndim++] = red[d] ? 1 : xs->d[d];
  }
  const vkg_shape *ys = vkg_tensor_shape(y);
  int ok = vkg_shape_equal(&want, ys) || (want.ndim == 0 && ys->ndim == 1 && ys->d[0] == 1);
  if (!ok) {
    char a[64], b[64], c[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: y shape %s should be %s for x shape %s (keepdim %d)", k,
                     vkg_k_shape(y, b, sizeof b), vkg_shape_format(&want, c, sizeof c), vkg_k_shape(x, a, sizeof a),
                     keepdim);
  }
  reduce_push pc;
  memset(&pc, 0, sizeof pc);
  int64_t stride[VKG_MAX_DIMS], acc = 1;
  for (int d = nd - 1; d >= 0; d--) {
    stride[d] = acc;
    acc *= xs->d[d];
  }
  for (int i = 0; i < 6; i++) pc.kshape[i] = pc.rshape[i] = 1;
  int nk = 0, nr = 0;
  for (int d = 0; d < nd; d++) nk += !red[d], nr += red[d];
  int ik = 6 - nk, ir = 6 - nr;
  for (int d = 0; d < nd; d++) {
    if (red[d]) {
      pc.rshape[ir] = (uint32_t)xs->d[d];
      pc.rs[ir++] = (uint32_t)stride[d];
    } else {
      pc.kshape[ik] = (uint32_t)xs->d[d];
      pc.ks[ik++] = (uint32_t)stride[d];
    }
  }
  pc.n = (uint32_t)vkg_tensor_numel(y);
  pc.count = (uint32_t)count;
  pc.scale = mean ? (count ? (float)(1.0 / (double)count) : 0.0f / 0.0f) : 1.0f;
  return reduce_run(ctx, x, y, pc);
}

vkg_status vkg_reduce_sum(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *axes, int naxes, int keepdim) {
  return reduce(ctx, "reduce_sum", x, y, axes, naxes, keepdim, 0);
}

vkg_status vkg_reduce_mean(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *axes, int naxes,
                           int keepdim) {
  return reduce(ctx, "reduce_mean", x, y, axes, naxes, keepdim, 1);
}

vkg_status vkg_argmin_codebook(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *codebook, vkg_tensor *idx) {
  const char *k = "argmin_codebook";
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "codebook", codebook, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, codebook);
  if (st != VKG_OK) return st;
  if (!idx || (vkg_tensor_dtype(idx) != VKG_I32 && vkg_tensor_dtype(idx) != VKG_I64))
    return vkg_error(ctx, VKG_E_INPUT, "%s: idx must be an i32 or i64 tensor", k);
  const vkg_shape *xs = vkg_tensor_shape(x), *cs = vkg_tensor_shape(codebook), *is = vkg_tensor_shape(idx);
  if (xs->ndim != 2 || cs->ndim != 2 || cs->d[1] != xs->d[1] || cs->d[0] < 1 || vkg_tensor_numel(idx) != xs->d[0] ||
      is->ndim != 1) {
    char a[64], b[64], c[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s, codebook %s, idx %s must be [N, D], [K, D], [N]", k,
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(codebook, b, sizeof b), vkg_k_shape(idx, c, sizeof c));
  }
  if (xs->d[1] > 4 * VKG_K_CHUNK)
    return vkg_error(ctx, VKG_E_INPUT, "%s: code length %lld is over the limit %d", k, (long long)xs->d[1],
                     4 * VKG_K_CHUNK);
  if (xs->d[0] == 0) return VKG_OK;
  /* chunks of codes so that one invocation loops over at most ~2 * VKG_K_CHUNK elements */
  int64_t dd = xs->d[1] ? xs->d[1] : 1, kchunk = 2 * VKG_K_CHUNK / dd;
  if (kchunk < 1) kchunk = 1;
  int64_t nch = (cs->d[0] + kchunk - 1) / kchunk;
  vkg_tensor *part = NULL;
  int64_t pd[2] = {xs->d[0] * nch, 2};
  vkg_shape ps = vkg_shape_make(2, pd);
  if ((st = vkg_tensor_create(ctx, VKG_F32, &ps, &part)) != VKG_OK) return st;
  struct {
    uint32_t n, k, d, kchunk, nch;
  } pc = {(uint32_t)(xs->d[0] * nch), (uint32_t)cs->d[0], (uint32_t)xs->d[1], (uint32_t)kchunk, (uint32_t)nch};
  const vkg_tensor *t[3] = {x, codebook, part};
  st = VKG_K_LAUNCH(ctx, kl_argmin_code, t, 3, &pc, pc.n);
  if (st == VKG_OK) st = vkg_k_argbest_merge(ctx, part, idx, (uint32_t)xs->d[0], (uint32_t)nch);
  vkg_tensor_unref(part);
  return st;
}

vkg_status vkg_k_argbest_merge(vkg_ctx *ctx, const vkg_tensor *part, vkg_tensor *idx, uint32_t rows, uint32_t nch) {
  struct {
    uint32_t n, nch, wide;
  } pc = {rows, nch, vkg_tensor_dtype(idx) == VKG_I64};
  const vkg_tensor *t[2] = {part, idx};
  return VKG_K_LAUNCH(ctx, kl_argbest_merge, t, 2, &pc, pc.n);
}
