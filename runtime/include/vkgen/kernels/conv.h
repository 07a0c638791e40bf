/* vkgen kernels — 2-D convolutions (f32, NCHW, weights as PyTorch stores them). */
#ifndef VKGEN_KERNELS_CONV_H
#define VKGEN_KERNELS_CONV_H
#include "../gpu.h"
#include "../tensor.h"
#include "activation.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_conv2d_params {
  int stride_h, stride_w;
  int pad_top, pad_bottom, pad_left, pad_right; /* zero padding; asymmetric allowed */
  int dilation_h, dilation_w;
  int groups;
} vkg_conv2d_params;

/* stride 1, no padding, dilation 1, groups 1. */
VKG_EXPORT vkg_conv2d_params vkg_conv2d_params_default(void);
/* Output size of a conv along one axis (the PyTorch formula); < 1 means invalid. */
VKG_EXPORT int64_t vkg_conv_out_size(int64_t in, int k, int stride, int pad_lo, int pad_hi, int dilation);

/* y = conv2d(x, w) + bias. x: [N, Cin, H, W], w: [Cout, Cin/groups, KH, KW],
 * bias: [Cout] or NULL, y: [N, Cout, OH, OW] (checked against the formula). */
VKG_EXPORT vkg_status vkg_conv2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                 vkg_tensor *y, const vkg_conv2d_params *p);
/* y = act(conv2d(x, w) + bias), the activation applied as the GEMM stores y (one pass);
 * act_param: VKG_ACT_LEAKY_RELU's slope. */
VKG_EXPORT vkg_status vkg_conv2d_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                     vkg_tensor *y, const vkg_conv2d_params *p, vkg_act act, float act_param);
/* vkg_conv2d_act with x's single channel used as each of w's Cin input channels (x [N, 1, H, W],
 * w [Cout, Cin, KH, KW], groups 1: a grayscale image into an RGB network), bitwise the result of
 * vkg_conv2d_act on the replicated [N, Cin, H, W]. Where the row-blocked direct kernel runs the
 * conv (CPU devices, narrow Cout) the replicated input is never written and its tap rows are loaded
 * once for all Cin channels; elsewhere it is built (concat) and passed to vkg_conv2d_act. */
VKG_EXPORT vkg_status vkg_conv2d_act_repeat(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w,
                                            const vkg_tensor *bias, vkg_tensor *y, const vkg_conv2d_params *p,
                                            vkg_act act, float act_param);

typedef struct vkg_conv_transpose2d_params {
  int stride_h, stride_w;
  int pad_h, pad_w;               /* as torch: removes pad from each side of the full output */
  int output_pad_h, output_pad_w;
  int dilation_h, dilation_w;
  int groups;
} vkg_conv_transpose2d_params;

VKG_EXPORT vkg_conv_transpose2d_params vkg_conv_transpose2d_params_default(void);

/* y = conv_transpose2d(x, w) + bias as torch.nn.ConvTranspose2d. x: [N, Cin, H, W],
 * w: [Cin, Cout/groups, KH, KW], y: [N, Cout, OH, OW] with
 * OH = (H-1)*stride - 2*pad + dilation*(KH-1) + output_pad + 1. */
VKG_EXPORT vkg_status vkg_conv_transpose2d(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w,
                                           const vkg_tensor *bias, vkg_tensor *y,
                                           const vkg_conv_transpose2d_params *p);

#ifdef __cplusplus
}
#endif
#endif
