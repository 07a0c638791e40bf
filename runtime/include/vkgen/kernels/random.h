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

/* Fills t (f32, dim 0 = samples) with standard normal values (Box-Muller on Philox
 * uniforms). Sample b of t is global sample first_sample + b. stream separates independent
 * uses of one seed (e.g. the noise of each sampler step). */
VKG_EXPORT vkg_status vkg_randn(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample, uint32_t stream);
/* Same with uniform values in [0, 1). */
VKG_EXPORT vkg_status vkg_rand_uniform(vkg_ctx *ctx, vkg_tensor *t, uint64_t seed, uint64_t first_sample,
                                       uint32_t stream);

#ifdef __cplusplus
}
#endif
#endif
