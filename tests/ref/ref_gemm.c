/* Plain C references of the GEMM kernels. */
#include "ref_gemm.h"

void vkg_ref_matmul(const float *a, const float *b, float *c, int64_t batch_a, int64_t batch_b, int64_t batch,
                    int64_t M, int64_t N, int64_t K, int ta, int tb, float alpha, float beta) {
  for (int64_t z = 0; z < batch; ++z) {
    const float *az = a + (batch_a > 1 ? z : 0) * M * K;
    const float *bz = b + (batch_b > 1 ? z : 0) * K * N;
    float *cz = c + z * M * N;
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) {
        double s = 0.0;
        for (int64_t k = 0; k < K; ++k) {
          double av = ta ? az[k * M + m] : az[m * K + k];
          double bv = tb ? bz[n * K + k] : bz[k * N + n];
          s += av * bv;
        }
        double v = alpha * s;
        if (beta != 0.0f) v += (double)beta * cz[m * N + n];
        cz[m * N + n] = (float)v;
      }
  }
}

void vkg_ref_linear(const float *x, const float *w, const float *bias, float *y, int64_t M, int64_t in,
                    int64_t out) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t o = 0; o < out; ++o) {
      double s = bias ? bias[o] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += (double)x[m * in + i] * w[o * in + i];
      y[m * out + o] = (float)s;
    }
}
