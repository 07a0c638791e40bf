/* Internal helpers of the kernel library (runtime/src/kernels). */
#ifndef VKG_KERNELS_INTERNAL_H
#define VKG_KERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vkgen/context.h"
#include "vkgen/gpu.h"
#include "vkgen/kernels/common.h"
#include "vkgen/tensor.h"

/* The pipeline of an embedded shader: builds the kernel descriptor from the binding kinds
 * (a string, one letter per binding: 's' storage, 't' texel) and gets the pipeline;
 * errors carry the kernel name. Usage:
 *   vkg_kernel_pipeline(ctx, "gemm_pack", vkg_spv_gemm_pack, sizeof vkg_spv_gemm_pack, "ss",
 *                       sizeof(push), NULL, 0, &pipe) */
vkg_status vkg_kernel_pipeline(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes,
                               const char *binds, uint32_t push_bytes, const uint32_t *spec, int nspec,
                               vkg_pipeline **out);

/* VKG_E_INPUT "KERNEL: TENSOR must be f32, got f16" unless t is f32. */
vkg_status vkg_kernel_check_f32(vkg_ctx *ctx, const char *kernel, const char *tname, const vkg_tensor *t);
/* An uninitialised f32 scratch tensor of n elements (dropped with vkg_tensor_unref right
 * after the dispatches that use it: the stream keeps that safe). */
vkg_status vkg_kernel_scratch(vkg_ctx *ctx, uint64_t n, vkg_tensor **out);

/* ---- the GEMM engine behind matmul, linear and the convolutions (gemm.c) ----
 * C(z, m, n) = alpha * sum_k A(z, m, k) B(z, k, n) [+ beta C] [+ bias], for z < Z. */
typedef struct vkg_gemm_operand {
  const vkg_tensor *t;
  uint64_t off;          /* elements */
  uint64_t zs;           /* elements between z slices; 0 broadcasts one slice */
  uint64_t s_row, s_col; /* A: (m, k) strides; B: (k, n) strides */
  int k_padded;          /* the K tail up to a multiple of 4 exists and is zero */
} vkg_gemm_operand;

typedef struct vkg_gemm_out {
  vkg_tensor *t;
  /* C(z, m, n) lives at off + z*zs + m*sm + (g / div)*sq + (g % div)*sn, g = n0 + n */
  uint64_t off, zs, sm, sn, div, sq, n0;
  const vkg_tensor *bias; /* NULL: none */
  int bias_per_col;       /* 0: bias[z*bias_zs + m], 1: bias[z*bias_zs + n] */
  uint64_t bias_zs;
  float alpha, beta; /* beta == 0 never reads C */
  int act;           /* vkg_act applied to each stored element (0 none) */
  float act_param;
} vkg_gemm_out;

/* A dense output: C(z, m, n) at z*zs + m*sm + n, alpha 1, no bias, beta 0, no activation; callers set
 * the rest (bias, alpha, beta, act, a split n axis through div/sq) on the result. */
vkg_gemm_out vkg_gemm_out_dense(vkg_tensor *t, uint64_t zs, uint64_t sm);
vkg_status vkg_gemm_run(vkg_ctx *ctx, const char *kernel, uint64_t M, uint64_t N, uint64_t K, uint64_t Z,
                        const vkg_gemm_operand *a, const vkg_gemm_operand *b, const vkg_gemm_out *c);
/* A dense zero-padded copy [nz][rows_p][cols_p] of the strided matrix o (rows x cols; o's
 * s_row/s_col are its strides), as the texel GEMM packs its operands. */
vkg_status vkg_gemm_pack(vkg_ctx *ctx, const vkg_gemm_operand *o, uint64_t nz, uint64_t rows, uint64_t cols,
                         uint64_t rows_p, uint64_t cols_p, vkg_tensor **out);
/* Columns of C one texel-GEMM workgroup covers (chunk sizes of im2col are multiples of it). */
uint32_t vkg_gemm_tile_cols(vkg_ctx *ctx);

/* ---- direct convolution for narrow outputs (conv_direct.c) ---- */
#include "vkgen/kernels/conv.h"
/* Whether vkg_conv2d_direct takes this shape on this device (and VKGEN_CONV_ALGO allows);
 * npix: N * OH * OW. */
int vkg_conv2d_direct_ok(vkg_ctx *ctx, int64_t cin, int64_t cout, int64_t kh, int64_t kw,
                         const vkg_conv2d_params *p, int64_t npix);
/* y = act(conv2d(x, w) + bias); arguments already checked by vkg_conv2d_act. */
vkg_status vkg_conv2d_direct(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *w, const vkg_tensor *bias,
                             vkg_tensor *y, const vkg_conv2d_params *p, vkg_act act, float act_param);

#endif
