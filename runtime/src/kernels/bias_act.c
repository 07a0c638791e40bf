/* bias_act with StyleGAN2's modulated-conv epilogue (demodulation, noise, clamp, skip add). */
#include "klib_internal.h"
#include "spv/kl_bias_act.h"
#include "vkgen/kernels/activation.h"

static vkg_status need_numel(vkg_ctx *ctx, const char *what, const vkg_tensor *t, int64_t n, int64_t alt,
                             const vkg_tensor *x) {
  if (!t) return VKG_OK;
  vkg_status st = vkg_k_need(ctx, "bias_act", what, t, VKG_F32);
  if (st != VKG_OK) return st;
  int64_t have = vkg_tensor_numel(t);
  if (have == n || (alt > 0 && have == alt)) return VKG_OK;
  char a[64], b[64];
  return vkg_error(ctx, VKG_E_INPUT, "bias_act: %s %s must have %lld elements%s for x %s", what,
                   vkg_k_shape(t, a, sizeof a), (long long)n, alt > 0 ? " (or one sample's)" : "",
                   vkg_k_shape(x, b, sizeof b));
}

vkg_status vkg_bias_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *demod, const vkg_tensor *noise,
                        const vkg_tensor *bias, const vkg_tensor *residual, vkg_tensor *y,
                        const vkg_bias_act_params *p) {
  const char *k = "bias_act";
  vkg_status st = vkg_k_same_f32(ctx, k, x, y);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  char a[64];
  if (s->ndim < 2) return vkg_error(ctx, VKG_E_INPUT, "%s: x %s needs at least 2 dims", k, vkg_k_shape(x, a, sizeof a));
  if (p->act != VKG_ACT_IDENTITY && p->act != VKG_ACT_RELU && p->act != VKG_ACT_LEAKY_RELU)
    return vkg_error(ctx, VKG_E_INPUT, "%s: activation '%s' is not supported (identity, relu, leaky_relu)", k,
                     vkg_act_name(p->act) ? vkg_act_name(p->act) : "?");
  const int64_t n = s->d[0], c = s->d[1], sp = vkg_tensor_numel(x) / (n * c > 0 ? n * c : 1);
  if ((st = need_numel(ctx, "demod", demod, n * c, 0, x)) != VKG_OK) return st;
  if ((st = need_numel(ctx, "noise", noise, n * sp, sp, x)) != VKG_OK) return st;
  if ((st = need_numel(ctx, "bias", bias, c, 0, x)) != VKG_OK) return st;
  if (residual && (st = vkg_k_same_shape(ctx, k, "residual", residual, "x", x)) != VKG_OK) return st;
  if (vkg_tensor_numel(x) == 0) return VKG_OK;
  const int per_sample = noise && vkg_tensor_numel(noise) == n * sp && n > 1;
  struct {
    uint32_t n, channels, spatial, flags, act;
    float eps, noise_strength, alpha, gain, clamp_;
  } pc = {(uint32_t)vkg_tensor_numel(x),
          (uint32_t)c,
          (uint32_t)sp,
          (demod ? 1u : 0u) | (noise ? 2u : 0u) | (per_sample ? 4u : 0u) | (bias ? 8u : 0u) | (residual ? 16u : 0u),
          p->act == VKG_ACT_RELU ? 1u : p->act == VKG_ACT_LEAKY_RELU ? 2u : 0u,
          p->eps,
          p->noise_strength,
          p->alpha,
          p->gain,
          p->clamp};
  const vkg_tensor *t[6] = {x, demod ? demod : x, noise ? noise : x, bias ? bias : x, residual ? residual : x, y};
  return VKG_K_LAUNCH(ctx, kl_bias_act, t, 6, &pc, pc.n);
}
