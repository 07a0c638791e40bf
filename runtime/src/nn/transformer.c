/* Transformer layers: LayerNorm, the MLP, multi-head self-attention (full or causal) and its
 * KV-cached decoding step (nn.h). */
#include "nn_internal.h"

vkg_status vkg_nn_layer_norm_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim, float eps, int affine,
                                  vkg_nn_layer_norm *out) {
  vkg_nn_layer_norm ln = {0};
  if (!(eps > 0)) return vkg_error(ctx, VKG_E_INPUT, "%s: layer norm eps must be > 0, got %g", prefix, (double)eps);
  ln.eps = eps;
  ln.dim = dim;
  if (affine) {
    int64_t d[1] = {dim};
    vkg_status st = vkg_model_load(ctx, m, 1, d, &ln.gamma, "%s.weight", prefix);
    if (!st) st = vkg_model_load(ctx, m, 1, vkg_tensor_shape(ln.gamma)->d, &ln.beta, "%s.bias", prefix);
    if (st) {
      vkg_nn_layer_norm_free(&ln);
      return st;
    }
    ln.dim = vkg_tensor_shape(ln.gamma)->d[0];
  }
  if (ln.dim < 1) return vkg_error(ctx, VKG_E_INPUT, "%s: layer norm width must be >= 1", prefix);
  *out = ln;
  return VKG_OK;
}

vkg_status vkg_nn_layer_norm_forward(vkg_ctx *ctx, const vkg_nn_layer_norm *ln, const vkg_tensor *x,
                                     vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(x);
  if (s->ndim < 1 || s->d[s->ndim - 1] != ln->dim) {
    char a[96];
    return vkg_error(ctx, VKG_E_INPUT, "layer norm: input %s does not end in %lld features", vkg_shape_format(s, a, sizeof a),
                     (long long)ln->dim);
  }
  vkg_tensor *y = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, s, &y);
  if (!st) st = vkg_layer_norm(ctx, x, ln->gamma, ln->beta, y, 1, ln->eps);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

void vkg_nn_layer_norm_free(vkg_nn_layer_norm *ln) {
  if (!ln) return;
  vkg_tensor_unref(ln->gamma);
  vkg_tensor_unref(ln->beta);
  ln->gamma = ln->beta = NULL;
}

vkg_status vkg_nn_mlp_load(vkg_ctx *ctx, vkg_model *m, const char *fc1_prefix, const char *fc2_prefix, int64_t dim,
                           vkg_act act, vkg_nn_mlp *out) {
  vkg_nn_mlp r = {0};
  r.act = act;
  vkg_status st = vkg_nn_linear_load(ctx, m, fc1_prefix, dim, -1, 0, &r.fc1);
  if (!st) st = vkg_nn_linear_load(ctx, m, fc2_prefix, r.fc1.out, dim, 0, &r.fc2);
  if (st) {
    vkg_nn_mlp_free(&r);
    return st;
  }
  *out = r;
  return VKG_OK;
}

/* The last projection of a layer: a new tensor (*out) or accumulated into residual. */
static vkg_status project(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *h, vkg_tensor *residual,
                          vkg_tensor **out) {
  if (!residual) return vkg_nn_linear_forward(ctx, l, h, out);
  return vkg_linear_acc(ctx, h, l->w, l->b, residual);
}

static vkg_status mlp_forward(vkg_ctx *ctx, const vkg_nn_mlp *mlp, const vkg_tensor *x, vkg_tensor *residual,
                              vkg_tensor **out) {
  vkg_tensor *h = NULL;
  vkg_status st = vkg_nn_linear_forward(ctx, &mlp->fc1, x, &h);
  if (!st && mlp->act != VKG_ACT_IDENTITY) st = vkg_activation(ctx, h, h, mlp->act, 0.0f);
  if (!st) st = project(ctx, &mlp->fc2, h, residual, out);
  vkg_tensor_unref(h);
  return st;
}

vkg_status vkg_nn_mlp_forward(vkg_ctx *ctx, const vkg_nn_mlp *mlp, const vkg_tensor *x, vkg_tensor **out) {
  return mlp_forward(ctx, mlp, x, NULL, out);
}

vkg_status vkg_nn_mlp_forward_add(vkg_ctx *ctx, const vkg_nn_mlp *mlp, const vkg_tensor *x, vkg_tensor *residual) {
  return mlp_forward(ctx, mlp, x, residual, NULL);
}

void vkg_nn_mlp_free(vkg_nn_mlp *mlp) {
  if (!mlp) return;
  vkg_nn_linear_free(&mlp->fc1);
  vkg_nn_linear_free(&mlp->fc2);
}

vkg_status vkg_nn_mha_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const char *const names[4], int64_t dim,
                           int heads, vkg_nn_mha *out) {
  if (heads < 1 || dim < 1 || dim % heads != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: width %lld does not split into %d heads", prefix, (long long)dim, heads);
  vkg_nn_mha r = {0};
  vkg_nn_linear *ls[4] = {&r.q, &r.k, &r.v, &r.o};
  char key[VKG_NN_KEY_MAX];
  vkg_status st = VKG_OK;
  for (int i = 0; i < 4 && !st; i++) st = vkg_nn_linear_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, names[i]), dim, dim, 0, ls[i]);
  if (st) {
    vkg_nn_mha_free(&r);
    return st;
  }
  r.dim = dim;
  r.heads = heads;
  *out = r;
  return VKG_OK;
}

void vkg_nn_mha_free(vkg_nn_mha *a) {
  if (!a) return;
  vkg_nn_linear_free(&a->q);
  vkg_nn_linear_free(&a->k);
  vkg_nn_linear_free(&a->v);
  vkg_nn_linear_free(&a->o);
}

