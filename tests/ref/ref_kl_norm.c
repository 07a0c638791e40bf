#include <math.h>
#include <stdlib.h>

#include "ref_kl.h"

void ref_group_norm(const float *x, const float *gamma, const float *beta, float *y, int64_t n, int64_t c,
                    int64_t spatial, int groups, float eps) {
  int64_t cpg = c / groups, len = cpg * spatial;
  for (int64_t r = 0; r < n * groups; r++) {
    const float *xr = x + r * len;
    double m = 0, v = 0;
    for (int64_t i = 0; i < len; i++) m += xr[i];
    m /= (double)len;
    for (int64_t i = 0; i < len; i++) v += (xr[i] - m) * (xr[i] - m);
    double inv = 1.0 / sqrt(v / (double)len + eps);
    for (int64_t i = 0; i < len; i++) {
      int64_t ch = (r % groups) * cpg + i / spatial;
      double o = (xr[i] - m) * inv;
      if (gamma) o = o * gamma[ch] + beta[ch];
      y[r * len + i] = (float)o;
    }
  }
}

void ref_layer_norm(const float *x, const float *gamma, const float *beta, float *y, int64_t rows, int64_t len,
                    float eps) {
  ref_group_norm(x, gamma, beta, y, rows, len, 1, 1, eps);
}

void ref_batch_norm(const float *x, const float *mean, const float *var, const float *gamma, const float *beta,
                    float *y, int64_t n, int64_t c, int64_t spatial, float eps) {
  for (int64_t i = 0; i < n * c * spatial; i++) {
    int64_t ch = (i / spatial) % c;
    double g = gamma ? gamma[ch] : 1.0, b = beta ? beta[ch] : 0.0;
    y[i] = (float)((x[i] - mean[ch]) / sqrt((double)var[ch] + eps) * g + b);
  }
}

void ref_softmax(const float *x, float *y, int64_t rows, int64_t len, int log_out) {
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * len;
    double m = -INFINITY, s = 0;
    for (int64_t i = 0; i < len; i++) m = xr[i] > m ? xr[i] : m;
    for (int64_t i = 0; i < len; i++) s += exp(xr[i] - m);
    for (int64_t i = 0; i < len; i++)
      y[r * len + i] = (float)(log_out ? (xr[i] - m) - log(s) : exp(xr[i] - m) / s);
  }
}

/* causal < 0: no mask; else minGPT's mask with an n_unmasked prefix of causal */
static void attention_core(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq,
                           int64_t lk, int64_t d, int64_t dv, float scale, int64_t causal) {
  double *s = malloc((size_t)lk * sizeof *s);
  if (!s) return;
  for (int64_t b = 0; b < bh; b++)
    for (int64_t i = 0; i < lq; i++) {
      const int64_t p = i + lk - lq;
      const float *qi = q + (b * lq + i) * d;
      double m = -INFINITY, sum = 0;
      for (int64_t j = 0; j < lk; j++) {
        if (causal >= 0 && j > p && !(p < causal && j < causal)) {
          s[j] = -INFINITY;
          continue;
        }
        const float *kj = k + (b * lk + j) * d;
        double acc = 0;
        for (int64_t t = 0; t < d; t++) acc += (double)qi[t] * kj[t];
        s[j] = acc * scale;
        if (s[j] > m) m = s[j];
      }
      for (int64_t j = 0; j < lk; j++) {
        s[j] = s[j] == -INFINITY ? 0 : exp(s[j] - m);
        sum += s[j];
      }
      for (int64_t e = 0; e < dv; e++) {
        double acc = 0;
        for (int64_t j = 0; j < lk; j++) acc += s[j] * v[(b * lk + j) * dv + e];
        o[(b * lq + i) * dv + e] = (float)(acc / sum);
      }
    }
  free(s);
}

void ref_attention(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq, int64_t lk,
                   int64_t d, int64_t dv, float scale) {
  attention_core(q, k, v, o, bh, lq, lk, d, dv, scale, -1);
}

int ref_attention_online(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq, int64_t lk,
                         int64_t d, int64_t dv, double scale, int64_t chunk) {
  int64_t nch = (lk + chunk - 1) / chunk;
  double *acc = malloc(sizeof *acc * (size_t)(nch * dv)), *m = malloc(sizeof *m * (size_t)nch),
         *l = malloc(sizeof *l * (size_t)nch);
  if (!acc || !m || !l) {
    free(acc);
    free(m);
    free(l);
    return -1;
  }
  for (int64_t b = 0; b < bh; b++)
    for (int64_t i = 0; i < lq; i++) {
      const float *qi = q + (b * lq + i) * d;
      for (int64_t c = 0; c < nch; c++) {
        double *a = acc + c * dv;
        m[c] = -INFINITY;
        l[c] = 0;
        for (int64_t e = 0; e < dv; e++) a[e] = 0;
        for (int64_t j = c * chunk; j < lk && j < (c + 1) * chunk; j++) {
          const float *kj = k + (b * lk + j) * d, *vj = v + (b * lk + j) * dv;
          double s = 0;
          for (int64_t t = 0; t < d; t++) s += (double)qi[t] * kj[t];
          s *= scale;
          double mn = s > m[c] ? s : m[c], corr = exp(m[c] - mn), p = exp(s - mn);
          l[c] = l[c] * corr + p;
          for (int64_t e = 0; e < dv; e++) a[e] = a[e] * corr + p * vj[e];
          m[c] = mn;
        }
      }
      double mx = -INFINITY, lt = 0;
      for (int64_t c = 0; c < nch; c++) mx = m[c] > mx ? m[c] : mx;
      for (int64_t c = 0; c < nch; c++) lt += l[c] * exp(m[c] - mx);
      for (int64_t e = 0; e < dv; e++) {
        double s = 0;
        for (int64_t c = 0; c < nch; c++) s += acc[c * dv + e] * exp(m[c] - mx);
        o[(b * lq + i) * dv + e] = (float)(s / lt);
      }
    }
  free(acc);
  free(m);
  free(l);
  return 0;
}

void ref_attention_causal(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq,
                          int64_t lk, int64_t d, int64_t dv, float scale, int64_t n_unmasked) {
  attention_core(q, k, v, o, bh, lq, lk, d, dv, scale, n_unmasked);
}
