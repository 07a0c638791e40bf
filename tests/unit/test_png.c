/* PNG: gray/RGB/RGBA round trips, libpng conversions (palette, tRNS, 16-bit, gray+alpha,
 * 1-bit), and refusal of truncated, garbage and oversized images. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static const char *fixture(const char *name) {
  static char buf[2][512];
  static int k;
  char *b = buf[k++ & 1];
  snprintf(b, 512, "%s/tests/fixtures/io/%s", VKG_TEST_SOURCE_DIR, name);
  return b;
}

static const char *tmp_path(const char *name) {
  static char buf[2][512];
  static int k;
  char *b = buf[k++ & 1];
  snprintf(b, 512, "%s/%s", vkg_test_tmpdir(), name);
  return b;
}

static void round_trip(int w, int h, int c) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_image img = {w, h, c, malloc((size_t)w * h * c)};
  for (int i = 0; i < w * h * c; i++) img.pixels[i] = (uint8_t)(i * 37 + 11);
  char name[64];
  snprintf(name, sizeof name, "png/rt_%d.png", c);
  const char *path = tmp_path(name);
  VKG_CHECK_OK(ctx, vkg_png_write(ctx, path, &img));
  vkg_image back;
  VKG_CHECK_OK(ctx, vkg_png_read(ctx, path, &back));
  ck_assert_int_eq(back.width, w);
  ck_assert_int_eq(back.height, h);
  ck_assert_int_eq(back.channels, c);
  ck_assert_mem_eq(back.pixels, img.pixels, (size_t)w * h * c);
  vkg_image_free(&back);
  ck_assert_ptr_null(back.pixels);
  free(img.pixels);
  vkg_ctx_destroy(ctx);
}

START_TEST(round_trip_gray) { round_trip(13, 7, 1); }
END_TEST
START_TEST(round_trip_rgb) { round_trip(5, 9, 3); }
END_TEST
START_TEST(round_trip_rgba) { round_trip(1, 1, 4); }
END_TEST

static void read_fixture(vkg_ctx *ctx, const char *name, int w, int h, int c, const uint8_t *want) {
  vkg_image img;
  VKG_CHECK_OK(ctx, vkg_png_read(ctx, fixture(name), &img));
  ck_assert_msg(img.width == w && img.height == h && img.channels == c, "%s: got %dx%dx%d", name, img.width,
                img.height, img.channels);
  ck_assert_mem_eq(img.pixels, want, (size_t)w * h * c);
  vkg_image_free(&img);
}

START_TEST(conversions) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  read_fixture(ctx, "palette_trns.png", 2, 2, 4,
               (const uint8_t[]){255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 255, 0, 0, 255});
  read_fixture(ctx, "palette.png", 2, 1, 3, (const uint8_t[]){0, 255, 0, 0, 0, 255});
  read_fixture(ctx, "gray16.png", 3, 2, 1, (const uint8_t[]){0x00, 0x80, 0xFF, 0x12, 0xAB, 0x7F});
  read_fixture(ctx, "gray_alpha.png", 2, 2, 4,
               (const uint8_t[]){10, 10, 10, 255, 20, 20, 20, 128, 30, 30, 30, 0, 40, 40, 40, 1});
  read_fixture(ctx, "gray1.png", 9, 1, 1, (const uint8_t[]){255, 0, 255, 0, 0, 0, 0, 0, 255});
  read_fixture(ctx, "rgba16.png", 1, 1, 4, (const uint8_t[]){0xFF, 0x80, 0x01, 0xFF});
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(bad_images) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_image img;
  VKG_CHECK_FAILS(ctx, vkg_png_read(ctx, fixture("too_wide.png"), &img), VKG_E_INPUT, "too_wide.png: bad PNG image");
  ck_assert_ptr_null(img.pixels);
  VKG_CHECK_FAILS(ctx, vkg_png_read(ctx, fixture("missing.png"), &img), VKG_E_IO, "No such file");
  /* A zTXt chunk claiming 1.3 GB in an 82-byte file (found by fuzzing: libpng allocated it). */
  VKG_CHECK_FAILS(ctx, vkg_png_read(ctx, fixture("huge_chunk.png"), &img), VKG_E_INPUT,
                  "huge_chunk.png: bad PNG image: truncated: chunk 'zTXt'");
  VKG_CHECK_FAILS(ctx, vkg_png_decode(ctx, "g.png", "hello world, not a png", 22, &img), VKG_E_INPUT,
                  "g.png: not a PNG image");
  VKG_CHECK_FAILS(ctx, vkg_png_decode(ctx, "e.png", "", 0, &img), VKG_E_INPUT, "e.png: empty file");

  /* Truncate a valid RGB image at every length: never OK, never a crash. */
  vkg_image src = {16, 16, 3, malloc(16 * 16 * 3)};
  for (int i = 0; i < 16 * 16 * 3; i++) src.pixels[i] = (uint8_t)(i * 7);
  const char *path = tmp_path("trunc.png");
  VKG_CHECK_OK(ctx, vkg_png_write(ctx, path, &src));
  char *data;
  size_t size;
  VKG_CHECK_OK(ctx, vkg_read_file(ctx, path, 1 << 20, &data, &size));
  for (size_t n = 0; n < size; n++) {
    vkg_status st = vkg_png_decode(ctx, "t.png", data, n, &img);
    ck_assert_msg(st == VKG_E_INPUT, "length %zu: %s", n, vkg_status_name(st));
    ck_assert_ptr_null(img.pixels);
  }
  VKG_CHECK_FAILS(ctx, vkg_png_decode(ctx, "t.png", data, size / 2, &img), VKG_E_INPUT, "t.png: bad PNG image");
  /* Garbage after the signature and a flipped byte in IDAT. */
  char *junk = malloc(size);
  memcpy(junk, data, 8);
  for (size_t i = 8; i < size; i++) junk[i] = (char)(i * 131);
  VKG_CHECK_FAILS(ctx, vkg_png_decode(ctx, "j.png", junk, size, &img), VKG_E_INPUT, "j.png: bad PNG image");
  memcpy(junk, data, size);
  junk[size - 20] ^= 0x55;
  ck_assert_int_ne(vkg_png_decode(ctx, "c.png", junk, size, &img), VKG_OK);
  free(junk);
  free(data);
  free(src.pixels);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(write_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  uint8_t px[4] = {0};
  vkg_image two = {1, 1, 2, px};
  VKG_CHECK_FAILS(ctx, vkg_png_write(ctx, tmp_path("two.png"), &two), VKG_E_INPUT, "2 channels");
  vkg_image zero = {0, 1, 1, px};
  VKG_CHECK_FAILS(ctx, vkg_png_write(ctx, tmp_path("zero.png"), &zero), VKG_E_INPUT, "bad image");
  /* Under a regular file: an IO error naming the path, and no temp file anywhere. */
  const char *blocker = tmp_path("blocker");
  FILE *f = fopen(blocker, "w");
  fclose(f);
  char bad[600];
  snprintf(bad, sizeof bad, "%s/x/y.png", blocker);
  vkg_image ok = {1, 1, 1, px};
  char want[700];
  snprintf(want, sizeof want, "cannot write '%s'", bad);
  VKG_CHECK_FAILS(ctx, vkg_png_write(ctx, bad, &ok), VKG_E_IO, want);
  ck_assert(strstr(vkg_error_message(ctx), "Not a directory") != NULL);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "find '%s' -name '*.tmp-*' | grep -q .", vkg_test_tmpdir());
  ck_assert_int_ne(system(cmd), 0);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("png");
  TCase *tc = tcase_create("png");
  tcase_add_test(tc, round_trip_gray);
  tcase_add_test(tc, round_trip_rgb);
  tcase_add_test(tc, round_trip_rgba);
  tcase_add_test(tc, conversions);
  tcase_add_test(tc, bad_images);
  tcase_add_test(tc, write_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
