/* Fuzz target: PNG decoding from memory. */
#include <stdint.h>
#include <stdlib.h>

#include <vkgen/context.h>
#include <vkgen/io.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 0;
  vkg_image img;
  if (vkg_png_decode(ctx, "fuzz.png", data, size, &img) == VKG_OK) {
    if (img.width <= 0 || img.height <= 0 || img.width > 16384 || img.height > 16384 ||
        (img.channels != 1 && img.channels != 3 && img.channels != 4))
      abort();
    size_t n = (size_t)img.width * (size_t)img.height * (size_t)img.channels;
    volatile uint8_t acc = 0;
    for (size_t i = 0; i < n; i++) acc ^= img.pixels[i]; /* reads past the buffer trip ASan */
    (void)acc;
    vkg_image_free(&img);
  } else if (img.pixels) {
    abort();
  }
  vkg_ctx_destroy(ctx);
  return 0;
}
