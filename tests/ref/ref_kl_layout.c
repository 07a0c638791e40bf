#include "ref_kl.h"

void ref_permute(const float *x, const int64_t *xshape, int nd, const int *perm, float *y) {
  int64_t xs[6], ys[6], n = 1;
  for (int i = nd - 1, acc = 1; i >= 0; i--) {
    xs[i] = acc;
    acc *= (int)xshape[i];
  }
  for (int i = 0; i < nd; i++) {
    ys[i] = xshape[perm[i]];
    n *= ys[i];
  }
  for (int64_t o = 0; o < n; o++) {
    int64_t rem = o, src = 0;
    for (int i = nd - 1; i >= 0; i--) {
      src += (rem % ys[i]) * xs[perm[i]];
      rem /= ys[i];
    }
    y[o] = x[src];
  }
}
