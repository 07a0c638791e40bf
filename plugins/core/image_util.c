/* Host-side image helpers for the core image nodes. Conversions to bytes follow
 * torchvision's save_image (mul 255, add 0.5, clamp, truncate) so outputs match it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

vkg_status vkg_core_check_images(vkg_node *node, int input, const vkg_tensor_info *info) {
  char buf[96];
  if (info->dtype != VKG_F32 || info->shape.ndim != 4)
    return vkg_node_input_error(node, VKG_E_INPUT, input, "expected f32 images [B, C, H, W], got %s %s",
                                vkg_dtype_name(info->dtype), vkg_shape_format(&info->shape, buf, sizeof buf));
  int64_t c = info->shape.d[1];
  if (c != 1 && c != 3 && c != 4)
    return vkg_node_input_error(node, VKG_E_INPUT, input, "images need 1, 3 or 4 channels, got shape %s",
                                vkg_shape_format(&info->shape, buf, sizeof buf));
  if (info->shape.d[0] < 1 || info->shape.d[2] < 1 || info->shape.d[3] < 1 || info->shape.d[2] > 16384 ||
      info->shape.d[3] > 16384)
    return vkg_node_input_error(node, VKG_E_INPUT, input, "image shape %s out of range (1..16384 per side)",
                                vkg_shape_format(&info->shape, buf, sizeof buf));
  return VKG_OK;
}

vkg_status vkg_core_get_range(vkg_node *node, double *lo, double *hi) {
  const double *v = NULL;
  int n = 0;
  *lo = 0.0;
  *hi = 1.0;
  if (vkg_node_param_float_list(node, "range", &v, &n) != 0) return VKG_OK;
  if (n != 2) return vkg_node_error(node, VKG_E_INPUT, "range", "expected [lo, hi], got %d values", n);
  if (!(v[0] < v[1]) || !isfinite(v[0]) || !isfinite(v[1]))
    return vkg_node_error(node, VKG_E_INPUT, "range", "need lo < hi, got [%g, %g]", v[0], v[1]);
  *lo = v[0];
  *hi = v[1];
  return VKG_OK;
}

uint8_t vkg_core_to_byte(float x, double lo, double hi) {
  /* Same float32 arithmetic order as torchvision: ((x - lo) / (hi - lo)) * 255 + 0.5. */
  float v = (x - (float)lo) / (float)(hi - lo);
  v = v * 255.0f + 0.5f;
  if (!(v > 0.0f)) return 0; /* NaN too */
  if (v >= 255.0f) return 255;
  return (uint8_t)v;
}

vkg_status vkg_core_download_f32(vkg_node *node, const vkg_tensor *t, float **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  size_t bytes = vkg_tensor_bytes(t);
  float *x = malloc(bytes ? bytes : 1);
  if (!x) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory (%zu bytes)", bytes);
  vkg_status st = vkg_tensor_download(ctx, t, x, bytes);
  if (st) {
    free(x);
    return st;
  }
  *out = x;
  return VKG_OK;
}

vkg_status vkg_core_sample_to_image(vkg_node *node, const float *x, int64_t c, int64_t h, int64_t w, double lo,
                                    double hi, vkg_image *img) {
  img->width = (int)w;
  img->height = (int)h;
  img->channels = (int)c;
  img->pixels = malloc((size_t)(c * h * w));
  if (!img->pixels) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  for (int64_t ch = 0; ch < c; ch++)
    for (int64_t i = 0; i < h * w; i++) img->pixels[i * c + ch] = vkg_core_to_byte(x[ch * h * w + i], lo, hi);
  return VKG_OK;
}

char *vkg_core_subst(const char *pattern, const char *key, int64_t value) {
  char tok[64], num[32];
  snprintf(tok, sizeof tok, "{%s}", key);
  snprintf(num, sizeof num, "%lld", (long long)value);
  size_t tl = strlen(tok), nl = strlen(num), count = 0;
  for (const char *p = strstr(pattern, tok); p; p = strstr(p + tl, tok)) count++;
  char *out = malloc(strlen(pattern) + count * nl + 1);
  if (!out) return NULL;
  char *o = out;
  const char *p = pattern;
  for (const char *q = strstr(p, tok); q; q = strstr(p, tok)) {
    memcpy(o, p, (size_t)(q - p));
    o += q - p;
    memcpy(o, num, nl);
    o += nl;
    p = q + tl;
  }
  strcpy(o, p);
  return out;
}

/* Channel ch of pixel (y, x) of img as a float in [0, 1], converted to `channels` channels:
 * gray → replicated, RGB(A) → gray with ITU-R 601 luma (as PIL's convert("L")), alpha dropped. */
static float pixel(const vkg_image *img, int channels, int y, int x, int ch) {
  const uint8_t *p = img->pixels + ((size_t)y * (size_t)img->width + (size_t)x) * (size_t)img->channels;
  if (img->channels == 1) return p[0] / 255.0f;
  if (channels == 1) return (p[0] * 299 + p[1] * 587 + p[2] * 114) / 1000.0f / 255.0f;
  if (ch >= img->channels) return 1.0f; /* RGB → RGBA: opaque */
  return p[ch] / 255.0f;
}

void vkg_core_resize_bilinear(const vkg_image *img, int channels, int size, float *out) {
  double sy = (double)img->height / size, sx = (double)img->width / size;
  for (int ch = 0; ch < channels; ch++)
    for (int oy = 0; oy < size; oy++) {
      double fy = (oy + 0.5) * sy - 0.5;
      if (fy < 0) fy = 0;
      int y0 = (int)fy;
      int y1 = y0 + 1 < img->height ? y0 + 1 : y0;
      float ly = (float)(fy - y0);
      for (int ox = 0; ox < size; ox++) {
        double fx = (ox + 0.5) * sx - 0.5;
        if (fx < 0) fx = 0;
        int x0 = (int)fx;
        int x1 = x0 + 1 < img->width ? x0 + 1 : x0;
        float lx = (float)(fx - x0);
        float top = pixel(img, channels, y0, x0, ch) * (1 - lx) + pixel(img, channels, y0, x1, ch) * lx;
        float bot = pixel(img, channels, y1, x0, ch) * (1 - lx) + pixel(img, channels, y1, x1, ch) * lx;
        out[((size_t)ch * size + oy) * size + ox] = top * (1 - ly) + bot * ly;
      }
    }
}
