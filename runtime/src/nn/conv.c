/* conv2d layer (weight + bias) and the conv-based Downsample2D / Upsample2D. */
#include "nn_internal.h"

vkg_status vkg_nn_conv2d_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t cin, int64_t cout, int k,
                              int stride, int pad, int bias, vkg_nn_conv2d *out) {
  vkg_nn_conv2d c = {0};
  int64_t wd[4] = {cout, cin, k, k};
  vkg_status st = vkg_model_load(ctx, m, 4, wd, &c.w, "%s.weight", prefix);
  if (st) return st;
  const vkg_shape *ws = vkg_tensor_shape(c.w);
  c.cout = ws->d[0];
  c.cin = ws->d[1];
  c.k = k;
  int64_t bd[1] = {c.cout};
  st = bias ? vkg_model_load(ctx, m, 1, bd, &c.b, "%s.bias", prefix)
            : vkg_model_load_opt(ctx, m, 1, bd, &c.b, "%s.bias", prefix);
  if (st) {
    vkg_nn_conv2d_free(&c);
    return st;
  }
  c.p = vkg_conv2d_params_default();
  c.p.stride_h = c.p.stride_w = stride;
  c.p.pad_top = c.p.pad_bottom = c.p.pad_left = c.p.pad_right = pad;
  /* The Winograd filter, transformed once here when the layer's shape selects Winograd
   * (spatial size unknown yet: the channel rule decides the tile). */
  vkg_conv_algo algo = vkg_conv_algo_choose(ctx, 0, c.cin, c.cout, 0, 0, c.k, &c.p);
  if (algo != VKG_CONV_IM2COL) {
    c.wino_m = algo == VKG_CONV_WINOGRAD4 ? 4 : 2;
    if ((st = vkg_winograd_filter_create(ctx, c.w, c.wino_m, &c.wino)) != VKG_OK) {
      vkg_nn_conv2d_free(&c);
      return vkg_error_prefix(ctx, "%s: ", prefix);
    }
  }
  *out = c;
  return VKG_OK;
}

/* The im2col path's epilogue as separate passes, in the fused kernel's order. */
static vkg_status epilogue_passes(vkg_ctx *ctx, vkg_tensor *y, const vkg_conv_epilogue *ep) {
  vkg_status st = VKG_OK;
  if (ep->bias_nc) st = vkg_binary(ctx, y, ep->bias_nc, y, VKG_OP_ADD);
  if (!st && ep->residual) st = vkg_binary(ctx, y, ep->residual, y, VKG_OP_ADD);
  if (!st && ep->scale != 1.0f) st = vkg_scale_shift(ctx, y, y, ep->scale, 0.0f);
  if (!st && ep->act != VKG_ACT_IDENTITY) st = vkg_activation(ctx, y, y, ep->act, ep->act_param);
  return st;
}

vkg_status vkg_nn_conv2d_forward(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x, vkg_tensor **out) {
  return vkg_nn_conv2d_forward_ep(ctx, c, x, NULL, out);
}

