/* GPT (minGPT / taming-transformers) model: config and header checks, upload, the causal forward
 * and the KV-cached decoding step. */
#include <stdlib.h>
#include <string.h>

#include "gpt.h"

static const char *const gpt_attn_names[4] = {"query", "key", "value", "proj"};

/* Bounds that keep every size in the kernels' 32-bit indexing and the KV cache in one loop. */
#define GPT_MAX_VOCAB 32768
#define GPT_MAX_BLOCK 8192
#define GPT_MAX_EMBD 65536
#define GPT_MAX_LAYERS 1024

static vkg_status cfg_range(vkg_ctx *ctx, vkg_model *m, const char *key, int required, int64_t lo, int64_t hi,
                            int64_t *out) {
  vkg_status st = vkg_model_cfg_int(ctx, m, key, required, out);
  if (st) return st;
  if (*out < lo || *out > hi)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s is %lld; it must be in [%lld, %lld]", vkg_model_config_path(m), key,
                     (long long)*out, (long long)lo, (long long)hi);
  return VKG_OK;
}

/* A weight's header must exist with this shape (dims < 0: any). */
static vkg_status need(vkg_ctx *ctx, vkg_model *m, int nd, const int64_t *d, const char *name) {
  const vkg_st_entry *e = vkg_model_find(m, "%s", name);
  char want[96], got[96];
  vkg_shape ws = vkg_shape_make(nd, d);
  vkg_shape_format(&ws, want, sizeof want);
  if (!e)
    return vkg_error(ctx, VKG_E_INPUT, "%s: no tensor '%s' (expected %s for this config)", vkg_model_weights_path(m),
                     name, want);
  int ok = e->shape.ndim == nd;
  for (int i = 0; ok && i < nd; i++) ok = d[i] < 0 || e->shape.d[i] == d[i];
  if (!ok)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': expected shape %s (from %s), got %s", vkg_model_weights_path(m),
                     name, want, vkg_model_config_path(m), vkg_shape_format(&e->shape, got, sizeof got));
  return VKG_OK;
}

/* blocks.N.attn.mask must be minGPT's: tril, plus ones on the n_unmasked x n_unmasked prefix. */
static vkg_status check_mask(vkg_ctx *ctx, vkg_model *m, const vkg_gpt *net, int layer) {
  char name[96];
  snprintf(name, sizeof name, "blocks.%d.attn.mask", layer);
  if (!vkg_model_find(m, "%s", name)) return VKG_OK; /* a file without the buffer: the config's mask */
  const int64_t bs = net->block_size;
  int64_t d[4] = {1, 1, bs, bs};
  float *h = NULL;
  vkg_status st = vkg_model_read(ctx, m, 4, d, &h, NULL, "%s", name);
  if (st) return st;
  for (int64_t i = 0; i < bs && !st; i++)
    for (int64_t j = 0; j < bs; j++) {
      const float want = (j <= i || (i < net->n_unmasked && j < net->n_unmasked)) ? 1.0f : 0.0f;
      if ((h[i * bs + j] != 0.0f) != (want != 0.0f)) {
        st = vkg_error(ctx, VKG_E_INPUT,
                       "%s: tensor '%s' is not minGPT's causal mask with n_unmasked %lld (row %lld, column %lld is %g); "
                       "set n_unmasked in %s to match",
                       vkg_model_weights_path(m), name, (long long)net->n_unmasked, (long long)i, (long long)j,
                       (double)h[i * bs + j], vkg_model_config_path(m));
        break;
      }
    }
  free(h);
  return st;
}

