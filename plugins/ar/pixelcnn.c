/* PixelCNN (jzbontar/pixelcnn-pytorch): loading and the masked stack.
 *
 * Stored weights are NOT pre-masked (the original multiplies by the mask at every forward),
 * so the loader multiplies weight by N.mask, then folds the eval BatchNorm at N+1 into the
 * conv: w' = w * mask * scale[co], bias' = shift (+ scale * conv bias). When every mask is
 * zero below the kernel's centre row (masks A and B are), those rows are dropped from the
 * uploaded kernel and the conv pads k/2 rows on top only: same output, ~half the work. */
#include <stdlib.h>
#include <string.h>

#include "ar_internal.h"

#define PIXELCNN_BN_EPS 1e-5f

vkg_status vkg_pixelcnn_open(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net) {
  memset(net, 0, sizeof *net);
  const char *wpath = vkg_model_weights_path(m);
  int L = 0;
  while (vkg_model_find(m, "%d.mask", 3 * L)) L++;
  if (L == 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: PixelCNN needs masked convolutions (0.weight, 0.mask, ...): no '0.mask'",
                     wpath);
  net->nlayers = L;
  net->layers = calloc((size_t)L, sizeof *net->layers);
  if (!net->layers) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  net->causal = 1;
  net->cache_ok = 1;
  int64_t prev = -1;
  for (int l = 0; l < L; l++) {
    const int key = 3 * l;
    const vkg_st_entry *e = vkg_model_find(m, "%d.weight", key);
    char b[96];
    if (!e) return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%d.weight' is missing (there is a '%d.mask')", wpath, key, key);
    const vkg_shape *s = &e->shape;
    if (s->ndim != 4 || s->d[2] != s->d[3] || s->d[2] % 2 == 0)
      return vkg_error(ctx, VKG_E_INPUT,
                       "%s: tensor '%d.weight': expected a MaskedConv2d weight [Cout, Cin, k, k] with odd k, got %s",
                       wpath, key, vkg_shape_format(s, b, sizeof b));
    if (l == 0) net->k = (int)s->d[2];
    else if (s->d[2] != net->k)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%d.weight' has kernel %lld, layer 0 has %d", wpath, key,
                       (long long)s->d[2], net->k);
    if (l > 0 && s->d[1] != prev)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%d.weight' has %lld input channels, the layer before gives %lld",
                       wpath, key, (long long)s->d[1], (long long)prev);
    net->layers[l].cin = s->d[1];
    net->layers[l].cout = prev = s->d[0];
    if (!vkg_model_find(m, "%d.running_mean", key + 1))
      return vkg_error(ctx, VKG_E_INPUT, "%s: masked conv %d must be followed by a BatchNorm2d ('%d.running_mean' is missing)",
                       wpath, key, key + 1);
    /* Causality of the mask decides whether rows below the centre can be dropped. */
    float *mask = NULL;
    vkg_shape ms;
    vkg_status st = vkg_model_read(ctx, m, 4, s->d, &mask, &ms, "%d.mask", key);
    if (st != VKG_OK) return st;
    const int64_t k = net->k, planes = s->d[0] * s->d[1];
    for (int64_t pl = 0; pl < planes && net->causal; pl++)
      for (int64_t i = k / 2 + 1; i < k; i++)
        for (int64_t j = 0; j < k; j++)
          if (mask[(pl * k + i) * k + j] != 0.0f) net->causal = 0;
    /* Centre-row columns in use: cache mode needs the layers after the first to stop at the
     * centre (mask B; the first layer reads the image, which is given up to the pixel). */
    int ncc = 0;
    for (int64_t pl = 0; pl < planes; pl++)
      for (int64_t j = 0; j < k; j++)
        if (mask[(pl * k + k / 2) * k + j] != 0.0f && (int)j + 1 > ncc) ncc = (int)j + 1;
    if (l == 0) net->ncc0 = ncc;
    else if (ncc > net->ncc) net->ncc = ncc;
    if (l > 0 && (ncc > k / 2 + 1 || s->d[0] != net->layers[0].cout)) net->cache_ok = 0;
    free(mask);
  }
  net->in_channels = net->layers[0].cin;
  net->hidden = prev;
  net->kh_used = net->causal ? net->k / 2 + 1 : net->k;
  net->reach = L * (net->k / 2);
  const vkg_st_entry *h = vkg_model_find(m, "%d.weight", 3 * L);
  if (!h || h->shape.ndim != 4 || h->shape.d[1] != prev || h->shape.d[2] != 1 || h->shape.d[3] != 1) {
    char b[96] = "missing";
    if (h) vkg_shape_format(&h->shape, b, sizeof b);
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%d.weight' (the final 1x1 conv): expected [levels, %lld, 1, 1], got %s",
                     wpath, 3 * L, (long long)prev, b);
  }
  net->levels = h->shape.d[0];
  if (!net->causal) net->cache_ok = 0;
  net->cp = (net->hidden + 7) / 8 * 8;
  net->levels_p = (net->levels + 7) / 8 * 8;
  if (vkg_ar_cache_loop_iters(net) > VKG_AR_CACHE_MAX_ITERS) net->cache_ok = 0;
  return VKG_OK;
}

