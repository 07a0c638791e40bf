#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_kl.h"

void ref_reduce(const float *x, const int64_t *shape, int nd, const int *reduced, int mean, float *y) {
  int64_t n = 1, ny = 1, cnt = 1;
  for (int i = 0; i < nd; i++) {
    n *= shape[i];
    if (reduced[i]) cnt *= shape[i];
    else ny *= shape[i];
  }
  double *acc = calloc((size_t)(ny ? ny : 1), sizeof *acc);
  if (!acc) return;
  for (int64_t i = 0; i < n; i++) {
    int64_t rem = i, o = 0, stride = 1;
    for (int d = nd - 1; d >= 0; d--) {
      int64_t c = rem % shape[d];
      rem /= shape[d];
      if (!reduced[d]) {
        o += c * stride;
        stride *= shape[d];
      }
    }
    acc[o] += x[i];
  }
  for (int64_t i = 0; i < ny; i++) y[i] = (float)(mean ? acc[i] / (double)cnt : acc[i]);
  free(acc);
}

/* Same arithmetic as the shader: f32 (x - c)^2 summed in order, no contraction. */
void ref_argmin_codebook(const float *x, const float *cb, int64_t n, int64_t k, int64_t d, int64_t *idx) {
  for (int64_t i = 0; i < n; i++) {
    float best = INFINITY;
    int64_t bi = 0;
    for (int64_t c = 0; c < k; c++) {
      volatile float acc = 0;
      for (int64_t t = 0; t < d; t++) {
        volatile float df = x[i * d + t] - cb[c * d + t];
        volatile float sq = df * df;
        acc = acc + sq;
      }
      if (acc < best || c == 0) {
        best = acc;
        bi = c;
      }
    }
    idx[i] = bi;
  }
}
