/* Fuzz target: IDX (plain or gzip'd) from memory. */
#include <stdint.h>
#include <stdlib.h>

#include <vkgen/context.h>
#include <vkgen/io.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 0;
  vkg_idx idx;
  if (vkg_idx_parse(ctx, "fuzz.idx", data, size, &idx) == VKG_OK) {
    if (idx.ndim < 1 || idx.ndim > VKG_MAX_DIMS) abort();
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < idx.bytes; i++) acc ^= ((const uint8_t *)idx.data)[i];
    (void)acc;
  } else if (idx.data) {
    abort();
  }
  vkg_idx_free(&idx);
  vkg_ctx_destroy(ctx);
  return 0;
}
