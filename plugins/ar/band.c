/* Logits of one pixel at a time, over the whole image (FULL) or over only what the pixel
 * can see (BAND).
 *
 * Why BAND is exact. With causal masks (every row below the kernel centre zero, as masks A
 * and B are) a masked conv with kernel k writes output (R, C) from input rows R - p .. R and
 * columns C - p .. C + p, p = k / 2. So pixel (r, c) of the last masked layer needs, from
 * layer l's output (l = 0 .. L-1, m = L - 1 - l layers still to come), the window rows
 * r - m p .. r and columns c - m p .. c + m p, clipped to the image; outside the image every
 * layer sees its zero padding, as in the full pass. Each window is computed from the window
 * of the layer before, which contains every input position it reads, so every value
 * computed is the full network's value at that position (same taps, same order): the result
 * equals FULL bit for bit up to the summation order of the shader, which is the same in both.
 * The windows shrink from the image band of rows r - (L-1) p .. r (the receptive-field
 * height) to the single pixel; the 1x1 head then runs on that pixel alone (in FULL too). */
#include <stdlib.h>
#include <string.h>

#include "ar_internal.h"

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Output window of masked layer l for pixel (r, c). */
static vkg_ar_win layer_window(const vkg_pixelcnn *net, const vkg_ar_eval *ev, int l, int64_t r, int64_t c) {
  vkg_ar_win w = {0, 0, ev->H, ev->W};
  if (ev->mode == VKG_AR_FULL) return w;
  const int64_t reach = (int64_t)(net->nlayers - 1 - l) * (net->k / 2);
  w.r0 = max64(0, r - reach);
  w.c0 = max64(0, c - reach);
  w.h = r - w.r0 + 1;
  w.w = min64(ev->W - 1, c + reach) - w.c0 + 1;
  return w;
}

vkg_status vkg_ar_eval_init(vkg_ctx *ctx, const vkg_pixelcnn *net, vkg_ar_mode mode, int64_t B, int64_t H, int64_t W,
                            vkg_ar_eval *ev) {
  memset(ev, 0, sizeof *ev);
  if (mode == VKG_AR_BAND && !net->causal) mode = VKG_AR_FULL; /* the caller warned */
  ev->mode = mode;
  ev->B = B;
  ev->H = H;
  ev->W = W;
  ev->hidden = calloc((size_t)net->nlayers, sizeof *ev->hidden);
  if (!ev->hidden) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  ev->nlayers = net->nlayers;
  vkg_status st = VKG_OK;
  for (int l = 0; l < net->nlayers && st == VKG_OK; l++) {
    int64_t h = H, w = W;
    if (mode == VKG_AR_BAND) {
      const int64_t reach = (int64_t)(net->nlayers - 1 - l) * (net->k / 2);
      h = min64(H, reach + 1);
      w = min64(W, 2 * reach + 1);
    }
    vkg_shape s = vkg_shape_4d(B, net->layers[l].cout, h, w);
    st = vkg_tensor_create(ctx, VKG_F32, &s, &ev->hidden[l]);
  }
  vkg_shape ls = vkg_shape_4d(B, net->levels, 1, 1);
  const int64_t l2[2] = {B, net->levels};
  vkg_shape l2s = vkg_shape_make(2, l2);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &ls, &ev->logits);
  if (st == VKG_OK) st = vkg_tensor_view(ctx, ev->logits, VKG_F32, &l2s, 0, &ev->logits2);
  return st;
}

void vkg_ar_eval_free(vkg_ar_eval *ev) {
  for (int l = 0; l < ev->nlayers && ev->hidden; l++) vkg_tensor_unref(ev->hidden[l]);
  free(ev->hidden);
  vkg_tensor_unref(ev->logits2);
  vkg_tensor_unref(ev->logits);
  memset(ev, 0, sizeof *ev);
}

vkg_status vkg_ar_eval_pixel(vkg_ctx *ctx, const vkg_pixelcnn *net, vkg_ar_eval *ev, const vkg_tensor *x, int64_t r,
                             int64_t c) {
  vkg_ar_win in_w = {0, 0, ev->H, ev->W};
  const vkg_tensor *in = x;
  for (int l = 0; l < net->nlayers; l++) {
    const vkg_ar_win out_w = layer_window(net, ev, l, r, c);
    vkg_status st = vkg_pixelcnn_layer(ctx, net, l, ev->B, ev->H, ev->W, in, in_w, ev->hidden[l], out_w);
    if (st != VKG_OK) return st;
    in = ev->hidden[l];
    in_w = out_w;
  }
  const vkg_ar_win px = {r, c, 1, 1};
  return vkg_pixelcnn_head(ctx, net, ev->B, ev->H, ev->W, in, in_w, ev->logits, px);
}
