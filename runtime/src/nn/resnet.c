/* diffusers ResnetBlock2D (pre-norm; 1x1 conv_shortcut iff in != out channels). */
#include "nn_internal.h"

vkg_status vkg_nn_resnet_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_resnet_cfg *cfg,
                              vkg_nn_resnet *out) {
  char key[VKG_NN_KEY_MAX];
  vkg_nn_resnet r = {0};
  r.cfg = *cfg;
  int64_t ci = cfg->in_channels, co = cfg->out_channels;
  vkg_status st = vkg_nn_group_norm_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "norm1"), ci, cfg->groups,
                                         cfg->eps, &r.norm1);
  if (!st) st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv1"), ci, co, 3, 1, 1, 1, &r.conv1);
  if (!st && cfg->temb_channels > 0)
    st = vkg_nn_linear_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "time_emb_proj"), cfg->temb_channels,
                            cfg->temb_norm == VKG_NN_TEMB_SCALE_SHIFT ? 2 * co : co, 1, &r.temb_proj);
  if (!st) st = vkg_nn_group_norm_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "norm2"), co, cfg->groups,
                                       cfg->eps, &r.norm2);
  if (!st) st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv2"), co, co, 3, 1, 1, 1, &r.conv2);
  if (!st && ci != co)
    st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_shortcut"), ci, co, 1, 1, 0, 1,
                            &r.shortcut);
  if (st) {
    vkg_nn_resnet_free(&r);
    return st;
  }
  if (r.cfg.output_scale_factor == 0.0f) r.cfg.output_scale_factor = 1.0f;
  *out = r;
  return VKG_OK;
}

/* h = h + proj(act(temb))[:, :, None, None], or the scale_shift form after norm2. */
static vkg_status temb_proj(vkg_ctx *ctx, const vkg_nn_resnet *r, const vkg_tensor *temb, vkg_tensor **out) {
  vkg_tensor *a = NULL, *p = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(temb), &a);
  if (!st) st = vkg_activation(ctx, temb, a, r->cfg.act, 0.0f);
  if (!st) st = vkg_nn_linear_forward(ctx, &r->temb_proj, a, &p);
  vkg_tensor_unref(a);
  if (st) return st;
  *out = p;
  return VKG_OK;
}

vkg_status vkg_nn_resnet_forward(vkg_ctx *ctx, const vkg_nn_resnet *r, const vkg_tensor *x, const vkg_tensor *temb,
                                 vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t B = xs->d[0], co = r->cfg.out_channels;
  vkg_tensor *h = NULL, *h2 = NULL, *t = NULL, *tv = NULL, *sc = NULL;
  int has_temb = r->temb_proj.w && temb;
  vkg_status st = VKG_OK;
  if (has_temb) {
    st = temb_proj(ctx, r, temb, &t);
    if (st) goto done;
  }
  st = vkg_nn_group_norm_forward(ctx, &r->norm1, x, r->cfg.act, &h);
  if (!st && has_temb && r->cfg.temb_norm == VKG_NN_TEMB_DEFAULT) {
    /* h = conv1(h) + proj(act(temb))[:, :, None, None], the add fused into conv1's store */
    vkg_shape s = vkg_shape_4d(B, co, 1, 1);
    vkg_conv_epilogue ep = vkg_conv_epilogue_default();
    st = vkg_nn_reshape(ctx, t, &s, &tv);
    ep.bias_nc = tv;
    if (!st) st = vkg_nn_conv2d_forward_ep(ctx, &r->conv1, h, &ep, &h2);
  } else if (!st) {
    st = vkg_nn_conv2d_forward(ctx, &r->conv1, h, &h2);
  }
  vkg_tensor_unref(h);
  h = h2;
  h2 = NULL;
  if (st) goto done;
  if (r->cfg.temb_norm == VKG_NN_TEMB_DEFAULT || !has_temb) {
    st = vkg_nn_group_norm_forward(ctx, &r->norm2, h, r->cfg.act, &h2);
  } else {
    /* scale, shift = chunk(temb, 2, dim=1); h = norm2(h) * (1 + scale) + shift */
    vkg_shape s = vkg_shape_4d(B, 2 * co, 1, 1), half = vkg_shape_4d(B, co, 1, 1);
    vkg_tensor *scale = NULL, *shift = NULL;
    int64_t st0[4] = {0, 0, 0, 0}, st1[4] = {0, co, 0, 0};
    st = vkg_nn_reshape(ctx, t, &s, &tv);
    if (!st) st = vkg_tensor_create(ctx, VKG_F32, &half, &scale);
    if (!st) st = vkg_tensor_create(ctx, VKG_F32, &half, &shift);
    if (!st) st = vkg_slice(ctx, tv, scale, st0, NULL);
    if (!st) st = vkg_slice(ctx, tv, shift, st1, NULL);
    if (!st) st = vkg_scale_shift(ctx, scale, scale, 1.0f, 1.0f);
    if (!st) st = vkg_nn_group_norm_forward(ctx, &r->norm2, h, VKG_ACT_IDENTITY, &h2);
    if (!st) st = vkg_binary(ctx, h2, scale, h2, VKG_OP_MUL);
    if (!st) st = vkg_binary(ctx, h2, shift, h2, VKG_OP_ADD);
    if (!st && r->cfg.act != VKG_ACT_IDENTITY) st = vkg_activation(ctx, h2, h2, r->cfg.act, 0.0f);
    vkg_tensor_unref(scale);
    vkg_tensor_unref(shift);
  }
  vkg_tensor_unref(h);
  h = h2;
  h2 = NULL;
  vkg_tensor_unref(tv);
  vkg_tensor_unref(t);
  tv = t = NULL;
  if (st) goto done;
  if (r->shortcut.w) {
    st = vkg_nn_conv2d_forward(ctx, &r->shortcut, x, &sc);
    if (st) goto done;
  }
  /* (shortcut + conv2(h)) / output_scale_factor, fused into conv2's store */
  vkg_conv_epilogue ep = vkg_conv_epilogue_default();
  ep.residual = sc ? sc : x;
  ep.scale = 1.0f / r->cfg.output_scale_factor;
  st = vkg_nn_conv2d_forward_ep(ctx, &r->conv2, h, &ep, out);
done:
  vkg_tensor_unref(h);
  vkg_tensor_unref(h2);
  vkg_tensor_unref(tv);
  vkg_tensor_unref(t);
  vkg_tensor_unref(sc);
  return st;
}

void vkg_nn_resnet_free(vkg_nn_resnet *r) {
  if (!r) return;
  vkg_nn_group_norm_free(&r->norm1);
  vkg_nn_group_norm_free(&r->norm2);
  vkg_nn_conv2d_free(&r->conv1);
  vkg_nn_conv2d_free(&r->conv2);
  vkg_nn_conv2d_free(&r->shortcut);
  vkg_nn_linear_free(&r->temb_proj);
}
