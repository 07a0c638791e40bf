/* PNG via libpng: decode from memory to 8-bit gray/RGB/RGBA, encode through vkg_outfile.
 * libpng reports errors by longjmp; the error function copies the message into a per-call
 * state struct (no global state), and everything allocated lives in that struct so it can
 * be freed after the jump. */
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "io/io_internal.h"

#define VKG_PNG_MAX_SIDE 16384
#define VKG_PNG_MAX_FILE ((size_t)1 << 30)

typedef struct png_state {
  char msg[256];
  const uint8_t *data;
  size_t size, pos;
  uint8_t *pixels;
  png_bytep *rows;
  png_structp png;
  png_infop info;
  vkg_status code;
  int width, height, channels;
} png_state;

static void on_error(png_structp png, png_const_charp msg) {
  png_state *s = png_get_error_ptr(png);
  snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "unknown error");
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg; /* ancillary-chunk trouble; the image is still usable */
}

static void read_mem(png_structp png, png_bytep out, png_size_t n) {
  png_state *s = png_get_io_ptr(png);
  if (n > s->size - s->pos) png_error(png, "truncated file");
  memcpy(out, s->data + s->pos, n);
  s->pos += n;
}

/* Walks the chunk list before libpng sees it: a chunk whose length runs past the end of
 * the data is refused here, so libpng never allocates for a length the input cannot back
 * (it allocates and clears an ancillary chunk's full claimed length before reading it). */
static int prescan_chunks(const uint8_t *p, size_t size, char *msg, size_t n) {
  size_t pos = 8;
  while (size - pos >= 8) {
    uint32_t len = ((uint32_t)p[pos] << 24) | ((uint32_t)p[pos + 1] << 16) | ((uint32_t)p[pos + 2] << 8) | p[pos + 3];
    char type[5];
    for (int i = 0; i < 4; i++) {
      uint8_t c = p[pos + 4 + i];
      type[i] = (char)((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?');
    }
    type[4] = '\0';
    if (len > 0x7fffffffu) {
      snprintf(msg, n, "chunk '%s' has a bad length %u", type, (unsigned)len);
      return -1;
    }
    if ((uint64_t)len + 12 > (uint64_t)(size - pos)) {
      snprintf(msg, n, "truncated: chunk '%s' at byte %zu claims %u bytes, %zu are left", type, pos, (unsigned)len,
               size - pos - 8);
      return -1;
    }
    if (memcmp(p + pos + 4, "IEND", 4) == 0) return 0;
    pos += 12 + (size_t)len;
  }
  snprintf(msg, n, "truncated: no IEND chunk");
  return -1;
}

/* Everything after setjmp goes through s, so nothing a longjmp could clobber is used. */
static int decode_core(png_state *s) {
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning);
  if (s->png) s->info = png_create_info_struct(s->png);
  if (!s->png || !s->info) {
    png_destroy_read_struct(&s->png, s->info ? &s->info : NULL, NULL);
    s->code = VKG_E_NOMEM;
    snprintf(s->msg, sizeof s->msg, "cannot create a PNG decoder");
    return -1;
  }
  if (setjmp(png_jmpbuf(s->png))) {
    free(s->rows);
    free(s->pixels);
    s->rows = NULL;
    s->pixels = NULL;
    png_destroy_read_struct(&s->png, &s->info, NULL);
    return -1;
  }
  png_structp png = s->png;
  png_infop info = s->info;
  png_set_user_limits(png, VKG_PNG_MAX_SIDE, VKG_PNG_MAX_SIDE);
  png_set_chunk_malloc_max(png, (png_alloc_size_t)64 << 20);
  png_set_read_fn(png, s, read_mem);
  /* Text and ICC chunks are never used here: skip them rather than decompress them. */
  static const png_byte skip[] = "tEXt\0zTXt\0iTXt\0iCCP\0sPLT\0";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skip, 5);
  png_read_info(png, info);
  png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  if (w == 0 || h == 0 || w > VKG_PNG_MAX_SIDE || h > VKG_PNG_MAX_SIDE) {
    snprintf(s->msg, sizeof s->msg, "size %ux%u is outside 1..%d per side", (unsigned)w, (unsigned)h,
             VKG_PNG_MAX_SIDE);
    png_longjmp(png, 1);
  }
  int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  png_set_expand(png); /* palette -> RGB, gray < 8 bit -> 8 bit, tRNS -> alpha */
  if (depth == 16) png_set_strip_16(png);
  if (color == PNG_COLOR_TYPE_GRAY_ALPHA || (color == PNG_COLOR_TYPE_GRAY && has_trns)) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  int ch = png_get_channels(png, info);
  size_t rowbytes = png_get_rowbytes(png, info);
  if ((ch != 1 && ch != 3 && ch != 4) || png_get_bit_depth(png, info) != 8 || rowbytes != (size_t)w * (size_t)ch) {
    snprintf(s->msg, sizeof s->msg, "unsupported layout after conversion (%d channels)", ch);
    png_longjmp(png, 1);
  }
  /* Deflate expands at most ~1032:1; an image that needs far more than the file could hold
   * is truncated, and is refused before a large allocation. */
  size_t raw = (size_t)h * (rowbytes + 1);
  if (raw / 1100 > s->size) {
    snprintf(s->msg, sizeof s->msg, "truncated: a %ux%u image cannot fit in %zu bytes", (unsigned)w, (unsigned)h,
             s->size);
    png_longjmp(png, 1);
  }
  s->pixels = malloc((size_t)h * rowbytes);
  s->rows = malloc((size_t)h * sizeof *s->rows);
  if (!s->pixels || !s->rows) {
    s->code = VKG_E_NOMEM;
    snprintf(s->msg, sizeof s->msg, "out of memory for a %ux%u image", (unsigned)w, (unsigned)h);
    png_longjmp(png, 1);
  }
  for (png_uint_32 y = 0; y < h; y++) s->rows[y] = s->pixels + (size_t)y * rowbytes;
  png_read_image(png, s->rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&s->png, &s->info, NULL);
  free(s->rows);
  s->rows = NULL;
  s->width = (int)w;
  s->height = (int)h;
  s->channels = ch;
  return 0;
}

