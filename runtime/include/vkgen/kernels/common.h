/* vkgen kernels — helpers shared by kernel callers (and kernel implementations). */
#ifndef VKGEN_KERNELS_COMMON_H
#define VKGEN_KERNELS_COMMON_H
#include <stdint.h>

#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ceil(a / b) for b > 0: workgroup counts. */
static inline uint32_t vkg_ceil_div_u32(uint64_t a, uint32_t b) { return (uint32_t)((a + b - 1) / b); }
static inline uint64_t vkg_round_up_u64(uint64_t a, uint64_t b) { return (a + b - 1) / b * b; }

/* Which family of kernel variants a context uses. VKG_VARIANT_CPU: texel-buffer,
 * register-blocked kernels (CPU Vulkan devices such as lavapipe); VKG_VARIANT_GPU:
 * shared-memory tiled kernels. Chosen from the device kind; the environment variable
 * VKGEN_KERNEL_VARIANT=cpu|gpu forces one (tests run both on any device). */
typedef enum vkg_kernel_variant { VKG_VARIANT_CPU = 0, VKG_VARIANT_GPU = 1 } vkg_kernel_variant;
VKG_EXPORT vkg_kernel_variant vkg_kernel_variant_get(vkg_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