vkg_status vkg_nn_conv2d_forward_ep(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x,
                                    const vkg_conv_epilogue *ep, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  if (xs->ndim != 4 || xs->d[1] != c->cin) {
    char a[96];
    return vkg_error(ctx, VKG_E_INPUT, "conv2d: input %s does not have %lld channels",
                     vkg_shape_format(xs, a, sizeof a), (long long)c->cin);
  }
  int64_t oh = vkg_conv_out_size(xs->d[2], c->k, c->p.stride_h, c->p.pad_top, c->p.pad_bottom, c->p.dilation_h);
  int64_t ow = vkg_conv_out_size(xs->d[3], c->k, c->p.stride_w, c->p.pad_left, c->p.pad_right, c->p.dilation_w);
  if (oh < 1 || ow < 1)
    return vkg_error(ctx, VKG_E_INPUT, "conv2d: input %lldx%lld too small for a %dx%d kernel",
                     (long long)xs->d[2], (long long)xs->d[3], c->k, c->k);
  vkg_tensor *y = NULL;
  vkg_status st = vkg_nn_new4(ctx, xs->d[0], c->cout, oh, ow, &y);
  const vkg_conv_algo algo = vkg_conv_algo_choose(ctx, xs->d[0], c->cin, c->cout, xs->d[2], xs->d[3], c->k, &c->p);
  const int wino = c->wino && algo == (c->wino_m == 4 ? VKG_CONV_WINOGRAD4 : VKG_CONV_WINOGRAD2);
  if (!st && wino) {
    st = vkg_conv2d_winograd(ctx, x, c->wino, c->wino_m, c->b, y, &c->p, ep);
  } else if (!st && ep && !ep->residual && !ep->bias_nc && ep->scale == 1.0f) {
    st = vkg_conv2d_act(ctx, x, c->w, c->b, y, &c->p, ep->act, ep->act_param);
  } else if (!st) {
    st = vkg_conv2d(ctx, x, c->w, c->b, y, &c->p);
    if (!st && ep) st = epilogue_passes(ctx, y, ep);
  }
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

void vkg_nn_conv2d_free(vkg_nn_conv2d *c) {
  if (!c) return;
  vkg_tensor_unref(c->w);
  vkg_tensor_unref(c->b);
  vkg_tensor_unref(c->wino);
  c->w = c->b = c->wino = NULL;
}

vkg_status vkg_nn_downsample_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                  int64_t out_channels, int padding, vkg_nn_conv2d *out) {
  char key[VKG_NN_KEY_MAX];
  vkg_status st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv"), channels, out_channels, 3,
                                     2, padding, 1, out);
  if (st) return st;
  if (padding == 0) {
    /* F.pad(x, (0, 1, 0, 1)) then conv(padding=0): zero row/column at the bottom/right only. */
    out->p.pad_top = out->p.pad_left = 0;
    out->p.pad_bottom = out->p.pad_right = 1;
  }
  return VKG_OK;
}

vkg_status vkg_nn_upsample_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                int64_t out_channels, vkg_nn_conv2d *out) {
  char key[VKG_NN_KEY_MAX];
  return vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv"), channels, out_channels, 3, 1, 1, 1,
                            out);
}

vkg_status vkg_nn_upsample_forward(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  if (xs->ndim != 4) return vkg_error(ctx, VKG_E_INPUT, "upsample: expected an NCHW input");
  const int64_t h2 = xs->d[2] * 2, w2 = xs->d[3] * 2;
  const vkg_conv_algo algo = vkg_conv_algo_choose(ctx, xs->d[0], c->cin, c->cout, h2, w2, c->k, &c->p);
  if (c->wino && xs->d[1] == c->cin && algo == (c->wino_m == 4 ? VKG_CONV_WINOGRAD4 : VKG_CONV_WINOGRAD2)) {
    /* the upsample read by the Winograd input transform: no upsampled map, one pass fewer */
    vkg_tensor *y = NULL;
    vkg_status st = vkg_nn_new4(ctx, xs->d[0], c->cout,
                                vkg_conv_out_size(h2, c->k, 1, c->p.pad_top, c->p.pad_bottom, 1),
                                vkg_conv_out_size(w2, c->k, 1, c->p.pad_left, c->p.pad_right, 1), &y);
    if (!st) st = vkg_conv2d_winograd_up2(ctx, x, 1, c->wino, c->wino_m, c->b, y, &c->p, NULL);
    if (st) {
      vkg_tensor_unref(y);
      return st;
    }
    *out = y;
    return VKG_OK;
  }
  vkg_tensor *up = NULL;
  vkg_status st = vkg_nn_new4(ctx, xs->d[0], xs->d[1], h2, w2, &up);
  if (!st) st = vkg_upsample_nearest(ctx, x, up);
  if (!st) st = vkg_nn_conv2d_forward(ctx, c, up, out);
  vkg_tensor_unref(up);
  return st;
}
