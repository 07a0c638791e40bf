/* FID sufficient statistics: merge, mean/cov, and stats files (safetensors with F64 tensors,
 * which the vkg writer cannot produce since vkg dtypes have no f64, so the header is
 * written here; the reader is vkgen's validating safetensors reader). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/io.h>
#include <vkgen/kernels/stats.h>

#include "fid_internal.h"
#include "fid_math.h"

#define STATS_FORMAT "vkgen-fid-stats"

vkg_status vkg_fid_stats_alloc(vkg_ctx *ctx, int64_t dim, vkg_fid_stats *s) {
  memset(s, 0, sizeof *s);
  if (dim < 1 || dim > 65536) return vkg_error(ctx, VKG_E_INPUT, "fid stats: dimension %lld out of range", (long long)dim);
  s->sum = calloc((size_t)dim, sizeof(double));
  s->outer = calloc((size_t)(dim * dim), sizeof(double));
  if (!s->sum || !s->outer) {
    vkg_fid_stats_free(s);
    return vkg_error(ctx, VKG_E_NOMEM, "fid stats: out of host memory for dimension %lld", (long long)dim);
  }
  s->dim = dim;
  return VKG_OK;
}

void vkg_fid_stats_free(vkg_fid_stats *s) {
  if (!s) return;
  free(s->sum);
  free(s->outer);
  memset(s, 0, sizeof *s);
}

vkg_status vkg_fid_stats_merge(vkg_ctx *ctx, vkg_fid_stats *dst, const vkg_fid_stats *src, const char *what) {
  if ((dst->moments_only && src->n) || (src->moments_only && dst->n))
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: pytorch-fid .npz statistics have no sample count and cannot be merged with other samples",
                     what ? what : "fid stats");
  if (dst->dim != src->dim)
    return vkg_error(ctx, VKG_E_INPUT, "%s: feature sizes disagree: %lld vs %lld", what ? what : "fid stats",
                     (long long)dst->dim, (long long)src->dim);
  for (int64_t i = 0; i < dst->dim; i++) dst->sum[i] += src->sum[i];
  for (int64_t i = 0; i < dst->dim * dst->dim; i++) dst->outer[i] += src->outer[i];
  dst->n += src->n;
  dst->moments_only |= src->moments_only;
  return VKG_OK;
}

vkg_status vkg_fid_stats_mean_cov(vkg_ctx *ctx, const vkg_fid_stats *s, double *mu, double *sigma) {
  return vkg_stats_mean_cov(ctx, s->sum, s->outer, s->n, s->dim, mu, sigma);
}

/* ---- files ------------------------------------------------------------------------------ */

typedef struct out_tensor {
  const char *name, *dtype;
  int ndim;
  int64_t d[2];
  const void *data;
  size_t bytes;
} out_tensor;

vkg_status vkg_fid_stats_save(vkg_ctx *ctx, const char *path, const vkg_fid_stats *s) {
  int64_t d = s->dim;
  double *mu = malloc(sizeof(double) * (size_t)d), *sigma = malloc(sizeof(double) * (size_t)(d * d));
  vkg_status st = VKG_OK;
  if (!mu || !sigma) {
    st = vkg_error(ctx, VKG_E_NOMEM, "%s: out of host memory", path);
    goto done;
  }
  if (s->n >= 2) {
    if ((st = vkg_fid_stats_mean_cov(ctx, s, mu, sigma))) goto done;
  } else {
    /* Partial stats of 0 or 1 samples still merge; mean/cov are not defined yet. */
    for (int64_t i = 0; i < d; i++) mu[i] = s->n ? s->sum[i] / (double)s->n : 0;
    memset(sigma, 0, sizeof(double) * (size_t)(d * d));
  }
  /* Sorted by name, as safetensors writers conventionally do. */
  out_tensor t[5] = {
      {"mu", "F64", 1, {d, 0}, mu, sizeof(double) * (size_t)d},
      {"n", "I64", 1, {1, 0}, &s->n, sizeof(int64_t)},
      {"outer", "F64", 2, {d, d}, s->outer, sizeof(double) * (size_t)(d * d)},
      {"sigma", "F64", 2, {d, d}, sigma, sizeof(double) * (size_t)(d * d)},
      {"sum", "F64", 1, {d, 0}, s->sum, sizeof(double) * (size_t)d},
  };
  char header[2048];
  int len = snprintf(header, sizeof header,
                     "{\"__metadata__\":{\"format\":\"" STATS_FORMAT "\",\"version\":\"1\",\"n\":\"%" PRId64
                     "\",\"dim\":\"%" PRId64 "\"}",
                     s->n, d);
  size_t off = 0;
  for (int k = 0; k < 5; k++) {
    char shape[64];
    if (t[k].ndim == 1)
      snprintf(shape, sizeof shape, "[%" PRId64 "]", t[k].d[0]);
    else
      snprintf(shape, sizeof shape, "[%" PRId64 ",%" PRId64 "]", t[k].d[0], t[k].d[1]);
    len += snprintf(header + len, sizeof header - (size_t)len,
                    ",\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%zu,%zu]}", t[k].name, t[k].dtype, shape,
                    off, off + t[k].bytes);
    off += t[k].bytes;
  }
  len += snprintf(header + len, sizeof header - (size_t)len, "}");
  while (len % 8) header[len++] = ' ';
  vkg_outfile of;
  if ((st = vkg_outfile_open(ctx, path, &of))) goto done;
  uint64_t hl = (uint64_t)len;
  unsigned char le[8];
  for (int i = 0; i < 8; i++) le[i] = (unsigned char)(hl >> (8 * i));
  int ok = fwrite(le, 1, 8, of.f) == 8 && fwrite(header, 1, (size_t)len, of.f) == (size_t)len;
  for (int k = 0; ok && k < 5; k++) ok = fwrite(t[k].data, 1, t[k].bytes, of.f) == t[k].bytes;
  if (!ok) {
    vkg_outfile_abort(&of);
    st = vkg_error(ctx, VKG_E_IO, "%s: write failed", path);
    goto done;
  }
  st = vkg_outfile_commit(ctx, &of);
done:
  free(mu);
  free(sigma);
  return st;
}

