/* IDX: buffers built here (plain and gzip'd), the real Fashion-MNIST test set, and every
 * malformation: bad magic, truncated, trailing bytes, truncated gzip. zlib is reached with
 * dlopen because the test links only libvkgen (which uses zlib privately). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testutil.h"

#define FMNIST "/usr/share/datasets/fashion-mnist"

typedef struct zfuncs {
  void *lib;
  __typeof__(compressBound) *bound;
  __typeof__(gzopen) *gzopen_;
  __typeof__(gzwrite) *gzwrite_;
  __typeof__(gzclose) *gzclose_;
  __typeof__(deflateInit2_) *deflateInit2__;
  __typeof__(deflate) *deflate_;
  __typeof__(deflateEnd) *deflateEnd_;
} zfuncs;

static zfuncs zlib_load(void) {
  zfuncs z;
  memset(&z, 0, sizeof z);
  z.lib = dlopen("libz.so.1", RTLD_NOW);
  ck_assert_msg(z.lib != NULL, "dlopen libz: %s", dlerror());
  *(void **)&z.bound = dlsym(z.lib, "compressBound");
  *(void **)&z.gzopen_ = dlsym(z.lib, "gzopen");
  *(void **)&z.gzwrite_ = dlsym(z.lib, "gzwrite");
  *(void **)&z.gzclose_ = dlsym(z.lib, "gzclose");
  *(void **)&z.deflateInit2__ = dlsym(z.lib, "deflateInit2_");
  *(void **)&z.deflate_ = dlsym(z.lib, "deflate");
  *(void **)&z.deflateEnd_ = dlsym(z.lib, "deflateEnd");
  ck_assert(z.bound && z.gzopen_ && z.gzwrite_ && z.gzclose_ && z.deflateInit2__ && z.deflate_ && z.deflateEnd_);
  return z;
}

/* gzip-wrapped deflate of src into a malloc'd buffer. */
static uint8_t *gzip_mem(zfuncs *z, const uint8_t *src, size_t n, size_t *outn) {
  z_stream s;
  memset(&s, 0, sizeof s);
  ck_assert_int_eq(z->deflateInit2__(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                     (int)sizeof s),
                   Z_OK);
  size_t cap = z->bound((uLong)n) + 64;
  uint8_t *out = malloc(cap);
  s.next_in = (Bytef *)(uintptr_t)src;
  s.avail_in = (uInt)n;
  s.next_out = out;
  s.avail_out = (uInt)cap;
  ck_assert_int_eq(z->deflate_(&s, Z_FINISH), Z_STREAM_END);
  *outn = cap - s.avail_out;
  z->deflateEnd_(&s);
  return out;
}