vkg_status vkg_png_decode(vkg_ctx *ctx, const char *name, const void *data, size_t size, vkg_image *out) {
  memset(out, 0, sizeof *out);
  if (!name) name = "<memory>";
  if (size == 0 || !data) return vkg_error(ctx, VKG_E_INPUT, "%s: empty file, not a PNG image", name);
  if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: not a PNG image (bad signature)", name);
  png_state s;
  memset(&s, 0, sizeof s);
  if (prescan_chunks(data, size, s.msg, sizeof s.msg) != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: bad PNG image: %s", name, s.msg);
  s.data = data;
  s.size = size;
  s.code = VKG_E_INPUT;
  if (decode_core(&s) != 0) {
    if (s.code == VKG_E_NOMEM) return vkg_error(ctx, VKG_E_NOMEM, "%s: %s", name, s.msg);
    return vkg_error(ctx, s.code, "%s: bad PNG image: %s", name, s.msg);
  }
  out->width = s.width;
  out->height = s.height;
  out->channels = s.channels;
  out->pixels = s.pixels;
  return VKG_OK;
}

vkg_status vkg_png_read(vkg_ctx *ctx, const char *path, vkg_image *out) {
  memset(out, 0, sizeof *out);
  char *data = NULL;
  size_t size = 0;
  vkg_status st = vkg_read_file(ctx, path, VKG_PNG_MAX_FILE, &data, &size);
  if (st != VKG_OK) return st;
  st = vkg_png_decode(ctx, path, data, size, out);
  free(data);
  return st;
}

typedef struct png_wstate {
  char msg[256];
  png_bytep *rows;
} png_wstate;

vkg_status vkg_png_write(vkg_ctx *ctx, const char *path, const vkg_image *img) {
  if (!img || !img->pixels || img->width <= 0 || img->height <= 0 ||
      (img->channels != 1 && img->channels != 3 && img->channels != 4))
    return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': bad image (%dx%d, %d channels; 1, 3 or 4 expected)", path,
                     img ? img->width : 0, img ? img->height : 0, img ? img->channels : 0);
  png_wstate s;
  memset(&s, 0, sizeof s);
  s.rows = malloc((size_t)img->height * sizeof *s.rows);
  if (!s.rows) return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  size_t rowbytes = (size_t)img->width * (size_t)img->channels;
  for (int y = 0; y < img->height; y++) s.rows[y] = img->pixels + (size_t)y * rowbytes;
  vkg_outfile o;
  vkg_status st = vkg_outfile_open(ctx, path, &o);
  if (st != VKG_OK) {
    free(s.rows);
    return st;
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_write_struct(&png, NULL);
    vkg_outfile_abort(&o);
    free(s.rows);
    return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': cannot create a PNG encoder", path);
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    vkg_outfile_abort(&o);
    free(s.rows);
    return vkg_error(ctx, VKG_E_IO, "cannot write '%s': %s", path, s.msg);
  }
  int color = img->channels == 1 ? PNG_COLOR_TYPE_GRAY
              : img->channels == 3 ? PNG_COLOR_TYPE_RGB
                                   : PNG_COLOR_TYPE_RGBA;
  png_init_io(png, o.f);
  png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, color, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, s.rows);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  free(s.rows);
  return vkg_outfile_commit(ctx, &o);
}

void vkg_image_free(vkg_image *img) {
  if (!img) return;
  free(img->pixels);
  img->pixels = NULL;
  img->width = img->height = img->channels = 0;
}
