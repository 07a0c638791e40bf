/* ar.sample: raster-order PixelCNN sampling, recorded into the stream without host round
 * trips (the stream submits in chunks by itself; the only wait is the flush at the end that
 * times the batch).
 *
 * Per pixel (r, c): logits of (r, c) from the current image (band or full, band.c), then
 * pixel = categorical(logits / temperature) via vkg_categorical keyed by (seed, global
 * sample index, stream = r * W + c), written into the i32 pixels and the f32 network input.
 * The keying makes sample k of the run independent of the batch size. */
#include <stdlib.h>
#include <string.h>

#include "ar_internal.h"

const vkg_port_desc vkg_ar_sample_outputs[2] = {
    {"pixels", "i32", "sampled pixels 0..255 [B, 1, size, size]", 0},
    {"image", "f32", "the same as images in [0, 1] (pixels / 255)", 0},
};
const vkg_param_desc vkg_ar_sample_params[VKG_AR_SAMPLE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json + model.safetensors, _class_name PixelCNN)", NULL, 0, 0},
    {"batch", VKG_PARAM_INT, "16", "samples per batch", NULL, 1, 65536},
    {"size", VKG_PARAM_INT, "0", "image height = width; 0: config image_size, else 28", NULL, 0, 4096},
    {"seed", VKG_PARAM_INT, "0", "random seed", NULL, 0, 0},
    {"temperature", VKG_PARAM_FLOAT, "1.0", "softmax temperature (> 0); lower is more conservative", NULL, 0, 0},
    {"mode", VKG_PARAM_ENUM, "cache",
     "cache: each layer computed at the new pixel only, earlier positions kept (head, draw and write fused, a row "
     "per dispatch); band: each pixel's pass covers only the rows it can see; full: the whole image every pixel "
     "(for comparison). All three give the same samples",
     "cache|band|full", 0, 0},
};

typedef struct sample_state {
  vkg_ar_model am;
  int64_t batch, size;
  uint64_t seed;
  float temperature;
  vkg_ar_mode mode;
  vkg_ar_eval ev;
  int ev_ready;
  vkg_tensor *idx; /* [B] i32 */
  vkg_tensor *hid; /* cache mode: every layer's maps */
} sample_state;

vkg_status vkg_ar_sample_create(vkg_node *node, void **state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  double temp = 1.0;
  vkg_node_param_float(node, "temperature", &temp);
  if (!(temp > 0.0))
    return vkg_node_error(node, VKG_E_INPUT, "temperature", "temperature must be > 0, got %g", temp);
  sample_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_ar_model_open(node, "model", &s->am);
  if (st != VKG_OK) {
    free(s);
    return st;
  }
  int64_t seed = 0, size = 0;
  const char *mode = "cache";
  vkg_node_param_int(node, "batch", &s->batch);
  vkg_node_param_int(node, "size", &size);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_string(node, "mode", &mode);
  s->seed = (uint64_t)seed;
  s->temperature = (float)temp;
  s->mode = strcmp(mode, "full") == 0 ? VKG_AR_FULL : strcmp(mode, "band") == 0 ? VKG_AR_BAND : VKG_AR_CACHE;
  if (size == 0) {
    size = 28;
    if ((st = vkg_model_cfg_int(ctx, s->am.model, "image_size", 0, &size)) != VKG_OK || size < 1) {
      if (st == VKG_OK) st = vkg_node_error(node, VKG_E_INPUT, "model", "config image_size must be >= 1");
      else st = vkg_ar_node_fail(node, st, "model");
      vkg_ar_sample_destroy(s);
      return st;
    }
  }
  s->size = size;
  if (s->am.net.in_channels != 1) {
    st = vkg_node_error(node, VKG_E_INPUT, "model",
                        "sampling needs a one-channel model (the masks do not order channels); this one takes %lld",
                        (long long)s->am.net.in_channels);
    vkg_ar_sample_destroy(s);
    return st;
  }
  if (s->am.net.levels > 256 || s->am.net.levels < 2) {
    st = vkg_node_error(node, VKG_E_INPUT, "model", "the model has %lld levels; sampling needs 2..256",
                        (long long)s->am.net.levels);
    vkg_ar_sample_destroy(s);
    return st;
  }
  if (s->mode == VKG_AR_CACHE && !s->am.net.cache_ok) {
    vkg_node_warn(node, "the model's masks (or layer widths) do not allow cache mode, using band");
    s->mode = VKG_AR_BAND;
  }
  if (s->mode == VKG_AR_BAND && !s->am.net.causal)
    vkg_node_warn(node, "the model's masks see rows below the pixel: band mode is not exact, using full");
  *state = s;
  return VKG_OK;
}

