/* ar.logits: pixels → logits [B, levels, H, W]. mode full runs the network once on the
 * image; mode band evaluates every pixel separately on its band (what sampling does; it
 * exists to check that band evaluation gives the full network's values). */
#include <stdlib.h>
#include <string.h>

#include "ar_internal.h"

const vkg_port_desc vkg_ar_logits_inputs[1] = {
    {"pixels", "i32|i64|u8|f32", "pixel values 0..255 [B, C, H, W] (C = the model's input channels)", 0},
};
const vkg_port_desc vkg_ar_logits_outputs[1] = {
    {"logits", "f32", "logits over the levels [B, 256, H, W]", 0},
};
const vkg_param_desc vkg_ar_logits_params[VKG_AR_LOGITS_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json + model.safetensors, _class_name PixelCNN)", NULL, 0, 0},
    {"mode", VKG_PARAM_ENUM, "full",
     "full: one pass over the image; band: each pixel from its own band of rows (slow; equals full); cache: pixel by "
     "pixel as ar.sample's cache mode (equals full)",
     "full|band|cache", 0, 0},
};

typedef struct logits_state {
  vkg_ar_model am;
  vkg_ar_mode mode;
} logits_state;

vkg_status vkg_ar_logits_create(vkg_node *node, void **state) {
  logits_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_ar_model_open(node, "model", &s->am);
  if (st != VKG_OK) {
    free(s);
    return st;
  }
  const char *mode = "full";
  vkg_node_param_string(node, "mode", &mode);
  s->mode = strcmp(mode, "band") == 0 ? VKG_AR_BAND : strcmp(mode, "cache") == 0 ? VKG_AR_CACHE : VKG_AR_FULL;
  if (s->mode == VKG_AR_CACHE && !s->am.net.cache_ok) {
    vkg_node_warn(node, "the model's masks (or layer widths) do not allow cache mode, using full");
    s->mode = VKG_AR_FULL;
  }
  if (s->mode == VKG_AR_BAND && !s->am.net.causal)
    vkg_node_warn(node, "the model's masks see rows below the pixel: band mode is not exact, using full");
  *state = s;
  return VKG_OK;
}

vkg_status vkg_ar_logits_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  logits_state *s = state;
  const vkg_shape *x = &in[0].shape;
  char b[128];
  vkg_shape_format(x, b, sizeof b);
  if (x->ndim != 4)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "pixels must be [B, %lld, H, W], got %s",
                                (long long)s->am.net.in_channels, b);
  if (x->d[1] != s->am.net.in_channels)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "pixels %s have %lld channels, the model takes %lld", b,
                                (long long)x->d[1], (long long)s->am.net.in_channels);
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_4d(x->d[0], s->am.net.levels, x->d[2], x->d[3]);
  return VKG_OK;
}

vkg_status vkg_ar_logits_start(vkg_node *node, void *state) {
  logits_state *s = state;
  return vkg_ar_model_upload(node, &s->am);
}

static vkg_status logits_full(vkg_ctx *ctx, const vkg_pixelcnn *net, const vkg_tensor *x, vkg_tensor *y) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  const int64_t B = xs->d[0], H = xs->d[2], W = xs->d[3];
  const vkg_ar_win all = {0, 0, H, W};
  vkg_tensor *h[2] = {NULL, NULL};
  vkg_status st = VKG_OK;
  for (int l = 0; l < net->nlayers && st == VKG_OK; l++) {
    vkg_tensor *out = h[l % 2];
    if (out && vkg_shape_numel(vkg_tensor_shape(out)) != B * net->layers[l].cout * H * W) {
      vkg_tensor_unref(out);
      out = h[l % 2] = NULL;
    }
    if (!out) {
      vkg_shape s = vkg_shape_4d(B, net->layers[l].cout, H, W);
      if ((st = vkg_tensor_create(ctx, VKG_F32, &s, &h[l % 2])) != VKG_OK) break;
      out = h[l % 2];
    }
    st = vkg_pixelcnn_layer(ctx, net, l, B, H, W, l == 0 ? x : h[(l + 1) % 2], all, out, all);
  }
  if (st == VKG_OK) st = vkg_pixelcnn_head(ctx, net, B, H, W, h[(net->nlayers - 1) % 2], all, y, all);
  vkg_tensor_unref(h[0]);
  vkg_tensor_unref(h[1]);
  return st;
}

static vkg_status logits_band(vkg_node *node, const vkg_pixelcnn *net, const vkg_tensor *x, vkg_tensor *y) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *xs = vkg_tensor_shape(x);
  const int64_t H = xs->d[2], W = xs->d[3];
  vkg_ar_eval ev;
  vkg_status st = vkg_ar_eval_init(ctx, net, VKG_AR_BAND, xs->d[0], H, W, &ev);
  for (int64_t r = 0; r < H && st == VKG_OK; r++) {
    for (int64_t c = 0; c < W && st == VKG_OK; c++) {
      st = vkg_ar_eval_pixel(ctx, net, &ev, x, r, c);
      if (st == VKG_OK) st = vkg_ar_put(ctx, ev.logits, y, r * W + c, 0);
    }
    vkg_node_progress(node, r + 1, H, "rows");
  }
  vkg_ar_eval_free(&ev);
  return st;
}

static vkg_status logits_cache(vkg_node *node, const vkg_pixelcnn *net, vkg_tensor *x, vkg_tensor *y) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *xs = vkg_tensor_shape(x);
  const int64_t B = xs->d[0], H = xs->d[2], W = xs->d[3];
  vkg_tensor *hid = NULL;
  vkg_status st = vkg_ar_cache_hidden_create(ctx, net, B, H, W, &hid);
  for (int64_t r = 0; r < H && st == VKG_OK; r++) {
    const int64_t step = vkg_ar_cache_pixels_per_dispatch(net);
    for (int64_t c = 0; c < W && st == VKG_OK; c += step)
      st = vkg_ar_cache_row(ctx, net, B, H, W, x, hid, r, c, c + step < W ? c + step : W, NULL, y, 1.0f, 0, 0);
    vkg_node_progress(node, r + 1, H, "rows");
  }
  vkg_tensor_unref(hid);
  return st;
}

vkg_status vkg_ar_logits_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  logits_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st;
  if ((st = vkg_ar_model_upload(node, &s->am)) != VKG_OK) return st;
  const vkg_shape *ps = vkg_tensor_shape(in[0]);
  vkg_shape ys = vkg_shape_4d(ps->d[0], s->am.net.levels, ps->d[2], ps->d[3]);
  vkg_tensor *x = NULL, *y = NULL;
  if ((st = vkg_tensor_create(ctx, VKG_F32, ps, &x)) == VKG_OK && (st = vkg_ar_to_unit(ctx, in[0], x)) == VKG_OK &&
      (st = vkg_tensor_create(ctx, VKG_F32, &ys, &y)) == VKG_OK) {
    if (s->mode == VKG_AR_BAND) st = logits_band(node, &s->am.net, x, y);
    else if (s->mode == VKG_AR_CACHE) st = logits_cache(node, &s->am.net, x, y);
    else st = logits_full(ctx, &s->am.net, x, y);
  }
  vkg_tensor_unref(x);
  if (st != VKG_OK) {
    vkg_tensor_unref(y);
    return vkg_ar_node_fail(node, st, NULL);
  }
  out[0] = y;
  return VKG_OK;
}

void vkg_ar_logits_destroy(void *state) {
  logits_state *s = state;
  if (!s) return;
  vkg_ar_model_close(&s->am);
  free(s);
}
