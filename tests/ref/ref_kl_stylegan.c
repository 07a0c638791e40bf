/* Plain C references of the StyleGAN2 kernels: upfirdn2d, bias_act, rms_normalize (double sums). */
#include <math.h>

#include "ref_kl.h"

void ref_upfirdn2d(const float *x, const float *f, float *y, int64_t nc, int64_t h, int64_t w, int fh, int fw, int up,
                   int down, int px0, int px1, int py0, int py1, float gain) {
  /* explicit pipeline: upsample into a padded buffer, then filter with the flipped kernel */
  const int64_t uh = h * up + py0 + py1, uw = w * up + px0 + px1;
  const int64_t oh = (uh - fh) / down + 1, ow = (uw - fw) / down + 1;
  for (int64_t p = 0; p < nc; p++)
    for (int64_t oy = 0; oy < oh; oy++)
      for (int64_t ox = 0; ox < ow; ox++) {
        double acc = 0;
        for (int a = 0; a < fh; a++)
          for (int b = 0; b < fw; b++) {
            int64_t r = oy * down + a - py0, s = ox * down + b - px0; /* in the zero-inserted image */
            if (r < 0 || s < 0 || r >= h * up || s >= w * up || r % up || s % up) continue;
            acc += (double)x[(p * h + r / up) * w + s / up] * f[(fh - 1 - a) * fw + (fw - 1 - b)];
          }
        y[(p * oh + oy) * ow + ox] = (float)(acc * gain);
      }
}

void ref_bias_act(const float *x, const float *demod, const float *noise, int noise_per_sample, float strength,
                  const float *bias, const float *res, float *y, int64_t n, int64_t c, int64_t sp, int act,
                  float alpha, float gain, float clampv, float eps) {
  for (int64_t b = 0; b < n; b++)
    for (int64_t ch = 0; ch < c; ch++)
      for (int64_t s = 0; s < sp; s++) {
        int64_t i = (b * c + ch) * sp + s;
        double v = x[i];
        if (demod) v *= 1.0 / sqrt((double)demod[b * c + ch] + eps);
        if (noise) v += (double)noise[(noise_per_sample ? b * sp : 0) + s] * strength;
        if (bias) v += bias[ch];
        if (act == 1 && v < 0) v = 0;
        if (act == 2 && v < 0) v *= alpha;
        v *= gain;
        if (clampv >= 0) v = v < -clampv ? -clampv : v > clampv ? clampv : v;
        if (res) v += res[i];
        y[i] = (float)v;
      }
}

void ref_rms_normalize(const float *x, float *y, int64_t rows, int64_t len, float eps) {
  for (int64_t r = 0; r < rows; r++) {
    double acc = 0;
    for (int64_t j = 0; j < len; j++) acc += (double)x[r * len + j] * x[r * len + j];
    double k = 1.0 / sqrt(acc / (double)len + eps);
    for (int64_t j = 0; j < len; j++) y[r * len + j] = (float)(x[r * len + j] * k);
  }
}
