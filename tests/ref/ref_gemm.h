/* Plain C references of the GEMM kernels (double accumulation). */
#ifndef VKG_REF_GEMM_H
#define VKG_REF_GEMM_H
#include <stdint.h>

/* c[z] = alpha * op(a[za]) @ op(b[zb]) + beta * c[z] for z < batch, where za = z when
 * batch_a > 1 else 0 (same for b). a: [batch_a][M][K] or [batch_a][K][M] when ta;
 * b: [batch_b][K][N] or [batch_b][N][K] when tb. beta == 0 ignores c's old contents. */
void vkg_ref_matmul(const float *a, const float *b, float *c, int64_t batch_a, int64_t batch_b, int64_t batch,
                    int64_t M, int64_t N, int64_t K, int ta, int tb, float alpha, float beta);
/* y[m][o] = sum_i x[m][i] w[o][i] + bias[o] (bias may be NULL). */
void vkg_ref_linear(const float *x, const float *w, const float *bias, float *y, int64_t M, int64_t in,
                    int64_t out);

#endif
