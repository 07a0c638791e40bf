#include <math.h>

#include "ref_kl.h"

void ref_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3], k0 = key[0], k1 = key[1];
  for (int i = 0; i < 10; i++) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0, p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0, n1 = (uint32_t)p1, n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1,
             n3 = (uint32_t)p0;
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

void ref_rand(float *y, int64_t samples, int64_t per, uint64_t seed, uint64_t first, uint32_t stream, int normal) {
  uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  for (int64_t s = 0; s < samples; s++) {
    uint64_t g = first + (uint64_t)s;
    for (int64_t j = 0; j * 4 < per; j++) {
      uint32_t ctr[4] = {(uint32_t)j, (uint32_t)g, (uint32_t)(g >> 32), stream}, w[4];
      ref_philox(ctr, key, w);
      double v[4];
      if (normal) {
        for (int p = 0; p < 2; p++) {
          double u1 = ((w[2 * p] >> 8) + 1) / 16777216.0, u2 = (w[2 * p + 1] >> 8) / 16777216.0;
          double r = sqrt(-2 * log(u1)), th = 2 * M_PI * (float)(u2);
          v[2 * p] = r * cos(th);
          v[2 * p + 1] = r * sin(th);
        }
      } else {
        for (int p = 0; p < 4; p++) v[p] = (w[p] >> 8) / 16777216.0;
      }
      for (int p = 0; p < 4 && j * 4 + p < per; p++) y[s * per + j * 4 + p] = (float)v[p];
    }
  }
}
