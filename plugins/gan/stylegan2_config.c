/* StyleGAN2Generator: sizes from config.json, checked against every weight shape (host only).
 *
 * Config keys (the Generator's init kwargs, flattened by tools/convert_stylegan2.py): z_dim,
 * w_dim, img_resolution, img_channels (required); c_dim (0), channel_base (32768), channel_max
 * (512), mapping_layers (8), conv_clamp (null = none), architecture ("skip"; "orig" also
 * runs), num_ws (optional check), num_fp16_res (ignored: vkgen runs f32). Channels per
 * resolution: min(channel_base / res, channel_max). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stylegan2.h"

/* The entry of weight `name`, checked to be ndim-dimensional with dims (< 0: any). */
static vkg_status want(vkg_ctx *ctx, vkg_model *m, const char *name, int ndim, const int64_t *dims, const char *why,
                       const vkg_st_entry **out) {
  const vkg_st_entry *e = vkg_model_find(m, "%s", name);
  if (!e) return vkg_error(ctx, VKG_E_INPUT, "%s: missing tensor '%s' (%s)", vkg_model_weights_path(m), name, why);
  int ok = e->shape.ndim == ndim;
  for (int i = 0; ok && i < ndim; i++) ok = dims[i] < 0 || e->shape.d[i] == dims[i];
  if (!ok) {
    char have[96], exp[96] = "[";
    vkg_shape_format(&e->shape, have, sizeof have);
    for (int i = 0; i < ndim; i++) {
      size_t l = strlen(exp);
      if (dims[i] < 0) snprintf(exp + l, sizeof exp - l, "%s*", i ? ", " : "");
      else snprintf(exp + l, sizeof exp - l, "%s%lld", i ? ", " : "", (long long)dims[i]);
    }
    strncat(exp, "]", sizeof exp - strlen(exp) - 1);
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' is %s but %s gives %s (%s)", vkg_model_weights_path(m), name,
                     have, vkg_model_config_path(m), exp, why);
  }
  if (out) *out = e;
  return VKG_OK;
}

static vkg_status fc_open(vkg_ctx *ctx, vkg_model *m, const char *key, int64_t in, int64_t out, double lr,
                          const char *why, sg2_fc *fc) {
  char name[96];
  snprintf(fc->key, sizeof fc->key, "%s", key);
  snprintf(name, sizeof name, "%s.weight", key);
  const int64_t wd[2] = {out, in};
  const vkg_st_entry *e;
  vkg_status st = want(ctx, m, name, 2, wd, why, &e);
  if (st != VKG_OK) return st;
  fc->out = e->shape.d[0];
  fc->in = e->shape.d[1];
  fc->wgain = (float)(lr / sqrt((double)fc->in));
  fc->bgain = (float)lr;
  snprintf(name, sizeof name, "%s.bias", key);
  return want(ctx, m, name, 1, &fc->out, why, NULL);
}

