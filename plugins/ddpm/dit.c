/* DiT (diffusers DiTTransformer2DModel, adaLN-Zero) assembled from the nn layers: patch embedding + 2-D
 * sin-cos table, per block a timestep + class embedding -> 6 modulation chunks, self-attention and MLP with
 * gated residuals; the final adaLN (block 0's embedding, proj_out_1), proj_out_2 and unpatchify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm_internal.h"

typedef struct dit_block {
  int own_emb;              /* 0: the file ties this block's norm1.emb to block 0's (stored once) */
  vkg_nn_time_embed temb;   /* norm1.emb.timestep_embedder (sinusoid 256, flip, shift 1) */
  vkg_nn_label_embed label; /* norm1.emb.class_embedder */
  vkg_nn_linear ada;        /* norm1.linear: [6 D, D] */
  vkg_nn_layer_norm norm1, norm3;
  vkg_nn_mha attn;
  vkg_nn_mlp ff;
} dit_block;

struct vkg_ddpm_dit {
  vkg_model *model;
  vkg_ddpm_dit_cfg cfg;
  int64_t label_rows; /* rows of the class tables: num_classes, + 1 with the null class */
  int loaded;
  vkg_nn_patch_embed pe;
  dit_block *blocks;
  vkg_nn_layer_norm norm_out;
  vkg_nn_linear out1, out2;
  vkg_tensor *pos; /* the sin-cos table of the last grid seen */
  int64_t pos_gh, pos_gw;
};

#define LABEL_KEY "transformer_blocks.0.norm1.emb.class_embedder.embedding_table.weight"

vkg_status vkg_ddpm_dit_open(vkg_ctx *ctx, const char *folder, vkg_ddpm_dit **out) {
  *out = NULL;
  vkg_ddpm_dit *d = calloc(1, sizeof *d);
  if (!d) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = vkg_model_open(ctx, folder, NULL, NULL, &d->model);
  if (!st) st = vkg_ddpm_dit_cfg_parse(ctx, d->model, &d->cfg);
  if (!st) {
    const vkg_st_entry *e = vkg_model_find(d->model, LABEL_KEY);
    if (!e || e->shape.ndim != 2)
      st = vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' is missing or not 2-D", vkg_model_weights_path(d->model),
                     LABEL_KEY);
    else if (e->shape.d[0] != d->cfg.num_classes && e->shape.d[0] != d->cfg.num_classes + 1)
      st = vkg_error(ctx, VKG_E_INPUT, "%s: '%s' has %lld rows; num_embeds_ada_norm %lld needs %lld (or %lld with the "
                     "null class)", vkg_model_weights_path(d->model), LABEL_KEY, (long long)e->shape.d[0],
                     (long long)d->cfg.num_classes, (long long)d->cfg.num_classes, (long long)d->cfg.num_classes + 1);
    else
      d->label_rows = e->shape.d[0];
  }
  if (!st && !(d->blocks = calloc((size_t)d->cfg.layers, sizeof *d->blocks)))
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (st) {
    vkg_ddpm_dit_destroy(d);
    return st;
  }
  *out = d;
  return VKG_OK;
}

const vkg_ddpm_dit_cfg *vkg_ddpm_dit_config(const vkg_ddpm_dit *d) { return &d->cfg; }
int vkg_ddpm_dit_has_null_class(const vkg_ddpm_dit *d) { return d->label_rows == d->cfg.num_classes + 1; }

static void free_weights(vkg_ddpm_dit *d) {
  vkg_nn_patch_embed_free(&d->pe);
  for (int i = 0; d->blocks && i < d->cfg.layers; i++) {
    dit_block *b = &d->blocks[i];
    vkg_nn_time_embed_free(&b->temb);
    vkg_nn_label_embed_free(&b->label);
    vkg_nn_linear_free(&b->ada);
    vkg_nn_layer_norm_free(&b->norm1);
    vkg_nn_layer_norm_free(&b->norm3);
    vkg_nn_mha_free(&b->attn);
    vkg_nn_mlp_free(&b->ff);
  }
  vkg_nn_layer_norm_free(&d->norm_out);
  vkg_nn_linear_free(&d->out1);
  vkg_nn_linear_free(&d->out2);
  vkg_tensor_unref(d->pos);
  d->pos = NULL;
}

