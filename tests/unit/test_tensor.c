/* dtypes, shapes, f16 conversion, tensor transfers (upload/download for every dtype,
 * views, fill, copy) and memory accounting (limit, peak). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_dtypes) {
  ck_assert_uint_eq(vkg_dtype_size(VKG_F32), 4);
  ck_assert_uint_eq(vkg_dtype_size(VKG_F16), 2);
  ck_assert_uint_eq(vkg_dtype_size(VKG_I32), 4);
  ck_assert_uint_eq(vkg_dtype_size(VKG_I64), 8);
  ck_assert_uint_eq(vkg_dtype_size(VKG_U8), 1);
  ck_assert_uint_eq(vkg_dtype_size(VKG_DTYPE_COUNT), 0);
  const char *names[] = {"f32", "f16", "i32", "i64", "u8"};
  const char *st[] = {"F32", "F16", "I32", "I64", "U8"};
  for (int i = 0; i < VKG_DTYPE_COUNT; i++) {
    vkg_dtype d = VKG_DTYPE_COUNT;
    ck_assert_str_eq(vkg_dtype_name((vkg_dtype)i), names[i]);
    ck_assert_int_eq(vkg_dtype_parse(names[i], &d), 0);
    ck_assert_int_eq(d, i);
    d = VKG_DTYPE_COUNT;
    ck_assert_int_eq(vkg_dtype_parse(st[i], &d), 0);
    ck_assert_int_eq(d, i);
  }
  vkg_dtype d;
  ck_assert_int_ne(vkg_dtype_parse("BF16", &d), 0);
  ck_assert_int_ne(vkg_dtype_parse("", &d), 0);
  ck_assert_int_ne(vkg_dtype_parse(NULL, &d), 0);
}
END_TEST

START_TEST(test_shapes) {
  vkg_shape s = vkg_shape_4d(16, 3, 32, 32);
  char buf[64];
  ck_assert_int_eq(s.ndim, 4);
  ck_assert_int_eq(vkg_shape_numel(&s), 16 * 3 * 32 * 32);
  ck_assert_str_eq(vkg_shape_format(&s, buf, sizeof buf), "[16, 3, 32, 32]");
  vkg_shape e = vkg_shape_make(0, NULL);
  ck_assert_int_eq(vkg_shape_numel(&e), 1);
  ck_assert_str_eq(vkg_shape_format(&e, buf, sizeof buf), "[]");
  int64_t d[2] = {5, 0};
  vkg_shape z = vkg_shape_make(2, d);
  ck_assert_int_eq(vkg_shape_numel(&z), 0);
  ck_assert(vkg_shape_equal(&s, &s));
  ck_assert(!vkg_shape_equal(&s, &z));
  vkg_shape s2 = vkg_shape_4d(16, 3, 32, 31);
  ck_assert(!vkg_shape_equal(&s, &s2));
  char small[6];
  vkg_shape_format(&s, small, sizeof small);
  ck_assert_str_eq(small, "[16, ");
}
END_TEST

static uint32_t f2u(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

START_TEST(test_f16) {
  ck_assert_uint_eq(vkg_f32_to_f16(0.0f), 0x0000);
  ck_assert_uint_eq(vkg_f32_to_f16(-0.0f), 0x8000);
  ck_assert_uint_eq(vkg_f32_to_f16(1.0f), 0x3c00);
  ck_assert_uint_eq(vkg_f32_to_f16(-2.0f), 0xc000);
  ck_assert_uint_eq(vkg_f32_to_f16(65504.0f), 0x7bff);
  ck_assert_uint_eq(vkg_f32_to_f16(65520.0f), 0x7c00); /* rounds to inf */
  ck_assert_uint_eq(vkg_f32_to_f16(65519.0f), 0x7bff);
  ck_assert_uint_eq(vkg_f32_to_f16(INFINITY), 0x7c00);
  ck_assert_uint_eq(vkg_f32_to_f16(-INFINITY), 0xfc00);
  uint16_t n = vkg_f32_to_f16(NAN);
  ck_assert((n & 0x7c00) == 0x7c00 && (n & 0x3ff));
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(1, -24)), 0x0001); /* smallest subnormal */
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(1, -25)), 0x0000); /* tie to even: 0 */
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(3, -26)), 0x0001); /* 0.75 ulp → 1 */
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(3, -25)), 0x0002); /* 1.5 ulp tie → even 2 */
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(1, -14)), 0x0400); /* smallest normal */
  ck_assert_uint_eq(vkg_f32_to_f16(ldexpf(1023, -24)), 0x03ff);
  ck_assert_uint_eq(vkg_f32_to_f16(1.0f + ldexpf(1, -11)), 0x3c00);     /* tie → even */
  ck_assert_uint_eq(vkg_f32_to_f16(1.0f + ldexpf(3, -11)), 0x3c02);     /* tie → even up */
  ck_assert_uint_eq(vkg_f32_to_f16(1.0f + ldexpf(1, -11) + ldexpf(1, -20)), 0x3c01);
  ck_assert_uint_eq(f2u(vkg_f16_to_f32(0x0001)), f2u(ldexpf(1, -24)));
  ck_assert_uint_eq(f2u(vkg_f16_to_f32(0x03ff)), f2u(ldexpf(1023, -24)));
  ck_assert_uint_eq(f2u(vkg_f16_to_f32(0x8000)), f2u(-0.0f));
  ck_assert(isinf(vkg_f16_to_f32(0x7c00)) && vkg_f16_to_f32(0x7c00) > 0);
  ck_assert(isinf(vkg_f16_to_f32(0xfc00)) && vkg_f16_to_f32(0xfc00) < 0);
  ck_assert(isnan(vkg_f16_to_f32(0x7e00)));
  /* every finite half survives a round trip exactly */
  for (uint32_t h = 0; h < 0x10000; h++) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;
    ck_assert_uint_eq(vkg_f32_to_f16(vkg_f16_to_f32((uint16_t)h)), h);
  }
}
END_TEST