static vkg_status cfg_ints(vkg_ctx *ctx, vkg_model *m, sg2 *g, int64_t *base, int64_t *cmax, int64_t *nmap) {
  struct {
    const char *key;
    int64_t *v;
    int required;
    int64_t min;
  } k[] = {{"z_dim", &g->z_dim, 1, 0},         {"w_dim", &g->w_dim, 1, 1},         {"img_resolution", &g->resolution, 1, 4},
           {"img_channels", &g->img_channels, 1, 1}, {"c_dim", &g->c_dim, 0, 0}, {"channel_base", base, 0, 1},
           {"channel_max", cmax, 0, 1},        {"mapping_layers", nmap, 0, 1}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
    vkg_status st = vkg_model_cfg_int(ctx, m, k[i].key, k[i].required, k[i].v);
    if (st != VKG_OK) return st;
    if (*k[i].v < k[i].min)
      return vkg_error(ctx, VKG_E_INPUT, "%s: %s is %lld, must be >= %lld", vkg_model_config_path(m), k[i].key,
                       (long long)*k[i].v, (long long)k[i].min);
  }
  if (g->resolution & (g->resolution - 1))
    return vkg_error(ctx, VKG_E_INPUT, "%s: img_resolution %lld is not a power of two", vkg_model_config_path(m),
                     (long long)g->resolution);
  if (g->z_dim == 0 && g->c_dim == 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: z_dim and c_dim are both 0", vkg_model_config_path(m));
  return VKG_OK;
}

static vkg_status open_mapping(vkg_ctx *ctx, vkg_model *m, sg2 *g, int64_t nmap) {
  int n = 0;
  while (vkg_model_find(m, "mapping.fc%d.weight", n)) n++;
  if (n != nmap)
    return vkg_error(ctx, VKG_E_INPUT, "%s: mapping_layers is %lld but %s has %d layers mapping.fc0..fc%d",
                     vkg_model_config_path(m), (long long)nmap, vkg_model_weights_path(m), n, n - 1);
  g->nmap = n;
  g->fc = calloc((size_t)n, sizeof *g->fc);
  if (!g->fc) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st;
  if (g->c_dim > 0) {
    if ((st = fc_open(ctx, m, "mapping.embed", g->c_dim, -1, 1.0, "c_dim > 0 needs the class embedding", &g->embed)))
      return st;
    g->embed_dim = g->embed.out;
  } else if (vkg_model_find(m, "mapping.embed.weight")) {
    return vkg_error(ctx, VKG_E_INPUT, "%s: c_dim is 0 but %s has mapping.embed.weight (a conditional model?)",
                     vkg_model_config_path(m), vkg_model_weights_path(m));
  }
  for (int i = 0; i < n; i++) {
    char key[32];
    snprintf(key, sizeof key, "mapping.fc%d", i);
    int64_t in = i ? g->fc[i - 1].out : g->z_dim + g->embed_dim, out = i + 1 == n ? g->w_dim : -1;
    if ((st = fc_open(ctx, m, key, in, out, 0.01, i ? "previous layer's width, w_dim for the last"
                                                      : "z_dim + embedding width",
                      &g->fc[i])) != VKG_OK)
      return st;
  }
  return want(ctx, m, "mapping.w_avg", 1, &g->w_dim, "w_dim", NULL);
}

/* Resample filter of a layer or block: [FH, FW] (or 1-D taps, made 2-D at upload). */
static vkg_status filter_open(vkg_ctx *ctx, vkg_model *m, const char *name) {
  const vkg_st_entry *e = vkg_model_find(m, "%s", name);
  if (!e) return vkg_error(ctx, VKG_E_INPUT, "%s: missing tensor '%s'", vkg_model_weights_path(m), name);
  if ((e->shape.ndim != 1 && e->shape.ndim != 2) || e->shape.d[0] < 1 || e->shape.d[e->shape.ndim - 1] < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' must be a 1-D or 2-D FIR filter", vkg_model_weights_path(m),
                     name);
  return VKG_OK;
}

static vkg_status layer_open(vkg_ctx *ctx, vkg_model *m, sg2 *g, sg2_layer *L, int64_t res, int64_t cin,
                             int64_t cout, int up, int rgb) {
  char name[128];
  L->res = res, L->cin = cin, L->cout = cout, L->up = up, L->rgb = rgb, L->noise_index = -1;
  snprintf(name, sizeof name, "%s.weight", L->key);
  const int64_t wd[4] = {cout, cin, -1, -1};
  const vkg_st_entry *e;
  vkg_status st = want(ctx, m, name, 4, wd, rgb ? "block channels, img_channels" : "channels per resolution", &e);
  if (st != VKG_OK) return st;
  L->k = e->shape.d[2];
  if (L->k != e->shape.d[3] || L->k % 2 == 0 || (rgb && L->k != 1))
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' must have an odd square kernel (1x1 for ToRGB)",
                     vkg_model_weights_path(m), name);
  snprintf(name, sizeof name, "%s.affine", L->key);
  if ((st = fc_open(ctx, m, name, g->w_dim, cin, 1.0, "w_dim, input channels", &L->affine)) != VKG_OK) return st;
  if (rgb) { /* styles = affine(w) * 1/sqrt(cin k k): folded into the affine's gains */
    const double wg = 1.0 / sqrt((double)(cin * L->k * L->k));
    L->affine.wgain = (float)(wg / sqrt((double)g->w_dim));
    L->affine.bgain = (float)wg;
  }
  snprintf(name, sizeof name, "%s.bias", L->key);
  if ((st = want(ctx, m, name, 1, &cout, "output channels", NULL)) != VKG_OK) return st;
  if (rgb) return VKG_OK;
  const int64_t nd[2] = {res, res};
  snprintf(name, sizeof name, "%s.noise_const", L->key);
  if (vkg_model_find(m, "%s", name)) {
    if ((st = want(ctx, m, name, 2, nd, "the layer's resolution", NULL)) != VKG_OK) return st;
    L->noise_index = g->nnoise++;
  }
  if (up == 1) return VKG_OK;
  snprintf(name, sizeof name, "%s.resample_filter", L->key);
  if ((st = filter_open(ctx, m, name)) != VKG_OK) return st;
  const vkg_st_entry *f = vkg_model_find(m, "%s", name);
  const int64_t fw = f->shape.d[f->shape.ndim - 1], fh = f->shape.d[0], pad = L->k / 2;
  /* conv2d_resample with up 2: padding after the stride-2 transposed conv */
  L->pad0 = (int)(pad + (fw + 1) / 2 - (L->k - 1));
  L->pad1 = (int)(pad + (fw - 2) / 2 - (L->k - 2));
  if (fh != fw || L->pad0 < 0 || L->pad1 < 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' (%lldx%lld) with a %lldx%lld kernel is not supported "
                     "(square filters at least as wide as the kernel)", vkg_model_weights_path(m), name,
                     (long long)fh, (long long)fw, (long long)L->k, (long long)L->k);
  return VKG_OK;
}

