/* diffusers Timesteps (sinusoid) + TimestepEmbedding (linear_1, act, linear_2). */
#include "nn_internal.h"

vkg_status vkg_nn_time_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim, int64_t out,
                                  vkg_act act, int flip_sin_to_cos, float freq_shift, vkg_nn_time_embed *te) {
  char key[VKG_NN_KEY_MAX];
  vkg_nn_time_embed r = {0};
  vkg_status st = vkg_nn_linear_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "linear_1"), dim, out, 1, &r.l1);
  if (!st) st = vkg_nn_linear_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "linear_2"), r.l1.out, r.l1.out, 1,
                                   &r.l2);
  if (st) {
    vkg_nn_time_embed_free(&r);
    return st;
  }
  r.act = act;
  r.dim = dim;
  r.flip_sin_to_cos = flip_sin_to_cos;
  r.freq_shift = freq_shift;
  *te = r;
  return VKG_OK;
}

vkg_status vkg_nn_time_embed_forward(vkg_ctx *ctx, const vkg_nn_time_embed *te, const vkg_tensor *t,
                                     vkg_tensor **out) {
  int64_t B = vkg_tensor_numel(t);
  vkg_shape s = vkg_shape_make(2, (int64_t[]){B, te->dim});
  vkg_tensor *e = NULL, *h = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s, &e);
  if (!st) st = vkg_timestep_embedding(ctx, t, e, te->flip_sin_to_cos, te->freq_shift, 1.0f, 10000.0f);
  if (!st) st = vkg_nn_linear_forward(ctx, &te->l1, e, &h);
  vkg_tensor_unref(e);
  if (!st) st = vkg_activation(ctx, h, h, te->act, 0.0f);
  if (!st) st = vkg_nn_linear_forward(ctx, &te->l2, h, out);
  vkg_tensor_unref(h);
  return st;
}

void vkg_nn_time_embed_free(vkg_nn_time_embed *te) {
  if (!te) return;
  vkg_nn_linear_free(&te->l1);
  vkg_nn_linear_free(&te->l2);
}
