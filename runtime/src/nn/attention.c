/* diffusers Attention (residual_connection, bias, group norm) over an NCHW map, as the
 * UNet/VAE attention blocks use it. Accepts the old (query/key/value/proj_attn) keys. */
#include <math.h>

#include "nn_internal.h"

vkg_status vkg_nn_attention_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels, int64_t head_dim,
                                 int groups, float eps, float rescale_output_factor, vkg_nn_attention *out) {
  char key[VKG_NN_KEY_MAX];
  vkg_nn_attention a = {0};
  if (head_dim <= 0) head_dim = channels;
  if (channels % head_dim != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %lld channels do not split into heads of %lld", prefix,
                     (long long)channels, (long long)head_dim);
  a.channels = channels;
  a.heads = (int)(channels / head_dim);
  a.rescale_output_factor = rescale_output_factor == 0.0f ? 1.0f : rescale_output_factor;
  a.old_keys = vkg_model_find(m, "%s.to_q.weight", prefix) == NULL && vkg_model_find(m, "%s.query.weight", prefix);
  static const char *const newk[4] = {"to_q", "to_k", "to_v", "to_out.0"};
  static const char *const oldk[4] = {"query", "key", "value", "proj_attn"};
  const char *const *names = a.old_keys ? oldk : newk;
  vkg_nn_linear *ls[4] = {&a.q, &a.k, &a.v, &a.o};
  vkg_status st = VKG_OK;
  if (groups > 0)
    st = vkg_nn_group_norm_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "group_norm"), channels, groups, eps,
                                &a.norm);
  for (int i = 0; i < 4 && !st; i++)
    st = vkg_nn_linear_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, names[i]), channels, channels, 1, ls[i]);
  if (st) {
    vkg_nn_attention_free(&a);
    return st;
  }
  *out = a;
  return VKG_OK;
}

#define SCORES_MAX_BYTES (256.0 * 1048576.0) /* above: the fused kernel, no score tensor */

/* [B, N, H, D] <-> [B, H, N, D] (the same permutation both ways). */
static vkg_status swap12(vkg_ctx *ctx, vkg_tensor *x, int64_t b, int64_t n1, int64_t n2, int64_t d, vkg_tensor **out) {
  static const int perm[4] = {0, 2, 1, 3};
  int64_t in_d[4] = {b, n1, n2, d}, out_d[4] = {b, n2, n1, d};
  vkg_shape is = vkg_shape_make(4, in_d), os = vkg_shape_make(4, out_d);
  vkg_tensor *v = NULL, *y = NULL;
  vkg_status st = vkg_nn_reshape(ctx, x, &is, &v);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &os, &y);
  if (!st) st = vkg_permute(ctx, v, y, perm);
  vkg_tensor_unref(v);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

/* softmax(scale q k^T) v for q, k, v, o: [B, H, N, D]. Two GEMMs and a softmax over a
 * [B*H, N, N] score tensor: on lavapipe still the fastest path at the UNet/VAE sizes
 * (test_kernel_attention_flash's bench, [B, H, N, D]: GEMM path / the fused kernel that
 * vkg_attention runs / the three passes it ran before, s: [8, 1, 256, 256] 0.042 / 0.26 /
 * 0.46; [1, 1, 1024, 512] 0.12 / 1.8 / 1.9; [4, 4, 1024, 64] 0.51 / 0.65 / 4.0;
 * [1, 1, 4096, 64] 0.79 / 1.04 / 5.6): the tuned texel GEMM reuses each load across a larger
 * register block. Where the scores would take more than 256 MiB, the fused kernel takes over:
 * it never stores them (memory ~ B*H*N*D). */
