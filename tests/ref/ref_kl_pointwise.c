#include <math.h>
#include <stdlib.h>

#include "ref_kl.h"

float ref_activation(float xf, int act, float param) {
  double x = xf;
  switch (act) {
    case 1: return (float)(x > 0 ? x : 0);
    case 2: return (float)(x >= 0 ? x : x * param);
    case 3: return (float)(x / (1 + exp(-x)));
    case 4: return (float)(0.5 * x * erfc(-x / sqrt(2.0)));
    case 5: return (float)(0.5 * x * (1 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x))));
    case 6: return (float)tanh(x);
    case 7: return (float)(1 / (1 + exp(-x)));
    default: return xf;
  }
}

static int64_t bcast_index(int64_t flat, const int64_t *yshape, int ynd, const int64_t *shape, int nd) {
  int64_t idx = 0, stride = 1;
  for (int i = ynd - 1; i >= 0; i--) {
    int64_t c = flat % yshape[i];
    flat /= yshape[i];
    int ti = i - (ynd - nd);
    if (ti >= 0) {
      if (shape[ti] != 1) idx += c * stride;
      stride *= shape[ti];
    }
  }
  return idx;
}

void ref_binary(const float *a, const int64_t *ashape, int and_, const float *b, const int64_t *bshape, int bnd,
                float *y, const int64_t *yshape, int ynd, int op) {
  int64_t n = 1;
  for (int i = 0; i < ynd; i++) n *= yshape[i];
  for (int64_t i = 0; i < n; i++) {
    float u = a[bcast_index(i, yshape, ynd, ashape, and_)], v = b[bcast_index(i, yshape, ynd, bshape, bnd)];
    float r;
    switch (op) {
      case 0: r = u + v; break;
      case 1: r = u - v; break;
      case 2: r = u * v; break;
      case 3: r = u / v; break;
      case 4: r = u > v ? u : v; break;
      default: r = u < v ? u : v; break;
    }
    y[i] = r;
  }
}

void ref_timestep_embedding(const float *t, int64_t n, int64_t dim, int flip, float shift, float scale,
                            float max_period, int f32_angle, float *y) {
  int64_t half = dim / 2;
  float lmp = (float)-log((double)max_period), den = (float)((double)half - (double)shift);
  for (int64_t r = 0; r < n; r++) {
    for (int64_t i = 0; i < half; i++) {
      volatile float e = lmp * (float)i;
      volatile float e2 = e / den;
      double freq = (float)exp((double)e2);
      double ang;
      if (f32_angle) {
        volatile float a = t[r] * (float)freq;
        volatile float a2 = scale * a;
        ang = a2;
      } else {
        ang = (double)scale * ((double)t[r] * freq);
      }
      float s = (float)sin(ang), c = (float)cos(ang);
      y[r * dim + i] = flip ? c : s;
      y[r * dim + half + i] = flip ? s : c;
    }
    if (dim % 2) y[r * dim + dim - 1] = 0;
  }
}

void ref_modulate(const float *x, const float *mod, int64_t B, int64_t per_sample, int64_t dim, int64_t m,
                  int64_t scale_col, int64_t shift_col, float one, const float *res, float *y) {
  for (int64_t b = 0; b < B; b++)
    for (int64_t j = 0; j < per_sample; j++) {
      int64_t i = b * per_sample + j, d = j % dim;
      float v = x[i] * (one + mod[b * m + scale_col + d]);
      if (shift_col >= 0) v = v + mod[b * m + shift_col + d];
      if (res) v = res[i] + v;
      y[i] = v;
    }
}
