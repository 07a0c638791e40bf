/* Linear layer and group norm layer. */
#include "nn_internal.h"

vkg_status vkg_nn_linear_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t in, int64_t out, int bias,
                              vkg_nn_linear *l) {
  vkg_nn_linear r = {0};
  int64_t wd[2] = {out, in};
  vkg_status st = vkg_model_load(ctx, m, 2, wd, &r.w, "%s.weight", prefix);
  if (st) return st;
  r.out = vkg_tensor_shape(r.w)->d[0];
  r.in = vkg_tensor_shape(r.w)->d[1];
  int64_t bd[1] = {r.out};
  st = bias ? vkg_model_load(ctx, m, 1, bd, &r.b, "%s.bias", prefix)
            : vkg_model_load_opt(ctx, m, 1, bd, &r.b, "%s.bias", prefix);
  if (st) {
    vkg_nn_linear_free(&r);
    return st;
  }
  *l = r;
  return VKG_OK;
}

vkg_status vkg_nn_linear_forward(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *x, vkg_tensor **out) {
  vkg_shape s = *vkg_tensor_shape(x);
  if (s.ndim < 1 || s.d[s.ndim - 1] != l->in) {
    char a[96];
    return vkg_error(ctx, VKG_E_INPUT, "linear: input %s does not end in %lld features", vkg_shape_format(&s, a, sizeof a),
                     (long long)l->in);
  }
  s.d[s.ndim - 1] = l->out;
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s, &y);
  if (!st) st = vkg_linear(ctx, x, l->w, l->b, y);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

void vkg_nn_linear_free(vkg_nn_linear *l) {
  if (!l) return;
  vkg_tensor_unref(l->w);
  vkg_tensor_unref(l->b);
  l->w = l->b = NULL;
}

vkg_status vkg_nn_group_norm_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels, int groups,
                                  float eps, vkg_nn_group_norm *out) {
  if (groups < 1 || channels % groups != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %lld channels do not split into %d groups", prefix,
                     (long long)channels, groups);
  vkg_nn_group_norm g = {0};
  int64_t d[1] = {channels};
  vkg_status st = vkg_model_load(ctx, m, 1, d, &g.gamma, "%s.weight", prefix);
  if (!st) st = vkg_model_load(ctx, m, 1, d, &g.beta, "%s.bias", prefix);
  if (st) {
    vkg_nn_group_norm_free(&g);
    return st;
  }
  g.channels = channels;
  g.groups = groups;
  g.eps = eps;
  *out = g;
  return VKG_OK;
}

vkg_status vkg_nn_group_norm_forward(vkg_ctx *ctx, const vkg_nn_group_norm *g, const vkg_tensor *x, vkg_act act,
                                     vkg_tensor **out) {
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(x), &y);
  if (!st) st = vkg_group_norm_act(ctx, x, g->gamma, g->beta, y, g->groups, g->eps, act, 0.0f);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

void vkg_nn_group_norm_free(vkg_nn_group_norm *g) {
  if (!g) return;
  vkg_tensor_unref(g->gamma);
  vkg_tensor_unref(g->beta);
  g->gamma = g->beta = NULL;
}
