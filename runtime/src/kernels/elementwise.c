/* Broadcast binary ops and x * a + b. */
#include <stdio.h>
#include <string.h>

#include "klib_internal.h"
#include "spv/kl_binary.h"
#include "spv/kl_scale_shift.h"
#include "vkgen/kernels/elementwise.h"

static const char *const op_names[VKG_OP_COUNT] = {"add", "sub", "mul", "div", "max", "min"};

int vkg_broadcast_shape(const vkg_shape *a, const vkg_shape *b, vkg_shape *out) {
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  if (nd > VKG_MAX_DIMS || a->ndim < 0 || b->ndim < 0) return -1;
  vkg_shape r = {0};
  r.ndim = nd;
  for (int i = 0; i < nd; i++) {
    int ia = a->ndim - nd + i, ib = b->ndim - nd + i;
    int64_t da = ia >= 0 ? a->d[ia] : 1, db = ib >= 0 ? b->d[ib] : 1;
    if (da != db && da != 1 && db != 1) return -1;
    r.d[i] = da == 1 ? db : da;
  }
  *out = r;
  return 0;
}

/* Strides of t against the 6-dim padded output shape; 0 where t broadcasts. */
static void bcast_strides(const vkg_shape *t, const vkg_shape *o, uint32_t *st) {
  int64_t stride = 1;
  for (int i = VKG_MAX_DIMS - 1; i >= 0; i--) {
    int oi = i - (VKG_MAX_DIMS - o->ndim);
    int ti = oi - (o->ndim - t->ndim);
    int64_t dt = (oi >= 0 && ti >= 0) ? t->d[ti] : 1;
    st[i] = dt == 1 ? 0 : (uint32_t)stride;
    stride *= dt;
  }
}

vkg_status vkg_binary(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, vkg_tensor *y, vkg_binop op) {
  if ((unsigned)op >= VKG_OP_COUNT) return vkg_error(ctx, VKG_E_INPUT, "binary: unknown op %d", (int)op);
  char k[32];
  snprintf(k, sizeof k, "binary %s", op_names[op]);
  vkg_status st = vkg_k_need(ctx, k, "a", a, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "b", b, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  vkg_shape bs;
  char s1[64], s2[64], s3[64];
  if (vkg_broadcast_shape(vkg_tensor_shape(a), vkg_tensor_shape(b), &bs) != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: shapes %s and %s do not broadcast", k, vkg_k_shape(a, s1, sizeof s1),
                     vkg_k_shape(b, s2, sizeof s2));
  const vkg_shape *ys = vkg_tensor_shape(y);
  if (!vkg_shape_equal(&bs, ys))
    return vkg_error(ctx, VKG_E_INPUT, "%s: output shape %s is not the broadcast %s of %s and %s", k,
                     vkg_k_shape(y, s3, sizeof s3), vkg_shape_format(&bs, s1, sizeof s1),
                     vkg_k_shape(a, s2, sizeof s2), vkg_k_shape(b, s3, sizeof s3));
  if ((y == a && !vkg_shape_equal(vkg_tensor_shape(a), ys)) || (y == b && !vkg_shape_equal(vkg_tensor_shape(b), ys)))
    return vkg_error(ctx, VKG_E_INPUT, "%s: y may alias only an input of its own shape", k);
  struct {
    uint32_t n, op;
    uint32_t shape[6], sa[6], sb[6];
  } pc;
  memset(&pc, 0, sizeof pc);
  pc.n = (uint32_t)vkg_tensor_numel(y);
  pc.op = (uint32_t)op;
  for (int i = 0; i < VKG_MAX_DIMS; i++) {
    int oi = i - (VKG_MAX_DIMS - ys->ndim);
    pc.shape[i] = oi >= 0 ? (uint32_t)ys->d[oi] : 1;
  }
  bcast_strides(vkg_tensor_shape(a), ys, pc.sa);
  bcast_strides(vkg_tensor_shape(b), ys, pc.sb);
  const vkg_tensor *t[3] = {a, b, y};
  return VKG_K_LAUNCH(ctx, kl_binary, t, 3, &pc, pc.n);
}

vkg_status vkg_scale_shift(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, float a, float b) {
  const char *k = "scale_shift";
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st != VKG_OK) return st;
  if (vkg_tensor_numel(x) != vkg_tensor_numel(y)) {
    char s1[64], s2[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x shape %s and y shape %s differ in size", k,
                     vkg_k_shape(x, s1, sizeof s1), vkg_k_shape(y, s2, sizeof s2));
  }
  struct {
    uint32_t n;
    float a, b;
  } pc = {(uint32_t)vkg_tensor_numel(x), a, b};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_scale_shift, t, 2, &pc, pc.n);
}
