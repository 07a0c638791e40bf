/* StyleGAN2Generator on the device: mapping (z, c -> ws) and synthesis (ws -> image).
 *
 * A synthesis layer uses the non-fused form of modulated_conv2d, equal in exact arithmetic to
 * the fused grouped convolution upstream runs in f32 at inference:
 *   y = conv(x * s) * d + noise_strength * noise,  d = 1 / sqrt(sum_i s_i^2 wsq[o, i] + 1e-8)
 * with wsq[o, i] = sum over taps of weight^2, then bias, lrelu(0.2) * sqrt(2) and the clamp,
 * all in one vkg_bias_act dispatch. Up-2 layers run conv_transpose2d (stride 2) then the
 * stored 4x4 FIR (gain 4) as conv2d_resample does; the skip generator upsamples img with
 * upfirdn2d (pad 2/1, gain 4) and adds each ToRGB output (vkg_bias_act's residual). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stylegan2.h"

#define SG2_EPS 1e-8f
#define SG2_SQRT2 1.41421356237309505f

static vkg_status new_tensor(vkg_ctx *ctx, int nd, const int64_t *d, vkg_tensor **out) {
  vkg_shape s = vkg_shape_make(nd, d);
  return vkg_tensor_create(ctx, VKG_F32, &s, out);
}

static vkg_status view(vkg_ctx *ctx, vkg_tensor *t, int nd, const int64_t *d, vkg_tensor **out) {
  vkg_shape s = vkg_shape_make(nd, d);
  return vkg_tensor_view(ctx, t, VKG_F32, &s, 0, out);
}

/* y = act(x @ w^T + b) with the FullyConnectedLayer activation (linear or lrelu * sqrt 2). */
static vkg_status fc_forward(vkg_ctx *ctx, const sg2_fc *fc, const vkg_tensor *x, int lrelu, vkg_tensor **y) {
  const int64_t d[2] = {vkg_tensor_shape(x)->d[0], fc->out};
  vkg_status st = new_tensor(ctx, 2, d, y);
  if (st == VKG_OK) st = vkg_linear(ctx, x, fc->w, lrelu ? NULL : fc->b, *y);
  if (st == VKG_OK && lrelu) {
    vkg_bias_act_params p = {VKG_ACT_LEAKY_RELU, 0.2f, SG2_SQRT2, -1.0f, 0.0f, SG2_EPS};
    st = vkg_bias_act(ctx, *y, NULL, NULL, fc->b, NULL, *y, &p);
  }
  return st;
}

static vkg_status normalized(vkg_ctx *ctx, vkg_tensor *x, vkg_tensor **y) {
  vkg_status st = new_tensor(ctx, 2, vkg_tensor_shape(x)->d, y);
  return st == VKG_OK ? vkg_rms_normalize(ctx, x, *y, SG2_EPS) : st;
}

/* Embed, normalize and concatenate the inputs: [B, z_dim + embed]. */
static vkg_status mapping_input(vkg_ctx *ctx, const sg2 *g, const vkg_tensor *z, const vkg_tensor *c,
                                vkg_tensor **x) {
  const int64_t B = vkg_tensor_shape(z ? z : c)->d[0];
  vkg_tensor *zv = NULL, *zn = NULL, *e = NULL, *en = NULL;
  vkg_status st = VKG_OK;
  if (g->z_dim > 0) {
    const int64_t d[2] = {B, g->z_dim};
    st = view(ctx, (vkg_tensor *)z, 2, d, &zv);
    if (st == VKG_OK) st = normalized(ctx, zv, &zn);
  }
  if (st == VKG_OK && g->c_dim > 0) {
    st = fc_forward(ctx, &g->embed, c, 0, &e);
    if (st == VKG_OK) st = normalized(ctx, e, &en);
  }
  if (st == VKG_OK && zn && en) {
    const int64_t d[2] = {B, g->z_dim + g->embed_dim};
    const vkg_tensor *parts[2] = {zn, en};
    if ((st = new_tensor(ctx, 2, d, x)) == VKG_OK) st = vkg_concat(ctx, parts, 2, 1, *x);
  } else if (st == VKG_OK) {
    *x = vkg_tensor_ref(zn ? zn : en);
  }
  vkg_tensor_unref(zv), vkg_tensor_unref(zn), vkg_tensor_unref(e), vkg_tensor_unref(en);
  return st;
}

