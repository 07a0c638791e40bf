/* vkgen kernels — matrix multiply and linear layers (f32). */
#ifndef VKGEN_KERNELS_GEMM_H
#define VKGEN_KERNELS_GEMM_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* C = alpha * op(A) @ op(B) + beta * C, batched.
 * A: [batch, M, K] ([batch, K, M] when trans_a), B: [batch, K, N] ([batch, N, K] when
 * trans_b), C: [batch, M, N]. 2-D tensors are batch 1; a batch of 1 in A or B broadcasts
 * against C's batch. beta == 0 ignores C's old contents (NaN-safe). */
VKG_EXPORT vkg_status vkg_matmul(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, vkg_tensor *c, int trans_a,
                                 int trans_b, float alpha, float beta);

/* y = x @ w^T + bias, as torch.nn.functional.linear. x: [..., in], w: [out, in],
 * bias: [out] or NULL, y: [..., out]. */
VKG_EXPORT vkg_status vkg_linear(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                 vkg_tensor *y);
/* y += x @ w^T + bias: the same with the result added to y's contents (a residual connection
 * fused into the GEMM's epilogue; y must not alias x). */
VKG_EXPORT vkg_status vkg_linear_acc(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                                     vkg_tensor *y);

#ifdef __cplusplus
}
#endif
#endif
