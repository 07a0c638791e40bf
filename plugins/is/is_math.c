/* Inception Score accumulation (see is_math.h for the formulation). */
#include "is_math.h"
#include "is_acc_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


void vkg_is_acc_destroy(vkg_is_acc *acc) {
  if (!acc) return;
  free(acc->psum);
  free(acc->plogp);
  free(acc->count);
  free(acc->row);
  free(acc->kept);
  free(acc->seg);
  free(acc);
}

static void acc_reset(vkg_is_acc *a) {
  memset(a->psum, 0, sizeof(double) * (size_t)(a->splits * a->classes));
  memset(a->plogp, 0, sizeof(double) * (size_t)a->splits);
  memset(a->count, 0, sizeof(int64_t) * (size_t)a->splits);
}

vkg_status vkg_is_acc_create(vkg_ctx *ctx, int64_t classes, int splits, int64_t samples, vkg_is_acc **out) {
  *out = NULL;
  if (classes < 1 || splits < 1 || samples < 0)
    return vkg_error(ctx, VKG_E_INPUT, "inception score: need classes >= 1 and splits >= 1 (got %lld, %d)",
                     (long long)classes, splits);
  vkg_is_acc *a = calloc(1, sizeof *a);
  if (!a) return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory");
  a->classes = classes;
  a->splits = splits;
  a->samples = samples;
  a->psum = malloc(sizeof(double) * (size_t)(splits * classes));
  a->plogp = malloc(sizeof(double) * (size_t)splits);
  a->count = malloc(sizeof(int64_t) * (size_t)splits);
  a->row = malloc(sizeof(double) * (size_t)classes);
  if (!a->psum || !a->plogp || !a->count || !a->row) {
    vkg_is_acc_destroy(a);
    return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory (%lld classes x %d splits)",
                     (long long)classes, splits);
  }
  acc_reset(a);
  *out = a;
  return VKG_OK;
}

int64_t vkg_is_acc_count(const vkg_is_acc *acc) { return acc ? acc->seen : 0; }

/* Split of row i of n: rows [k n / S, (k + 1) n / S) form split k. */
static int split_of(int64_t i, int64_t n, int splits) {
  int64_t k = i * splits / n;
  while (k > 0 && i < k * n / splits) k--;
  while (k < splits - 1 && i >= (k + 1) * n / splits) k++;
  return (int)k;
}

/* Row i of N (0-based, global) into its split. */
static void add_row(vkg_is_acc *a, const float *x, int64_t i, int64_t n) {
  int64_t c = a->classes;
  double m = -INFINITY;
  for (int64_t j = 0; j < c; j++)
    if ((double)x[j] > m) m = x[j];
  double s = 0;
  for (int64_t j = 0; j < c; j++) s += exp((double)x[j] - m);
  double lse = m + log(s);
  int k = split_of(i, n, a->splits);
  double *ps = a->psum + (int64_t)k * c;
  double h = 0;
  for (int64_t j = 0; j < c; j++) {
    double lp = (double)x[j] - lse, p = exp(lp);
    ps[j] += p;
    h += p * lp;
  }
  a->plogp[k] += h;
  a->count[k]++;
}

static vkg_status grow(vkg_ctx *ctx, void **p, int64_t *cap, int64_t need, size_t unit, const char *what) {
  if (need <= *cap) return VKG_OK;
  int64_t c = *cap ? *cap : 1024;
  while (c < need) c *= 2;
  void *q = realloc(*p, unit * (size_t)c);
  if (!q)
    return vkg_error(ctx, VKG_E_NOMEM,
                     "inception score: out of host memory keeping %lld %s (set param samples to stream without "
                     "keeping them)",
                     (long long)c, what);
  *p = q;
  *cap = c;
  return VKG_OK;
}

vkg_status vkg_is_acc_add(vkg_ctx *ctx, vkg_is_acc *a, const float *logits, int64_t rows) {
  return vkg_is_acc_add_at(ctx, a, logits, rows, a->seen);
}