vkg_status vkg_gpt_open(vkg_ctx *ctx, vkg_model *m, vkg_gpt *net) {
  memset(net, 0, sizeof *net);
  int64_t nl = 0, nh = 0;
  vkg_status st = cfg_range(ctx, m, "vocab_size", 1, 1, GPT_MAX_VOCAB, &net->vocab);
  if (!st) st = cfg_range(ctx, m, "block_size", 1, 1, GPT_MAX_BLOCK, &net->block_size);
  if (!st) st = cfg_range(ctx, m, "n_layer", 1, 1, GPT_MAX_LAYERS, &nl);
  if (!st) st = cfg_range(ctx, m, "n_head", 1, 1, GPT_MAX_EMBD, &nh);
  if (!st) st = cfg_range(ctx, m, "n_embd", 1, 1, GPT_MAX_EMBD, &net->n_embd);
  if (!st) st = cfg_range(ctx, m, "n_unmasked", 0, 0, net->block_size, &net->n_unmasked);
  if (!st) st = cfg_range(ctx, m, "n_classes", 0, 0, net->vocab, &net->n_classes);
  if (!st) st = cfg_range(ctx, m, "sos_token", 0, 0, net->vocab - 1, &net->sos_token);
  if (st) return st;
  net->n_layer = (int)nl;
  net->n_head = (int)nh;
  if (net->n_embd % nh != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: n_head %lld does not divide n_embd %lld", vkg_model_config_path(m),
                     (long long)nh, (long long)net->n_embd);
  const json_t *ls = json_object_get(vkg_model_config(m), "latent_shape");
  if (ls) {
    const json_t *a = json_array_get(ls, 0), *b = json_array_get(ls, 1);
    if (!json_is_array(ls) || json_array_size(ls) != 2 || !json_is_integer(a) || !json_is_integer(b) ||
        json_integer_value(a) < 1 || json_integer_value(b) < 1 ||
        json_integer_value(a) * json_integer_value(b) > net->block_size)
      return vkg_error(ctx, VKG_E_INPUT, "%s: latent_shape must be [h, w] with h * w <= block_size %lld",
                       vkg_model_config_path(m), (long long)net->block_size);
    net->latent_h = json_integer_value(a);
    net->latent_w = json_integer_value(b);
  }
  const int64_t V = net->vocab, C = net->n_embd, bs = net->block_size;
  int64_t vc[2] = {V, C}, pe[3] = {1, bs, C}, c1[1] = {C}, cc[2] = {C, C}, hc[2] = {-1, C}, ch[2] = {C, -1};
  st = need(ctx, m, 2, vc, "tok_emb.weight");
  if (!st) st = need(ctx, m, 3, pe, "pos_emb");
  if (!st) st = need(ctx, m, 2, vc, "head.weight");
  if (!st) st = need(ctx, m, 1, c1, "ln_f.weight");
  if (!st) st = need(ctx, m, 1, c1, "ln_f.bias");
  char name[128];
  for (int l = 0; l < net->n_layer && !st; l++) {
    static const char *const vec[] = {"ln1.weight", "ln1.bias", "ln2.weight", "ln2.bias", "attn.query.bias",
                                      "attn.key.bias", "attn.value.bias", "attn.proj.bias", "mlp.2.bias"};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0] && !st; i++) {
      snprintf(name, sizeof name, "blocks.%d.%s", l, vec[i]);
      st = need(ctx, m, 1, c1, name);
    }
    for (int i = 0; i < 4 && !st; i++) {
      snprintf(name, sizeof name, "blocks.%d.attn.%s.weight", l, gpt_attn_names[i]);
      st = need(ctx, m, 2, cc, name);
    }
    snprintf(name, sizeof name, "blocks.%d.mlp.0.weight", l);
    if (!st) st = need(ctx, m, 2, hc, name);
    if (!st) {
      int64_t hidden[1] = {vkg_model_find(m, "%s", name)->shape.d[0]};
      snprintf(name, sizeof name, "blocks.%d.mlp.0.bias", l);
      st = need(ctx, m, 1, hidden, name);
    }
    snprintf(name, sizeof name, "blocks.%d.mlp.2.weight", l);
    if (!st) st = need(ctx, m, 2, ch, name);
    if (!st) st = check_mask(ctx, m, net, l);
  }
  if (!st && vkg_model_find(m, "blocks.%d.ln1.weight", net->n_layer))
    st = vkg_error(ctx, VKG_E_INPUT, "%s: has a block %d, but %s says n_layer %d", vkg_model_weights_path(m),
                   net->n_layer, vkg_model_config_path(m), net->n_layer);
  return st;
}

