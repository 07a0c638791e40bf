/* is.score's state for checkpoints and for merging the ranks of a sharded run.
 *
 * Format (native byte order): "VKGIS01\0", int64 classes, splits, samples, seen, bad, nseg;
 * then with samples > 0 (streaming) f64 psum [splits * classes], plogp [splits] and int64
 * count [splits]; with samples == 0 the kept rows: int64 (first, rows) [nseg] and f32 logits
 * [seen * classes] in kept order. Merging adds the sums, or appends the segments (the result
 * orders them by global row). */
#include <stdlib.h>
#include <string.h>

#include "is_acc_internal.h"
#include "is_math.h"

static const char magic[8] = "VKGIS01";

typedef struct sink {
  unsigned char *p;
} sink;

static void put(sink *s, const void *src, size_t n) {
  if (n) memcpy(s->p, src, n);
  s->p += n;
}

static size_t body_bytes(const vkg_is_acc *a) {
  if (a->samples > 0) return (size_t)a->splits * (sizeof(double) * (size_t)(a->classes + 1) + sizeof(int64_t));
  return sizeof(int64_t) * 2 * (size_t)a->nseg + sizeof(float) * (size_t)(a->seen * a->classes);
}

vkg_status vkg_is_acc_save(vkg_ctx *ctx, const vkg_is_acc *a, void **data, size_t *size) {
  size_t n = sizeof magic + 6 * sizeof(int64_t) + (a ? body_bytes(a) : 0);
  unsigned char *buf = malloc(n);
  if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory (%zu bytes of state)", n);
  sink s = {buf};
  put(&s, magic, sizeof magic);
  int64_t h[6] = {0};
  if (a) {
    int64_t hh[6] = {a->classes, a->splits, a->samples, a->seen, a->bad, a->nseg};
    memcpy(h, hh, sizeof h);
  }
  put(&s, h, sizeof h);
  if (a && a->samples > 0) {
    put(&s, a->psum, sizeof(double) * (size_t)(a->splits * a->classes));
    put(&s, a->plogp, sizeof(double) * (size_t)a->splits);
    put(&s, a->count, sizeof(int64_t) * (size_t)a->splits);
  } else if (a) {
    put(&s, a->seg, sizeof(int64_t) * 2 * (size_t)a->nseg);
    put(&s, a->kept, sizeof(float) * (size_t)(a->seen * a->classes));
  }
  *data = buf;
  *size = n;
  return VKG_OK;
}

static vkg_status truncated(vkg_ctx *ctx) {
  return vkg_error(ctx, VKG_E_INPUT, "inception score: the saved state is truncated or malformed");
}

vkg_status vkg_is_acc_merge(vkg_ctx *ctx, vkg_is_acc *a, const void *data, size_t size) {
  const unsigned char *p = data;
  int64_t h[6];
  if (size < sizeof magic + sizeof h || memcmp(p, magic, sizeof magic)) return truncated(ctx);
  memcpy(h, p + sizeof magic, sizeof h);
  p += sizeof magic + sizeof h;
  size -= sizeof magic + sizeof h;
  if (h[0] == 0) return VKG_OK; /* a rank that saw no logits */
  if (h[0] != a->classes || h[1] != a->splits || h[2] != a->samples)
    return vkg_error(ctx, VKG_E_INPUT,
                     "inception score: saved state has %lld classes, %lld splits, samples %lld; this node has %lld, "
                     "%d, %lld",
                     (long long)h[0], (long long)h[1], (long long)h[2], (long long)a->classes, a->splits,
                     (long long)a->samples);
  int64_t seen = h[3], nseg = h[5], c = a->classes;
  if (seen < 0 || nseg < 0) return truncated(ctx);
  if (a->samples > 0) {
    size_t need = (size_t)a->splits * (sizeof(double) * (size_t)(c + 1) + sizeof(int64_t));
    if (size != need) return truncated(ctx);
    const unsigned char *ps = p, *pl = ps + sizeof(double) * (size_t)(a->splits * c),
                        *pc = pl + sizeof(double) * (size_t)a->splits;
    for (int64_t i = 0; i < a->splits * c; i++) {
      double v;
      memcpy(&v, ps + sizeof v * (size_t)i, sizeof v);
      a->psum[i] += v;
    }
    for (int k = 0; k < a->splits; k++) {
      double v;
      int64_t n;
      memcpy(&v, pl + sizeof v * (size_t)k, sizeof v);
      memcpy(&n, pc + sizeof n * (size_t)k, sizeof n);
      a->plogp[k] += v;
      a->count[k] += n;
    }
    a->seen += seen;
    if (h[4]) a->bad = 1;
    return VKG_OK;
  }
  if (size != sizeof(int64_t) * 2 * (size_t)nseg + sizeof(float) * (size_t)(seen * c)) return truncated(ctx);
  const unsigned char *rows = p + sizeof(int64_t) * 2 * (size_t)nseg;
  for (int64_t s = 0, at = 0; s < nseg; s++) {
    int64_t g[2];
    memcpy(g, p + sizeof g * (size_t)s, sizeof g);
    if (g[1] < 0 || at + g[1] > seen) return truncated(ctx);
    float *buf = malloc(sizeof(float) * (size_t)(g[1] * c) + 1);
    if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory");
    memcpy(buf, rows + sizeof(float) * (size_t)(at * c), sizeof(float) * (size_t)(g[1] * c));
    vkg_status st = vkg_is_acc_add_at(ctx, a, buf, g[1], g[0]);
    free(buf);
    if (st) return st;
    at += g[1];
  }
  return VKG_OK;
}
