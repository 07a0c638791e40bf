/* vkgen kernels — scaled dot-product attention (f32). */
#ifndef VKGEN_KERNELS_ATTENTION_H
#define VKGEN_KERNELS_ATTENTION_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out = softmax(scale * q @ k^T) @ v, as torch.nn.functional.scaled_dot_product_attention
 * without mask or dropout. q: [B, H, Lq, D], k: [B, H, Lk, D], v: [B, H, Lk, Dv],
 * out: [B, H, Lq, Dv]; 3-D tensors ([B*H, L, D]) are accepted too (all four the same rank).
 * Lq != Lk is allowed. scale <= 0 means 1 / sqrt(D). The softmax runs in f32 and is
 * max-subtracted. Up to D 49152 this is vkg_attention_flash (no scores stored); beyond, the
 * scores [B*H, Lq, Lk] are kept in a scratch tensor (Lk and D up to 131072).
 * out must not alias q, k or v. */
VKG_EXPORT vkg_status vkg_attention(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k, const vkg_tensor *v,
                                    vkg_tensor *out, float scale);

/* The same as vkg_attention (shapes, scale, aliasing), fused: scores, softmax and P @ V per
 * query without storing the [B*H, Lq, Lk] scores (an online softmax as in FlashAttention:
 * running max and sum, the accumulator rescaled as keys come). Long key sequences are split
 * into chunks whose partial results (Dv + 2 floats per query and chunk) are merged after, so
 * memory grows with Lq * Dv, not Lq * Lk. D up to 49152. */
VKG_EXPORT vkg_status vkg_attention_flash(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k,
                                          const vkg_tensor *v, vkg_tensor *out, float scale);

/* The same with a causal mask, as minGPT's CausalSelfAttention: query i sits at position
 * p = i + Lk - Lq (the last Lq of Lk positions) and attends to keys j <= p; when p < n_unmasked
 * it also attends to every key j < n_unmasked (minGPT's n_unmasked prefix, 0 for none). */
VKG_EXPORT vkg_status vkg_attention_causal(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *k,
                                           const vkg_tensor *v, vkg_tensor *out, float scale, int64_t n_unmasked);

#ifdef __cplusplus
}
#endif
#endif