static vkg_status expect_f64(vkg_ctx *ctx, const char *path, const vkg_st_entry *e, int ndim, int64_t d) {
  if (strcmp(e->st_dtype, "F64") != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' must be F64, is %s", path, e->name, e->st_dtype);
  if (e->shape.ndim != ndim || e->shape.d[0] != d || (ndim == 2 && e->shape.d[1] != d)) {
    char buf[96];
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' has shape %s, expected %s of size %lld", path, e->name,
                     vkg_shape_format(&e->shape, buf, sizeof buf), ndim == 1 ? "[D]" : "[D, D]", (long long)d);
  }
  return VKG_OK;
}

/* sum = n mu, outer = (n - 1) sigma + n mu mu^T (outer holds sigma, sum holds mu on entry). */
static void sums_from_moments(vkg_fid_stats *s) {
  int64_t d = s->dim;
  double n = (double)s->n;
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < d; j++) s->outer[i * d + j] = (n - 1) * s->outer[i * d + j] + n * s->sum[i] * s->sum[j];
  for (int64_t i = 0; i < d; i++) s->sum[i] *= n;
}

static vkg_status load_npz(vkg_ctx *ctx, const char *path, vkg_fid_stats *s) {
  int64_t d = 0;
  double *mu = NULL, *sigma = NULL;
  vkg_status st = vkg_fid_npz_read(ctx, path, &d, &mu, &sigma);
  if (!st) st = vkg_fid_stats_alloc(ctx, d, s);
  if (!st) {
    memcpy(s->sum, mu, sizeof(double) * (size_t)d);
    memcpy(s->outer, sigma, sizeof(double) * (size_t)(d * d));
    s->n = 2; /* nominal: mean_cov gives back mu and sigma; the smallest n loses the least to rounding */
    s->moments_only = 1;
    sums_from_moments(s);
  }
  free(mu);
  free(sigma);
  return st;
}

vkg_status vkg_fid_stats_load(vkg_ctx *ctx, const char *path, vkg_fid_stats *s) {
  memset(s, 0, sizeof *s);
  size_t pl = strlen(path);
  if (pl > 4 && strcmp(path + pl - 4, ".npz") == 0) return load_npz(ctx, path, s);
  vkg_safetensors *f = NULL;
  vkg_status st = vkg_safetensors_open(ctx, path, &f);
  if (st) return st;
  const vkg_st_entry *sum = vkg_safetensors_find(f, "sum"), *outer = vkg_safetensors_find(f, "outer");
  const vkg_st_entry *mu = vkg_safetensors_find(f, "mu"), *sigma = vkg_safetensors_find(f, "sigma");
  const vkg_st_entry *n = vkg_safetensors_find(f, "n");
  int have_sums = sum && outer, have_moments = mu && sigma;
  if (!n || !(have_sums || have_moments)) {
    st = vkg_error(ctx, VKG_E_INPUT,
                   "%s: not a FID stats file (needs 'n' and either 'sum' + 'outer' or 'mu' + 'sigma'; "
                   "write one with fid.score's save_stats)",
                   path);
    goto done;
  }
  if (strcmp(n->st_dtype, "I64") != 0 || n->shape.ndim != 1 || n->shape.d[0] != 1) {
    st = vkg_error(ctx, VKG_E_INPUT, "%s: tensor 'n' must be I64 [1]", path);
    goto done;
  }
  const vkg_st_entry *v = have_sums ? sum : mu;
  if (v->shape.ndim != 1 || v->shape.d[0] < 1) {
    st = vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' must be [D]", path, v->name);
    goto done;
  }
  int64_t d = v->shape.d[0], cnt;
  memcpy(&cnt, n->data, sizeof cnt);
  if (cnt < 0) {
    st = vkg_error(ctx, VKG_E_INPUT, "%s: negative sample count %lld", path, (long long)cnt);
    goto done;
  }
  if ((st = expect_f64(ctx, path, v, 1, d)) || (st = expect_f64(ctx, path, have_sums ? outer : sigma, 2, d)))
    goto done;
  if ((st = vkg_fid_stats_alloc(ctx, d, s))) goto done;
  s->n = cnt;
  if (have_sums) {
    memcpy(s->sum, sum->data, sizeof(double) * (size_t)d);
    memcpy(s->outer, outer->data, sizeof(double) * (size_t)(d * d));
  } else {
    /* memcpy: the mapping may be unaligned. */
    memcpy(s->sum, mu->data, sizeof(double) * (size_t)d);
    memcpy(s->outer, sigma->data, sizeof(double) * (size_t)(d * d));
    sums_from_moments(s);
  }
done:
  vkg_safetensors_close(f);
  return st;
}
