/* vkg_matmul and vkg_linear: shape checks and operand strides over the GEMM engine. */
#include <stdint.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "vkgen/kernels/gemm.h"

static int64_t batch_of(const vkg_shape *s) {
  int64_t b = 1;
  for (int i = 0; i + 2 < s->ndim; ++i) b *= s->d[i];
  return b;
}

vkg_status vkg_matmul(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, vkg_tensor *c, int trans_a,
                      int trans_b, float alpha, float beta) {
  vkg_status st;
  if ((st = vkg_kernel_check_f32(ctx, "matmul", "A", a)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "matmul", "B", b)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "matmul", "C", c)) != VKG_OK)
    return st;
  const vkg_shape *sa = vkg_tensor_shape(a), *sb = vkg_tensor_shape(b), *sc = vkg_tensor_shape(c);
  char ba[96], bb[96], bc[96];
  vkg_shape_format(sa, ba, sizeof ba);
  vkg_shape_format(sb, bb, sizeof bb);
  vkg_shape_format(sc, bc, sizeof bc);
  if (sa->ndim < 2 || sb->ndim < 2 || sc->ndim < 2)
    return vkg_error(ctx, VKG_E_INPUT, "matmul: A %s, B %s and C %s must have at least 2 dimensions", ba, bb, bc);
  if (c == a || c == b) return vkg_error(ctx, VKG_E_INPUT, "matmul: C must not be A or B");
  const int64_t M = trans_a ? sa->d[sa->ndim - 1] : sa->d[sa->ndim - 2];
  const int64_t Ka = trans_a ? sa->d[sa->ndim - 2] : sa->d[sa->ndim - 1];
  const int64_t Kb = trans_b ? sb->d[sb->ndim - 1] : sb->d[sb->ndim - 2];
  const int64_t N = trans_b ? sb->d[sb->ndim - 2] : sb->d[sb->ndim - 1];
  if (Ka != Kb)
    return vkg_error(ctx, VKG_E_INPUT, "matmul: A %s%s and B %s%s: inner dimensions differ (%lld vs %lld)", ba,
                     trans_a ? " (transposed)" : "", bb, trans_b ? " (transposed)" : "", (long long)Ka,
                     (long long)Kb);
  if (sc->d[sc->ndim - 2] != M || sc->d[sc->ndim - 1] != N)
    return vkg_error(ctx, VKG_E_INPUT, "matmul: A %s and B %s give [%lld, %lld] matrices but C is %s", ba, bb,
                     (long long)M, (long long)N, bc);
  const int64_t bta = batch_of(sa), btb = batch_of(sb), btc = batch_of(sc);
  if ((bta != 1 && bta != btc) || (btb != 1 && btb != btc))
    return vkg_error(ctx, VKG_E_INPUT, "matmul: batches of A %s and B %s do not broadcast to C %s", ba, bb, bc);

  vkg_gemm_operand oa = {a, 0, bta == 1 ? 0 : (uint64_t)(M * Ka), trans_a ? 1 : (uint64_t)Ka,
                         trans_a ? (uint64_t)M : 1, 0};
  vkg_gemm_operand ob = {b, 0, btb == 1 ? 0 : (uint64_t)(Ka * N), trans_b ? 1 : (uint64_t)N,
                         trans_b ? (uint64_t)Ka : 1, 0};
  vkg_gemm_out oc = vkg_gemm_out_dense(c, (uint64_t)(M * N), (uint64_t)N);
  oc.alpha = alpha;
  oc.beta = beta;
  return vkg_gemm_run(ctx, "matmul", (uint64_t)M, (uint64_t)N, (uint64_t)Ka, (uint64_t)btc, &oa, &ob, &oc);
}

static vkg_status linear(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                         vkg_tensor *y, float beta) {
  vkg_status st;
  if ((st = vkg_kernel_check_f32(ctx, "linear", "x", x)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "linear", "weight", w)) != VKG_OK ||
      (st = vkg_kernel_check_f32(ctx, "linear", "y", y)) != VKG_OK ||
      (bias && (st = vkg_kernel_check_f32(ctx, "linear", "bias", bias)) != VKG_OK))
    return st;
  const vkg_shape *sx = vkg_tensor_shape(x), *sw = vkg_tensor_shape(w), *sy = vkg_tensor_shape(y);
  char bx[96], bw[96], by[96];
  vkg_shape_format(sx, bx, sizeof bx);
  vkg_shape_format(sw, bw, sizeof bw);
  vkg_shape_format(sy, by, sizeof by);
  if (sw->ndim != 2 || sx->ndim < 1)
    return vkg_error(ctx, VKG_E_INPUT, "linear: weight %s must be [out, in] and x %s at least 1-D", bw, bx);
  const int64_t in = sw->d[1], out = sw->d[0];
  if (sx->d[sx->ndim - 1] != in)
    return vkg_error(ctx, VKG_E_INPUT, "linear: x %s has %lld features but weight %s expects %lld", bx,
                     (long long)sx->d[sx->ndim - 1], bw, (long long)in);
  int ok = sy->ndim == sx->ndim && sy->d[sy->ndim - 1] == out;
  for (int i = 0; ok && i + 1 < sx->ndim; ++i) ok = sy->d[i] == sx->d[i];
  if (!ok)
    return vkg_error(ctx, VKG_E_INPUT, "linear: y %s does not match x %s with weight %s (last dim %lld)", by, bx,
                     bw, (long long)out);
  if (bias) {
    const vkg_shape *sbias = vkg_tensor_shape(bias);
    if (sbias->ndim != 1 || sbias->d[0] != out) {
      char bb[96];
      vkg_shape_format(sbias, bb, sizeof bb);
      return vkg_error(ctx, VKG_E_INPUT, "linear: bias %s must be [%lld] for weight %s", bb, (long long)out, bw);
    }
  }
  if (y == x) return vkg_error(ctx, VKG_E_INPUT, "linear: y must not be x");
  int64_t M = 1;
  for (int i = 0; i + 1 < sx->ndim; ++i) M *= sx->d[i];
  vkg_gemm_operand ox = {x, 0, 0, (uint64_t)in, 1, 0};
  vkg_gemm_operand ow = {w, 0, 0, 1, (uint64_t)in, 0}; /* B(k, n) = w[n][k] */
  vkg_gemm_out oy = vkg_gemm_out_dense(y, 0, (uint64_t)out);
  oy.bias = bias;
  oy.bias_per_col = 1;
  oy.beta = beta;
  return vkg_gemm_run(ctx, "linear", (uint64_t)M, (uint64_t)out, (uint64_t)in, 1, &ox, &ow, &oy);
}

vkg_status vkg_linear(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                      vkg_tensor *y) {
  return linear(ctx, x, w, bias, y, 0.0f);
}

vkg_status vkg_linear_acc(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                          vkg_tensor *y) {
  return linear(ctx, x, w, bias, y, 1.0f);
}
