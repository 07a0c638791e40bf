/* vkgen kernels — Winograd convolution F(m x m, 3x3), m = 2 or 4, and the choice of a
 * convolution algorithm by shape.
 *
 * Winograd: 3x3 kernels, stride 1, dilation 1, groups 1, any zero padding. The filter is
 * transformed once (vkg_winograd_filter_create, typically at model load); each call then runs
 * an input transform, (m+2)^2 GEMMs of [Cout x Cin] by [Cin x tiles] as one batched GEMM, and
 * an output transform that also applies the epilogue (bias, residual add, scale, activation),
 * so the conv output is written once. */
#ifndef VKGEN_KERNELS_WINOGRAD_H
#define VKGEN_KERNELS_WINOGRAD_H
#include "../gpu.h"
#include "../tensor.h"
#include "activation.h"
#include "conv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a conv's store applies after the bias:
 * y = act((conv + bias[c] + bias_nc[n, c] + residual) * scale). */
typedef struct vkg_conv_epilogue {
  const vkg_tensor *residual; /* NULL, or y's shape */
  const vkg_tensor *bias_nc;  /* NULL, or [N, Cout, 1, 1]: a per-sample bias (a UNet's time embedding) */
  float scale;                /* 1: none */
  vkg_act act;                /* VKG_ACT_IDENTITY: none */
  float act_param;            /* VKG_ACT_LEAKY_RELU's slope */
} vkg_conv_epilogue;

/* No residual, scale 1, identity. */
VKG_EXPORT vkg_conv_epilogue vkg_conv_epilogue_default(void);

/* *u = the transformed filter of w [Cout, Cin, 3, 3] for F(m x m, 3x3): [(m+2)^2, Cout, Cinp]
 * (Cinp = Cin rounded up to 4, zero tail), U[p] = (G g G^T)[p] computed in double precision
 * on the host (one download of w). */
VKG_EXPORT vkg_status vkg_winograd_filter_create(vkg_ctx *ctx, const vkg_tensor *w, int m, vkg_tensor **u);

/* y = epilogue(conv2d(x, w) + bias) with u from vkg_winograd_filter_create(w, m). p: stride,
 * dilation and groups must be 1 (NULL: no padding); y [N, Cout, OH, OW] as for vkg_conv2d.
 * ep NULL: the default. */
VKG_EXPORT vkg_status vkg_conv2d_winograd(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *u, int m,
                                          const vkg_tensor *bias, vkg_tensor *y, const vkg_conv2d_params *p,
                                          const vkg_conv_epilogue *ep);
/* The same on the nearest 2x upsample of x when upsample is set (y = conv(upsample_nearest(x))
 * as for an x of twice the height and width; the input transform reads x at half the
 * coordinates, the upsampled map is never stored). upsample 0: vkg_conv2d_winograd. */
VKG_EXPORT vkg_status vkg_conv2d_winograd_up2(vkg_ctx *ctx, const vkg_tensor *x, int upsample, const vkg_tensor *u,
                                              int m, const vkg_tensor *bias, vkg_tensor *y,
                                              const vkg_conv2d_params *p, const vkg_conv_epilogue *ep);

/* Convolution algorithms. */
typedef enum vkg_conv_algo {
  VKG_CONV_IM2COL = 0, /* vkg_conv2d: unfold + GEMM (any shape) */
  VKG_CONV_WINOGRAD2,  /* F(2x2, 3x3) */
  VKG_CONV_WINOGRAD4   /* F(4x4, 3x3) */
} vkg_conv_algo;

/* The algorithm for a conv of x [n, cin, h, w] into cout channels on this context's kernel
 * variant (runtime/src/kernels/conv_select.c has the measurements behind it); n, h or w 0:
 * not known yet (what a layer prepares at load). VKGEN_CONV_ALGO = im2col | winograd (=
 * winograd4) | winograd2 | winograd4 | auto overrides the rule where the shape allows Winograd. */
VKG_EXPORT vkg_conv_algo vkg_conv_algo_choose(vkg_ctx *ctx, int64_t n, int64_t cin, int64_t cout, int64_t h,
                                              int64_t w, int k, const vkg_conv2d_params *p);
/* Whether a conv layer's weights qualify for Winograd at all (3x3, stride/dilation/groups 1). */
VKG_EXPORT int vkg_conv_winograd_ok(int k, const vkg_conv2d_params *p);

#ifdef __cplusplus
}
#endif
#endif