static vkg_status open_synthesis(vkg_ctx *ctx, vkg_model *m, sg2 *g, int64_t base, int64_t cmax) {
  int nb = 0;
  for (int64_t r = 4; r <= g->resolution; r *= 2) nb++;
  g->nblocks = nb;
  g->blocks = calloc((size_t)nb, sizeof *g->blocks);
  g->layers = calloc((size_t)(3 * nb), sizeof *g->layers);
  if (!g->blocks || !g->layers) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st;
  int64_t prev = 0;
  for (int i = 0; i < nb; i++) {
    sg2_block *b = &g->blocks[i];
    b->res = (int64_t)4 << i;
    b->cin = prev;
    b->cout = base / b->res < cmax ? base / b->res : cmax;
    if (b->cout < 1)
      return vkg_error(ctx, VKG_E_INPUT, "%s: channel_base %lld gives no channels at resolution %lld",
                       vkg_model_config_path(m), (long long)base, (long long)b->res);
    char name[64];
    const int last = i + 1 == nb;
    if (i == 0) {
      const int64_t cd[3] = {b->cout, 4, 4};
      if ((st = want(ctx, m, "synthesis.b4.const", 3, cd, "channels at resolution 4", NULL)) != VKG_OK) return st;
    } else {
      b->conv0 = &g->layers[g->nlayers++];
      snprintf(b->conv0->key, sizeof b->conv0->key, "synthesis.b%lld.conv0", (long long)b->res);
      b->conv0->w_index = 2 * i - 1;
      if ((st = layer_open(ctx, m, g, b->conv0, b->res, b->cin, b->cout, 2, 0)) != VKG_OK) return st;
    }
    b->conv1 = &g->layers[g->nlayers++];
    snprintf(b->conv1->key, sizeof b->conv1->key, "synthesis.b%lld.conv1", (long long)b->res);
    b->conv1->w_index = i ? 2 * i : 0;
    if ((st = layer_open(ctx, m, g, b->conv1, b->res, b->cout, b->cout, 1, 0)) != VKG_OK) return st;
    if (g->skip || last) {
      b->torgb = &g->layers[g->nlayers++];
      snprintf(b->torgb->key, sizeof b->torgb->key, "synthesis.b%lld.torgb", (long long)b->res);
      b->torgb->w_index = b->conv1->w_index + 1;
      if ((st = layer_open(ctx, m, g, b->torgb, b->res, b->cout, g->img_channels, 1, 1)) != VKG_OK) return st;
    }
    if (g->skip && i > 0) {
      snprintf(name, sizeof name, "synthesis.b%lld.resample_filter", (long long)b->res);
      if ((st = filter_open(ctx, m, name)) != VKG_OK) return st;
    }
    prev = b->cout;
  }
  g->num_ws = 2 * (int64_t)nb;
  return VKG_OK;
}

