/* safetensors: write/read round trips, append, and every malformation the reader refuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* A file image: 8-byte length, the header text as given, then data_len bytes (0xAB). */
static uint8_t *make_st(const char *header, size_t data_len, size_t *size) {
  size_t h = strlen(header);
  *size = 8 + h + data_len;
  uint8_t *p = malloc(*size + 1);
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)((uint64_t)h >> (8 * i));
  memcpy(p + 8, header, h);
  memset(p + 8 + h, 0xAB, data_len);
  return p;
}

static void expect_parse_fails(const char *header, size_t data_len, const char *substr) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  size_t size;
  uint8_t *p = make_st(header, data_len, &size);
  vkg_safetensors *st = (vkg_safetensors *)0x1;
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", p, size, &st), VKG_E_INPUT, substr);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(vkg_error_message(ctx), "bad.safetensors") != NULL, "message lacks the file: %s",
                vkg_error_message(ctx));
  free(p);
  vkg_ctx_destroy(ctx);
}

static char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, 512, "%s/%s", vkg_test_tmpdir(), name);
  return b;
}

static int leftover_temp_files(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "ls -a '%s' 2>/dev/null | grep -c '\\.tmp-' >/dev/null", dir);
  return system(cmd) == 0;
}

START_TEST(round_trip_all_dtypes) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  float f32[12];
  for (int i = 0; i < 12; i++) f32[i] = (float)i * 0.5f - 2.0f;
  uint16_t f16[3] = {vkg_f32_to_f16(1.0f), vkg_f32_to_f16(-2.5f), vkg_f32_to_f16(0.25f)};
  int32_t i32[2] = {-7, 123456};
  int64_t i64[2] = {-((int64_t)1 << 40), 5};
  uint8_t u8[5] = {0, 1, 2, 254, 255};
  vkg_st_write_entry es[] = {
      {"w.f32", VKG_F32, vkg_shape_make(2, (int64_t[]){3, 4}), f32},
      {"a.f16", VKG_F16, vkg_shape_make(1, (int64_t[]){3}), f16},
      {"b.i32", VKG_I32, vkg_shape_make(2, (int64_t[]){1, 2}), i32},
      {"c.i64", VKG_I64, vkg_shape_make(1, (int64_t[]){2}), i64},
      {"d.u8", VKG_U8, vkg_shape_make(1, (int64_t[]){5}), u8},
      {"e.scalar", VKG_F32, vkg_shape_make(0, NULL), f32},
      {"f.empty", VKG_F32, vkg_shape_make(2, (int64_t[]){0, 4}), NULL},
  };
  const char *meta[] = {"format", "pt", "author", "vkgen"};
  const char *path = tmp_path("sub/dir/rt.safetensors");
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, es, 7, meta, 2, 0));
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  ck_assert_int_eq(vkg_safetensors_count(st), 7);
  ck_assert_str_eq(vkg_safetensors_path(st), path);
  ck_assert_str_eq(vkg_safetensors_metadata(st, "format"), "pt");
  ck_assert_str_eq(vkg_safetensors_metadata(st, "author"), "vkgen");
  ck_assert_ptr_null(vkg_safetensors_metadata(st, "nope"));
  /* Sorted by name. */
  for (int i = 1; i < 7; i++)
    ck_assert_int_lt(strcmp(vkg_safetensors_entry(st, i - 1)->name, vkg_safetensors_entry(st, i)->name), 0);
  ck_assert_ptr_null(vkg_safetensors_entry(st, 7));
  const vkg_st_entry *e = vkg_safetensors_find(st, "w.f32");
  ck_assert_ptr_nonnull(e);
  ck_assert_str_eq(e->st_dtype, "F32");
  ck_assert(e->has_dtype && e->dtype == VKG_F32);
  ck_assert_int_eq(e->shape.ndim, 2);
  ck_assert_int_eq(e->shape.d[1], 4);
  ck_assert_uint_eq(e->bytes, 48);
  ck_assert_mem_eq(e->data, f32, 48);
  float back[12];
  VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, e, back));
  ck_assert_mem_eq(back, f32, 48);
  e = vkg_safetensors_find(st, "a.f16");
  ck_assert_str_eq(e->st_dtype, "F16");
  VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, e, back));
  ck_assert(back[0] == 1.0f && back[1] == -2.5f && back[2] == 0.25f);
  e = vkg_safetensors_find(st, "b.i32");
  ck_assert_str_eq(e->st_dtype, "I32");
  ck_assert_mem_eq(e->data, i32, 8);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_read_f32(ctx, st, e, back), VKG_E_INPUT, "cannot be read as floats");
  e = vkg_safetensors_find(st, "c.i64");
  ck_assert_str_eq(e->st_dtype, "I64");
  ck_assert_mem_eq(e->data, i64, 16);
  e = vkg_safetensors_find(st, "d.u8");
  ck_assert_str_eq(e->st_dtype, "U8");
  ck_assert_mem_eq(e->data, u8, 5);
  e = vkg_safetensors_find(st, "e.scalar");
  ck_assert_int_eq(e->shape.ndim, 0);
  ck_assert_uint_eq(e->bytes, 4);
  e = vkg_safetensors_find(st, "f.empty");
  ck_assert_uint_eq(e->bytes, 0);
  ck_assert_ptr_null(vkg_safetensors_find(st, "zzz"));
  vkg_safetensors_close(st);

  /* Header length is a multiple of 8 (padded with spaces) and the mode is the usual one. */
  FILE *f = fopen(path, "rb");
  uint8_t hl[8];
  ck_assert_uint_eq(fread(hl, 1, 8, f), 8);
  fclose(f);
  ck_assert_uint_eq(hl[0] % 8, 0);
  struct stat sb;
  ck_assert_int_eq(stat(path, &sb), 0);
  ck_assert_uint_eq(sb.st_mode & 0777, 0644);
  ck_assert(!leftover_temp_files(tmp_path("sub/dir")));
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(read_f32_conversions) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  /* BF16 1.0 = 0x3F80, -2.0 = 0xC000; F64 0.5, -3.25. Offsets: bf16 [0,4), f64 [4,20). */
  const char *h = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                  "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[4,20]}}";
  size_t size;
  uint8_t *p = make_st(h, 20, &size);
  uint8_t *data = p + 8 + strlen(h);
  uint16_t bf[2] = {0x3F80, 0xC000};
  double d[2] = {0.5, -3.25};
  memcpy(data, bf, 4);
  memcpy(data + 4, d, 16);
  vkg_safetensors *st;
  VKG_CHECK_OK(ctx, vkg_safetensors_parse(ctx, "mem", p, size, &st));
  float out[2];
  const vkg_st_entry *e = vkg_safetensors_find(st, "b");
  ck_assert(!e->has_dtype);
  VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, e, out));
  ck_assert(out[0] == 1.0f && out[1] == -2.0f);
  VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, vkg_safetensors_find(st, "d"), out));
  ck_assert(out[0] == 0.5f && out[1] == -3.25f);
  vkg_safetensors_close(st);
  free(p);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(all_known_dtypes_parse) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *h = "{\"a\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[0,2]},"
                  "\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[2,3]},"
                  "\"c\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[3,4]},"
                  "\"d\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]},"
                  "\"e\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                  "\"__metadata__\":{\"k\":\"v\"}, \"f\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[16,18],"
                  "\"extra\":1}}";
  size_t size;
  uint8_t *p = make_st(h, 18, &size);
  vkg_safetensors *st;
  VKG_CHECK_OK(ctx, vkg_safetensors_parse(ctx, "mem", p, size, &st));
  ck_assert_int_eq(vkg_safetensors_count(st), 6);
  ck_assert_uint_eq(vkg_safetensors_find(st, "a")->elem_size, 2);
  ck_assert_str_eq(vkg_safetensors_find(st, "c")->st_dtype, "BOOL");
  ck_assert_str_eq(vkg_safetensors_metadata(st, "k"), "v");
  ck_assert_ptr_eq(vkg_safetensors_find(st, "d")->data, p + 8 + strlen(h) + 4);
  vkg_safetensors_close(st);
  free(p);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(append_keeps_and_replaces) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *path = tmp_path("append.safetensors");
  float a[2] = {1, 2}, b[3] = {3, 4, 5}, b2[1] = {9}, c[1] = {7};
  vkg_st_write_entry first[] = {{"a", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), a},
                                {"b", VKG_F32, vkg_shape_make(1, (int64_t[]){3}), b}};
  const char *m1[] = {"x", "1", "y", "2"};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, first, 2, m1, 2, 0));
  vkg_st_write_entry second[] = {{"c", VKG_F32, vkg_shape_make(1, (int64_t[]){1}), c},
                                 {"b", VKG_F32, vkg_shape_make(1, (int64_t[]){1}), b2}};
  const char *m2[] = {"y", "3"};
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, second, 2, m2, 1, 1));
  vkg_safetensors *st;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  ck_assert_int_eq(vkg_safetensors_count(st), 3);
  ck_assert_mem_eq(vkg_safetensors_find(st, "a")->data, a, 8);
  ck_assert_int_eq(vkg_safetensors_find(st, "b")->shape.d[0], 1);
  ck_assert_mem_eq(vkg_safetensors_find(st, "b")->data, b2, 4);
  ck_assert_mem_eq(vkg_safetensors_find(st, "c")->data, c, 4);
  ck_assert_str_eq(vkg_safetensors_metadata(st, "x"), "1");
  ck_assert_str_eq(vkg_safetensors_metadata(st, "y"), "3");
  vkg_safetensors_close(st);
  /* Without append the file is replaced. */
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, second, 1, NULL, 0, 0));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  ck_assert_int_eq(vkg_safetensors_count(st), 1);
  ck_assert_ptr_null(vkg_safetensors_metadata(st, "x"));
  vkg_safetensors_close(st);
  /* Append to a file that does not exist yet creates it. */
  const char *p2 = tmp_path("append-new.safetensors");
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, p2, first, 1, NULL, 0, 1));
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, p2, &st));
  ck_assert_int_eq(vkg_safetensors_count(st), 1);
  vkg_safetensors_close(st);
  /* Appending to a malformed file is refused and leaves it alone. */
  const char *p3 = tmp_path("append-bad.safetensors");
  FILE *f = fopen(p3, "wb");
  fputs("garbage!garbage!", f);
  fclose(f);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, p3, first, 1, NULL, 0, 1), VKG_E_INPUT, "cannot append");
  struct stat sb;
  ck_assert_int_eq(stat(p3, &sb), 0);
  ck_assert_int_eq(sb.st_size, 16);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(write_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  float a[2] = {1, 2};
  vkg_st_write_entry dup[] = {{"a", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), a},
                              {"a", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), a}};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, tmp_path("dup.safetensors"), dup, 2, NULL, 0, 0), VKG_E_INPUT,
                  "given twice");
  vkg_st_write_entry noname[] = {{"", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), a}};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, tmp_path("x.safetensors"), noname, 1, NULL, 0, 0), VKG_E_INPUT,
                  "empty name");
  vkg_st_write_entry nodata[] = {{"a", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), NULL}};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, tmp_path("x.safetensors"), nodata, 1, NULL, 0, 0), VKG_E_INPUT,
                  "has no data");
  /* A path under a regular file cannot be created: IO error, nothing left behind. */
  const char *blocker = tmp_path("blocker");
  FILE *f = fopen(blocker, "w");
  fputs("x", f);
  fclose(f);
  char bad[600];
  snprintf(bad, sizeof bad, "%s/sub/out.safetensors", blocker);
  vkg_st_write_entry ok[] = {{"a", VKG_F32, vkg_shape_make(1, (int64_t[]){2}), a}};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, bad, ok, 1, NULL, 0, 0), VKG_E_IO, "Not a directory");
  ck_assert(strstr(vkg_error_message(ctx), bad) != NULL);
  ck_assert(!leftover_temp_files(vkg_test_tmpdir()));
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(expect_shapes) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  static float w[32 * 27];
  vkg_st_write_entry es[] = {{"down.0.weight", VKG_F32, vkg_shape_4d(32, 3, 3, 3), w}};
  const char *path = tmp_path("expect.safetensors");
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, es, 1, NULL, 0, 0));
  vkg_safetensors *st;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "down.0.weight", 4, (int64_t[]){32, 3, 3, 3}, &e));
  ck_assert_ptr_nonnull(e);
  VKG_CHECK_OK(ctx, vkg_safetensors_expect(ctx, st, "down.0.weight", 4, (int64_t[]){-1, 3, -1, 3}, &e));
  char want[700];
  snprintf(want, sizeof want, "tensor 'down.0.weight' in %s: expected shape [64, 3, 3, 3], got [32, 3, 3, 3]", path);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_expect(ctx, st, "down.0.weight", 4, (int64_t[]){64, 3, 3, 3}, &e),
                  VKG_E_INPUT, want);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_expect(ctx, st, "down.0.weight", 2, (int64_t[]){32, 27}, &e), VKG_E_INPUT,
                  "expected shape [32, 27], got [32, 3, 3, 3]");
  snprintf(want, sizeof want, "missing tensor 'x' in %s", path);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_expect(ctx, st, "x", 1, (int64_t[]){1}, &e), VKG_E_INPUT, want);
  vkg_safetensors_close(st);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(open_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_safetensors *st;
  const char *empty = tmp_path("empty.safetensors");
  FILE *f = fopen(empty, "wb");
  fclose(f);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_open(ctx, empty, &st), VKG_E_INPUT, "empty file");
  ck_assert(strstr(vkg_error_message(ctx), empty) != NULL);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_open(ctx, tmp_path("missing.safetensors"), &st), VKG_E_IO,
                  "No such file or directory");
  VKG_CHECK_FAILS(ctx, vkg_safetensors_open(ctx, vkg_test_tmpdir(), &st), VKG_E_IO, "not a regular file");
  /* A lying header length in a real file. */
  const char *liar = tmp_path("liar.safetensors");
  f = fopen(liar, "wb");
  uint8_t hl[8] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
  fwrite(hl, 1, 8, f);
  fputs("{}", f);
  fclose(f);
  VKG_CHECK_FAILS(ctx, vkg_safetensors_open(ctx, liar, &st), VKG_E_INPUT, "runs past the end of the file");
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(malformed_headers) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_safetensors *st;
  uint8_t tiny[5] = {1, 0, 0, 0, 0};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", tiny, 5, &st), VKG_E_INPUT, "too short");
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", tiny, 0, &st), VKG_E_INPUT, "empty file");
  uint8_t zero[16] = {0};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", zero, 16, &st), VKG_E_INPUT,
                  "header length is 0");
  uint8_t huge[16] = {0, 0, 0, 0, 0, 0, 0, 0x10};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", huge, 16, &st), VKG_E_INPUT,
                  "exceeds the 100 MiB limit");
  uint8_t lie[16] = {9, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '};
  VKG_CHECK_FAILS(ctx, vkg_safetensors_parse(ctx, "bad.safetensors", lie, 16, &st), VKG_E_INPUT,
                  "header length 9 runs past the end of the file (16 bytes)");
  vkg_ctx_destroy(ctx);

  expect_parse_fails("{\"a\": ", 0, "header is not valid JSON");
  expect_parse_fails("{\"a\": 1,}", 0, "header byte");
  expect_parse_fails("{\"a\xff\": 1}", 0, "not valid JSON");         /* invalid UTF-8 */
  expect_parse_fails("[1, 2, 3]", 0, "header must be a JSON object, got array");
  expect_parse_fails("\"str\"", 0, "not valid JSON");                 /* jansson wants an array or object */
  expect_parse_fails("{\"__metadata__\": [1]}", 0, "'__metadata__' must be an object of strings");
  expect_parse_fails("{\"__metadata__\": {\"k\": 3}}", 0, "'__metadata__' key 'k': expected a string, got integer");
  expect_parse_fails("{\"a\": 5}", 0, "tensor 'a': expected an object, got integer");
  expect_parse_fails("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "tensor 'a': missing 'dtype'");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4, "tensor 'a': missing 'shape'");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "tensor 'a': missing 'data_offsets'");
  expect_parse_fails("{\"a\": {\"dtype\": 1, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4,
                     "'dtype' must be a string, got integer");
  expect_parse_fails("{\"a\": {\"dtype\": \"F8_E4M3\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1,
                     "tensor 'a': unknown dtype 'F8_E4M3'");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", 4,
                     "'shape' must be an array of integers, got integer");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4,
                     "shape element 0 must be an integer >= 0, got real");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4,
                     "negative integer");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1], \"data_offsets\": [0, 4]}}", 4,
                     "shape has 7 dimensions, at most 6");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4,
                     "'data_offsets' must be [begin, end] integers");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": \"0-4\"}}", 4,
                     "'data_offsets' must be [begin, end]");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4,
                     "bad data_offsets [4, 0]");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 4,
                     "bad data_offsets");
  /* Offsets out of range / truncated data. */
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 10,
                     "tensor 'a': data_offsets [0, 16] run past the end of the data area (10 bytes)");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [3, 4], \"data_offsets\": [0, 40]}}", 40,
                     "tensor 'a': shape [3, 4] of F32 needs 48 bytes, data_offsets give 40");
  expect_parse_fails("{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], "
                     "\"data_offsets\": [0, 4]}}", 4, "size overflows");
  /* Duplicate names. */
  expect_parse_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]},"
                     " \"a\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [1, 2]}}", 2, "duplicate object key");
  /* Layout: overlap, gap, hole at the start, trailing bytes. */
  expect_parse_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                     " \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [2, 6]}}", 6,
                     "tensors 'a' [0, 4] and 'b' [2, 6] overlap");
  expect_parse_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                     " \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 4, "overlap");
  expect_parse_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                     " \"b\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [6, 8]}}", 8,
                     "gap in the data area: bytes [4, 6) between tensors 'a' and 'b'");
  expect_parse_fails("{\"b\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [2, 4]}}", 4,
                     "bytes [0, 2) before tensor 'b'");
  expect_parse_fails("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]}}", 6,
                     "the data area has 6 bytes but the tensors cover 4");
  expect_parse_fails("{}", 3, "the data area has 3 bytes but the tensors cover 0");
}
END_TEST

int main(void) {
  Suite *s = suite_create("safetensors");
  TCase *tc = tcase_create("safetensors");
  tcase_add_test(tc, round_trip_all_dtypes);
  tcase_add_test(tc, read_f32_conversions);
  tcase_add_test(tc, all_known_dtypes_parse);
  tcase_add_test(tc, append_keeps_and_replaces);
  tcase_add_test(tc, write_errors);
  tcase_add_test(tc, expect_shapes);
  tcase_add_test(tc, open_errors);
  tcase_add_test(tc, malformed_headers);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
