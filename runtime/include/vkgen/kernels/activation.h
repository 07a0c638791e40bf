/* vkgen kernels — pointwise activations and softmax (f32). */
#ifndef VKGEN_KERNELS_ACTIVATION_H
#define VKGEN_KERNELS_ACTIVATION_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vkg_act {
  VKG_ACT_IDENTITY = 0,
  VKG_ACT_RELU,
  VKG_ACT_LEAKY_RELU, /* param = negative slope (torch default 0.01) */
  VKG_ACT_SILU,       /* x * sigmoid(x) */
  VKG_ACT_GELU,       /* exact: 0.5 x (1 + erf(x / sqrt 2)), torch's default */
  VKG_ACT_GELU_TANH,  /* torch's approximate="tanh" */
  VKG_ACT_TANH,
  VKG_ACT_SIGMOID,
  VKG_ACT_COUNT
} vkg_act;

/* Name used in messages and node params: "identity", "relu", "leaky_relu", "silu", "gelu",
 * "gelu_tanh", "tanh", "sigmoid"; NULL for an unknown value. */
VKG_EXPORT const char *vkg_act_name(vkg_act act);

/* y = act(x) elementwise. x and y: f32, same numel (shapes may differ, e.g. a view);
 * in place (y == x) is safe. param is used by VKG_ACT_LEAKY_RELU only. */
VKG_EXPORT vkg_status vkg_activation(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, vkg_act act, float param);

/* Numerically stable softmax along the last axis (max-subtracted, f32 sums).
 * x, y same shape; in place is safe. */
VKG_EXPORT vkg_status vkg_softmax(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y);
/* log_softmax along the last axis: x - max - log(sum(exp(x - max))). In place is safe. */
VKG_EXPORT vkg_status vkg_log_softmax(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y);

/* StyleGAN2's modulated-convolution epilogue fused with bias_act, over x, y: [N, C, ...]:
 *   v = x * (demod ? 1 / sqrt(demod[n, c] + eps) : 1) + noise_strength * noise + bias[c]
 *   y = clamp(act(v) * gain, -clamp, clamp) (no clamp when clamp < 0) + residual
 * demod: [N, C] sums of squared modulated weights, or NULL; noise: [N, 1, ...spatial] (per
 * sample) or numel = spatial (shared, e.g. noise_const), or NULL; bias: [C] or NULL; residual:
 * x's shape or NULL (added after the clamp, as the skip generator adds ToRGB outputs).
 * act: VKG_ACT_IDENTITY, VKG_ACT_RELU or VKG_ACT_LEAKY_RELU (alpha). In place (y == x) is safe. */
typedef struct vkg_bias_act_params {
  vkg_act act;
  float alpha, gain, clamp; /* clamp < 0: none */
  float noise_strength, eps;
} vkg_bias_act_params;
VKG_EXPORT vkg_status vkg_bias_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *demod,
                                   const vkg_tensor *noise, const vkg_tensor *bias, const vkg_tensor *residual,
                                   vkg_tensor *y, const vkg_bias_act_params *p);

#ifdef __cplusplus
}
#endif
#endif