vkg_status sg2_open(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net) {
  sg2 *g = calloc(1, sizeof *g);
  if (!g) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  net->impl = g;
  int64_t base = 32768, cmax = 512, nmap = 8, num_ws = -1;
  double clampv = -1;
  const char *arch = "skip";
  vkg_status st = cfg_ints(ctx, m, g, &base, &cmax, &nmap);
  if (st == VKG_OK) st = vkg_model_cfg_float(ctx, m, "conv_clamp", 0, &clampv);
  if (st == VKG_OK) st = vkg_model_cfg_string(ctx, m, "architecture", 0, &arch);
  if (st == VKG_OK) st = vkg_model_cfg_int(ctx, m, "num_ws", 0, &num_ws);
  if (st != VKG_OK) return st;
  if (strcmp(arch, "skip") != 0 && strcmp(arch, "orig") != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: architecture '%s' is not supported (skip, orig)", vkg_model_config_path(m),
                     arch);
  g->skip = strcmp(arch, "skip") == 0;
  g->conv_clamp = (float)clampv;
  if ((st = open_mapping(ctx, m, g, nmap)) != VKG_OK) return st;
  if ((st = open_synthesis(ctx, m, g, base, cmax)) != VKG_OK) return st;
  if (num_ws >= 0 && num_ws != g->num_ws)
    return vkg_error(ctx, VKG_E_INPUT, "%s: num_ws is %lld but img_resolution %lld gives %lld",
                     vkg_model_config_path(m), (long long)num_ws, (long long)g->resolution, (long long)g->num_ws);
  net->z_dim = g->z_dim;
  net->c_dim = g->c_dim;
  net->channels = g->img_channels;
  net->height = net->width = g->resolution;
  return VKG_OK;
}

static void fc_free(sg2_fc *fc) {
  vkg_tensor_unref(fc->w);
  vkg_tensor_unref(fc->b);
}

void sg2_destroy(vkg_gan_net *net) {
  sg2 *g = net->impl;
  fc_free(&g->embed);
  for (int i = 0; g->fc && i < g->nmap; i++) fc_free(&g->fc[i]);
  for (int i = 0; g->layers && i < g->nlayers; i++) {
    sg2_layer *L = &g->layers[i];
    fc_free(&L->affine);
    vkg_tensor_unref(L->weight);
    vkg_tensor_unref(L->wsq);
    vkg_tensor_unref(L->bias);
    vkg_tensor_unref(L->noise_const);
    vkg_tensor_unref(L->filter);
  }
  for (int i = 0; g->blocks && i < g->nblocks; i++) vkg_tensor_unref(g->blocks[i].filter);
  vkg_tensor_unref(g->w_avg);
  vkg_tensor_unref(g->cnst);
  free(g->fc);
  free(g->blocks);
  free(g->layers);
  free(g);
}
