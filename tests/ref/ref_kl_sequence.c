/* References for the sequence kernels and filtered sampling (sequence.h, random.h). */
#include <math.h>
#include <stdlib.h>

#include "ref_kl.h"

void ref_embedding(const int64_t *ids, int64_t B, int64_t L, int64_t col0, int64_t T, const float *tok, int64_t C,
                   const float *pos, int64_t pos0, float *y) {
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++)
      for (int64_t c = 0; c < C; c++)
        y[(b * T + t) * C + c] = tok[ids[b * L + col0 + t] * C + c] + (pos ? pos[(pos0 + t) * C + c] : 0.0f);
}

void ref_topkp_keep(const float *logits, int64_t rows, int64_t c, float temperature, int64_t top_k, float top_p,
                    unsigned char *keep) {
  if (c < 1) return;
  for (int64_t r = 0; r < rows; r++) {
    const float *l = logits + r * c;
    unsigned char *kp = keep + r * c;
    for (int64_t i = 0; i < c; i++) {
      int64_t greater = 0;
      for (int64_t j = 0; j < c; j++) greater += l[j] > l[i];
      kp[i] = top_k <= 0 || greater < top_k;
    }
    if (top_p >= 1.0f) continue;
    double mx = -INFINITY, z = 0;
    for (int64_t i = 0; i < c; i++)
      if (kp[i] && l[i] / (double)temperature > mx) mx = l[i] / (double)temperature;
    for (int64_t i = 0; i < c; i++)
      if (kp[i]) z += exp(l[i] / (double)temperature - mx);
    unsigned char *k2 = malloc((size_t)c);
    if (!k2) return;
    for (int64_t i = 0; i < c; i++) {
      double before = 0;
      for (int64_t j = 0; j < c; j++)
        if (kp[j] && (l[j] > l[i] || (l[j] == l[i] && j < i))) before += exp(l[j] / (double)temperature - mx) / z;
      k2[i] = kp[i] && before <= top_p;
    }
    for (int64_t i = 0; i < c; i++) kp[i] = k2[i];
    free(k2);
  }
}

int64_t ref_gumbel_pick(const float *logits, const unsigned char *keep, int64_t c, float temperature, uint64_t seed,
                        uint64_t sample, uint32_t stream, double *margin) {
  double best = -INFINITY, second = -INFINITY;
  int64_t bi = -1;
  uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)}, w[4] = {0};
  for (int64_t i = 0; i < c; i++) {
    if ((i & 3) == 0) {
      uint32_t ctr[4] = {(uint32_t)(i >> 2), (uint32_t)sample, (uint32_t)(sample >> 32), stream};
      ref_philox(ctr, key, w);
    }
    if (!keep[i]) continue;
    double u = ((double)(w[i & 3] >> 9) + 0.5) / 8388608.0;
    double v = (double)(float)(logits[i] / temperature) - log(-log(u));
    if (v > best) {
      second = best, best = v, bi = i;
    } else if (v > second) {
      second = v;
    }
  }
  if (margin) *margin = best - second;
  return bi;
}