void vkg_ddpm_dit_destroy(vkg_ddpm_dit *d) {
  if (!d) return;
  free_weights(d);
  free(d->blocks);
  vkg_model_close(d->model);
  free(d);
}

static vkg_status load_block(vkg_ctx *ctx, vkg_ddpm_dit *d, int i) {
  static const char *const names[4] = {"to_q", "to_k", "to_v", "to_out.0"};
  const vkg_ddpm_dit_cfg *c = &d->cfg;
  dit_block *b = &d->blocks[i];
  char p[160], k1[192], k2[192];
  vkg_status st = VKG_OK;
  snprintf(p, sizeof p, "transformer_blocks.%d", i);
  /* diffusers' conversion assigns the one DiT embedder to every block; a file written with the ties
   * removed holds it under block 0 only, and the others share it */
  b->own_emb = i == 0 || vkg_model_find(d->model, "%s.norm1.emb.timestep_embedder.linear_1.weight", p) != NULL;
  snprintf(k1, sizeof k1, "%s.norm1.emb.timestep_embedder", p);
  if (b->own_emb) st = vkg_nn_time_embed_load(ctx, d->model, k1, 256, c->dim, VKG_ACT_SILU, 1, 1.0f, &b->temb);
  snprintf(k1, sizeof k1, "%s.norm1.emb.class_embedder", p);
  if (!st && b->own_emb) st = vkg_nn_label_embed_load(ctx, d->model, k1, c->dim, &b->label);
  if (!st && b->own_emb && b->label.rows != d->label_rows)
    st = vkg_error(ctx, VKG_E_INPUT, "%s: %s.embedding_table has %lld rows, block 0 has %lld",
                   vkg_model_weights_path(d->model), k1, (long long)b->label.rows, (long long)d->label_rows);
  snprintf(k1, sizeof k1, "%s.norm1.linear", p);
  if (!st) st = vkg_nn_linear_load(ctx, d->model, k1, c->dim, 6 * c->dim, 1, &b->ada);
  if (!st) st = vkg_nn_layer_norm_load(ctx, d->model, "", c->dim, 1e-6f, 0, &b->norm1);
  if (!st) st = vkg_nn_layer_norm_load(ctx, d->model, "", c->dim, (float)c->norm_eps, 0, &b->norm3);
  snprintf(k1, sizeof k1, "%s.attn1", p);
  if (!st) st = vkg_nn_mha_load(ctx, d->model, k1, names, c->dim, c->heads, &b->attn);
  snprintf(k1, sizeof k1, "%s.ff.net.0.proj", p);
  snprintf(k2, sizeof k2, "%s.ff.net.2", p);
  if (!st) st = vkg_nn_mlp_load(ctx, d->model, k1, k2, c->dim, c->act, &b->ff);
  return st;
}

static vkg_status load_all(vkg_ctx *ctx, vkg_ddpm_dit *d) {
  const vkg_ddpm_dit_cfg *c = &d->cfg;
  vkg_status st = vkg_nn_patch_embed_load(ctx, d->model, "pos_embed", c->in_channels, c->dim, c->patch, &d->pe);
  for (int i = 0; !st && i < c->layers; i++) st = load_block(ctx, d, i);
  if (!st) st = vkg_nn_layer_norm_load(ctx, d->model, "", c->dim, 1e-6f, 0, &d->norm_out);
  if (!st) st = vkg_nn_linear_load(ctx, d->model, "proj_out_1", c->dim, 2 * c->dim, 1, &d->out1);
  if (!st)
    st = vkg_nn_linear_load(ctx, d->model, "proj_out_2", c->dim, (int64_t)c->patch * c->patch * c->out_channels, 1,
                            &d->out2);
  return st;
}

