/* DCGANGenerator (pytorch/examples dcgan/main.py `Generator`): nn.Sequential `main` of
 * bias-free ConvTranspose2d layers at keys main.0, main.3, main.6, ..., each but the last
 * followed by BatchNorm2d (eval: running statistics) and ReLU, the last by Tanh. The first
 * layer has stride 1 and no padding (1x1 noise → KxK), the others stride 2, padding 1.
 * nz, channel counts, kernel sizes and depth come from the weight shapes.
 *
 * BatchNorm is folded on the host at load: scale = gamma / sqrt(var + eps) multiplies the
 * transposed-conv weight along its output channel, shift becomes the conv's bias; a layer is
 * then one conv_transpose2d dispatch plus an in-place activation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gan_internal.h"

#define DCGAN_BN_EPS 1e-5f

typedef struct dcgan_layer {
  int idx;               /* Sequential index of the ConvTranspose2d */
  int64_t cin, cout, kh, kw;
  int stride, pad;
  int has_bn;
  int64_t oh, ow;        /* output size for a 1x1 input noise */
  vkg_tensor *w, *bias;  /* folded; bias NULL without BatchNorm */
} dcgan_layer;

typedef struct dcgan {
  int n;
  dcgan_layer *layers;
} dcgan;

/* The BatchNorm2d after main.IDX: its four vectors must exist with the conv's output width
 * (checked from the header at open, so `vkgen validate` sees a mismatch). */
static vkg_status dcgan_check_bn(vkg_ctx *ctx, vkg_model *m, const dcgan_layer *L) {
  static const char *const parts[4] = {"running_mean", "running_var", "weight", "bias"};
  for (int k = 0; k < 4; k++) {
    const vkg_st_entry *e = vkg_model_find(m, "main.%d.%s", L->idx + 1, parts[k]);
    if (!e || e->shape.ndim != 1 || e->shape.d[0] != L->cout) {
      char b[96] = "missing";
      if (e) vkg_shape_format(&e->shape, b, sizeof b);
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor 'main.%d.%s': expected [%lld] (main.%d's output channels), got %s",
                       vkg_model_weights_path(m), L->idx + 1, parts[k], (long long)L->cout, L->idx, b);
    }
  }
  return VKG_OK;
}

/* Every size config.json gives must agree with the weights (a mismatch is a sign of a wrong
 * folder): nz, nc, ngf (the last layer's input width) and image_size (square output). */
static vkg_status dcgan_check_config(vkg_ctx *ctx, vkg_model *m, const vkg_gan_net *net, int64_t ngf) {
  static const char *const keys[4] = {"nz", "nc", "ngf", "image_size"};
  const int64_t have[4] = {net->z_dim, net->channels, ngf, net->height};
  if (net->height != net->width)
    return vkg_error(ctx, VKG_E_INPUT, "%s: the weights give a %lldx%lld image; DCGAN images are square",
                     vkg_model_weights_path(m), (long long)net->height, (long long)net->width);
  for (int k = 0; k < 4; k++) {
    int64_t v = have[k];
    vkg_status st = vkg_model_cfg_int(ctx, m, keys[k], 0, &v);
    if (st != VKG_OK) return st;
    if (v != have[k])
      return vkg_error(ctx, VKG_E_INPUT, "%s: %s is %lld but the weights in %s give %lld", vkg_model_config_path(m),
                       keys[k], (long long)v, vkg_model_weights_path(m), (long long)have[k]);
  }
  return VKG_OK;
}

static vkg_status dcgan_open(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net) {
  int n = 0;
  while (vkg_model_find(m, "main.%d.weight", 3 * n)) n++;
  if (n == 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: DCGANGenerator needs weights main.0.weight, main.3.weight, ...: none found",
                     vkg_model_weights_path(m));
  dcgan *g = calloc(1, sizeof *g);
  if (g) g->layers = calloc((size_t)n, sizeof *g->layers);
  if (!g || !g->layers) {
    free(g);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  g->n = n;
  net->impl = g;
  int64_t h = 1, w = 1;
  for (int i = 0; i < n; i++) {
    dcgan_layer *L = &g->layers[i];
    L->idx = 3 * i;
    const vkg_st_entry *e = vkg_model_find(m, "main.%d.weight", L->idx);
    if (e->shape.ndim != 4 || e->shape.d[2] < 1 || e->shape.d[3] < 1) {
      char b[96];
      return vkg_error(ctx, VKG_E_INPUT,
                       "%s: tensor 'main.%d.weight': expected a ConvTranspose2d weight [Cin, Cout, KH, KW], got %s",
                       vkg_model_weights_path(m), L->idx, vkg_shape_format(&e->shape, b, sizeof b));
    }
    L->cin = e->shape.d[0];
    L->cout = e->shape.d[1];
    L->kh = e->shape.d[2];
    L->kw = e->shape.d[3];
    if (i > 0 && L->cin != g->layers[i - 1].cout)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor 'main.%d.weight' has %lld input channels, but main.%d gives %lld",
                       vkg_model_weights_path(m), L->idx, (long long)L->cin, g->layers[i - 1].idx,
                       (long long)g->layers[i - 1].cout);
    L->has_bn = vkg_model_find(m, "main.%d.running_mean", L->idx + 1) != NULL;
    if (!L->has_bn && i + 1 < n)
      return vkg_error(ctx, VKG_E_INPUT, "%s: main.%d (ConvTranspose2d) must be followed by a BatchNorm2d at main.%d "
                       "(no 'main.%d.running_mean')", vkg_model_weights_path(m), L->idx, L->idx + 1, L->idx + 1);
    if (L->has_bn && i + 1 == n)
      return vkg_error(ctx, VKG_E_INPUT, "%s: the last layer main.%d must be followed by Tanh, found a BatchNorm2d",
                       vkg_model_weights_path(m), L->idx);
    if (L->has_bn) {
      vkg_status st = dcgan_check_bn(ctx, m, L);
      if (st != VKG_OK) return st;
    }
    L->stride = i == 0 ? 1 : 2;
    L->pad = i == 0 ? 0 : 1;
    L->oh = (h - 1) * L->stride - 2 * L->pad + L->kh;
    L->ow = (w - 1) * L->stride - 2 * L->pad + L->kw;
    if (L->oh < 1 || L->ow < 1)
      return vkg_error(ctx, VKG_E_INPUT, "%s: main.%d gives an empty output", vkg_model_weights_path(m), L->idx);
    h = L->oh;
    w = L->ow;
  }
  net->z_dim = g->layers[0].cin;
  net->channels = g->layers[n - 1].cout;
  net->height = h;
  net->width = w;
  return dcgan_check_config(ctx, m, net, g->layers[n - 1].cin);
}

