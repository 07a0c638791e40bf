/* Streaming sum / outer-product accumulation of feature batches, and mean / covariance. */
#include <stdlib.h>

#include "klib_internal.h"
#include "spv/kl_stats_acc.h"
#include "vkgen/kernels/stats.h"

struct vkg_stats_acc {
  int64_t dim, n;
  vkg_tensor *sum;   /* [dim, 2] f32: (value, compensation) */
  vkg_tensor *outer; /* [dim * dim, 2] f32 */
};

vkg_status vkg_stats_acc_create(vkg_ctx *ctx, int64_t dim, vkg_stats_acc **out) {
  *out = NULL;
  if (dim < 1 || dim > 32768) return vkg_error(ctx, VKG_E_INPUT, "stats: dim %lld out of range", (long long)dim);
  vkg_stats_acc *a = calloc(1, sizeof *a);
  if (!a) return vkg_error(ctx, VKG_E_NOMEM, "stats: out of host memory");
  a->dim = dim;
  int64_t s1[2] = {dim, 2}, s2[2] = {dim * dim, 2};
  vkg_shape sh1 = vkg_shape_make(2, s1), sh2 = vkg_shape_make(2, s2);
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &sh1, &a->sum);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &sh2, &a->outer);
  if (st == VKG_OK) st = vkg_tensor_fill_u32(ctx, a->sum, 0);
  if (st == VKG_OK) st = vkg_tensor_fill_u32(ctx, a->outer, 0);
  if (st != VKG_OK) {
    vkg_stats_acc_destroy(a);
    return st;
  }
  *out = a;
  return VKG_OK;
}

void vkg_stats_acc_destroy(vkg_stats_acc *acc) {
  if (!acc) return;
  vkg_tensor_unref(acc->sum);
  vkg_tensor_unref(acc->outer);
  free(acc);
}

int64_t vkg_stats_acc_count(const vkg_stats_acc *acc) { return acc ? acc->n : 0; }

vkg_status vkg_stats_acc_add(vkg_ctx *ctx, vkg_stats_acc *acc, const vkg_tensor *x) {
  const char *k = "stats_acc_add";
  if (!acc) return vkg_error(ctx, VKG_E_INPUT, "%s: accumulator is NULL", k);
  vkg_status st = vkg_k_need(ctx, k, "x", x, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, x);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  if (s->ndim != 2 || s->d[1] != acc->dim) {
    char a[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x shape %s must be [N, %lld]", k, vkg_k_shape(x, a, sizeof a),
                     (long long)acc->dim);
  }
  if (s->d[0] == 0) return VKG_OK;
  /* rows in slices: an invocation loops over its slice's rows (lavapipe's loop limit) */
  const vkg_tensor *t[3] = {x, acc->sum, acc->outer};
  for (int64_t r0 = 0; st == VKG_OK && r0 < s->d[0]; r0 += VKG_K_CHUNK) {
    int64_t rows = s->d[0] - r0 < VKG_K_CHUNK ? s->d[0] - r0 : VKG_K_CHUNK;
    struct {
      uint32_t total, n, d, row0;
    } pc = {(uint32_t)(acc->dim * acc->dim + acc->dim), (uint32_t)rows, (uint32_t)acc->dim, (uint32_t)r0};
    st = VKG_K_LAUNCH(ctx, kl_stats_acc, t, 3, &pc, pc.total);
  }
  if (st == VKG_OK) acc->n += s->d[0];
  return st;
}

static vkg_status read_pairs(vkg_ctx *ctx, const vkg_tensor *t, int64_t n, double *out) {
  float *h = malloc((size_t)n * 2 * sizeof *h);
  if (!h) return vkg_error(ctx, VKG_E_NOMEM, "stats: out of host memory");
  vkg_status st = vkg_tensor_download(ctx, t, h, (size_t)n * 2 * sizeof *h);
  if (st == VKG_OK)
    for (int64_t i = 0; i < n; i++) out[i] = (double)h[2 * i] + (double)h[2 * i + 1];
  free(h);
  return st;
}

vkg_status vkg_stats_acc_read(vkg_ctx *ctx, vkg_stats_acc *acc, double *sum, double *outer) {
  if (!acc) return vkg_error(ctx, VKG_E_INPUT, "stats_acc_read: accumulator is NULL");
  vkg_status st = VKG_OK;
  if (sum) st = read_pairs(ctx, acc->sum, acc->dim, sum);
  if (st == VKG_OK && outer) st = read_pairs(ctx, acc->outer, acc->dim * acc->dim, outer);
  return st;
}

size_t vkg_stats_acc_raw_floats(const vkg_stats_acc *acc) {
  return acc ? (size_t)(2 * (acc->dim + acc->dim * acc->dim)) : 0;
}

vkg_status vkg_stats_acc_export(vkg_ctx *ctx, vkg_stats_acc *acc, float *raw) {
  vkg_status st = vkg_tensor_download(ctx, acc->sum, raw, vkg_tensor_bytes(acc->sum));
  if (st == VKG_OK) st = vkg_tensor_download(ctx, acc->outer, raw + 2 * acc->dim, vkg_tensor_bytes(acc->outer));
  return st;
}

vkg_status vkg_stats_acc_import(vkg_ctx *ctx, vkg_stats_acc *acc, const float *raw, int64_t n) {
  if (n < 0) return vkg_error(ctx, VKG_E_INPUT, "stats: negative sample count %lld", (long long)n);
  vkg_status st = vkg_tensor_upload(ctx, acc->sum, raw, vkg_tensor_bytes(acc->sum));
  if (st == VKG_OK) st = vkg_tensor_upload(ctx, acc->outer, raw + 2 * acc->dim, vkg_tensor_bytes(acc->outer));
  if (st == VKG_OK) acc->n = n;
  return st;
}

vkg_status vkg_stats_mean_cov(vkg_ctx *ctx, const double *sum, const double *outer, int64_t n, int64_t dim,
                              double *mean, double *cov) {
  if (n < 2) {
    if (ctx) return vkg_error(ctx, VKG_E_INPUT, "stats: covariance needs at least 2 samples, got %lld", (long long)n);
    return VKG_E_INPUT;
  }
  for (int64_t i = 0; i < dim; i++) mean[i] = sum[i] / (double)n;
  for (int64_t i = 0; i < dim; i++)
    for (int64_t j = 0; j < dim; j++)
      cov[i * dim + j] = (outer[i * dim + j] - (double)n * mean[i] * mean[j]) / (double)(n - 1);
  return VKG_OK;
}

vkg_status vkg_stats_acc_mean_cov(vkg_ctx *ctx, vkg_stats_acc *acc, double *mean, double *cov) {
  if (!acc) return vkg_error(ctx, VKG_E_INPUT, "stats_acc_mean_cov: accumulator is NULL");
  int64_t d = acc->dim;
  double *outer = malloc((size_t)(d * d) * sizeof *outer);
  if (!outer) return vkg_error(ctx, VKG_E_NOMEM, "stats: out of host memory");
  vkg_status st = vkg_stats_acc_read(ctx, acc, mean, outer);
  if (st == VKG_OK) {
    /* mean holds the sum here; vkg_stats_mean_cov reads sum[i] before writing mean[i] */
    st = vkg_stats_mean_cov(ctx, mean, outer, acc->n, d, mean, cov);
  }
  free(outer);
  return st;
}
