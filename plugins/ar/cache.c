/* Cache mode: PixelCNN one pixel at a time, each masked layer computed at that pixel alone
 * (shaders/ar/ar_pixel.comp explains why that is exact), with the head, the draw and the
 * write fused into the same dispatch, a row of pixels per dispatch. */
#include "ar_internal.h"
#include "spv/ar_pixel.h"

typedef struct pixel_push {
  uint32_t B, H, W, L, C, Cp, cin, pad, ncc0, ncc, levels, levels_p;
  uint32_t r, c0, c1, mode;
  float inv_t, div;
  uint32_t first_lo, first_hi, seed_lo, seed_hi;
} pixel_push;

static const vkg_kernel_desc pixel_desc = {
    "ar_pixel", vkg_spv_ar_pixel, sizeof vkg_spv_ar_pixel, NULL, 7,
    {VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE,
     VKG_BIND_STORAGE},
    sizeof(pixel_push)};

int64_t vkg_ar_cache_loop_iters(const vkg_pixelcnn *net) {
  int64_t n = net->nlayers + 1;
  for (int l = 0; l < net->nlayers; l++) n += net->cp / 8 * (net->layers[l].cin + 1);
  n += net->levels_p / 8 * (net->hidden / 4 + net->hidden % 4 + 2); /* head */
  n += (net->levels + 3) / 4 * 10;                                    /* Philox rounds, if not unrolled */
  return n;
}

int64_t vkg_ar_cache_pixels_per_dispatch(const vkg_pixelcnn *net) {
  const int64_t n = VKG_AR_CACHE_MAX_ITERS / vkg_ar_cache_loop_iters(net);
  return n > 0 ? n : 1;
}

vkg_status vkg_ar_cache_hidden_create(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t H, int64_t W,
                                      vkg_tensor **hid) {
  const int64_t d[2] = {(int64_t)net->nlayers * B * net->hidden, H * W};
  vkg_shape s = vkg_shape_make(2, d);
  return vkg_tensor_create(ctx, VKG_F32, &s, hid);
}

vkg_status vkg_ar_cache_row(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t H, int64_t W, vkg_tensor *x,
                            vkg_tensor *hid, int64_t r, int64_t c0, int64_t c1, vkg_tensor *pix, vkg_tensor *logits,
                            float temperature, uint64_t seed, uint64_t first_sample) {
  if (!net->cache_ok || !net->pk_w || (pix == NULL) == (logits == NULL) || r < 0 || r >= H || c0 < 0 || c1 > W ||
      vkg_tensor_numel(x) != B * net->in_channels * H * W ||
      vkg_tensor_numel(hid) != (int64_t)net->nlayers * B * net->hidden * H * W ||
      (pix && (vkg_tensor_numel(pix) != B * H * W || net->in_channels != 1)) ||
      (logits && vkg_tensor_numel(logits) != B * net->levels * H * W))
    return vkg_error(ctx, VKG_E_INTERNAL, "ar_pixel: bad call (row %lld, columns %lld..%lld of %lldx%lld, batch %lld)",
                     (long long)r, (long long)c0, (long long)c1, (long long)H, (long long)W, (long long)B);
  if (c1 <= c0 || B == 0) return VKG_OK;
  vkg_pipeline *pipe = NULL;
  const uint32_t spec[2] = {(uint32_t)net->k, (uint32_t)net->kh_used};
  vkg_status st = vkg_pipeline_get(ctx, &pixel_desc, spec, 2, &pipe);
  if (st != VKG_OK) return st;
  pixel_push p = {(uint32_t)B,
                  (uint32_t)H,
                  (uint32_t)W,
                  (uint32_t)net->nlayers,
                  (uint32_t)net->hidden,
                  (uint32_t)net->cp,
                  (uint32_t)net->in_channels,
                  (uint32_t)(net->k / 2),
                  (uint32_t)net->ncc0,
                  (uint32_t)net->ncc,
                  (uint32_t)net->levels,
                  (uint32_t)net->levels_p,
                  (uint32_t)r,
                  (uint32_t)c0,
                  (uint32_t)c1,
                  pix ? 0u : 1u,
                  temperature > 0 ? 1.0f / temperature : 1.0f,
                  255.0f,
                  (uint32_t)first_sample,
                  (uint32_t)(first_sample >> 32),
                  (uint32_t)seed,
                  (uint32_t)(seed >> 32)};
  vkg_binding b[7] = {{x, 0, 0},          {hid, 0, 0},        {net->pk_w, 0, 0}, {net->pk_b, 0, 0},
                      {net->pk_hw, 0, 0}, {net->pk_hb, 0, 0}, {pix ? pix : logits, 0, 0}};
  return vkg_dispatch(ctx, pipe, b, 7, &p, sizeof p, vkg_ceil_div_u32((uint64_t)B, 8), 1, 1);
}