static vkg_status sdpa(vkg_ctx *ctx, vkg_tensor *q, vkg_tensor *k, vkg_tensor *v, vkg_tensor *o, float scale) {
  const vkg_shape *qs = vkg_tensor_shape(q);
  int64_t bh = qs->d[0] * qs->d[1], n = qs->d[2], d = qs->d[3];
  if ((double)bh * (double)n * (double)n * 4.0 > SCORES_MAX_BYTES) return vkg_attention_flash(ctx, q, k, v, o, scale);
  vkg_shape s3 = vkg_shape_make(3, (int64_t[]){bh, n, d}), ss = vkg_shape_make(3, (int64_t[]){bh, n, n});
  vkg_tensor *q3 = NULL, *k3 = NULL, *v3 = NULL, *o3 = NULL, *sc = NULL;
  vkg_status st = vkg_nn_reshape(ctx, q, &s3, &q3);
  if (!st) st = vkg_nn_reshape(ctx, k, &s3, &k3);
  if (!st) st = vkg_nn_reshape(ctx, v, &s3, &v3);
  if (!st) st = vkg_nn_reshape(ctx, o, &s3, &o3);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &ss, &sc);
  if (!st) st = vkg_matmul(ctx, q3, k3, sc, 0, 1, scale, 0.0f);
  if (!st) st = vkg_softmax(ctx, sc, sc);
  if (!st) st = vkg_matmul(ctx, sc, v3, o3, 0, 0, 1.0f, 0.0f);
  vkg_tensor_unref(q3);
  vkg_tensor_unref(k3);
  vkg_tensor_unref(v3);
  vkg_tensor_unref(o3);
  vkg_tensor_unref(sc);
  return st;
}

/* A linear layer over the channels of an NCHW map, as a 1x1 conv (one GEMM per image, bias in
 * its store): [B, in, H, W] -> [B, out, H, W]. */
static vkg_status proj_cn(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  vkg_shape ws = vkg_shape_4d(l->out, l->in, 1, 1);
  vkg_tensor *w4 = NULL, *y = NULL;
  vkg_status st = vkg_nn_reshape(ctx, l->w, &ws, &w4);
  if (!st) st = vkg_nn_new4(ctx, xs->d[0], l->out, xs->d[2], xs->d[3], &y);
  if (!st) {
    const vkg_conv2d_params p = vkg_conv2d_params_default();
    st = vkg_conv2d(ctx, x, w4, l->b, y, &p);
  }
  vkg_tensor_unref(w4);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

/* The same attention kept channel-major ([B, C, N] throughout, no transposes): q, k, v as 1x1
 * convs, each head a [D, N] slab of them; scores = q^T k ([B*H, N, N], a GEMM with A
 * transposed), softmax, o^T = v p^T ([B*H, D, N] = [B, C, H, W] again), the output projection
 * as a 1x1 conv, then the residual. Replaces the token-major path's six permutes (per-element
 * index arithmetic and per-lane copies on lavapipe) where the scores fit (the GEMM path). */
static vkg_status forward_cn(vkg_ctx *ctx, const vkg_nn_attention *a, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t B = xs->d[0], C = xs->d[1], N = xs->d[2] * xs->d[3], H = a->heads, D = C / H;
  vkg_tensor *hn = NULL, *qkv[3] = {NULL, NULL, NULL}, *h3[3] = {NULL, NULL, NULL}, *sc = NULL, *o = NULL,
             *o4 = NULL, *p = NULL;
  vkg_status st = VKG_OK;
  if (a->norm.gamma)
    st = vkg_nn_group_norm_forward(ctx, &a->norm, x, VKG_ACT_IDENTITY, &hn);
  else
    hn = vkg_tensor_ref((vkg_tensor *)x);
  const vkg_nn_linear *proj[3] = {&a->q, &a->k, &a->v};
  vkg_shape s3 = vkg_shape_make(3, (int64_t[]){B * H, D, N}), ss = vkg_shape_make(3, (int64_t[]){B * H, N, N});
  for (int i = 0; i < 3 && !st; i++) {
    st = proj_cn(ctx, proj[i], hn, &qkv[i]);
    if (!st) st = vkg_nn_reshape(ctx, qkv[i], &s3, &h3[i]);
  }
  vkg_tensor_unref(hn);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &ss, &sc);
  if (!st) st = vkg_matmul(ctx, h3[0], h3[1], sc, 1, 0, 1.0f / sqrtf((float)D), 0.0f);
  if (!st) st = vkg_softmax(ctx, sc, sc);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &s3, &o);
  if (!st) st = vkg_matmul(ctx, h3[2], sc, o, 0, 1, 1.0f, 0.0f);
  for (int i = 0; i < 3; i++) {
    vkg_tensor_unref(qkv[i]);
    vkg_tensor_unref(h3[i]);
  }
  vkg_tensor_unref(sc);
  if (!st) st = vkg_nn_reshape(ctx, o, xs, &o4);
  vkg_tensor_unref(o);
  if (!st) st = proj_cn(ctx, &a->o, o4, &p);
  vkg_tensor_unref(o4);
  if (!st) st = vkg_nn_add_scaled(ctx, p, x, 1.0f / a->rescale_output_factor, out);
  vkg_tensor_unref(p);
  return st;
}