vkg_status vkg_ddpm_dit_load(vkg_ctx *ctx, vkg_ddpm_dit *d) {
  if (d->loaded) return VKG_OK;
  vkg_status st = load_all(ctx, d);
  if (st) {
    free_weights(d);
    return st;
  }
  d->loaded = 1;
  vkg_model_unused(ctx, d->model, 1);
  return VKG_OK;
}

vkg_status vkg_ddpm_dit_check_input(vkg_ctx *ctx, const vkg_ddpm_dit *d, const vkg_shape *s) {
  char a[96];
  if (s->ndim != 4 || s->d[1] != d->cfg.in_channels)
    return vkg_error(ctx, VKG_E_INPUT, "latents %s: expected [B, %lld, H, W] (in_channels of %s)",
                     vkg_shape_format(s, a, sizeof a), (long long)d->cfg.in_channels, vkg_model_config_path(d->model));
  if (s->d[2] % d->cfg.patch || s->d[3] % d->cfg.patch)
    return vkg_error(ctx, VKG_E_INPUT, "latents %s: H and W must be multiples of the patch size %d (%s)",
                     vkg_shape_format(s, a, sizeof a), d->cfg.patch, vkg_model_config_path(d->model));
  return VKG_OK;
}

/* The sin-cos table of a gh x gw grid (kept until another grid comes). */
static vkg_status pos_table(vkg_ctx *ctx, vkg_ddpm_dit *d, int64_t gh, int64_t gw) {
  if (d->pos && d->pos_gh == gh && d->pos_gw == gw) return VKG_OK;
  vkg_tensor_unref(d->pos);
  d->pos = NULL;
  int64_t T = gh * gw, D = d->cfg.dim;
  float *h = malloc((size_t)(T * D) * sizeof *h);
  if (!h) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_nn_sincos_pos_embed_2d(D, gh, gw, (double)(d->cfg.sample_size / d->cfg.patch), 1.0, h);
  vkg_shape s = vkg_shape_make(2, (int64_t[]){T, D});
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s, &d->pos);
  if (!st) st = vkg_tensor_upload(ctx, d->pos, h, (size_t)(T * D) * sizeof *h);
  free(h);
  if (st) {
    vkg_tensor_unref(d->pos);
    d->pos = NULL;
    return st;
  }
  d->pos_gh = gh, d->pos_gw = gw;
  return VKG_OK;
}

/* cond = timestep_embedder(t) + class_embedder(labels) of block b: [B, D]. */
static vkg_status block_cond(vkg_ctx *ctx, const dit_block *b, const vkg_tensor *t, const vkg_tensor *labels,
                             vkg_tensor **out) {
  vkg_tensor *te = NULL, *le = NULL;
  vkg_status st = vkg_nn_time_embed_forward(ctx, &b->temb, t, &te);
  if (!st) st = vkg_nn_label_embed_forward(ctx, &b->label, labels, &le);
  if (!st) st = vkg_binary(ctx, te, le, te, VKG_OP_ADD);
  vkg_tensor_unref(le);
  if (st) {
    vkg_tensor_unref(te);
    return st;
  }
  *out = te;
  return VKG_OK;
}

/* linear(silu(cond)): the modulation chunks, [B, k D]. */
static vkg_status modulation(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *cond, vkg_tensor **out) {
  vkg_tensor *s = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(cond), &s);
  if (!st) st = vkg_activation(ctx, cond, s, VKG_ACT_SILU, 0.0f);
  if (!st) st = vkg_nn_linear_forward(ctx, l, s, out);
  vkg_tensor_unref(s);
  return st;
}

