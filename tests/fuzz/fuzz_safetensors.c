/* Fuzz target: safetensors from memory, then every accessor on what parsed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/context.h>
#include <vkgen/io.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 0;
  vkg_safetensors *st = NULL;
  if (vkg_safetensors_parse(ctx, "fuzz.safetensors", data, size, &st) == VKG_OK) {
    int n = vkg_safetensors_count(st);
    for (int i = 0; i < n; i++) {
      const vkg_st_entry *e = vkg_safetensors_entry(st, i);
      if (vkg_safetensors_find(st, e->name) != e) abort(); /* lookup must agree with the sorted list */
      /* Touch every byte the entry claims: ASan flags any that lie outside the input. */
      volatile uint8_t acc = 0;
      for (size_t b = 0; b < e->bytes; b++) acc ^= ((const uint8_t *)e->data)[b];
      (void)acc;
      size_t numel = e->elem_size ? e->bytes / e->elem_size : 0;
      float *f = malloc((numel ? numel : 1) * sizeof *f);
      if (f) (void)vkg_safetensors_read_f32(ctx, st, e, f);
      free(f);
      int64_t want[VKG_MAX_DIMS];
      for (int d = 0; d < e->shape.ndim; d++) want[d] = d % 2 ? -1 : e->shape.d[d];
      if (vkg_safetensors_expect(ctx, st, e->name, e->shape.ndim, want, NULL) != VKG_OK) abort();
    }
    (void)vkg_safetensors_metadata(st, "format");
    (void)vkg_safetensors_expect(ctx, st, "missing", 1, (const int64_t[]){1}, NULL);
    vkg_safetensors_close(st);
  } else if (st) {
    abort(); /* a failed parse must not hand anything out */
  }
  vkg_ctx_destroy(ctx);
  return 0;
}