vkg_status vkg_nn_attention_forward(vkg_ctx *ctx, const vkg_nn_attention *a, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  if (xs->ndim != 4 || xs->d[1] != a->channels) {
    char s[96];
    return vkg_error(ctx, VKG_E_INPUT, "attention: input %s does not have %lld channels",
                     vkg_shape_format(xs, s, sizeof s), (long long)a->channels);
  }
  int64_t B = xs->d[0], C = xs->d[1], N = xs->d[2] * xs->d[3], H = a->heads, D = C / H;
  if ((double)(B * H) * (double)N * (double)N * 4.0 <= SCORES_MAX_BYTES) return forward_cn(ctx, a, x, out);
  vkg_tensor *hn = NULL, *hv = NULL, *ht = NULL, *qkv[3] = {NULL, NULL, NULL}, *qh[3] = {NULL, NULL, NULL};
  vkg_tensor *o = NULL, *ot = NULL, *p = NULL, *pt = NULL, *pv = NULL;
  vkg_status st = VKG_OK;
  if (a->norm.gamma)
    st = vkg_nn_group_norm_forward(ctx, &a->norm, x, VKG_ACT_IDENTITY, &hn);
  else
    hn = vkg_tensor_ref((vkg_tensor *)x);
  /* [B, C, N] -> [B, N, C] */
  if (!st) st = swap12(ctx, hn, B, C, N, 1, &ht);
  vkg_tensor_unref(hn);
  hn = NULL;
  if (!st) {
    vkg_shape s3 = vkg_shape_make(3, (int64_t[]){B, N, C});
    st = vkg_nn_reshape(ctx, ht, &s3, &hv);
  }
  const vkg_nn_linear *proj[3] = {&a->q, &a->k, &a->v};
  for (int i = 0; i < 3 && !st; i++) {
    st = vkg_nn_linear_forward(ctx, proj[i], hv, &qkv[i]);
    if (st) break;
    if (H == 1) {
      vkg_shape s4 = vkg_shape_4d(B, 1, N, D);
      st = vkg_nn_reshape(ctx, qkv[i], &s4, &qh[i]);
    } else {
      st = swap12(ctx, qkv[i], B, N, H, D, &qh[i]);
    }
    vkg_tensor_unref(qkv[i]);
    qkv[i] = NULL;
  }
  vkg_tensor_unref(hv);
  vkg_tensor_unref(ht);
  hv = ht = NULL;
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(qh[0]), &o);
  if (!st) st = sdpa(ctx, qh[0], qh[1], qh[2], o, 1.0f / sqrtf((float)D));
  for (int i = 0; i < 3; i++) vkg_tensor_unref(qh[i]);
  /* [B, H, N, D] -> [B, N, H*D] */
  if (!st) {
    if (H == 1) {
      ot = vkg_tensor_ref(o);
    } else {
      st = swap12(ctx, o, B, H, N, D, &ot);
    }
  }
  vkg_tensor_unref(o);
  o = NULL;
  if (!st) {
    vkg_shape s3 = vkg_shape_make(3, (int64_t[]){B, N, C});
    vkg_tensor *v3 = NULL;
    st = vkg_nn_reshape(ctx, ot, &s3, &v3);
    if (!st) st = vkg_nn_linear_forward(ctx, &a->o, v3, &p);
    vkg_tensor_unref(v3);
  }
  vkg_tensor_unref(ot);
  ot = NULL;
  /* [B, N, C] -> [B, C, N] viewed as [B, C, H, W] */
  if (!st) st = swap12(ctx, p, B, N, C, 1, &pt);
  vkg_tensor_unref(p);
  p = NULL;
  if (!st) st = vkg_nn_reshape(ctx, pt, xs, &pv);
  vkg_tensor_unref(pt);
  if (!st) st = vkg_nn_add_scaled(ctx, pv, x, 1.0f / a->rescale_output_factor, out);
  vkg_tensor_unref(pv);
  return st;
}

void vkg_nn_attention_free(vkg_nn_attention *a) {
  if (!a) return;
  vkg_nn_group_norm_free(&a->norm);
  vkg_nn_linear_free(&a->q);
  vkg_nn_linear_free(&a->k);
  vkg_nn_linear_free(&a->v);
  vkg_nn_linear_free(&a->o);
}