static void fill_bytes(uint8_t *p, size_t n, unsigned seed) {
  uint32_t s = 2463534242u + seed;
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    p[i] = (uint8_t)s;
  }
}

static void round_trips(void) {
  vkg_ctx *ctx = vkg_test_ctx();
  const int64_t counts[] = {1, 3, 7, 1000003};
  for (int dt = 0; dt < VKG_DTYPE_COUNT; dt++) {
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
      vkg_shape sh = vkg_shape_make(1, &counts[c]);
      size_t bytes = (size_t)counts[c] * vkg_dtype_size((vkg_dtype)dt);
      uint8_t *in = malloc(bytes), *out = malloc(bytes);
      fill_bytes(in, bytes, (unsigned)(dt * 10 + c));
      memset(out, 0xcd, bytes);
      vkg_tensor *t = NULL;
      VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, (vkg_dtype)dt, &sh, in, &t));
      ck_assert_uint_eq(vkg_tensor_bytes(t), bytes);
      ck_assert_int_eq(vkg_tensor_numel(t), counts[c]);
      ck_assert_int_eq(vkg_tensor_dtype(t), dt);
      ck_assert(vkg_shape_equal(vkg_tensor_shape(t), &sh));
      vkg_tensor_info info = vkg_tensor_get_info(t);
      ck_assert_int_eq(info.dtype, dt);
      VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, t, out, bytes));
      ck_assert_msg(memcmp(in, out, bytes) == 0, "%s x %lld differs", vkg_dtype_name((vkg_dtype)dt),
                    (long long)counts[c]);
      VKG_CHECK_FAILS(ctx, vkg_tensor_download(ctx, t, out, bytes + 1), VKG_E_INPUT, "bytes given");
      VKG_CHECK_FAILS(ctx, vkg_tensor_upload(ctx, t, in, bytes - 1), VKG_E_INPUT, "bytes given");
      vkg_tensor_unref(t);
      free(in);
      free(out);
    }
  }
  /* an upload bigger than the staging area, and uploads queued back to back */
  int64_t big = 9 * 1000 * 1000 + 1;
  vkg_shape sh = vkg_shape_make(1, &big);
  float *x = malloc((size_t)big * 4), *y = malloc((size_t)big * 4);
  vkg_test_fill_uniform(x, (size_t)big, 3, -1, 1);
  vkg_tensor *a = NULL, *b = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &a));
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &b));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, b, y, (size_t)big * 4));
  ck_assert(memcmp(x, y, (size_t)big * 4) == 0);
  vkg_tensor_unref(a);
  vkg_tensor_unref(b);
  free(x);
  free(y);
  vkg_tensor_unref(NULL);
  vkg_test_ctx_destroy(ctx);
}

START_TEST(test_round_trips) { round_trips(); }
END_TEST

