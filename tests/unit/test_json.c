/* JSON config files: load/parse errors with file:line:col, and the typed getters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/json.h>

#include "testutil.h"

static const char *write_tmp(const char *name, const char *text) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", vkg_test_tmpdir(), name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
  return path;
}

START_TEST(load_and_errors) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  json_t *o = NULL;
  const char *p = write_tmp("config.json", "{\"a\": 1}\n");
  VKG_CHECK_OK(ctx, vkg_json_load(ctx, p, &o));
  ck_assert(json_is_object(o));
  json_decref(o);
  p = write_tmp("bad.json", "{\n  \"a\": 1,\n  \"b\": ]\n}\n");
  char want[700];
  snprintf(want, sizeof want, "%s:3:8: JSON error: unexpected token near ']'", p);
  VKG_CHECK_FAILS(ctx, vkg_json_load(ctx, p, &o), VKG_E_INPUT, want);
  ck_assert_ptr_null(o);
  VKG_CHECK_FAILS(ctx, vkg_json_parse(ctx, "dup.json", "{\"a\": 1, \"a\": 2}", 16, &o), VKG_E_INPUT,
                  "duplicate object key");
  VKG_CHECK_FAILS(ctx, vkg_json_parse(ctx, "arr.json", "[1]", 3, &o), VKG_E_INPUT,
                  "arr.json: expected a JSON object at the top level, got array");
  VKG_CHECK_FAILS(ctx, vkg_json_parse(ctx, "e.json", "", 0, &o), VKG_E_INPUT, "e.json:");
  VKG_CHECK_FAILS(ctx, vkg_json_load(ctx, "/nonexistent/config.json", &o), VKG_E_IO,
                  "cannot open '/nonexistent/config.json': No such file or directory");
  /* Length is honoured: text past len is not parsed. */
  VKG_CHECK_OK(ctx, vkg_json_parse(ctx, "n.json", "{}garbage", 2, &o));
  json_decref(o);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(getters) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *text = "{\"layers_per_block\": 2, \"name\": \"unet\", \"eps\": 1e-6, \"flag\": true, \"two\": 2.0,"
                     " \"half\": 2.5, \"nothing\": null, \"str\": \"3\", \"chans\": [32, 64, 128],"
                     " \"types\": [\"Down\", \"Up\"], \"mixed\": [1, \"x\"], \"smixed\": [\"a\", 2], \"empty\": []}";
  json_t *o;
  VKG_CHECK_OK(ctx, vkg_json_parse(ctx, "config.json", text, strlen(text), &o));
  int64_t i = -1;
  VKG_CHECK_OK(ctx, vkg_json_int(ctx, o, "config.json", "layers_per_block", 1, &i));
  ck_assert_int_eq(i, 2);
  VKG_CHECK_OK(ctx, vkg_json_int(ctx, o, "config.json", "two", 1, &i));
  ck_assert_int_eq(i, 2);
  i = 7;
  VKG_CHECK_OK(ctx, vkg_json_int(ctx, o, "config.json", "absent", 0, &i));
  ck_assert_int_eq(i, 7);
  VKG_CHECK_OK(ctx, vkg_json_int(ctx, o, "config.json", "nothing", 0, &i));
  ck_assert_int_eq(i, 7);
  VKG_CHECK_FAILS(ctx, vkg_json_int(ctx, o, "config.json", "absent", 1, &i), VKG_E_INPUT,
                  "config.json: missing required key 'absent'");
  VKG_CHECK_FAILS(ctx, vkg_json_int(ctx, o, "config.json", "nothing", 1, &i), VKG_E_INPUT, "missing required key");
  VKG_CHECK_FAILS(ctx, vkg_json_int(ctx, o, "config.json", "str", 0, &i), VKG_E_INPUT,
                  "config.json: key 'str': expected an integer, got string");
  VKG_CHECK_FAILS(ctx, vkg_json_int(ctx, o, "config.json", "half", 0, &i), VKG_E_INPUT,
                  "key 'half': expected an integer, got real 2.5");
  ck_assert_int_eq(i, 7);

  double d = 0;
  VKG_CHECK_OK(ctx, vkg_json_float(ctx, o, "config.json", "eps", 1, &d));
  ck_assert(d == 1e-6);
  VKG_CHECK_OK(ctx, vkg_json_float(ctx, o, "config.json", "layers_per_block", 1, &d));
  ck_assert(d == 2.0);
  VKG_CHECK_FAILS(ctx, vkg_json_float(ctx, o, "config.json", "flag", 1, &d), VKG_E_INPUT,
                  "key 'flag': expected a number, got boolean");

  int b = 0;
  VKG_CHECK_OK(ctx, vkg_json_bool(ctx, o, "config.json", "flag", 1, &b));
  ck_assert_int_eq(b, 1);
  VKG_CHECK_FAILS(ctx, vkg_json_bool(ctx, o, "config.json", "two", 1, &b), VKG_E_INPUT,
                  "key 'two': expected a boolean, got real");

  const char *s = NULL;
  VKG_CHECK_OK(ctx, vkg_json_string(ctx, o, "config.json", "name", 1, &s));
  ck_assert_str_eq(s, "unet");
  VKG_CHECK_FAILS(ctx, vkg_json_string(ctx, o, "config.json", "chans", 1, &s), VKG_E_INPUT,
                  "key 'chans': expected a string, got array");

  int64_t *v = NULL;
  int n = -1;
  VKG_CHECK_OK(ctx, vkg_json_int_array(ctx, o, "config.json", "chans", 1, &v, &n));
  ck_assert_int_eq(n, 3);
  ck_assert(v[0] == 32 && v[1] == 64 && v[2] == 128);
  free(v);
  VKG_CHECK_OK(ctx, vkg_json_int_array(ctx, o, "config.json", "empty", 1, &v, &n));
  ck_assert_int_eq(n, 0);
  free(v);
  v = NULL;
  n = 5;
  VKG_CHECK_OK(ctx, vkg_json_int_array(ctx, o, "config.json", "absent", 0, &v, &n));
  ck_assert_ptr_null(v);
  ck_assert_int_eq(n, 5);
  VKG_CHECK_FAILS(ctx, vkg_json_int_array(ctx, o, "config.json", "mixed", 1, &v, &n), VKG_E_INPUT,
                  "key 'mixed': element 1: expected an integer, got string");
  VKG_CHECK_FAILS(ctx, vkg_json_int_array(ctx, o, "config.json", "name", 1, &v, &n), VKG_E_INPUT,
                  "expected an array of integers, got string");
  VKG_CHECK_FAILS(ctx, vkg_json_int_array(ctx, o, "config.json", "absent", 1, &v, &n), VKG_E_INPUT,
                  "missing required key 'absent'");

  const char **sv = NULL;
  VKG_CHECK_OK(ctx, vkg_json_string_array(ctx, o, "config.json", "types", 1, &sv, &n));
  ck_assert_int_eq(n, 2);
  ck_assert_str_eq(sv[0], "Down");
  ck_assert_str_eq(sv[1], "Up");
  free(sv);
  VKG_CHECK_FAILS(ctx, vkg_json_string_array(ctx, o, "config.json", "smixed", 1, &sv, &n), VKG_E_INPUT,
                  "key 'smixed': element 1: expected a string, got integer");
  VKG_CHECK_FAILS(ctx, vkg_json_string_array(ctx, o, "config.json", "flag", 1, &sv, &n), VKG_E_INPUT,
                  "expected an array of strings, got boolean");
  /* Not an object. */
  json_t *arr = json_array();
  VKG_CHECK_FAILS(ctx, vkg_json_int(ctx, arr, "config.json", "x", 0, &i), VKG_E_INPUT,
                  "expected a JSON object holding key 'x', got array");
  json_decref(arr);
  json_decref(o);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(read_file_limits) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *p = write_tmp("ten.txt", "0123456789");
  char *data;
  size_t n;
  VKG_CHECK_OK(ctx, vkg_read_file(ctx, p, 10, &data, &n));
  ck_assert_uint_eq(n, 10);
  ck_assert_str_eq(data, "0123456789"); /* NUL-terminated */
  free(data);
  VKG_CHECK_FAILS(ctx, vkg_read_file(ctx, p, 9, &data, &n), VKG_E_INPUT, "is too large: 10 bytes, at most 9");
  ck_assert_ptr_null(data);
  p = write_tmp("empty.txt", "");
  VKG_CHECK_OK(ctx, vkg_read_file(ctx, p, 9, &data, &n));
  ck_assert_uint_eq(n, 0);
  ck_assert_str_eq(data, "");
  free(data);
  VKG_CHECK_FAILS(ctx, vkg_read_file(ctx, vkg_test_tmpdir(), 9, &data, &n), VKG_E_IO, "Is a directory");
  VKG_CHECK_FAILS(ctx, vkg_read_file(ctx, "/nonexistent/f", 9, &data, &n), VKG_E_IO, "No such file");
  /* A non-regular file (size unknown up front) is capped while reading. */
  VKG_CHECK_FAILS(ctx, vkg_read_file(ctx, "/dev/zero", 100000, &data, &n), VKG_E_INPUT, "more than 100000 bytes");
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("json");
  TCase *tc = tcase_create("json");
  tcase_add_test(tc, load_and_errors);
  tcase_add_test(tc, getters);
  tcase_add_test(tc, read_file_limits);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
