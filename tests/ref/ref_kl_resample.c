#include <math.h>

#include "ref_kl.h"

void ref_upsample_nearest(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  for (int64_t p = 0; p < nc; p++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++) {
        /* torch "nearest": floor(dst * scale) with scale = in / out in f32, clamped */
        int64_t si = (int64_t)floorf((float)i * ((float)h / (float)oh)), sj = (int64_t)floorf((float)j * ((float)w / (float)ow));
        if (si > h - 1) si = h - 1;
        if (sj > w - 1) sj = w - 1;
        y[(p * oh + i) * ow + j] = x[(p * h + si) * w + sj];
      }
}

/* torch upsample_bilinear2d (align_corners=False) on CPU: f32 scale, source index in double,
 * weights and the interpolation in f32 */
void ref_resize_bilinear(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  float sh = (float)h / (float)oh, sw = (float)w / (float)ow;
  for (int64_t p = 0; p < nc; p++)
    for (int64_t i = 0; i < oh; i++) {
      double fy = (double)sh * ((double)i + 0.5) - 0.5;
      if (fy < 0) fy = 0;
      int64_t y0 = (int64_t)fy, y1 = y0 + (y0 < h - 1);
      float ly = (float)(fy - (double)y0), hy = 1.0f - ly;
      for (int64_t j = 0; j < ow; j++) {
        double fx = (double)sw * ((double)j + 0.5) - 0.5;
        if (fx < 0) fx = 0;
        int64_t x0 = (int64_t)fx, x1 = x0 + (x0 < w - 1);
        float lx = (float)(fx - (double)x0), hx = 1.0f - lx;
        const float *b = x + p * h * w;
        y[(p * oh + i) * ow + j] =
            hy * (hx * b[y0 * w + x0] + lx * b[y0 * w + x1]) + ly * (hx * b[y1 * w + x0] + lx * b[y1 * w + x1]);
      }
    }
}

void ref_pool2d(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int kh, int kw, int sh, int sw, int ph,
                int pw, int mode) {
  int64_t oh = (h + 2 * ph - kh) / sh + 1, ow = (w + 2 * pw - kw) / sw + 1;
  for (int64_t p = 0; p < nc; p++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++) {
        double acc = mode == 2 ? -INFINITY : 0;
        int cnt = 0;
        for (int a = 0; a < kh; a++)
          for (int b = 0; b < kw; b++) {
            int64_t yy = i * sh - ph + a, xx = j * sw - pw + b;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            double v = x[(p * h + yy) * w + xx];
            if (mode == 2) acc = v > acc ? v : acc;
            else acc += v;
            cnt++;
          }
        if (mode == 0) acc /= kh * kw;
        if (mode == 1) acc /= cnt;
        y[(p * oh + i) * ow + j] = (float)acc;
      }
}

void ref_adaptive_avg_pool2d(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  for (int64_t p = 0; p < nc; p++)
    for (int64_t i = 0; i < oh; i++)
      for (int64_t j = 0; j < ow; j++) {
        int64_t ys = (int64_t)floor((double)(i * h) / oh), ye = (int64_t)ceil((double)((i + 1) * h) / oh);
        int64_t xs = (int64_t)floor((double)(j * w) / ow), xe = (int64_t)ceil((double)((j + 1) * w) / ow);
        double acc = 0;
        for (int64_t a = ys; a < ye; a++)
          for (int64_t b = xs; b < xe; b++) acc += x[(p * h + a) * w + b];
        y[(p * oh + i) * ow + j] = (float)(acc / (double)((ye - ys) * (xe - xs)));
      }
}
