/* Plain C references of the convolutions. */
#include <math.h>
#include <stdlib.h>

#include "ref_conv.h"

void vkg_ref_conv2d(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t Cin, int64_t H,
                    int64_t W, int64_t Cout, int64_t KH, int64_t KW, const vkg_conv2d_params *p) {
  const int64_t OH = vkg_conv_out_size(H, (int)KH, p->stride_h, p->pad_top, p->pad_bottom, p->dilation_h);
  const int64_t OW = vkg_conv_out_size(W, (int)KW, p->stride_w, p->pad_left, p->pad_right, p->dilation_w);
  const int64_t cin_g = Cin / p->groups, cout_g = Cout / p->groups;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t co = 0; co < Cout; ++co) {
      const int64_t g = co / cout_g;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double s = bias ? bias[co] : 0.0;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t ih = oh * p->stride_h - p->pad_top + kh * p->dilation_h;
              if (ih < 0 || ih >= H) continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t iw = ow * p->stride_w - p->pad_left + kw * p->dilation_w;
                if (iw < 0 || iw >= W) continue;
                s += (double)x[((b * Cin + g * cin_g + ci) * H + ih) * W + iw] *
                     w[((co * cin_g + ci) * KH + kh) * KW + kw];
              }
            }
          y[((b * Cout + co) * OH + oh) * OW + ow] = (float)s;
        }
    }
}

int64_t vkg_ref_convt_out_size(int64_t in, int64_t k, int stride, int pad, int out_pad, int dilation) {
  return (in - 1) * stride - 2 * pad + dilation * (k - 1) + out_pad + 1;
}

/* The scatter form (the definition), accumulated in doubles. */
void vkg_ref_conv_transpose2d(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t Cin,
                              int64_t H, int64_t W, int64_t Cout, int64_t KH, int64_t KW,
                              const vkg_conv_transpose2d_params *p) {
  const int64_t OH = vkg_ref_convt_out_size(H, KH, p->stride_h, p->pad_h, p->output_pad_h, p->dilation_h);
  const int64_t OW = vkg_ref_convt_out_size(W, KW, p->stride_w, p->pad_w, p->output_pad_w, p->dilation_w);
  const int64_t cin_g = Cin / p->groups, cout_g = Cout / p->groups;
  double *acc = calloc((size_t)(B * Cout * OH * OW), sizeof *acc);
  if (!acc) return;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t ci = 0; ci < Cin; ++ci) {
      const int64_t g = ci / cin_g;
      for (int64_t ih = 0; ih < H; ++ih)
        for (int64_t iw = 0; iw < W; ++iw) {
          const double xv = x[((b * Cin + ci) * H + ih) * W + iw];
          for (int64_t c = 0; c < cout_g; ++c)
            for (int64_t kh = 0; kh < KH; ++kh) {
              const int64_t oh = ih * p->stride_h - p->pad_h + kh * p->dilation_h;
              if (oh < 0 || oh >= OH) continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                const int64_t ow = iw * p->stride_w - p->pad_w + kw * p->dilation_w;
                if (ow < 0 || ow >= OW) continue;
                acc[((b * Cout + g * cout_g + c) * OH + oh) * OW + ow] +=
                    xv * w[((ci * cout_g + c) * KH + kh) * KW + kw];
              }
            }
        }
    }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t co = 0; co < Cout; ++co)
      for (int64_t i = 0; i < OH * OW; ++i) {
        const int64_t idx = (b * Cout + co) * OH * OW + i;
        y[idx] = (float)(acc[idx] + (bias ? bias[co] : 0.0));
      }
  free(acc);
}

static double act_ref(double v, vkg_act act) {
  switch (act) {
    case VKG_ACT_RELU: return v > 0 ? v : 0;
    case VKG_ACT_SILU: return v / (1.0 + exp(-v));
    default: return v;
  }
}

void vkg_ref_conv3x3_epilogue(const float *x, const float *w, const float *bias, const float *bias_nc, const float *res,
                              double scale, vkg_act act, double *y, int B, int Cin, int H, int W, int Cout, int pt,
                              int pb, int pl, int pr) {
  const int OH = H + pt + pb - 2, OW = W + pl + pr - 2;
  for (int b = 0; b < B; ++b)
    for (int co = 0; co < Cout; ++co)
      for (int oh = 0; oh < OH; ++oh)
        for (int ow = 0; ow < OW; ++ow) {
          double s = bias ? bias[co] : 0.0;
          for (int ci = 0; ci < Cin; ++ci)
            for (int kh = 0; kh < 3; ++kh) {
              const int ih = oh + kh - pt;
              if (ih < 0 || ih >= H) continue;
              for (int kw = 0; kw < 3; ++kw) {
                const int iw = ow + kw - pl;
                if (iw < 0 || iw >= W) continue;
                s += (double)x[((b * Cin + ci) * H + ih) * W + iw] * (double)w[((co * Cin + ci) * 3 + kh) * 3 + kw];
              }
            }
          const size_t i = (((size_t)b * Cout + co) * OH + oh) * OW + ow;
          if (bias_nc) s += bias_nc[b * Cout + co];
          if (res) s += res[i];
          y[i] = act_ref(s * scale, act);
        }
}