/* norm(h) * (1 + mod[scale chunk]) + mod[shift chunk] (new tensor). */
static vkg_status ada_norm(vkg_ctx *ctx, const vkg_nn_layer_norm *ln, const vkg_tensor *h, const vkg_tensor *mod,
                           int64_t shift_chunk, int64_t scale_chunk, vkg_tensor **out) {
  int64_t D = ln->dim;
  vkg_status st = vkg_nn_layer_norm_forward(ctx, ln, h, out);
  if (!st) st = vkg_modulate(ctx, *out, mod, scale_chunk * D, shift_chunk * D, 1.0f, NULL, *out);
  if (st) {
    vkg_tensor_unref(*out);
    *out = NULL;
  }
  return st;
}

/* One adaLN-Zero block, h updated in place: h += g_msa * attn(adaLN(h)); h += g_mlp * ff(adaLN'(h)). */
static vkg_status block_forward(vkg_ctx *ctx, const dit_block *b, vkg_tensor *h, const vkg_tensor *cond) {
  int64_t D = b->norm1.dim;
  vkg_tensor *mod = NULL, *n = NULL, *y = NULL;
  vkg_status st = modulation(ctx, &b->ada, cond, &mod); /* shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp */
  if (!st) st = ada_norm(ctx, &b->norm1, h, mod, 0, 1, &n);
  if (!st) st = vkg_nn_mha_forward(ctx, &b->attn, n, 0, 0, &y);
  if (!st) st = vkg_modulate(ctx, y, mod, 2 * D, -1, 0.0f, h, h);
  vkg_tensor_unref(n), vkg_tensor_unref(y);
  n = y = NULL;
  if (!st) st = ada_norm(ctx, &b->norm3, h, mod, 3, 4, &n);
  if (!st) st = vkg_nn_mlp_forward(ctx, &b->ff, n, &y);
  if (!st) st = vkg_modulate(ctx, y, mod, 5 * D, -1, 0.0f, h, h);
  vkg_tensor_unref(n), vkg_tensor_unref(y), vkg_tensor_unref(mod);
  return st;
}

vkg_status vkg_ddpm_dit_forward(vkg_ctx *ctx, vkg_ddpm_dit *d, const vkg_tensor *x, const vkg_tensor *t,
                                const vkg_tensor *labels, vkg_tensor **out) {
  vkg_status st = vkg_ddpm_dit_check_input(ctx, d, vkg_tensor_shape(x));
  if (st) return st;
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t B = xs->d[0], gh = xs->d[2] / d->cfg.patch, gw = xs->d[3] / d->cfg.patch;
  if (vkg_tensor_numel(t) != B || vkg_tensor_numel(labels) != B)
    return vkg_error(ctx, VKG_E_INPUT, "dit: %lld timesteps and %lld labels for a batch of %lld",
                     (long long)vkg_tensor_numel(t), (long long)vkg_tensor_numel(labels), (long long)B);
  vkg_tensor *h = NULL, *cond0 = NULL, *cond = NULL, *mod = NULL, *n = NULL, *o = NULL;
  if ((st = pos_table(ctx, d, gh, gw))) return st;
  st = vkg_nn_patch_embed_forward(ctx, &d->pe, x, d->pos, &h);
  for (int i = 0; !st && i < d->cfg.layers; i++) {
    const dit_block *b = &d->blocks[i];
    if (b->own_emb) st = block_cond(ctx, b, t, labels, &cond);
    if (!st) st = block_forward(ctx, b, h, b->own_emb ? cond : cond0);
    if (i == 0 && !st)
      cond0 = cond;
    else
      vkg_tensor_unref(cond);
    cond = NULL;
  }
  /* final layer: shift, scale = proj_out_1(silu(block 0's cond)) */
  if (!st) st = modulation(ctx, &d->out1, cond0, &mod);
  if (!st) st = ada_norm(ctx, &d->norm_out, h, mod, 0, 1, &n);
  if (!st) st = vkg_nn_linear_forward(ctx, &d->out2, n, &o);
  if (!st) st = vkg_nn_unpatchify(ctx, o, gh, gw, d->cfg.patch, out);
  vkg_tensor_unref(h), vkg_tensor_unref(cond0), vkg_tensor_unref(mod), vkg_tensor_unref(n), vkg_tensor_unref(o);
  return st;
}