/* The discrete-GPU path: downloads through staging copies instead of mapped memory. */
START_TEST(test_round_trips_staging) {
  setenv("VKGEN_FORCE_STAGING", "1", 1);
  round_trips();
  unsetenv("VKGEN_FORCE_STAGING");
}
END_TEST

START_TEST(test_views_fill_copy) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t n = 103;
  vkg_shape sh = vkg_shape_make(1, &n);
  float x[103], y[103];
  for (int i = 0; i < n; i++) x[i] = (float)i;
  vkg_tensor *base = NULL, *v = NULL, *v2 = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &base));
  /* a [2, 5] view at element 8; then a view of the view */
  int64_t vd[2] = {2, 5};
  vkg_shape vs = vkg_shape_make(2, vd);
  VKG_CHECK_OK(ctx, vkg_tensor_view(ctx, base, VKG_F32, &vs, 8 * 4, &v));
  float vv[10];
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, v, vv, sizeof vv));
  for (int i = 0; i < 10; i++) ck_assert_float_eq(vv[i], (float)(8 + i));
  int64_t three = 3;
  vkg_shape s3 = vkg_shape_make(1, &three);
  VKG_CHECK_OK(ctx, vkg_tensor_view(ctx, v, VKG_I32, &s3, 4 * 4, &v2));
  int32_t iv[3];
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, v2, iv, sizeof iv));
  for (int i = 0; i < 3; i++) {
    float f = (float)(12 + i);
    int32_t want;
    memcpy(&want, &f, 4);
    ck_assert_int_eq(iv[i], want);
  }
  vkg_tensor *bad = NULL;
  VKG_CHECK_FAILS(ctx, vkg_tensor_view(ctx, base, VKG_F32, &vs, 100 * 4, &bad), VKG_E_INPUT, "does not fit");
  ck_assert_ptr_null(bad);
  /* fill a 3-element view in the middle: neighbours stay */
  vkg_tensor *mid = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_view(ctx, base, VKG_F32, &s3, 20 * 4, &mid));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, mid, 0x3f800000u));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, base, y, sizeof y));
  for (int i = 0; i < n; i++) ck_assert_float_eq(y[i], (i >= 20 && i < 23) ? 1.0f : (float)i);
  /* whole-tensor fill, odd byte counts */
  int64_t seven = 7;
  vkg_shape s7 = vkg_shape_make(1, &seven);
  vkg_tensor *u = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_U8, &s7, &u));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, u, 0xabababab));
  uint8_t ub[7];
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, u, ub, 7));
  for (int i = 0; i < 7; i++) ck_assert_uint_eq(ub[i], 0xab);
  /* a u8 view of 3 bytes in the middle of u cannot be filled by words */
  vkg_tensor *ubad = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_view(ctx, u, VKG_U8, &s3, 1, &ubad));
  VKG_CHECK_FAILS(ctx, vkg_tensor_fill_u32(ctx, ubad, 0), VKG_E_INPUT, "4-byte aligned");
  /* copy, and its size check */
  vkg_tensor *c = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &c));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, c, 0));
  VKG_CHECK_OK(ctx, vkg_tensor_copy(ctx, base, c));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, c, y, sizeof y));
  for (int i = 0; i < n; i++) ck_assert_float_eq(y[i], (i >= 20 && i < 23) ? 1.0f : (float)i);
  VKG_CHECK_FAILS(ctx, vkg_tensor_copy(ctx, base, u), VKG_E_INPUT, "differ in size");
  VKG_CHECK_FAILS(ctx, vkg_tensor_copy(ctx, v, mid), VKG_E_INPUT, "differ in size");
  vkg_tensor *ov = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_view(ctx, base, VKG_F32, &s3, 21 * 4, &ov));
  VKG_CHECK_FAILS(ctx, vkg_tensor_copy(ctx, mid, ov), VKG_E_INPUT, "overlap");
  vkg_tensor_unref(ov);
  vkg_tensor_unref(c);
  vkg_tensor_unref(ubad);
  vkg_tensor_unref(u);
  vkg_tensor_unref(mid);
  /* a view keeps its base alive */
  vkg_tensor_unref(base);
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, v, vv, sizeof vv));
  ck_assert_float_eq(vv[0], 8.0f);
  vkg_tensor_unref(v2);
  vkg_tensor_unref(v);
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 0);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_create_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_tensor *t = NULL;
  int64_t neg[2] = {3, -1};
  vkg_shape s = vkg_shape_make(2, neg);
  VKG_CHECK_FAILS(ctx, vkg_tensor_create(ctx, VKG_F32, &s, &t), VKG_E_INPUT, "negative dimension");
  vkg_shape ok = vkg_shape_4d(1, 1, 1, 1);
  VKG_CHECK_FAILS(ctx, vkg_tensor_create(ctx, (vkg_dtype)42, &ok, &t), VKG_E_INPUT, "unknown dtype");
  ck_assert_ptr_null(t);
  /* zero-element tensors exist and transfer nothing */
  int64_t zero = 0;
  vkg_shape z = vkg_shape_make(1, &zero);
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &z, &t));
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, t, 0));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, t, &zero, 0));
  vkg_tensor_unref(t);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_mem_limit_and_peak) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.limit, vkg_ctx_device_info(ctx)->device_local_bytes);
  vkg_ctx_set_mem_limit(ctx, 100u << 20);
  int64_t n = 10 << 20; /* 40 MiB of f32 */
  vkg_shape sh = vkg_shape_make(1, &n);
  vkg_tensor *a = NULL, *b = NULL, *c = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &a));
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &b));
  VKG_CHECK_FAILS(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &c), VKG_E_NOMEM, "41943040 bytes (40.0 MiB)");
  ck_assert_ptr_null(c);
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "device memory exhausted"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "80.0 MiB in use of 100.0 MiB"));
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 80u << 20);
  ck_assert_uint_eq(ms.peak, 80u << 20);
  ck_assert_uint_ge(ms.reserved, 80u << 20);
  ck_assert_uint_eq(ms.limit, 100u << 20);
  vkg_tensor_unref(a);
  /* the freed range is reused at once */
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &c));
  vkg_tensor_unref(b);
  vkg_tensor_unref(c);
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 0);
  ck_assert_uint_eq(ms.peak, 80u << 20);
  vkg_ctx_mem_reset_peak(ctx);
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.peak, 0);
  /* a tensor bigger than the whole limit */
  int64_t huge = 30 << 20;
  vkg_shape hs = vkg_shape_make(1, &huge);
  VKG_CHECK_FAILS(ctx, vkg_tensor_create(ctx, VKG_F32, &hs, &c), VKG_E_NOMEM, "125829120 bytes (120.0 MiB)");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "f32 tensor [31457280]"));
  /* many small tensors then frees: in_use returns to 0 and the pool coalesces */
  vkg_tensor *ts[300];
  int64_t small = 1001;
  vkg_shape ss = vkg_shape_make(1, &small);
  for (int i = 0; i < 300; i++) VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_U8, &ss, &ts[i]));
  for (int i = 0; i < 300; i += 2) vkg_tensor_unref(ts[i]);
  for (int i = 1; i < 300; i += 2) vkg_tensor_unref(ts[i]);
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.in_use, 0);
  int64_t most = 22 << 20; /* 88 MiB: fits only if the ranges coalesced back */
  vkg_shape ms_ = vkg_shape_make(1, &most);
  VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, VKG_F32, &ms_, &c));
  vkg_tensor_unref(c);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_mem_limit_env) {
  setenv("VKGEN_MEM_LIMIT", "1048576", 1);
  vkg_ctx *ctx = vkg_test_ctx();
  unsetenv("VKGEN_MEM_LIMIT");
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  ck_assert_uint_eq(ms.limit, 1048576);
  int64_t n = 300000;
  vkg_shape sh = vkg_shape_make(1, &n);
  vkg_tensor *t = NULL;
  VKG_CHECK_FAILS(ctx, vkg_tensor_create(ctx, VKG_F32, &sh, &t), VKG_E_NOMEM,
                  "a tensor of 1200000 bytes (1.1 MiB) was asked for with 0 bytes in use of 1.0 MiB");
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("tensor");
  TCase *tc = tcase_create("tensor");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_dtypes);
  tcase_add_test(tc, test_shapes);
  tcase_add_test(tc, test_f16);
  tcase_add_test(tc, test_round_trips);
  tcase_add_test(tc, test_round_trips_staging);
  tcase_add_test(tc, test_views_fill_copy);
  tcase_add_test(tc, test_create_errors);
  tcase_add_test(tc, test_mem_limit_and_peak);
  tcase_add_test(tc, test_mem_limit_env);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
