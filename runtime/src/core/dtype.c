/* dtype names/sizes and shape helpers. */
#include <stdio.h>
#include <string.h>

#include "vkgen/tensor.h"

static const struct {
  const char *name, *st_name;
  size_t size;
} dtypes[VKG_DTYPE_COUNT] = {
    [VKG_F32] = {"f32", "F32", 4}, [VKG_F16] = {"f16", "F16", 2}, [VKG_I32] = {"i32", "I32", 4},
    [VKG_I64] = {"i64", "I64", 8}, [VKG_U8] = {"u8", "U8", 1},
};

size_t vkg_dtype_size(vkg_dtype t) { return (unsigned)t < VKG_DTYPE_COUNT ? dtypes[t].size : 0; }

const char *vkg_dtype_name(vkg_dtype t) { return (unsigned)t < VKG_DTYPE_COUNT ? dtypes[t].name : "?"; }

int vkg_dtype_parse(const char *s, vkg_dtype *out) {
  if (!s) return -1;
  for (int i = 0; i < VKG_DTYPE_COUNT; i++) {
    if (strcmp(s, dtypes[i].name) == 0 || strcmp(s, dtypes[i].st_name) == 0) {
      if (out) *out = (vkg_dtype)i;
      return 0;
    }
  }
  return -1;
}

vkg_shape vkg_shape_make(int ndim, const int64_t *dims) {
  vkg_shape s;
  memset(&s, 0, sizeof s);
  if (ndim < 0) ndim = 0;
  if (ndim > VKG_MAX_DIMS) ndim = VKG_MAX_DIMS;
  s.ndim = ndim;
  for (int i = 0; i < ndim; i++) s.d[i] = dims ? dims[i] : 0;
  return s;
}

vkg_shape vkg_shape_4d(int64_t n, int64_t c, int64_t h, int64_t w) {
  const int64_t d[4] = {n, c, h, w};
  return vkg_shape_make(4, d);
}

int64_t vkg_shape_numel(const vkg_shape *s) {
  if (!s) return 0;
  int64_t n = 1;
  for (int i = 0; i < s->ndim; i++)
    if (__builtin_mul_overflow(n, s->d[i], &n)) return INT64_MAX; /* saturate: never wrap to a small count */
  return n;
}

int vkg_shape_equal(const vkg_shape *a, const vkg_shape *b) {
  if (!a || !b || a->ndim != b->ndim) return 0;
  for (int i = 0; i < a->ndim; i++)
    if (a->d[i] != b->d[i]) return 0;
  return 1;
}

const char *vkg_shape_format(const vkg_shape *s, char *buf, size_t n) {
  if (!buf || n == 0) return buf;
  size_t pos = 0;
  buf[0] = 0;
  int w = snprintf(buf, n, "[");
  pos = w > 0 ? (size_t)w : 0;
  for (int i = 0; s && i < s->ndim && pos < n; i++) {
    w = snprintf(buf + pos, n - pos, i ? ", %lld" : "%lld", (long long)s->d[i]);
    if (w < 0) break;
    pos += (size_t)w;
  }
  if (pos < n) snprintf(buf + pos, n - pos, "]");
  return buf;
}
