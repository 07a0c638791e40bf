/* StyleGAN2Generator: reads the weights (shapes were checked by sg2_open), applies the
 * FullyConnectedLayer gains, precomputes what demodulation needs, uploads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stylegan2.h"

static vkg_status upload(vkg_ctx *ctx, const float *host, int ndim, const int64_t *dims, vkg_tensor **out) {
  vkg_shape s = vkg_shape_make(ndim, dims);
  return vkg_tensor_create_from(ctx, VKG_F32, &s, host, out);
}

/* weight * wgain and bias * bgain in f32, as FullyConnectedLayer.forward forms them. */
static vkg_status fc_upload(vkg_ctx *ctx, vkg_model *m, sg2_fc *fc) {
  float *w = NULL, *b = NULL;
  const int64_t wd[2] = {fc->out, fc->in};
  vkg_status st = vkg_model_read(ctx, m, 2, wd, &w, NULL, "%s.weight", fc->key);
  if (st == VKG_OK) st = vkg_model_read(ctx, m, 1, &fc->out, &b, NULL, "%s.bias", fc->key);
  if (st == VKG_OK) {
    for (int64_t i = 0; i < fc->out * fc->in; i++) w[i] *= fc->wgain;
    for (int64_t i = 0; i < fc->out; i++) b[i] *= fc->bgain;
    st = upload(ctx, w, 2, wd, &fc->w);
    if (st == VKG_OK) st = upload(ctx, b, 1, &fc->out, &fc->b);
  }
  free(w);
  free(b);
  return st;
}

/* A resample filter as 2-D [FH, FW] (1-D taps t give the outer product t t^T). */
static vkg_status filter_upload(vkg_ctx *ctx, vkg_model *m, const char *key, vkg_tensor **out) {
  float *f = NULL;
  vkg_shape s;
  vkg_status st = vkg_model_read(ctx, m, -1, NULL, &f, &s, "%s.resample_filter", key);
  if (st != VKG_OK) return st;
  if (s.ndim == 2) {
    st = upload(ctx, f, 2, s.d, out);
  } else {
    const int64_t n = s.d[0], d2[2] = {n, n};
    float *f2 = malloc((size_t)(n * n) * sizeof *f2);
    if (!f2) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    for (int64_t i = 0; f2 && i < n * n; i++) f2[i] = f[i / n] * f[i % n];
    if (f2) st = upload(ctx, f2, 2, d2, out);
    free(f2);
  }
  free(f);
  return st;
}

static vkg_status layer_upload(vkg_ctx *ctx, vkg_model *m, sg2_layer *L) {
  const int64_t taps = L->k * L->k, wd[4] = {L->cout, L->cin, L->k, L->k}, nd[2] = {L->res, L->res};
  float *w = NULL, *aux = NULL;
  vkg_status st = fc_upload(ctx, m, &L->affine);
  if (st == VKG_OK) st = vkg_model_load(ctx, m, 1, &L->cout, &L->bias, "%s.bias", L->key);
  if (st == VKG_OK) st = vkg_model_read(ctx, m, 4, wd, &w, NULL, "%s.weight", L->key);
  if (st == VKG_OK && !L->rgb) { /* wsq[o, i] = sum over taps of w^2, in double */
    aux = malloc((size_t)(L->cout * L->cin) * sizeof *aux);
    if (!aux) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    for (int64_t oi = 0; aux && oi < L->cout * L->cin; oi++) {
      double acc = 0;
      for (int64_t t = 0; t < taps; t++) acc += (double)w[oi * taps + t] * w[oi * taps + t];
      aux[oi] = (float)acc;
    }
    const int64_t sd[2] = {L->cout, L->cin};
    if (st == VKG_OK) st = upload(ctx, aux, 2, sd, &L->wsq);
  }
  if (st == VKG_OK && L->up > 1) { /* conv_transpose2d layout [cin, cout, k, k] */
    float *t = realloc(aux, (size_t)(L->cout * L->cin * taps) * sizeof *t);
    if (!t) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    else {
      aux = t;
      for (int64_t o = 0; o < L->cout; o++)
        for (int64_t i = 0; i < L->cin; i++) memcpy(aux + (i * L->cout + o) * taps, w + (o * L->cin + i) * taps,
                                                     (size_t)taps * sizeof *aux);
      const int64_t td[4] = {L->cin, L->cout, L->k, L->k};
      st = upload(ctx, aux, 4, td, &L->weight);
    }
  } else if (st == VKG_OK) {
    st = upload(ctx, w, 4, wd, &L->weight);
  }
  free(w);
  free(aux);
  if (st == VKG_OK && L->up > 1) st = filter_upload(ctx, m, L->key, &L->filter);
  if (st == VKG_OK && !L->rgb && L->up == 1) { /* resample_filter of up-1 layers: stored, unused */
    char name[96];
    snprintf(name, sizeof name, "%s.resample_filter", L->key);
    vkg_model_mark_used(m, name);
  }
  if (st != VKG_OK || L->noise_index < 0) return st;
  float *strength = NULL;
  st = vkg_model_load(ctx, m, 2, nd, &L->noise_const, "%s.noise_const", L->key);
  if (st == VKG_OK) st = vkg_model_read(ctx, m, -1, NULL, &strength, NULL, "%s.noise_strength", L->key);
  if (st == VKG_OK) L->noise_strength = strength[0];
  free(strength);
  return st;
}

vkg_status sg2_upload(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net) {
  sg2 *g = net->impl;
  vkg_status st = VKG_OK;
  if (g->c_dim > 0) st = fc_upload(ctx, m, &g->embed);
  for (int i = 0; st == VKG_OK && i < g->nmap; i++) st = fc_upload(ctx, m, &g->fc[i]);
  if (st == VKG_OK) st = vkg_model_load(ctx, m, 1, &g->w_dim, &g->w_avg, "mapping.w_avg");
  const int64_t cd[4] = {1, g->blocks[0].cout, 4, 4};
  if (st == VKG_OK) st = vkg_model_load(ctx, m, -1, NULL, &g->cnst, "synthesis.b4.const");
  if (st == VKG_OK) { /* [C, 4, 4] as [1, C, 4, 4] for broadcasting */
    vkg_tensor *v = NULL;
    vkg_shape s = vkg_shape_make(4, cd);
    st = vkg_tensor_view(ctx, g->cnst, VKG_F32, &s, 0, &v);
    vkg_tensor_unref(g->cnst);
    g->cnst = v;
  }
  for (int i = 0; st == VKG_OK && i < g->nlayers; i++) st = layer_upload(ctx, m, &g->layers[i]);
  for (int i = 0; st == VKG_OK && i < g->nblocks; i++) {
    char key[48];
    snprintf(key, sizeof key, "synthesis.b%lld", (long long)g->blocks[i].res);
    if (g->skip && i > 0) st = filter_upload(ctx, m, key, &g->blocks[i].filter);
    else {
      strncat(key, ".resample_filter", sizeof key - strlen(key) - 1);
      vkg_model_mark_used(m, key);
    }
  }
  return st;
}
