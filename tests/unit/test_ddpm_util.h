/* Helpers shared by the ddpm/nn tests: fixture tensors on the host and the device. */
#ifndef VKG_TEST_DDPM_UTIL_H
#define VKG_TEST_DDPM_UTIL_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define DDPM_FIX VKG_TEST_SOURCE_DIR "/tests/fixtures/models"

/* A fixture tensor as f32 on the host (I64 converted); shape optional. */
static inline float *fx_read(vkg_ctx *ctx, const char *path, const char *name, vkg_shape *shape) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  ck_assert_msg(e != NULL, "%s: no tensor %s", path, name);
  size_t n = (size_t)vkg_shape_numel(&e->shape);
  float *x = malloc((n ? n : 1) * sizeof *x);
  ck_assert_ptr_nonnull(x);
  if (strcmp(e->st_dtype, "I64") == 0) {
    for (size_t i = 0; i < n; i++) {
      int64_t v;
      memcpy(&v, (const char *)e->data + 8 * i, 8);
      x[i] = (float)v;
    }
  } else {
    VKG_CHECK_OK(ctx, vkg_safetensors_read_f32(ctx, st, e, x));
  }
  if (shape) *shape = e->shape;
  vkg_safetensors_close(st);
  return x;
}

static inline vkg_tensor *fx_upload(vkg_ctx *ctx, const float *x, const vkg_shape *s) {
  vkg_tensor *t = NULL;
  VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, VKG_F32, s, x, &t));
  return t;
}

static inline float *fx_download(vkg_ctx *ctx, const vkg_tensor *t) {
  float *x = malloc(vkg_tensor_bytes(t));
  ck_assert_ptr_nonnull(x);
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, t, x, vkg_tensor_bytes(t)));
  return x;
}

/* Max |a - b| and max |b| over n. */
static inline double fx_max_abs(const float *a, const float *b, size_t n, double *maxref) {
  double m = 0, r = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    if (d > m || isnan(d)) m = isnan(d) ? INFINITY : d;
    if (fabs(b[i]) > r) r = fabs(b[i]);
  }
  if (maxref) *maxref = r;
  return m;
}

/* Asserts a ~ b within atol + rtol |b|, printing the max abs error (the report quotes it). */
static inline void fx_expect_close(const char *what, const float *a, const float *b, size_t n, double atol, double rtol) {
  size_t worst = 0;
  double mr = 0, ma = fx_max_abs(a, b, n, &mr);
  double rel = vkg_test_rel_err(a, b, n, atol, rtol, &worst);
  fprintf(stderr, "%s: max abs err %.3g (max |ref| %.3g), worst %zu: got %.7g want %.7g, score %.3g\n", what, ma, mr,
          worst, (double)a[worst], (double)b[worst], rel);
  ck_assert_msg(rel <= 1.0, "%s: max abs err %g at %zu (got %g, want %g)", what, ma, worst, (double)a[worst],
                (double)b[worst]);
}

#endif