vkg_status vkg_gpt_upload(vkg_ctx *ctx, vkg_model *m, vkg_gpt *net) {
  if (net->uploaded) return VKG_OK;
  const int64_t V = net->vocab, C = net->n_embd;
  int64_t vc[2] = {V, C}, pe[3] = {1, net->block_size, C};
  vkg_status st = vkg_model_load(ctx, m, 2, vc, &net->tok_emb, "tok_emb.weight");
  if (!st) st = vkg_model_load(ctx, m, 3, pe, &net->pos_emb, "pos_emb");
  if (!st) st = vkg_model_load(ctx, m, 2, vc, &net->head_w, "head.weight");
  if (!st) st = vkg_nn_layer_norm_load(ctx, m, "ln_f", C, 1e-5f, 1, &net->ln_f);
  if (!st && !(net->blocks = calloc((size_t)net->n_layer, sizeof *net->blocks)))
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  char p[64], p2[64];
  for (int l = 0; l < net->n_layer && !st; l++) {
    vkg_gpt_block *b = &net->blocks[l];
    snprintf(p, sizeof p, "blocks.%d.ln1", l);
    st = vkg_nn_layer_norm_load(ctx, m, p, C, 1e-5f, 1, &b->ln1);
    snprintf(p, sizeof p, "blocks.%d.ln2", l);
    if (!st) st = vkg_nn_layer_norm_load(ctx, m, p, C, 1e-5f, 1, &b->ln2);
    snprintf(p, sizeof p, "blocks.%d.attn", l);
    if (!st) st = vkg_nn_mha_load(ctx, m, p, gpt_attn_names, C, net->n_head, &b->attn);
    snprintf(p, sizeof p, "blocks.%d.mlp.0", l);
    snprintf(p2, sizeof p2, "blocks.%d.mlp.2", l);
    if (!st) st = vkg_nn_mlp_load(ctx, m, p, p2, C, VKG_ACT_GELU, &b->mlp);
    snprintf(p, sizeof p, "blocks.%d.attn.mask", l);
    vkg_model_mark_used(m, p); /* checked by vkg_gpt_open */
  }
  if (st) return st;
  net->uploaded = 1;
  return VKG_OK;
}

void vkg_gpt_free(vkg_gpt *net) {
  if (!net) return;
  vkg_tensor_unref(net->tok_emb);
  vkg_tensor_unref(net->pos_emb);
  vkg_tensor_unref(net->head_w);
  vkg_nn_layer_norm_free(&net->ln_f);
  for (int l = 0; net->blocks && l < net->n_layer; l++) {
    vkg_nn_layer_norm_free(&net->blocks[l].ln1);
    vkg_nn_layer_norm_free(&net->blocks[l].ln2);
    vkg_nn_mha_free(&net->blocks[l].attn);
    vkg_nn_mlp_free(&net->blocks[l].mlp);
  }
  free(net->blocks);
  net->blocks = NULL;
  net->uploaded = 0;
}

/* x += f(ln(x)) for one half of a block; f is attention (full or one cached step) or the MLP, and
 * the residual add is fused into f's last projection. */
static vkg_status residual(vkg_ctx *ctx, const vkg_gpt *net, const vkg_gpt_block *b, int mlp, vkg_nn_kv_cache *cache,
                           vkg_tensor *x) {
  vkg_tensor *h = NULL;
  vkg_status st = vkg_nn_layer_norm_forward(ctx, mlp ? &b->ln2 : &b->ln1, x, &h);
  if (!st) {
    if (mlp) st = vkg_nn_mlp_forward_add(ctx, &b->mlp, h, x);
    else if (cache) st = vkg_nn_mha_step_add(ctx, &b->attn, h, cache, x);
    else st = vkg_nn_mha_forward_add(ctx, &b->attn, h, 1, net->n_unmasked, x);
  }
  vkg_tensor_unref(h);
  return st;
}

/* ln_f then the head: x [B, T, C] -> logits [B, T, V]. */
static vkg_status head(vkg_ctx *ctx, const vkg_gpt *net, const vkg_tensor *x, vkg_tensor **logits) {
  vkg_tensor *h = NULL, *y = NULL;
  vkg_shape s = *vkg_tensor_shape(x);
  s.d[2] = net->vocab;
  vkg_status st = vkg_nn_layer_norm_forward(ctx, &net->ln_f, x, &h);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &s, &y);
  if (!st) st = vkg_linear(ctx, h, net->head_w, NULL, y);
  vkg_tensor_unref(h);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *logits = y;
  return VKG_OK;
}

