/* vkgen kernels — helpers shared by kernel callers (and kernel implementations). */
#ifndef VKGEN_KERNELS_COMMON_H
#define VKGEN_KERNELS_COMMON_H
#include <stdint.h>

#include "../context.h"
#include "../gpu.h"
#include "../tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ceil(a / b) for b > 0: workgroup counts. */
static inline uint32_t vkg_ceil_div_u32(uint64_t a, uint32_t b) { return (uint32_t)((a + b - 1) / b); }
static inline uint64_t vkg_round_up_u64(uint64_t a, uint64_t b) { return (a + b - 1) / b * b; }

/* Which family of kernel variants a context uses. VKG_VARIANT_CPU (alias VKG_VARIANT_TEXEL):
 * texel-buffer, register-blocked kernels, for devices where shared memory is slow (lavapipe);
 * VKG_VARIANT_GPU (alias VKG_VARIANT_TILED): shared-memory tiled kernels. */
typedef enum vkg_kernel_variant { VKG_VARIANT_CPU = 0, VKG_VARIANT_GPU = 1 } vkg_kernel_variant;
#define VKG_VARIANT_TEXEL VKG_VARIANT_CPU
#define VKG_VARIANT_TILED VKG_VARIANT_GPU

/* Shared memory and invocations per workgroup the tiled variant needs (gemm_tiled.comp: two
 * 16x64 f32 tiles, 16x16 invocations). */
#define VKG_TILED_SHARED_BYTES 8192u
#define VKG_TILED_INVOCATIONS 256u

/* The variant for a device, from its features and quirks alone (pure, documented in
 * docs/architecture.md): the texel variant when shared memory is slow
 * (VKG_QUIRK_SLOW_SHARED_MEMORY), when the device is a CPU, or when the tiled kernels'
 * shared memory or workgroup size does not fit; the tiled variant otherwise. */
VKG_EXPORT vkg_kernel_variant vkg_kernel_variant_select(const vkg_device_caps *caps, vkg_device_kind kind);

/* The variant the context's kernels use: VKGEN_KERNEL_VARIANT=cpu|gpu when set (tests run both
 * on any device, and benchmarks compare them), else vkg_kernel_variant_select of the device
 * (opened if needed). */
VKG_EXPORT vkg_kernel_variant vkg_kernel_variant_get(vkg_ctx *ctx);
/* "cpu (texel)" / "gpu (tiled)" */
VKG_EXPORT const char *vkg_kernel_variant_name(vkg_kernel_variant v);

#ifdef __cplusplus
}
#endif
#endif