/* [B, T, H * D] -> new [B, H, T, D] (perm 0, 2, 1, 3 of the [B, T, H, D] view), or back. */
static vkg_status heads_split(vkg_ctx *ctx, vkg_tensor *x, int64_t H, int back, vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(x);
  int64_t B = s->d[0], T = back ? s->d[2] : s->d[1], D = back ? s->d[3] : s->d[2] / H;
  int64_t in4[4] = {B, T, H, D};
  vkg_shape vs = back ? *s : vkg_shape_make(4, in4);
  vkg_tensor *v = NULL, *y = NULL;
  int64_t od[4] = {B, back ? T : H, back ? H : T, D};
  vkg_shape os = vkg_shape_make(4, od);
  static const int perm[4] = {0, 2, 1, 3};
  vkg_status st = back ? VKG_OK : vkg_nn_reshape(ctx, x, &vs, &v);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &os, &y);
  if (!st) st = vkg_permute(ctx, back ? x : v, y, perm);
  vkg_tensor_unref(v);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  if (back) {
    int64_t d3[3] = {B, T, H * D};
    vkg_shape s3 = vkg_shape_make(3, d3);
    st = vkg_nn_reshape(ctx, y, &s3, out);
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

static vkg_status check_seq(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int step) {
  const vkg_shape *s = vkg_tensor_shape(x);
  if (s->ndim != 3 || s->d[2] != a->dim || (step && s->d[1] != 1)) {
    char b[96];
    return vkg_error(ctx, VKG_E_INPUT, "attention: input %s is not [B, %s, %lld]", vkg_shape_format(s, b, sizeof b),
                     step ? "1" : "T", (long long)a->dim);
  }
  return VKG_OK;
}

static vkg_status mha_forward(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int causal, int64_t n_unmasked,
                             vkg_tensor *residual, vkg_tensor **out) {
  vkg_status st = check_seq(ctx, a, x, 0);
  if (st) return st;
  vkg_tensor *p[3] = {NULL, NULL, NULL}, *h[3] = {NULL, NULL, NULL}, *o = NULL, *y = NULL;
  const vkg_nn_linear *ls[3] = {&a->q, &a->k, &a->v};
  for (int i = 0; i < 3 && !st; i++) {
    st = vkg_nn_linear_forward(ctx, ls[i], x, &p[i]);
    if (!st) st = heads_split(ctx, p[i], a->heads, 0, &h[i]);
    vkg_tensor_unref(p[i]);
  }
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(h[0]), &o);
  if (!st)
    st = causal ? vkg_attention_causal(ctx, h[0], h[1], h[2], o, 0.0f, n_unmasked)
                : vkg_attention(ctx, h[0], h[1], h[2], o, 0.0f);
  for (int i = 0; i < 3; i++) vkg_tensor_unref(h[i]);
  if (!st) st = heads_split(ctx, o, a->heads, 1, &y);
  vkg_tensor_unref(o);
  if (!st) st = project(ctx, &a->o, y, residual, out);
  vkg_tensor_unref(y);
  return st;
}

vkg_status vkg_nn_mha_forward(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int causal, int64_t n_unmasked,
                              vkg_tensor **out) {
  return mha_forward(ctx, a, x, causal, n_unmasked, NULL, out);
}

vkg_status vkg_nn_mha_forward_add(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int causal,
                                  int64_t n_unmasked, vkg_tensor *residual) {
  return mha_forward(ctx, a, x, causal, n_unmasked, residual, NULL);
}

vkg_status vkg_nn_kv_cache_init(vkg_ctx *ctx, const vkg_nn_mha *a, int64_t batch, int64_t cap, vkg_nn_kv_cache *out) {
  vkg_nn_kv_cache c = {0};
  int64_t d[4] = {batch, a->heads, cap, a->dim / a->heads};
  vkg_shape s = vkg_shape_make(4, d);
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s, &c.k);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &s, &c.v);
  if (st) {
    vkg_nn_kv_cache_free(&c);
    return st;
  }
  c.cap = cap;
  *out = c;
  return VKG_OK;
}

void vkg_nn_kv_cache_free(vkg_nn_kv_cache *c) {
  if (!c) return;
  vkg_tensor_unref(c->k);
  vkg_tensor_unref(c->v);
  c->k = c->v = NULL;
  c->len = 0;
}

static vkg_status mha_step(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, vkg_nn_kv_cache *c,
                          vkg_tensor *residual, vkg_tensor **out) {
  vkg_status st = check_seq(ctx, a, x, 1);
  if (st) return st;
  if (c->len >= c->cap)
    return vkg_error(ctx, VKG_E_INPUT, "attention: the KV cache holds %lld positions and is full", (long long)c->cap);
  vkg_tensor *q = NULL, *k = NULL, *v = NULL, *y = NULL;
  st = vkg_nn_linear_forward(ctx, &a->q, x, &q);
  if (!st) st = vkg_nn_linear_forward(ctx, &a->k, x, &k);
  if (!st) st = vkg_nn_linear_forward(ctx, &a->v, x, &v);
  if (!st) st = vkg_kv_append(ctx, k, v, c->k, c->v, c->len);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(q), &y);
  if (!st) st = vkg_attention_cached(ctx, q, c->k, c->v, c->len + 1, y, 0.0f);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(v);
  if (!st) {
    c->len++;
    st = project(ctx, &a->o, y, residual, out);
  }
  vkg_tensor_unref(y);
  return st;
}

vkg_status vkg_nn_mha_step(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, vkg_nn_kv_cache *c,
                           vkg_tensor **out) {
  return mha_step(ctx, a, x, c, NULL, out);
}

vkg_status vkg_nn_mha_step_add(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, vkg_nn_kv_cache *c,
                               vkg_tensor *residual) {
  return mha_step(ctx, a, x, c, residual, NULL);
}
