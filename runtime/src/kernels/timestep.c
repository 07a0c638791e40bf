/* diffusers-style sinusoidal timestep embedding. */
#include <math.h>
#include <stdlib.h>

#include "klib_internal.h"
#include "spv/kl_timestep_emb.h"
#include "vkgen/kernels/elementwise.h"

vkg_status vkg_timestep_embedding(vkg_ctx *ctx, const vkg_tensor *t, vkg_tensor *y, int flip_sin_to_cos,
                                  float downscale_freq_shift, float scale, float max_period) {
  const char *k = "timestep_embedding";
  vkg_status st = vkg_k_need(ctx, k, "t", t, VKG_F32);
  if (st == VKG_OK) st = vkg_k_need(ctx, k, "y", y, VKG_F32);
  if (st == VKG_OK) st = vkg_k_fits(ctx, k, y);
  if (st != VKG_OK) return st;
  const vkg_shape *ts = vkg_tensor_shape(t), *ys = vkg_tensor_shape(y);
  char a[64], b[64];
  if (ts->ndim != 1 || ys->ndim != 2 || ys->d[0] != ts->d[0] || ys->d[1] < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: t %s and y %s must be [N] and [N, dim]", k, vkg_k_shape(t, a, sizeof a),
                     vkg_k_shape(y, b, sizeof b));
  int64_t dim = ys->d[1], half = dim / 2;
  if (half > 0 && (double)half - downscale_freq_shift == 0.0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: dim %lld with downscale_freq_shift %g divides by zero", k,
                     (long long)dim, (double)downscale_freq_shift);
  if (!(max_period > 0)) return vkg_error(ctx, VKG_E_INPUT, "%s: max_period must be > 0", k);
  int64_t nf = half > 0 ? half : 1;
  float *freq = malloc((size_t)nf * sizeof *freq);
  if (!freq) return vkg_error(ctx, VKG_E_NOMEM, "%s: out of host memory", k);
  freq[0] = 1.0f;
  /* The exponent is formed in f32 exactly as diffusers does on an f32 arange (that rounding
   * moves the angle at t ~ 1000 by more than an ulp, so it must match); exp in double. */
  float lmp = (float)-log((double)max_period), den = (float)((double)half - (double)downscale_freq_shift);
  for (int64_t i = 0; i < half; i++) {
    volatile float e = lmp * (float)i; /* volatile: keep f32 rounding of each step */
    volatile float e2 = e / den;
    freq[i] = (float)exp((double)e2);
  }
  vkg_tensor *ft = NULL;
  vkg_shape fs = vkg_shape_make(1, &nf);
  st = vkg_tensor_create_from(ctx, VKG_F32, &fs, freq, &ft);
  free(freq);
  if (st != VKG_OK) return st;
  struct {
    uint32_t n, dim, half_dim, flip;
    float scale;
  } pc = {(uint32_t)vkg_tensor_numel(y), (uint32_t)dim, (uint32_t)half, (uint32_t)(flip_sin_to_cos != 0), scale};
  const vkg_tensor *tt[3] = {t, ft, y};
  st = VKG_K_LAUNCH(ctx, kl_timestep_emb, tt, 3, &pc, pc.n);
  vkg_tensor_unref(ft);
  return st;
}
