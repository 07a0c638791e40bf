/* Plain C references of the kernel library (norms, activations, elementwise, layout,
 * resample, pool, reduce, random). Doubles where it helps the reference be the truth. */
#ifndef VKG_REF_KL_H
#define VKG_REF_KL_H

#include <stddef.h>
#include <stdint.h>

/* x: rows of len; channel of element i in row r: (r % groups) * cpg + i / spatial. */
void ref_group_norm(const float *x, const float *gamma, const float *beta, float *y, int64_t n, int64_t c,
                    int64_t spatial, int groups, float eps);
void ref_layer_norm(const float *x, const float *gamma, const float *beta, float *y, int64_t rows, int64_t len,
                    float eps);
void ref_batch_norm(const float *x, const float *mean, const float *var, const float *gamma, const float *beta,
                    float *y, int64_t n, int64_t c, int64_t spatial, float eps);
void ref_softmax(const float *x, float *y, int64_t rows, int64_t len, int log_out);
/* q [bh, lq, d], k [bh, lk, d], v [bh, lk, dv] -> o [bh, lq, dv] */
void ref_attention(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq, int64_t lk,
                   int64_t d, int64_t dv, float scale);
/* The same by vkg_attention_flash's online softmax, in double: keys in chunks of `chunk`, each chunk
 * reduced with a running max, sum and accumulator rescaled as keys come, chunks merged with
 * weights exp(m_c - M). Equal to ref_attention for any chunk size. -1: out of memory. */
int ref_attention_online(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq, int64_t lk,
                         int64_t d, int64_t dv, double scale, int64_t chunk);
/* causal (minGPT mask): query i at position i + lk - lq sees keys j <= position, and all j < n_unmasked
 * when its position is < n_unmasked */
void ref_attention_causal(const float *q, const float *k, const float *v, float *o, int64_t bh, int64_t lq,
                          int64_t lk, int64_t d, int64_t dv, float scale, int64_t n_unmasked);
/* y[b, t, :] = tok[ids[b * L + col0 + t]] + pos[pos0 + t] (pos may be NULL) */
void ref_embedding(const int64_t *ids, int64_t B, int64_t L, int64_t col0, int64_t T, const float *tok, int64_t C,
                   const float *pos, int64_t pos0, float *y);
/* keep[r * c + i] (0/1) of transformers' top_k_top_p_filtering on logits / temperature (ties by index);
 * top_k 0 / top_p >= 1: off */
void ref_topkp_keep(const float *logits, int64_t rows, int64_t c, float temperature, int64_t top_k, float top_p,
                    unsigned char *keep);
/* the Gumbel-max draw of vkg_categorical over the kept entries (double); *margin: best - second best */
int64_t ref_gumbel_pick(const float *logits, const unsigned char *keep, int64_t c, float temperature, uint64_t seed,
                        uint64_t sample, uint32_t stream, double *margin);
/* vkg_modulate: x, res, y [B, per_sample] with rows of dim; mod [B, m]; shift_col < 0: none; res may be NULL */
void ref_modulate(const float *x, const float *mod, int64_t B, int64_t per_sample, int64_t dim, int64_t m,
                  int64_t scale_col, int64_t shift_col, float one, const float *res, float *y);
/* act numbers as vkg_act */
float ref_activation(float x, int act, float param);
/* shapes right-aligned to ndim (<= 6); a and b may broadcast */
void ref_binary(const float *a, const int64_t *ashape, int and_, const float *b, const int64_t *bshape, int bnd,
                float *y, const int64_t *yshape, int ynd, int op);
/* diffusers get_timestep_embedding with f32 exponent like torch; f32_angle = 1 rounds the
 * angle to f32 like the kernel (then double sin/cos), 0 keeps everything in double. */
void ref_timestep_embedding(const float *t, int64_t n, int64_t dim, int flip, float shift, float scale,
                            float max_period, int f32_angle, float *y);
void ref_permute(const float *x, const int64_t *xshape, int nd, const int *perm, float *y);
void ref_upsample_nearest(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow);
void ref_resize_bilinear(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow);
/* mode 0 avg incl pad, 1 avg excl pad, 2 max */
void ref_pool2d(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int kh, int kw, int sh, int sw, int ph,
                int pw, int mode);
void ref_adaptive_avg_pool2d(const float *x, float *y, int64_t nc, int64_t h, int64_t w, int64_t oh, int64_t ow);
/* reduced[d] != 0 marks axes; y in row-major order of the kept axes */
void ref_reduce(const float *x, const int64_t *shape, int nd, const int *reduced, int mean, float *y);
void ref_argmin_codebook(const float *x, const float *cb, int64_t n, int64_t k, int64_t d, int64_t *idx);
void ref_philox(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* the values vkg_rand_uniform / vkg_randn produce (randn in double from the same words) */
void ref_rand(float *y, int64_t samples, int64_t per, uint64_t seed, uint64_t first, uint32_t stream, int normal);

/* StyleGAN2 kernels (ref_kl_stylegan.c): act 0 identity, 1 relu, 2 leaky relu */
void ref_upfirdn2d(const float *x, const float *f, float *y, int64_t nc, int64_t h, int64_t w, int fh, int fw, int up,
                   int down, int px0, int px1, int py0, int py1, float gain);
void ref_bias_act(const float *x, const float *demod, const float *noise, int noise_per_sample, float strength,
                  const float *bias, const float *res, float *y, int64_t n, int64_t c, int64_t sp, int act,
                  float alpha, float gain, float clampv, float eps);
void ref_rms_normalize(const float *x, float *y, int64_t rows, int64_t len, float eps);

#endif
