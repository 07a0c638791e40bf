/* Tensor helpers for the kernel-library unit tests (static inline: header only). */
#ifndef VKG_REF_KL_TENSOR_H
#define VKG_REF_KL_TENSOR_H

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static inline vkg_tensor *kt_newt(vkg_ctx *ctx, vkg_dtype dt, int nd, const int64_t *d, const void *host) {
  vkg_shape s = vkg_shape_make(nd, d);
  vkg_tensor *t = NULL;
  if (host) VKG_CHECK_OK(ctx, vkg_tensor_create_from(ctx, dt, &s, host, &t));
  else VKG_CHECK_OK(ctx, vkg_tensor_create(ctx, dt, &s, &t));
  return t;
}

static inline vkg_tensor *kt_new(vkg_ctx *ctx, int nd, const int64_t *d, const float *host) {
  return kt_newt(ctx, VKG_F32, nd, d, host);
}

/* Random f32 tensor in [lo, hi); host copy returned in *host (malloc'd). */
static inline vkg_tensor *kt_rand(vkg_ctx *ctx, int nd, const int64_t *d, unsigned seed, float lo, float hi,
                                  float **host) {
  vkg_shape s = vkg_shape_make(nd, d);
  size_t n = (size_t)vkg_shape_numel(&s);
  float *h = malloc((n ? n : 1) * sizeof *h);
  ck_assert_ptr_nonnull(h);
  vkg_test_fill_uniform(h, n, seed, lo, hi);
  vkg_tensor *t = kt_new(ctx, nd, d, h);
  *host = h;
  return t;
}

static inline void *kt_get(vkg_ctx *ctx, const vkg_tensor *t) {
  size_t b = vkg_tensor_bytes(t);
  void *h = malloc(b ? b : 1);
  ck_assert_ptr_nonnull(h);
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, t, h, b));
  return h;
}

static inline void kt_expect(const float *got, const float *want, size_t n, double atol, double rtol,
                             const char *what) {
  size_t wi = 0;
  double e = vkg_test_rel_err(got, want, n, atol, rtol, &wi);
  ck_assert_msg(e <= 1.0, "%s: error %.3g x tolerance at %zu: got %.9g want %.9g", what, e, wi,
                n ? (double)got[wi] : 0.0, n ? (double)want[wi] : 0.0);
}

#endif