vkg_status vkg_is_acc_add_at(vkg_ctx *ctx, vkg_is_acc *a, const float *logits, int64_t rows, int64_t first) {
  int64_t c = a->classes;
  for (int64_t k = 0; k < rows * c; k++)
    if (!isfinite(logits[k])) a->bad = 1;
  if (a->samples > 0) {
    if (first < 0 || first + rows > a->samples)
      return vkg_error(ctx, VKG_E_INPUT, "inception score: more samples than the %lld announced (param samples)",
                       (long long)a->samples);
    if (!a->bad)
      for (int64_t r = 0; r < rows; r++) add_row(a, logits + r * c, first + r, a->samples);
  } else {
    vkg_status st = grow(ctx, (void **)&a->kept, &a->kept_cap, a->seen + rows, sizeof(float) * (size_t)c, "rows");
    if (!st) st = grow(ctx, (void **)&a->seg, &a->seg_cap, a->nseg + 1, 2 * sizeof(int64_t), "segments");
    if (st) return st;
    memcpy(a->kept + a->seen * c, logits, sizeof(float) * (size_t)(rows * c));
    a->seg[2 * a->nseg] = first;
    a->seg[2 * a->nseg + 1] = rows;
    a->nseg++;
  }
  a->seen += rows;
  return VKG_OK;
}

static int cmp_seg(const void *x, const void *y) {
  const int64_t *a = *(const int64_t *const *)x, *b = *(const int64_t *const *)y;
  return a[0] < b[0] ? -1 : a[0] > b[0];
}

/* Unknown N: every kept row into its split, in global row order (the order of one process
 * however the rows arrived); the rows must cover 0 .. N-1 once. */
static vkg_status score_kept(vkg_ctx *ctx, vkg_is_acc *a) {
  int64_t n = a->seen, c = a->classes;
  const int64_t **order = malloc(sizeof *order * (size_t)(a->nseg ? a->nseg : 1));
  int64_t *at = malloc(sizeof *at * (size_t)(a->nseg ? a->nseg : 1));
  if (!order || !at) {
    free(order);
    free(at);
    return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory");
  }
  for (int64_t s = 0, row = 0; s < a->nseg; row += a->seg[2 * s + 1], s++) {
    order[s] = a->seg + 2 * s;
    at[s] = row;
  }
  qsort(order, (size_t)a->nseg, sizeof *order, cmp_seg);
  acc_reset(a);
  vkg_status st = VKG_OK;
  for (int64_t s = 0, next = 0; s < a->nseg && !st; s++) {
    const int64_t *g = order[s];
    if (g[0] != next) {
      st = vkg_error(ctx, VKG_E_INTERNAL, "inception score: rows %lld.. arrived, expected row %lld", (long long)g[0],
                     (long long)next);
      break;
    }
    int64_t k = (g - a->seg) / 2;
    for (int64_t r = 0; r < g[1]; r++) add_row(a, a->kept + (at[k] + r) * c, g[0] + r, n);
    next += g[1];
  }
  free(order);
  free(at);
  return st;
}

vkg_status vkg_is_acc_result(vkg_ctx *ctx, vkg_is_acc *a, double *mean, double *std) {
  int64_t n = a->seen, c = a->classes;
  if (a->bad) return vkg_error(ctx, VKG_E_INPUT, "inception score: the logits hold NaN or infinite values");
  if (n < a->splits)
    return vkg_error(ctx, VKG_E_INPUT, "inception score: %lld samples are fewer than the %d splits",
                     (long long)n, a->splits);
  if (a->samples > 0 && n != a->samples)
    return vkg_error(ctx, VKG_E_INPUT, "inception score: got %lld samples, param samples announced %lld",
                     (long long)n, (long long)a->samples);
  if (a->samples == 0) {
    vkg_status st = score_kept(ctx, a);
    if (st) return st;
  }
  double sum = 0, *scores = malloc(sizeof(double) * (size_t)a->splits);
  if (!scores) return vkg_error(ctx, VKG_E_NOMEM, "inception score: out of host memory");
  for (int k = 0; k < a->splits; k++) {
    double nk = (double)a->count[k], cross = 0;
    const double *ps = a->psum + (int64_t)k * c;
    for (int64_t j = 0; j < c; j++)
      if (ps[j] > 0) cross += ps[j] * log(ps[j] / nk);
    scores[k] = exp((a->plogp[k] - cross) / nk);
    sum += scores[k];
  }
  double mu = sum / a->splits, var = 0;
  for (int k = 0; k < a->splits; k++) var += (scores[k] - mu) * (scores[k] - mu);
  free(scores);
  *mean = mu;
  *std = sqrt(var / a->splits);
  return VKG_OK;
}

vkg_status vkg_is_score(vkg_ctx *ctx, const float *logits, int64_t n, int64_t classes, int splits, double *mean,
                        double *std) {
  vkg_is_acc *a = NULL;
  vkg_status st = vkg_is_acc_create(ctx, classes, splits, n, &a);
  if (!st) st = vkg_is_acc_add(ctx, a, logits, n);
  if (!st) st = vkg_is_acc_result(ctx, a, mean, std);
  vkg_is_acc_destroy(a);
  return st;
}