/* Uploads layer l; when pk is not NULL also writes its weights into pk ([cin, kh, k, cp]) and
 * its bias into pkb ([cp]) for cache mode. */
static vkg_status upload_layer(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net, int l, float *pk, float *pkb) {
  vkg_ar_layer *ly = &net->layers[l];
  const int key = 3 * l, k = net->k, kh = net->kh_used;
  const int64_t wd[4] = {ly->cout, ly->cin, k, k}, cd[1] = {ly->cout};
  float *w = NULL, *mask = NULL, *cb = NULL, *mean = NULL, *var = NULL, *gamma = NULL, *beta = NULL;
  float *scale = NULL, *shift = NULL, *wt = NULL;
  vkg_status st;
  if ((st = vkg_model_read(ctx, m, 4, wd, &w, NULL, "%d.weight", key)) != VKG_OK ||
      (st = vkg_model_read(ctx, m, 4, wd, &mask, NULL, "%d.mask", key)) != VKG_OK ||
      (vkg_model_find(m, "%d.bias", key) && (st = vkg_model_read(ctx, m, 1, cd, &cb, NULL, "%d.bias", key)) != VKG_OK) ||
      (st = vkg_model_read(ctx, m, 1, cd, &mean, NULL, "%d.running_mean", key + 1)) != VKG_OK ||
      (st = vkg_model_read(ctx, m, 1, cd, &var, NULL, "%d.running_var", key + 1)) != VKG_OK ||
      (vkg_model_find(m, "%d.weight", key + 1) &&
       (st = vkg_model_read(ctx, m, 1, cd, &gamma, NULL, "%d.weight", key + 1)) != VKG_OK) ||
      (vkg_model_find(m, "%d.bias", key + 1) &&
       (st = vkg_model_read(ctx, m, 1, cd, &beta, NULL, "%d.bias", key + 1)) != VKG_OK))
    goto done;
  char nbt[64];
  snprintf(nbt, sizeof nbt, "%d.num_batches_tracked", key + 1);
  vkg_model_mark_used(m, nbt);
  scale = malloc((size_t)ly->cout * sizeof *scale);
  shift = malloc((size_t)ly->cout * sizeof *shift);
  wt = malloc((size_t)(ly->cout * ly->cin * kh * k) * sizeof *wt);
  if (!scale || !shift || !wt) {
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    goto done;
  }
  vkg_batch_norm_fold(mean, var, gamma, beta, ly->cout, PIXELCNN_BN_EPS, scale, shift);
  for (int64_t co = 0; co < ly->cout; co++) {
    if (cb) shift[co] += scale[co] * cb[co];
    for (int64_t ci = 0; ci < ly->cin; ci++)
      for (int i = 0; i < kh; i++)
        for (int j = 0; j < k; j++) {
          const int64_t src = ((co * ly->cin + ci) * k + i) * k + j, dst = ((co * ly->cin + ci) * kh + i) * k + j;
          wt[dst] = w[src] * mask[src] * scale[co];
          if (pk) pk[((ci * kh + i) * k + j) * net->cp + co] = wt[dst];
        }
    if (pkb) pkb[co] = shift[co];
  }
  const int64_t td[4] = {ly->cout, ly->cin, kh, k};
  vkg_shape ws = vkg_shape_make(4, td), bs = vkg_shape_make(1, cd);
  if ((st = vkg_tensor_create_from(ctx, VKG_F32, &ws, wt, &ly->w)) == VKG_OK)
    st = vkg_tensor_create_from(ctx, VKG_F32, &bs, shift, &ly->bias);
done:
  free(w);
  free(mask);
  free(cb);
  free(mean);
  free(var);
  free(gamma);
  free(beta);
  free(scale);
  free(shift);
  free(wt);
  return st;
}

