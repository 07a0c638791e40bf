/* Pointwise activations, softmax and log_softmax. */
#include "klib_internal.h"
#include "spv/kl_activation.h"
#include "spv/kl_softmax_apply.h"
#include "vkgen/kernels/activation.h"

static const char *const act_names[VKG_ACT_COUNT] = {"identity", "relu", "leaky_relu", "silu",
                                                     "gelu",     "gelu_tanh", "tanh", "sigmoid"};

const char *vkg_act_name(vkg_act act) {
  return (unsigned)act < VKG_ACT_COUNT ? act_names[act] : NULL;
}

vkg_status vkg_activation(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, vkg_act act, float param) {
  const char *k = "activation";
  if ((unsigned)act >= VKG_ACT_COUNT) return vkg_error(ctx, VKG_E_INPUT, "%s: unknown activation %d", k, (int)act);
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st != VKG_OK) return st;
  if (vkg_tensor_numel(x) != vkg_tensor_numel(y)) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s %s: x shape %s and y shape %s differ in size", k, act_names[act],
                     vkg_k_shape(x, a, sizeof a), vkg_k_shape(y, b, sizeof b));
  }
  struct {
    uint32_t n, act;
    float param;
  } pc = {(uint32_t)vkg_tensor_numel(x), (uint32_t)act, param};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_activation, t, 2, &pc, pc.n);
}

static vkg_status softmax_any(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, int log_out) {
  const char *k = log_out ? "log_softmax" : "softmax";
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_same_shape(ctx, k, "x", x, "y", y);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  int64_t len = s->ndim ? s->d[s->ndim - 1] : 1;
  if (len == 0) return VKG_OK;
  uint32_t rows = (uint32_t)(vkg_tensor_numel(x) / len);
  if (rows == 0) return VKG_OK;
  vkg_tensor *stats = NULL;
  if ((st = vkg_k_rowstats(ctx, x, rows, (uint32_t)len, 1, log_out, 0, &stats)) != VKG_OK) return st;
  struct {
    uint32_t n, len, logsm;
  } pc = {(uint32_t)vkg_tensor_numel(x), (uint32_t)len, (uint32_t)(log_out != 0)};
  const vkg_tensor *t[3] = {x, stats, y};
  st = VKG_K_LAUNCH(ctx, kl_softmax_apply, t, 3, &pc, pc.n);
  vkg_tensor_unref(stats);
  return st;
}

vkg_status vkg_softmax(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y) { return softmax_any(ctx, x, y, 0); }
vkg_status vkg_log_softmax(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y) { return softmax_any(ctx, x, y, 1); }