vkg_status sg2_broadcast(vkg_ctx *ctx, const sg2 *g, vkg_tensor *w, const sg2_opts *o, vkg_tensor *ws) {
  const int64_t B = vkg_tensor_shape(w)->d[0], d3[3] = {B, 1, g->w_dim};
  int64_t cut = o->psi == 1.0 ? 0 : o->cutoff < 0 || o->cutoff > g->num_ws ? g->num_ws : o->cutoff;
  vkg_tensor *wv = NULL, *t = NULL, *tv = NULL;
  vkg_status st = view(ctx, w, 3, d3, &wv);
  if (st == VKG_OK && cut > 0) {
    const int64_t d2[2] = {B, g->w_dim};
    if ((st = new_tensor(ctx, 2, d2, &t)) == VKG_OK) st = vkg_binary(ctx, w, g->w_avg, t, VKG_OP_SUB);
    if (st == VKG_OK) st = vkg_scale_shift(ctx, t, t, (float)o->psi, 0.0f);
    if (st == VKG_OK) st = vkg_binary(ctx, t, g->w_avg, t, VKG_OP_ADD);
    if (st == VKG_OK) st = view(ctx, t, 3, d3, &tv);
  }
  const vkg_tensor **parts = st == VKG_OK ? malloc((size_t)g->num_ws * sizeof *parts) : NULL;
  if (st == VKG_OK && !parts) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (st == VKG_OK) {
    for (int64_t l = 0; l < g->num_ws; l++) parts[l] = l < cut ? tv : wv;
    st = vkg_concat(ctx, parts, (int)g->num_ws, 1, ws);
  }
  free(parts);
  vkg_tensor_unref(wv), vkg_tensor_unref(t), vkg_tensor_unref(tv);
  return st;
}

vkg_status sg2_mapping(vkg_ctx *ctx, const sg2 *g, const vkg_tensor *z, const vkg_tensor *c, const sg2_opts *o,
                       vkg_tensor *ws) {
  vkg_tensor *x = NULL;
  vkg_status st = mapping_input(ctx, g, z, c, &x);
  for (int i = 0; st == VKG_OK && i < g->nmap; i++) {
    vkg_tensor *y = NULL;
    st = fc_forward(ctx, &g->fc[i], x, 1, &y);
    vkg_tensor_unref(x);
    x = y;
  }
  if (st == VKG_OK) st = sg2_broadcast(ctx, g, x, o, ws);
  vkg_tensor_unref(x);
  return st;
}

/* styles [B, cin] of layer L: affine(ws[:, w_index]). */
static vkg_status styles(vkg_ctx *ctx, const sg2 *g, const sg2_layer *L, const vkg_tensor *ws, vkg_tensor **s) {
  const int64_t B = vkg_tensor_shape(ws)->d[0], d3[3] = {B, 1, g->w_dim}, d2[2] = {B, g->w_dim};
  const int64_t starts[3] = {0, L->w_index, 0};
  vkg_tensor *wl = NULL, *wv = NULL;
  vkg_status st = new_tensor(ctx, 3, d3, &wl);
  if (st == VKG_OK) st = vkg_slice(ctx, ws, wl, starts, NULL);
  if (st == VKG_OK) st = view(ctx, wl, 2, d2, &wv);
  if (st == VKG_OK) st = fc_forward(ctx, &L->affine, wv, 0, s);
  vkg_tensor_unref(wl), vkg_tensor_unref(wv);
  return st;
}