/* Cache mode's head: weights transposed to [hidden, levels_p], bias [levels_p], zero padded. */
static vkg_status upload_cache_head(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net) {
  const int64_t hd[4] = {net->levels, net->hidden, 1, 1}, bd[1] = {net->levels};
  float *w = NULL, *b = NULL;
  vkg_status st;
  if ((st = vkg_model_read(ctx, m, 4, hd, &w, NULL, "%d.weight", 3 * net->nlayers)) != VKG_OK ||
      (st = vkg_model_read(ctx, m, 1, bd, &b, NULL, "%d.bias", 3 * net->nlayers)) != VKG_OK) {
    free(w);
    free(b);
    return st;
  }
  float *tw = calloc((size_t)(net->hidden * net->levels_p), sizeof *tw), *tb = calloc((size_t)net->levels_p, sizeof *tb);
  if (!tw || !tb) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  else {
    for (int64_t lv = 0; lv < net->levels; lv++) {
      tb[lv] = b[lv];
      for (int64_t ci = 0; ci < net->hidden; ci++) tw[ci * net->levels_p + lv] = w[lv * net->hidden + ci];
    }
    vkg_shape ws = vkg_shape_4d(1, 1, net->hidden, net->levels_p), bs = vkg_shape_make(1, &net->levels_p);
    if ((st = vkg_tensor_create_from(ctx, VKG_F32, &ws, tw, &net->pk_hw)) == VKG_OK)
      st = vkg_tensor_create_from(ctx, VKG_F32, &bs, tb, &net->pk_hb);
  }
  free(w);
  free(b);
  free(tw);
  free(tb);
  return st;
}

vkg_status vkg_pixelcnn_upload(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net) {
  if (net->uploaded) return VKG_OK;
  vkg_status st = VKG_OK;
  float *pk = NULL, *pkb = NULL;
  int64_t pk_n = 0;
  if (net->cache_ok) {
    for (int l = 0; l < net->nlayers; l++) pk_n += net->layers[l].cin * net->kh_used * net->k * net->cp;
    pk = calloc((size_t)pk_n, sizeof *pk);
    pkb = calloc((size_t)(net->nlayers * net->cp), sizeof *pkb);
    if (!pk || !pkb) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  int64_t off = 0;
  for (int l = 0; l < net->nlayers && st == VKG_OK; l++) {
    st = upload_layer(ctx, m, net, l, pk ? pk + off : NULL, pkb ? pkb + l * net->cp : NULL);
    off += net->layers[l].cin * net->kh_used * net->k * net->cp;
  }
  if (st == VKG_OK && pk) {
    vkg_shape ws = vkg_shape_make(1, &pk_n), bs = vkg_shape_4d(1, 1, net->nlayers, net->cp);
    if ((st = vkg_tensor_create_from(ctx, VKG_F32, &ws, pk, &net->pk_w)) == VKG_OK &&
        (st = vkg_tensor_create_from(ctx, VKG_F32, &bs, pkb, &net->pk_b)) == VKG_OK)
      st = upload_cache_head(ctx, m, net);
  }
  free(pk);
  free(pkb);
  const int64_t hd[4] = {net->levels, net->hidden, 1, 1}, bd[1] = {net->levels};
  if (st == VKG_OK) st = vkg_model_load(ctx, m, 4, hd, &net->head_w, "%d.weight", 3 * net->nlayers);
  if (st == VKG_OK) st = vkg_model_load(ctx, m, 1, bd, &net->head_b, "%d.bias", 3 * net->nlayers);
  if (st == VKG_OK) net->uploaded = 1;
  return st;
}

void vkg_pixelcnn_free(vkg_pixelcnn *net) {
  for (int l = 0; l < net->nlayers && net->layers; l++) {
    vkg_tensor_unref(net->layers[l].w);
    vkg_tensor_unref(net->layers[l].bias);
  }
  free(net->layers);
  vkg_tensor_unref(net->head_w);
  vkg_tensor_unref(net->head_b);
  vkg_tensor_unref(net->pk_w);
  vkg_tensor_unref(net->pk_b);
  vkg_tensor_unref(net->pk_hw);
  vkg_tensor_unref(net->pk_hb);
  memset(net, 0, sizeof *net);
}

vkg_status vkg_pixelcnn_layer(vkg_ctx *ctx, const vkg_pixelcnn *net, int l, int64_t B, int64_t img_h, int64_t img_w,
                              const vkg_tensor *x, vkg_ar_win xw, vkg_tensor *y, vkg_ar_win yw) {
  const vkg_ar_layer *ly = &net->layers[l];
  return vkg_ar_conv(ctx, B, ly->cin, ly->cout, net->kh_used, net->k, net->k / 2, img_h, img_w, x, xw, ly->w, ly->bias,
                     y, yw, 1);
}

vkg_status vkg_pixelcnn_head(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t img_h, int64_t img_w,
                             const vkg_tensor *h, vkg_ar_win hw, vkg_tensor *y, vkg_ar_win yw) {
  return vkg_ar_conv(ctx, B, net->hidden, net->levels, 1, 1, 0, img_h, img_w, h, hw, net->head_w, net->head_b, y, yw, 0);
}
