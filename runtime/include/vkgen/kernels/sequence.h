/* vkgen kernels — token sequences: embeddings, the KV cache of incremental decoding, decoding
 * attention, and writing sampled tokens (f32 activations; token ids i32 or i64). */
#ifndef VKGEN_KERNELS_SEQUENCE_H
#define VKGEN_KERNELS_SEQUENCE_H

#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Token + position embedding, as minGPT's tok_emb(idx) + pos_emb[:, pos0 : pos0 + T]:
 *   y[b, t, :] = tok[ids[b, col0 + t], :] + pos[pos0 + t, :]
 * ids: [B, L] i32 or i64 with col0 + T <= L; tok: [V, C]; pos: [P, C] (pos0 + T <= P) or NULL;
 * y: [B, T, C]. Ids must be in [0, V) (callers check: the kernel clamps out-of-range ids). */
VKG_EXPORT vkg_status vkg_embedding(vkg_ctx *ctx, const vkg_tensor *ids, int64_t col0, const vkg_tensor *tok,
                                    const vkg_tensor *pos, int64_t pos0, vkg_tensor *y);

/* Appends the keys and values of T new tokens to a KV cache: k, v [B, T, H * D] (token-major, as
 * linear layers produce them) go to kc, vc [B, H, cap, D] at positions pos .. pos + T - 1. */
VKG_EXPORT vkg_status vkg_kv_append(vkg_ctx *ctx, const vkg_tensor *k, const vkg_tensor *v, vkg_tensor *kc,
                                    vkg_tensor *vc, int64_t pos);

/* Attention of one new token over the first n cached positions (incremental decoding):
 *   y[b, 0, h*D : (h+1)*D] = softmax(scale * q_h . kc[b, h, :n]^T) @ vc[b, h, :n]
 * q, y: [B, 1, H * D]; kc, vc: [B, H, cap, D]; 1 <= n <= cap <= 8192; scale <= 0: 1 / sqrt(D).
 * Three dispatches: scores (one invocation each), a max-subtracted softmax per (b, h) row, P @ V. */
VKG_EXPORT vkg_status vkg_attention_cached(vkg_ctx *ctx, const vkg_tensor *q, const vkg_tensor *kc,
                                           const vkg_tensor *vc, int64_t n, vkg_tensor *y, float scale);

/* seq[r, col] = idx[r]: idx [N] i32, seq [N, L] i32 or i64. */
VKG_EXPORT vkg_status vkg_put_tokens(vkg_ctx *ctx, const vkg_tensor *idx, vkg_tensor *seq, int64_t col);

#ifdef __cplusplus
}
#endif
#endif