/* The modulated convolution of layer L into y [B, cout, res, res]; *ss the demodulation sums. */
static vkg_status modconv(vkg_ctx *ctx, const sg2_layer *L, const vkg_tensor *x, const vkg_tensor *s, int64_t B,
                          vkg_tensor *y, vkg_tensor **ss) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  const int64_t s4[4] = {B, L->cin, 1, 1}, xm_d[4] = {B, L->cin, xs->d[2], xs->d[3]};
  vkg_tensor *sv = NULL, *xm = NULL, *s2 = NULL, *t = NULL;
  vkg_status st = view(ctx, (vkg_tensor *)s, 4, s4, &sv);
  if (st == VKG_OK) st = new_tensor(ctx, 4, xm_d, &xm);
  if (st == VKG_OK) st = vkg_binary(ctx, x, sv, xm, VKG_OP_MUL);
  if (st == VKG_OK && !L->rgb) {
    const int64_t sd[2] = {B, L->cin}, od[2] = {B, L->cout};
    if ((st = new_tensor(ctx, 2, sd, &s2)) == VKG_OK) st = vkg_binary(ctx, s, s, s2, VKG_OP_MUL);
    if (st == VKG_OK) st = new_tensor(ctx, 2, od, ss);
    if (st == VKG_OK) st = vkg_matmul(ctx, s2, L->wsq, *ss, 0, 1, 1.0f, 0.0f);
  }
  if (st == VKG_OK && L->up > 1) {
    const int64_t td[4] = {B, L->cout, 2 * xs->d[2] + L->k - 2, 2 * xs->d[3] + L->k - 2};
    vkg_conv_transpose2d_params cp = vkg_conv_transpose2d_params_default();
    cp.stride_h = cp.stride_w = 2;
    vkg_upfirdn2d_params fp = {1, 1, L->pad0, L->pad1, L->pad0, L->pad1, 4.0f};
    if ((st = new_tensor(ctx, 4, td, &t)) == VKG_OK) st = vkg_conv_transpose2d(ctx, xm, L->weight, NULL, t, &cp);
    if (st == VKG_OK) st = vkg_upfirdn2d(ctx, t, L->filter, y, &fp);
  } else if (st == VKG_OK) {
    vkg_conv2d_params cp = vkg_conv2d_params_default();
    cp.pad_top = cp.pad_bottom = cp.pad_left = cp.pad_right = (int)(L->k / 2);
    st = vkg_conv2d(ctx, xm, L->weight, NULL, y, &cp);
  }
  vkg_tensor_unref(sv), vkg_tensor_unref(xm), vkg_tensor_unref(s2), vkg_tensor_unref(t);
  return st;
}

/* One SynthesisLayer / ToRGBLayer: x -> y (new tensor, or into `into` when given). */
static vkg_status layer_forward(vkg_ctx *ctx, const sg2 *g, const sg2_layer *L, const vkg_tensor *x,
                                const vkg_tensor *ws, const sg2_opts *o, const vkg_tensor *residual,
                                vkg_tensor *into, vkg_tensor **out) {
  const int64_t B = vkg_tensor_shape(ws)->d[0], yd[4] = {B, L->cout, L->res, L->res};
  vkg_tensor *s = NULL, *ss = NULL, *noise = NULL, *y = into ? vkg_tensor_ref(into) : NULL;
  vkg_status st = into ? VKG_OK : new_tensor(ctx, 4, yd, &y);
  if (st == VKG_OK) st = styles(ctx, g, L, ws, &s);
  if (st == VKG_OK) st = modconv(ctx, L, x, s, B, y, &ss);
  if (st == VKG_OK && L->noise_index >= 0 && o->noise_mode == SG2_NOISE_CONST) {
    noise = vkg_tensor_ref(L->noise_const);
  } else if (st == VKG_OK && L->noise_index >= 0 && o->noise_mode == SG2_NOISE_RANDOM) {
    const int64_t nd[4] = {B, 1, L->res, L->res};
    if ((st = new_tensor(ctx, 4, nd, &noise)) == VKG_OK)
      st = vkg_randn(ctx, noise, o->seed, o->first_sample, (uint32_t)L->noise_index);
  }
  vkg_bias_act_params p = {L->rgb ? VKG_ACT_IDENTITY : VKG_ACT_LEAKY_RELU, 0.2f, L->rgb ? 1.0f : SG2_SQRT2,
                           g->conv_clamp, L->noise_strength, SG2_EPS};
  if (st == VKG_OK) st = vkg_bias_act(ctx, y, ss, noise, L->bias, residual, y, &p);
  vkg_tensor_unref(s), vkg_tensor_unref(ss), vkg_tensor_unref(noise);
  if (st != VKG_OK) vkg_tensor_unref(y);
  else *out = y;
  return st;
}

