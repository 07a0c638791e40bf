/* Plain C references of the convolutions (NCHW, PyTorch weight layouts, double accumulation). */
#ifndef VKG_REF_CONV_H
#define VKG_REF_CONV_H
#include <stdint.h>

#include <vkgen/kernels/activation.h>
#include <vkgen/kernels/conv.h>

/* x: [B][Cin][H][W], w: [Cout][Cin/groups][KH][KW], bias: [Cout] or NULL,
 * y: [B][Cout][OH][OW] with OH, OW from vkg_conv_out_size. */
void vkg_ref_conv2d(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t Cin, int64_t H,
                    int64_t W, int64_t Cout, int64_t KH, int64_t KW, const vkg_conv2d_params *p);
/* Output size of torch's ConvTranspose2d along one axis. */
int64_t vkg_ref_convt_out_size(int64_t in, int64_t k, int stride, int pad, int out_pad, int dilation);
/* x: [B][Cin][H][W], w: [Cin][Cout/groups][KH][KW], bias: [Cout] or NULL, y: [B][Cout][OH][OW]. */
void vkg_ref_conv_transpose2d(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t Cin,
                              int64_t H, int64_t W, int64_t Cout, int64_t KH, int64_t KW,
                              const vkg_conv_transpose2d_params *p);
/* The 3x3 convolution with the Winograd kernels' epilogue, in double: stride 1, zero padding
 * pt/pb/pl/pr, y = act((conv3x3(x, w) + bias + bias_nc + res) * scale), act identity, ReLU or SiLU.
 * w: [Cout][Cin][3][3], bias: [Cout] or NULL, bias_nc: [B][Cout] or NULL, res: y's shape or NULL,
 * y: [B][Cout][H + pt + pb - 2][W + pl + pr - 2]. */
void vkg_ref_conv3x3_epilogue(const float *x, const float *w, const float *bias, const float *bias_nc, const float *res,
                              double scale, vkg_act act, double *y, int B, int Cin, int H, int W, int Cout, int pt,
                              int pb, int pl, int pr);

#endif