vkg_status vkg_ar_sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sample_state *s = state;
  out[0].dtype = VKG_I32;
  out[0].shape = vkg_shape_4d(s->batch, 1, s->size, s->size);
  out[1].dtype = VKG_F32;
  out[1].shape = out[0].shape;
  return VKG_OK;
}

vkg_status vkg_ar_sample_start(vkg_node *node, void *state) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_ar_model_upload(node, &s->am);
  if (st != VKG_OK || s->ev_ready) return st;
  if (s->mode == VKG_AR_CACHE) {
    if ((st = vkg_ar_cache_hidden_create(ctx, &s->am.net, s->batch, s->size, s->size, &s->hid)) != VKG_OK)
      return vkg_ar_node_fail(node, st, NULL);
    s->ev_ready = 1;
    return VKG_OK;
  }
  st = vkg_ar_eval_init(ctx, &s->am.net, s->mode, s->batch, s->size, s->size, &s->ev);
  vkg_shape is = vkg_shape_make(1, &s->batch);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_I32, &is, &s->idx);
  if (st != VKG_OK) {
    vkg_ar_eval_free(&s->ev);
    vkg_tensor_unref(s->idx);
    s->idx = NULL;
    return vkg_ar_node_fail(node, st, NULL);
  }
  s->ev_ready = 1;
  return VKG_OK;
}

vkg_status vkg_ar_sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st;
  if (!s->ev_ready && (st = vkg_ar_sample_start(node, state)) != VKG_OK) return st;
  const int64_t B = s->batch, H = s->size, W = s->size;
  const uint64_t first = (uint64_t)vkg_node_batch_index(node) * (uint64_t)B;
  vkg_shape ps = vkg_shape_4d(B, 1, H, W);
  vkg_tensor *pix = NULL, *x = NULL;
  const double t0 = vkg_ar_now_s();
  if ((st = vkg_tensor_create(ctx, VKG_I32, &ps, &pix)) == VKG_OK && (st = vkg_tensor_fill_u32(ctx, pix, 0)) == VKG_OK &&
      (st = vkg_tensor_create(ctx, VKG_F32, &ps, &x)) == VKG_OK)
    st = vkg_tensor_fill_u32(ctx, x, 0);
  for (int64_t r = 0; r < H && st == VKG_OK; r++) {
    if (vkg_interrupted(ctx)) {
      st = vkg_error(ctx, VKG_E_INTERRUPTED, "interrupted at row %lld of %lld", (long long)r, (long long)H);
      break;
    }
    if (s->mode == VKG_AR_CACHE) {
      const int64_t step = vkg_ar_cache_pixels_per_dispatch(&s->am.net);
      for (int64_t c = 0; c < W && st == VKG_OK; c += step)
        st = vkg_ar_cache_row(ctx, &s->am.net, B, H, W, x, s->hid, r, c, c + step < W ? c + step : W, pix, NULL,
                              s->temperature, s->seed, first);
      vkg_node_progress(node, r + 1, H, "rows");
      continue;
    }
    for (int64_t c = 0; c < W && st == VKG_OK; c++) {
      const int64_t pos = r * W + c;
      if ((st = vkg_ar_eval_pixel(ctx, &s->am.net, &s->ev, x, r, c)) == VKG_OK &&
          (st = vkg_categorical(ctx, s->ev.logits2, s->idx, s->temperature, s->seed, first, (uint32_t)pos)) == VKG_OK &&
          (st = vkg_ar_put(ctx, s->idx, pix, pos, 0)) == VKG_OK)
        st = vkg_ar_put(ctx, s->idx, x, pos, 1);
    }
    vkg_node_progress(node, r + 1, H, "rows");
  }
  if (st == VKG_OK) st = vkg_flush(ctx);
  if (st != VKG_OK) {
    vkg_tensor_unref(pix);
    vkg_tensor_unref(x);
    return vkg_ar_node_fail(node, st, NULL);
  }
  const double dt = vkg_ar_now_s() - t0;
  if (dt > 0) vkg_node_report_value(node, "pixels_per_s", (double)(B * H * W) / dt);
  out[0] = pix;
  out[1] = x;
  return VKG_OK;
}

void vkg_ar_sample_destroy(void *state) {
  sample_state *s = state;
  if (!s) return;
  if (s->ev_ready && s->mode != VKG_AR_CACHE) vkg_ar_eval_free(&s->ev);
  vkg_tensor_unref(s->idx);
  vkg_tensor_unref(s->hid);
  vkg_ar_model_close(&s->am);
  free(s);
}