static vkg_status upsample_img(vkg_ctx *ctx, const sg2_block *b, vkg_tensor *img, vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(img);
  const int64_t d[4] = {s->d[0], s->d[1], 2 * s->d[2], 2 * s->d[3]};
  const int64_t fw = vkg_tensor_shape(b->filter)->d[1];
  vkg_upfirdn2d_params p = {2, 1, (int)((fw + 1) / 2), (int)((fw - 2) / 2), (int)((fw + 1) / 2), (int)((fw - 2) / 2),
                            4.0f};
  vkg_status st = new_tensor(ctx, 4, d, out);
  return st == VKG_OK ? vkg_upfirdn2d(ctx, img, b->filter, *out, &p) : st;
}

vkg_status sg2_synthesis(vkg_ctx *ctx, const sg2 *g, const vkg_tensor *ws, const sg2_opts *o, vkg_tensor *image) {
  vkg_tensor *x = vkg_tensor_ref(g->cnst), *img = NULL;
  vkg_status st = VKG_OK;
  for (int i = 0; st == VKG_OK && i < g->nblocks; i++) {
    const sg2_block *b = &g->blocks[i];
    const int last = i + 1 == g->nblocks;
    for (int j = 0; j < 2 && st == VKG_OK; j++) {
      const sg2_layer *L = j ? b->conv1 : b->conv0;
      vkg_tensor *y = NULL;
      if (!L) continue;
      st = layer_forward(ctx, g, L, x, ws, o, NULL, NULL, &y);
      vkg_tensor_unref(x);
      x = y;
    }
    vkg_tensor *up = NULL;
    if (st == VKG_OK && img) st = upsample_img(ctx, b, img, &up);
    if (st == VKG_OK && b->torgb) {
      vkg_tensor *y = NULL;
      st = layer_forward(ctx, g, b->torgb, x, ws, o, up, last ? image : NULL, &y);
      vkg_tensor_unref(img);
      img = y;
    }
    vkg_tensor_unref(up);
  }
  vkg_tensor_unref(x);
  vkg_tensor_unref(img);
  return st;
}

int sg2_noise_mode_parse(const char *name) {
  static const char *const names[3] = {"const", "random", "none"};
  for (int i = 0; i < 3; i++)
    if (strcmp(name, names[i]) == 0) return i;
  return -1;
}

static vkg_status sg2_forward(vkg_ctx *ctx, vkg_gan_net *net, const vkg_tensor *z, const vkg_tensor *c,
                              const vkg_gan_opts *o, vkg_tensor *image) {
  const sg2 *g = net->impl;
  const int64_t d[3] = {vkg_tensor_shape(image)->d[0], g->num_ws, g->w_dim};
  vkg_tensor *ws = NULL;
  vkg_status st = new_tensor(ctx, 3, d, &ws);
  if (st == VKG_OK) st = sg2_mapping(ctx, g, z, c, o, ws);
  if (st == VKG_OK) st = sg2_synthesis(ctx, g, ws, o, image);
  vkg_tensor_unref(ws);
  return st;
}

const vkg_gan_arch vkg_gan_stylegan2 = {"StyleGAN2Generator", sg2_open, sg2_upload, sg2_forward, sg2_destroy};