static vkg_status dcgan_upload_layer(vkg_ctx *ctx, vkg_model *m, dcgan_layer *L) {
  const int64_t wd[4] = {L->cin, L->cout, L->kh, L->kw}, cd[1] = {L->cout};
  float *w = NULL, *mean = NULL, *var = NULL, *gamma = NULL, *beta = NULL, *scale = NULL, *shift = NULL;
  vkg_status st = vkg_model_read(ctx, m, 4, wd, &w, NULL, "main.%d.weight", L->idx);
  if (st == VKG_OK && L->has_bn) {
    const int b = L->idx + 1;
    if ((st = vkg_model_read(ctx, m, 1, cd, &mean, NULL, "main.%d.running_mean", b)) == VKG_OK &&
        (st = vkg_model_read(ctx, m, 1, cd, &var, NULL, "main.%d.running_var", b)) == VKG_OK &&
        (st = vkg_model_read(ctx, m, 1, cd, &gamma, NULL, "main.%d.weight", b)) == VKG_OK &&
        (st = vkg_model_read(ctx, m, 1, cd, &beta, NULL, "main.%d.bias", b)) == VKG_OK) {
      char nbt[64];
      snprintf(nbt, sizeof nbt, "main.%d.num_batches_tracked", b);
      vkg_model_mark_used(m, nbt);
      scale = malloc((size_t)L->cout * sizeof *scale);
      shift = malloc((size_t)L->cout * sizeof *shift);
      if (!scale || !shift) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    }
    if (st == VKG_OK) {
      vkg_batch_norm_fold(mean, var, gamma, beta, L->cout, DCGAN_BN_EPS, scale, shift);
      const int64_t taps = L->kh * L->kw;
      for (int64_t ci = 0; ci < L->cin; ci++)
        for (int64_t co = 0; co < L->cout; co++)
          for (int64_t t = 0; t < taps; t++) w[(ci * L->cout + co) * taps + t] *= scale[co];
      vkg_shape bs = vkg_shape_make(1, cd);
      st = vkg_tensor_create_from(ctx, VKG_F32, &bs, shift, &L->bias);
    }
  }
  if (st == VKG_OK) {
    vkg_shape ws = vkg_shape_make(4, wd);
    st = vkg_tensor_create_from(ctx, VKG_F32, &ws, w, &L->w);
  }
  free(w);
  free(mean);
  free(var);
  free(gamma);
  free(beta);
  free(scale);
  free(shift);
  return st;
}

static vkg_status dcgan_upload(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net) {
  dcgan *g = net->impl;
  for (int i = 0; i < g->n; i++) {
    vkg_status st = dcgan_upload_layer(ctx, m, &g->layers[i]);
    if (st != VKG_OK) return st;
  }
  return VKG_OK;
}

static vkg_status dcgan_forward(vkg_ctx *ctx, vkg_gan_net *net, const vkg_tensor *z, const vkg_tensor *c,
                                const vkg_gan_opts *o, vkg_tensor *image) {
  (void)c, (void)o;
  dcgan *g = net->impl;
  const int64_t B = vkg_tensor_shape(z)->d[0];
  const vkg_tensor *x = z;
  vkg_tensor *own = NULL; /* x when it is an intermediate we allocated */
  vkg_status st = VKG_OK;
  for (int i = 0; i < g->n && st == VKG_OK; i++) {
    const dcgan_layer *L = &g->layers[i];
    const int last = i + 1 == g->n;
    vkg_tensor *y = image;
    if (!last) {
      vkg_shape ys = vkg_shape_4d(B, L->cout, L->oh, L->ow);
      if ((st = vkg_tensor_create(ctx, VKG_F32, &ys, &y)) != VKG_OK) break;
    }
    vkg_conv_transpose2d_params p = vkg_conv_transpose2d_params_default();
    p.stride_h = p.stride_w = L->stride;
    p.pad_h = p.pad_w = L->pad;
    st = vkg_conv_transpose2d(ctx, x, L->w, L->bias, y, &p);
    if (st == VKG_OK) st = vkg_activation(ctx, y, y, last ? VKG_ACT_TANH : VKG_ACT_RELU, 0.0f);
    vkg_tensor_unref(own);
    own = last ? NULL : y;
    x = y;
  }
  vkg_tensor_unref(own);
  return st;
}

static void dcgan_destroy(vkg_gan_net *net) {
  dcgan *g = net->impl;
  for (int i = 0; i < g->n; i++) {
    vkg_tensor_unref(g->layers[i].w);
    vkg_tensor_unref(g->layers[i].bias);
  }
  free(g->layers);
  free(g);
}

const vkg_gan_arch vkg_gan_dcgan = {"DCGANGenerator", dcgan_open, dcgan_upload, dcgan_forward, dcgan_destroy};
