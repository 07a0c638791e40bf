/* Small helpers shared by the kernel-library wrappers (norms, elementwise, layout, ...):
 * pipeline lookup from an embedded SPIR-V module, 1-D grids, and shape/dtype checks that
 * leave VKG_E_INPUT messages naming the kernel. */
#ifndef VKG_KLIB_INTERNAL_H
#define VKG_KLIB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vkgen/gpu.h"
#include "vkgen/tensor.h"

/* Workgroup size of every 1-D kernel here (local_size_x in the shaders). */
#define VKG_K_LOCAL 64

/* Builds a desc with nbind storage bindings and gets the pipeline. */
vkg_status vkg_k_pipeline(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes, int nbind,
                          uint32_t push_bytes, vkg_pipeline **out);

/* Dispatches count invocations (VKG_K_LOCAL per group) as a 2-D grid of groups; shaders
 * compute their index as gl_GlobalInvocationID.x + gl_GlobalInvocationID.y *
 * gl_NumWorkGroups.x * VKG_K_LOCAL and return when it is >= count. count 0 records nothing. */
vkg_status vkg_k_run(vkg_ctx *ctx, vkg_pipeline *p, const vkg_tensor *const *t, int n, const void *push,
                     uint32_t push_bytes, uint64_t count);

/* Get the pipeline and run it over count invocations in one call. */
vkg_status vkg_k_launch(vkg_ctx *ctx, const char *name, const uint32_t *spirv, size_t spirv_bytes,
                        const vkg_tensor *const *t, int n, const void *push, uint32_t push_bytes, uint64_t count);

/* "[2, 3]" of a tensor into buf (64 bytes is enough). */
const char *vkg_k_shape(const vkg_tensor *t, char *buf, size_t n);

/* VKG_E_INPUT unless t is non-NULL and of dtype dt; what names the argument. */
vkg_status vkg_k_need(vkg_ctx *ctx, const char *kernel, const char *what, const vkg_tensor *t, vkg_dtype dt);
/* VKG_E_INPUT unless a and b have the same shape. */
vkg_status vkg_k_same_shape(vkg_ctx *ctx, const char *kernel, const char *an, const vkg_tensor *a, const char *bn,
                            const vkg_tensor *b);
/* x and y both f32 of one shape whose numel fits 32-bit indices. */
vkg_status vkg_k_same_f32(vkg_ctx *ctx, const char *kernel, const vkg_tensor *x, const vkg_tensor *y);
/* Numel fits the 32-bit indices the shaders use. */
vkg_status vkg_k_fits(vkg_ctx *ctx, const char *kernel, const vkg_tensor *t);

/* Elements one invocation walks at most in a loop. lavapipe (llvmpipe) ends every shader
 * invocation after 65535 loop iterations in total (all loops together), silently; kernels
 * here split long loops into chunks of this size and merge the partial results. */
#define VKG_K_CHUNK 8192

/* Per-row statistics of x seen as rows of len contiguous floats, into a new [rows, 2]
 * tensor *stats: softmax 0: (mean, 1 / sqrt(var + eps)) (biased variance, two-pass);
 * softmax 1: (max, 1 / sum exp(x - max)), or (max, log sum) when logsm. */
vkg_status vkg_k_rowstats(vkg_ctx *ctx, const vkg_tensor *x, uint32_t rows, uint32_t len, int softmax, int logsm,
                          float eps, vkg_tensor **stats);

/* idx[r] = index bits of the smallest value among part[r * nch + c] (pairs (value, index
 * as float bits)), earliest chunk on ties; idx i32 or i64. */
vkg_status vkg_k_argbest_merge(vkg_ctx *ctx, const vkg_tensor *part, vkg_tensor *idx, uint32_t rows, uint32_t nch);

#define VKG_K_LAUNCH(ctx, shader, t, n, push, count)                                                           \
  vkg_k_launch((ctx), #shader, vkg_spv_##shader, sizeof(vkg_spv_##shader), (t), (n), (push), sizeof(*(push)), \
               (count))

#endif
