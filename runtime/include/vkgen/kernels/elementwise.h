/* vkgen kernels — elementwise arithmetic with broadcasting (f32). */
#ifndef VKGEN_KERNELS_ELEMENTWISE_H
#define VKGEN_KERNELS_ELEMENTWISE_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vkg_binop {
  VKG_OP_ADD = 0,
  VKG_OP_SUB,
  VKG_OP_MUL,
  VKG_OP_DIV,
  VKG_OP_MAX, /* torch.maximum (NaN propagation is not guaranteed) */
  VKG_OP_MIN,
  VKG_OP_COUNT
} vkg_binop;

/* The numpy/torch broadcast of two shapes (aligned at the trailing dimension; sizes equal
 * or 1). Returns 0 and fills out, or -1 when they do not broadcast. */
VKG_EXPORT int vkg_broadcast_shape(const vkg_shape *a, const vkg_shape *b, vkg_shape *out);

/* y = a OP b with broadcasting (any ranks up to 6). y's shape must equal the broadcast
 * shape. y may alias a (or b) when that input already has y's shape. */
VKG_EXPORT vkg_status vkg_binary(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, vkg_tensor *y,
                                 vkg_binop op);

/* y = x * a + b elementwise. x, y same numel; in place is safe. */
VKG_EXPORT vkg_status vkg_scale_shift(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, float a, float b);

/* adaLN modulation (DiT's adaLN-Zero), per sample b of x [B, ..., D]:
 *   y[b, ..., d] = res[b, ..., d] + x[b, ..., d] * (one + mod[b, scale_col + d]) + mod[b, shift_col + d]
 * mod: [B, M] (the chunks of a modulation vector side by side, e.g. DiT's [B, 6 D]); scale_col + D and
 * shift_col + D at most M. shift_col < 0: no shift; res NULL: no residual. one = 1 gives
 * LN(x) * (1 + scale) + shift; one = 0 with res gives the gated residual res + gate * x.
 * x, y, res: f32 of one shape (ndim >= 2, last dim D); y may alias x or res. Elementwise in f32 in
 * the order written (x * (one + s), then + shift, then res +). */
VKG_EXPORT vkg_status vkg_modulate(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *mod, int64_t scale_col,
                                   int64_t shift_col, float one, const vkg_tensor *res, vkg_tensor *y);
/* Sinusoidal timestep embedding as diffusers' get_timestep_embedding:
 * t: [N] (f32), y: [N, dim].
 *   half = dim / 2; freq_i = exp(-ln(max_period) * i / (half - downscale_freq_shift));
 *   angle = scale * (t * freq_i); y = [sin(angle), cos(angle)] (or [cos, sin] with
 *   flip_sin_to_cos); an odd dim gets a zero last column.
 * The exponent is formed in f32 as diffusers does (on the host), exp in double rounded to f32; the angle is
 * formed in f32 as torch does; sin/cos use an exact-ish range reduction in the shader (not
 * the device's sin/cos, which are inaccurate for large arguments on some devices), so
 * t up to 1000 stays within a few f32 ulps of the angle. */
VKG_EXPORT vkg_status vkg_timestep_embedding(vkg_ctx *ctx, const vkg_tensor *t, vkg_tensor *y, int flip_sin_to_cos,
                                             float downscale_freq_shift, float scale, float max_period);

#ifdef __cplusplus
}
#endif
#endif
