/* vkgen — dtypes, shapes and device tensors.
 *
 * A vkg_tensor is a refcounted range of device memory with a dtype and a shape (row-major,
 * contiguous). Creation returns one reference; vkg_tensor_ref/unref share and drop it. When
 * the last reference goes, its memory returns to the context's pool at once: work already
 * recorded that reads it stays correct because the stream orders every dispatch after the
 * ones before it (see gpu.h).
 */
#ifndef VKGEN_TENSOR_H
#define VKGEN_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum vkg_dtype {
  VKG_F32 = 0,
  VKG_F16,
  VKG_I32,
  VKG_I64,
  VKG_U8,
  VKG_DTYPE_COUNT
} vkg_dtype;

#define VKG_MAX_DIMS 6

typedef struct vkg_shape {
  int ndim;
  int64_t d[VKG_MAX_DIMS];
} vkg_shape;

/* The static facts about a tensor; what shape inference passes around. */
typedef struct vkg_tensor_info {
  vkg_dtype dtype;
  vkg_shape shape;
  /* Integer tensors of ids (codebook indices, tokens): when > 0, every value is known to lie in
   * [0, index_limit) (a producer's vocabulary or codebook size), so a consumer can check at
   * validation that it accepts them; 0: unknown. Zero-initialised by the runtime. */
  int64_t index_limit;
} vkg_tensor_info;

VKG_EXPORT size_t vkg_dtype_size(vkg_dtype t);
VKG_EXPORT const char *vkg_dtype_name(vkg_dtype t); /* "f32", "f16", "i32", "i64", "u8" */
/* Accepts the names above and safetensors' "F32", "F16", "I32", "I64", "U8". 0 on success. */
VKG_EXPORT int vkg_dtype_parse(const char *s, vkg_dtype *out);

VKG_EXPORT vkg_shape vkg_shape_make(int ndim, const int64_t *dims);
VKG_EXPORT vkg_shape vkg_shape_4d(int64_t n, int64_t c, int64_t h, int64_t w);
/* Product of the dims; INT64_MAX when it overflows 64 bits (callers compare against their limits). */
VKG_EXPORT int64_t vkg_shape_numel(const vkg_shape *s);
VKG_EXPORT int vkg_shape_equal(const vkg_shape *a, const vkg_shape *b);
/* "[16, 3, 32, 32]"; returns buf. */
VKG_EXPORT const char *vkg_shape_format(const vkg_shape *s, char *buf, size_t n);

typedef struct vkg_tensor vkg_tensor;

/* Allocates device memory (contents undefined). Errors: VKG_E_NOMEM naming the bytes asked. */
VKG_EXPORT vkg_status vkg_tensor_create(vkg_ctx *ctx, vkg_dtype dtype, const vkg_shape *shape, vkg_tensor **out);
/* Same, then records an upload of host data (bytes = numel * dtype size) into the stream. */
VKG_EXPORT vkg_status vkg_tensor_create_from(vkg_ctx *ctx, vkg_dtype dtype, const vkg_shape *shape,
                                             const void *host, vkg_tensor **out);
/* A tensor sharing base's memory with another shape/dtype and a byte offset into base;
 * holds a reference to base. The view must fit inside base. */
VKG_EXPORT vkg_status vkg_tensor_view(vkg_ctx *ctx, vkg_tensor *base, vkg_dtype dtype, const vkg_shape *shape,
                                      size_t byte_offset, vkg_tensor **out);
VKG_EXPORT vkg_tensor *vkg_tensor_ref(vkg_tensor *t);
VKG_EXPORT void vkg_tensor_unref(vkg_tensor *t); /* NULL is fine */

VKG_EXPORT vkg_dtype vkg_tensor_dtype(const vkg_tensor *t);
VKG_EXPORT const vkg_shape *vkg_tensor_shape(const vkg_tensor *t);
VKG_EXPORT int64_t vkg_tensor_numel(const vkg_tensor *t);
VKG_EXPORT size_t vkg_tensor_bytes(const vkg_tensor *t);
VKG_EXPORT vkg_tensor_info vkg_tensor_get_info(const vkg_tensor *t);

/* Records a copy host → tensor into the stream (ordered with dispatches). bytes must equal
 * vkg_tensor_bytes(t). The host buffer may be reused as soon as this returns. */
VKG_EXPORT vkg_status vkg_tensor_upload(vkg_ctx *ctx, vkg_tensor *t, const void *host, size_t bytes);
/* Submits all recorded work, waits, and copies the tensor to host. bytes must equal
 * vkg_tensor_bytes(t). This is a host round trip: call it only where a value is needed. */
VKG_EXPORT vkg_status vkg_tensor_download(vkg_ctx *ctx, const vkg_tensor *t, void *host, size_t bytes);
/* Downloads a tensor of integer ids (i32 or i64) into host[0 .. numel) widened to int64 (one host
 * round trip, as vkg_tensor_download). Any other dtype is VKG_E_INPUT. */
VKG_EXPORT vkg_status vkg_tensor_download_ids(vkg_ctx *ctx, const vkg_tensor *t, int64_t *host);
/* Records a fill of the tensor's bytes with a 32-bit pattern (0 for zeros; 0x3f800000 = 1.0f). */
VKG_EXPORT vkg_status vkg_tensor_fill_u32(vkg_ctx *ctx, vkg_tensor *t, uint32_t pattern);
/* Records a device copy of src's bytes into dst (sizes must match). */
VKG_EXPORT vkg_status vkg_tensor_copy(vkg_ctx *ctx, const vkg_tensor *src, vkg_tensor *dst);

/* Half-float conversion helpers (round to nearest even). */
VKG_EXPORT uint16_t vkg_f32_to_f16(float f);
VKG_EXPORT float vkg_f16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif
#endif
