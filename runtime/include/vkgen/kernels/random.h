/* vkgen kernels — counter-based random numbers (Philox4x32-10).
 *
 * Every value is a pure function of (seed, sample index, element index within the sample):
 * sample i of a batch gets the same numbers whatever the batch size, batch order or the
 * device, so results do not depend on how work is split.
 */
#ifndef VKGEN_KERNELS_RANDOM_H
#define VKGEN_KERNELS_RANDOM_H
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The keying, shared by every function here: Philox4x32-10 with key (seed & 0xffffffff,
 * seed >> 32) and counter (element_index / 4, sample & 0xffffffff, sample >> 32, stream);
 * word element_index % 4 of the output block belongs to that element. Uniforms are
 * (word >> 8) * 2^-24 in [0, 1). Normals use Box-Muller on the pairs (words 0, 1) and
 * (words 2, 3) of a block: u1 = ((w0 >> 8) + 1) * 2^-24 in (0, 1], u2 = (w1 >> 8) * 2^-24,
 * z0 = sqrt(-2 ln u1) cos(2 pi u2), z1 = sqrt(-2 ln u1) sin(2 pi u2). */

/* Fills t (f32, dim 0 = samples) with standard normal values (Box-Muller on Philox
 * uniforms). Sample b of t is global sample first_sample + b. stream separates independent
 * uses of one seed (e.g. the noise of each sampler step). */
VKG_EXPORT vkg_status vkg_randn(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample, uint32_t stream);
/* Same with uniform values in [0, 1). */
VKG_EXPORT vkg_status vkg_rand_uniform(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample,
                                       uint32_t stream);

/* Categorical sampling from logits with the Gumbel-max trick:
 * idx[n] = argmax_c (logits[n, c] / temperature + g[n, c]), g = -ln(-ln(u)), with
 * u = ((word >> 9) + 0.5) * 2^-23 in (0, 1) (exact in f32) from the word of
 * (seed, sample first_sample + n, element c, stream) in the keying above.
 * Exactly distributed as softmax(logits / temperature); ties to the lowest index.
 * temperature <= 0 means greedy argmax. logits: [N, C] f32, idx: [N] i32. */
VKG_EXPORT vkg_status vkg_categorical(vkg_ctx *ctx, const vkg_tensor *logits, vkg_tensor *idx, float temperature,
                                      uint64_t seed, uint64_t first_sample, uint32_t stream);

/* Sampling from logits as taming-transformers' sample_with_past does it: logits / temperature,
 * then transformers' top_k_top_p_filtering, then a draw from the softmax (Gumbel-max with the
 * words of vkg_categorical, so with top_k 0 and top_p >= 1 this equals vkg_categorical).
 * top_k > 0 keeps the entries with fewer than top_k strictly larger ones (ties with the k-th
 * value stay, as torch.topk's threshold); top_p < 1 then keeps, in descending order (equal
 * values by index), each entry whose preceding probability mass is <= top_p (the first always).
 * temperature <= 0: greedy argmax (filters do not change it). logits [N, C] f32 (C <= 32768
 * when a filter is on; each filter is O(C^2) per row), idx [N] i32. */
VKG_EXPORT vkg_status vkg_sample_logits(vkg_ctx *ctx, const vkg_tensor *logits, vkg_tensor *idx, float temperature,
                                        int64_t top_k, float top_p, uint64_t seed, uint64_t first_sample,
                                        uint32_t stream);

#ifdef __cplusplus
}
#endif
#endif