/* An IDX image: type 0x0B (i16), dims 2x3, values -3..2, big-endian. */
static uint8_t *make_i16(size_t *n) {
  static const uint8_t head[] = {0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  *n = sizeof head + 12;
  uint8_t *p = malloc(*n + 16);
  memcpy(p, head, sizeof head);
  for (int i = 0; i < 6; i++) {
    int16_t v = (int16_t)(i - 3);
    p[sizeof head + 2 * i] = (uint8_t)((uint16_t)v >> 8);
    p[sizeof head + 2 * i + 1] = (uint8_t)v;
  }
  return p;
}

static void check_i16(const vkg_idx *idx) {
  ck_assert_int_eq(idx->ndim, 2);
  ck_assert_int_eq(idx->dims[0], 2);
  ck_assert_int_eq(idx->dims[1], 3);
  ck_assert_int_eq(idx->type, 0x0B);
  ck_assert_uint_eq(idx->bytes, 12);
  const int16_t *v = idx->data;
  for (int i = 0; i < 6; i++) ck_assert_int_eq(v[i], i - 3);
}

START_TEST(plain_and_gz_buffers) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  zfuncs z = zlib_load();
  size_t n;
  uint8_t *p = make_i16(&n);
  vkg_idx idx;
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "a.idx", p, n, &idx));
  check_i16(&idx);
  vkg_idx_free(&idx);
  ck_assert_ptr_null(idx.data);
  size_t gn;
  uint8_t *g = gzip_mem(&z, p, n, &gn);
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "a.idx.gz", g, gn, &idx));
  check_i16(&idx);
  vkg_idx_free(&idx);
  /* Two gzip members back to back (as `cat a.gz b.gz` makes) are one stream. */
  size_t g1n, g2n;
  uint8_t *g1 = gzip_mem(&z, p, 7, &g1n), *g2 = gzip_mem(&z, p + 7, n - 7, &g2n);
  uint8_t *cat = malloc(g1n + g2n);
  memcpy(cat, g1, g1n);
  memcpy(cat + g1n, g2, g2n);
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "cat.gz", cat, g1n + g2n, &idx));
  check_i16(&idx);
  vkg_idx_free(&idx);

  /* f32, f64 and i32 are converted to native order. */
  uint8_t f[] = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0x3F, 0x80, 0, 0};
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "f.idx", f, sizeof f, &idx));
  ck_assert(*(float *)idx.data == 1.0f);
  vkg_idx_free(&idx);
  uint8_t d[] = {0, 0, 0x0E, 1, 0, 0, 0, 1, 0xC0, 0x08, 0, 0, 0, 0, 0, 0};
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "d.idx", d, sizeof d, &idx));
  ck_assert(*(double *)idx.data == -3.0);
  vkg_idx_free(&idx);
  uint8_t i32[] = {0, 0, 0x0C, 1, 0, 0, 0, 1, 0x01, 0x02, 0x03, 0x04};
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "i.idx", i32, sizeof i32, &idx));
  ck_assert_int_eq(*(int32_t *)idx.data, 0x01020304);
  vkg_idx_free(&idx);
  /* Empty payload (a zero dim) is fine. */
  uint8_t e[] = {0, 0, 0x08, 2, 0, 0, 0, 0, 0, 0, 0, 5};
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "e.idx", e, sizeof e, &idx));
  ck_assert_uint_eq(idx.bytes, 0);
  vkg_idx_free(&idx);

  /* Files: plain and gzip'd through vkg_idx_read. */
  char path[600];
  snprintf(path, sizeof path, "%s/a.idx", vkg_test_tmpdir());
  FILE *fp = fopen(path, "wb");
  fwrite(p, 1, n, fp);
  fclose(fp);
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, path, &idx));
  check_i16(&idx);
  vkg_idx_free(&idx);
  snprintf(path, sizeof path, "%s/a.idx.gz", vkg_test_tmpdir());
  gzFile gz = z.gzopen_(path, "wb");
  ck_assert_int_eq(z.gzwrite_(gz, p, (unsigned)n), (int)n);
  z.gzclose_(gz);
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, path, &idx));
  check_i16(&idx);
  vkg_idx_free(&idx);
  free(cat);
  free(g1);
  free(g2);
  free(g);
  free(p);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(fashion_mnist) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_idx lab, img;
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, FMNIST "/t10k-labels-idx1-ubyte.gz", &lab));
  ck_assert_int_eq(lab.ndim, 1);
  ck_assert_int_eq(lab.dims[0], 10000);
  ck_assert_int_eq(lab.type, 0x08);
  const uint8_t *l = lab.data;
  ck_assert(l[0] == 9 && l[1] == 2 && l[2] == 1 && l[3] == 1 && l[4] == 6);
  VKG_CHECK_OK(ctx, vkg_idx_read(ctx, FMNIST "/t10k-images-idx3-ubyte.gz", &img));
  ck_assert_int_eq(img.ndim, 3);
  ck_assert(img.dims[0] == 10000 && img.dims[1] == 28 && img.dims[2] == 28);
  ck_assert_uint_eq(img.bytes, 10000 * 28 * 28);
  int nonzero = 0;
  for (size_t i = 0; i < 28 * 28; i++) nonzero += ((const uint8_t *)img.data)[i] != 0;
  ck_assert_int_gt(nonzero, 100);
  /* The same bytes through the in-memory parser. */
  char *raw;
  size_t rn;
  VKG_CHECK_OK(ctx, vkg_read_file(ctx, FMNIST "/t10k-labels-idx1-ubyte.gz", 1 << 20, &raw, &rn));
  vkg_idx lab2;
  VKG_CHECK_OK(ctx, vkg_idx_parse(ctx, "labels.gz", raw, rn, &lab2));
  ck_assert_mem_eq(lab2.data, lab.data, 10000);
  vkg_idx_free(&lab2);
  /* Truncated gzip: every cut refuses cleanly. */
  for (size_t cut = 0; cut < rn; cut += rn / 50 + 1) {
    vkg_status st = vkg_idx_parse(ctx, "cut.gz", raw, cut, &lab2);
    ck_assert_msg(st == VKG_E_INPUT, "cut at %zu: %s", cut, vkg_status_name(st));
    ck_assert_ptr_null(lab2.data);
  }
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "cut.gz", raw, rn - 4, &lab2), VKG_E_INPUT, "cut.gz: truncated gzip");
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "cut.gz", raw, rn / 2, &lab2), VKG_E_INPUT, "cut.gz: truncated");
  free(raw);
  vkg_idx_free(&lab2);
  vkg_idx_free(&lab);
  vkg_idx_free(&img);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(malformed) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  zfuncs z = zlib_load();
  vkg_idx idx;
  size_t n;
  uint8_t *p = make_i16(&n);
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, 0, &idx), VKG_E_INPUT, "x.idx: empty file");
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, 3, &idx), VKG_E_INPUT, "x.idx: truncated IDX header");
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, 9, &idx), VKG_E_INPUT, "x.idx: truncated IDX header");
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n - 1, &idx), VKG_E_INPUT,
                  "x.idx: IDX dims [2, 3] need 12 bytes of data, the file has 11 (truncated)");
  p[n] = 0;
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n + 1, &idx), VKG_E_INPUT, "the file has 13 (trailing bytes)");
  p[0] = 'P';
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n, &idx), VKG_E_INPUT, "x.idx: bad magic 50 00 0b 02");
  p[0] = 0;
  p[2] = 0x0A;
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n, &idx), VKG_E_INPUT, "unknown IDX element type 0x0a");
  p[2] = 0x0B;
  p[3] = 0;
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n, &idx), VKG_E_INPUT, "has 0 dimensions");
  p[3] = 7;
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "x.idx", p, n, &idx), VKG_E_INPUT, "has 7 dimensions");
  p[3] = 2;
  uint8_t huge[] = {0, 0, 0x0E, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "h.idx", huge, sizeof huge, &idx), VKG_E_INPUT, "2 GiB limit");

  /* gzip'd: trailing bytes inside the payload, truncated payload, garbage after the stream,
   * a header claiming 1 GiB in a tiny file. */
  p[n] = 0;
  size_t gn;
  uint8_t *g = gzip_mem(&z, p, n + 1, &gn);
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "t.gz", g, gn, &idx), VKG_E_INPUT,
                  "t.gz: 1 trailing bytes after the 12 bytes of data");
  free(g);
  g = gzip_mem(&z, p, n - 2, &gn);
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "s.gz", g, gn, &idx), VKG_E_INPUT, "s.gz: truncated: IDX dims [2, 3]");
  free(g);
  g = gzip_mem(&z, p, n, &gn);
  uint8_t *g2 = malloc(gn + 3);
  memcpy(g2, g, gn);
  memcpy(g2 + gn, "xyz", 3);
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "j.gz", g2, gn + 3, &idx), VKG_E_INPUT, "trailing garbage after the gzip");
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "c.gz", g, gn - 1, &idx), VKG_E_INPUT, "c.gz: truncated gzip data");
  g2[12] ^= 0xFF;
  ck_assert_int_eq(vkg_idx_parse(ctx, "f.gz", g2, gn, &idx), VKG_E_INPUT);
  free(g2);
  free(g);
  uint8_t big[] = {0, 0, 0x08, 2, 0, 0, 0x80, 0, 0, 0, 0x80, 0}; /* 32768 x 32768 bytes = 1 GiB */
  g = gzip_mem(&z, big, sizeof big, &gn);
  VKG_CHECK_FAILS(ctx, vkg_idx_parse(ctx, "b.gz", g, gn, &idx), VKG_E_INPUT, "b.gz: truncated");
  free(g);
  VKG_CHECK_FAILS(ctx, vkg_idx_read(ctx, "/nonexistent/x.idx", &idx), VKG_E_IO, "cannot open '/nonexistent/x.idx'");
  free(p);
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("idx");
  TCase *tc = tcase_create("idx");
  tcase_add_test(tc, plain_and_gz_buffers);
  tcase_add_test(tc, fashion_mnist);
  tcase_add_test(tc, malformed);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