static vkg_status embed(vkg_ctx *ctx, const vkg_gpt *net, const vkg_tensor *ids, int64_t col, int64_t T,
                        vkg_tensor **x) {
  int64_t d[3] = {vkg_tensor_shape(ids)->d[0], T, net->n_embd};
  vkg_shape s = vkg_shape_make(3, d);
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s, x);
  if (!st) st = vkg_embedding(ctx, ids, col, net->tok_emb, net->pos_emb, col, *x);
  if (st) {
    vkg_tensor_unref(*x);
    *x = NULL;
  }
  return st;
}

vkg_status vkg_gpt_forward(vkg_ctx *ctx, const vkg_gpt *net, const vkg_tensor *ids, vkg_tensor **logits) {
  const vkg_shape *s = vkg_tensor_shape(ids);
  if (s->ndim != 2 || s->d[1] < 1 || s->d[1] > net->block_size)
    return vkg_error(ctx, VKG_E_INPUT, "gpt: ids must be [B, T] with 1 <= T <= block_size %lld",
                     (long long)net->block_size);
  vkg_tensor *x = NULL;
  vkg_status st = embed(ctx, net, ids, 0, s->d[1], &x);
  for (int l = 0; l < net->n_layer && !st; l++) {
    st = residual(ctx, net, &net->blocks[l], 0, NULL, x);
    if (!st) st = residual(ctx, net, &net->blocks[l], 1, NULL, x);
  }
  if (!st) st = head(ctx, net, x, logits);
  vkg_tensor_unref(x);
  return st;
}

vkg_status vkg_gpt_decoder_init(vkg_ctx *ctx, const vkg_gpt *net, int64_t batch, vkg_gpt_decoder *d) {
  memset(d, 0, sizeof *d);
  d->batch = batch;
  d->n = net->n_layer;
  if (!(d->caches = calloc((size_t)net->n_layer, sizeof *d->caches)))
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = VKG_OK;
  for (int l = 0; l < net->n_layer && !st; l++)
    st = vkg_nn_kv_cache_init(ctx, &net->blocks[l].attn, batch, net->block_size, &d->caches[l]);
  if (st) vkg_gpt_decoder_free(d);
  return st;
}

void vkg_gpt_decoder_free(vkg_gpt_decoder *d) {
  if (!d || !d->caches) return;
  for (int l = 0; l < d->n; l++) vkg_nn_kv_cache_free(&d->caches[l]);
  free(d->caches);
  d->caches = NULL;
}

void vkg_gpt_decoder_reset(vkg_gpt_decoder *d) {
  for (int l = 0; l < d->n; l++) d->caches[l].len = 0;
}

vkg_status vkg_gpt_decoder_step(vkg_ctx *ctx, const vkg_gpt *net, vkg_gpt_decoder *d, const vkg_tensor *seq,
                                int64_t pos, vkg_tensor **logits) {
  if (pos != d->caches[0].len || pos >= net->block_size)
    return vkg_error(ctx, VKG_E_INTERNAL, "gpt decoder: position %lld fed out of order (cache at %lld, block size %lld)",
                     (long long)pos, (long long)d->caches[0].len, (long long)net->block_size);
  vkg_tensor *x = NULL, *y = NULL;
  vkg_status st = embed(ctx, net, seq, pos, 1, &x);
  for (int l = 0; l < net->n_layer && !st; l++) {
    st = residual(ctx, net, &net->blocks[l], 0, &d->caches[l], x);
    if (!st) st = residual(ctx, net, &net->blocks[l], 1, NULL, x);
  }
  if (!st) st = head(ctx, net, x, &y);
  vkg_tensor_unref(x);
  if (!st) {
    int64_t d2[2] = {d->batch, net->vocab};
    vkg_shape s2 = vkg_shape_make(2, d2);
    st = vkg_nn_reshape(ctx, y, &s2, logits);
  }
  vkg_tensor_unref(y);
  return st;
}
