/* Inception Score accumulation (see is_math.h for the formulation). */
#include "is_math.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct vkg_is_acc {
  int64_t classes, samples; /* samples 0: unknown, rows are kept */
  int splits;
  int64_t seen;
  int split;           /* streaming: split of the next row */
  double *psum;        /* [splits, classes]: sum of p over the split's rows */
  double *plogp;       /* [splits]: sum of p log p */
  int64_t *count;      /* [splits] */
  double *row;         /* [classes] scratch */
  float *kept;         /* unknown N: every row's logits */
  int64_t kept_cap;    /* rows */
  int bad;             /* a non-finite logit was seen */
};

void vkg_is_acc_destroy(vkg_is_acc *acc) {
  if (!acc) return;
  free(acc->psum);
  free(acc->plogp);
  free(acc->count);
  free(acc->row);
  free(acc->kept);
  free(acc);
}

static void acc_reset(vkg_is_acc *a) {
  memset(a->psum, 0, sizeof(double) * (size_t)(a->splits * a->classes));
  memset(a->plogp, 0, sizeof(double) * (size_t)a->splits);
  memset(a->count, 0, sizeof(int64_t) * (size_t)a->splits);
  a->split = 0;
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

/* Row i of N (0-based) into its split: rows [k N / S, (k + 1) N / S) form split k. */
static void add_row(vkg_is_acc *a, const float *x, int64_t i, int64_t n) {
  int64_t c = a->classes;
  double m = -INFINITY;
  for (int64_t j = 0; j < c; j++)
    if ((double)x[j] > m) m = x[j];
  double s = 0;
  for (int64_t j = 0; j < c; j++) s += exp((double)x[j] - m);
  double lse = m + log(s);
  while (a->split < a->splits - 1 && i >= (int64_t)(a->split + 1) * n / a->splits) a->split++;
  double *ps = a->psum + (int64_t)a->split * c;
  double h = 0;
  for (int64_t j = 0; j < c; j++) {
    double lp = (double)x[j] - lse, p = exp(lp);
    ps[j] += p;
    h += p * lp;
  }
  a->plogp[a->split] += h;
  a->count[a->split]++;
}

vkg_status vkg_is_acc_add(vkg_ctx *ctx, vkg_is_acc *a, const float *logits, int64_t rows) {
  int64_t c = a->classes;
  for (int64_t k = 0; k < rows * c; k++)
    if (!isfinite(logits[k])) a->bad = 1;
  if (a->samples > 0) {
    if (a->seen + rows > a->samples)
      return vkg_error(ctx, VKG_E_INPUT, "inception score: more samples than the %lld announced (param samples)",
                       (long long)a->samples);
    if (!a->bad)
      for (int64_t r = 0; r < rows; r++) add_row(a, logits + r * c, a->seen + r, a->samples);
  } else {
    if (a->seen + rows > a->kept_cap) {
      int64_t cap = a->kept_cap ? a->kept_cap : 1024;
      while (cap < a->seen + rows) cap *= 2;
      float *k = realloc(a->kept, sizeof(float) * (size_t)(cap * c));
      if (!k)
        return vkg_error(ctx, VKG_E_NOMEM,
                         "inception score: out of host memory keeping %lld rows of logits (set param samples to "
                         "stream without keeping them)",
                         (long long)cap);
      a->kept = k;
      a->kept_cap = cap;
    }
    memcpy(a->kept + a->seen * c, logits, sizeof(float) * (size_t)(rows * c));
  }
  a->seen += rows;
  return VKG_OK;
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
    acc_reset(a);
    for (int64_t r = 0; r < n; r++) add_row(a, a->kept + r * c, r, n);
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
