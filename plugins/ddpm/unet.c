/* diffusers UNet2DModel assembled from the nn layers: conv_in, time embedding, down blocks
 * (resnets, attentions, downsampler), mid block, up blocks (skip concat), norm/act/conv_out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm_internal.h"

typedef struct unet_block {
  int nres;
  vkg_nn_resnet res[65];
  vkg_nn_attention attn[65];
  int has_attn;
  vkg_nn_conv2d sampler; /* downsampler / upsampler conv; w NULL when absent */
} unet_block;

struct vkg_ddpm_unet {
  vkg_model *model;
  vkg_ddpm_unet_cfg cfg;
  int loaded;
  vkg_nn_conv2d conv_in, conv_out;
  vkg_nn_time_embed temb;
  unet_block *down, *up;
  vkg_nn_resnet mid_res[2];
  vkg_nn_attention mid_attn;
  vkg_nn_group_norm norm_out;
};

vkg_status vkg_ddpm_unet_open(vkg_ctx *ctx, const char *folder, vkg_ddpm_unet **out) {
  *out = NULL;
  vkg_ddpm_unet *u = calloc(1, sizeof *u);
  if (!u) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = vkg_model_open(ctx, folder, NULL, "UNet2DModel", &u->model);
  if (!st) st = vkg_ddpm_unet_cfg_parse(ctx, u->model, &u->cfg);
  if (!st) {
    u->down = calloc((size_t)u->cfg.nblocks, sizeof *u->down);
    u->up = calloc((size_t)u->cfg.nblocks, sizeof *u->up);
    if (!u->down || !u->up) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  if (st) {
    vkg_ddpm_unet_destroy(u);
    return st;
  }
  *out = u;
  return VKG_OK;
}

const vkg_ddpm_unet_cfg *vkg_ddpm_unet_config(const vkg_ddpm_unet *u) { return &u->cfg; }
vkg_model *vkg_ddpm_unet_model(vkg_ddpm_unet *u) { return u->model; }

static void free_weights(vkg_ddpm_unet *u) {
  vkg_nn_conv2d_free(&u->conv_in);
  vkg_nn_conv2d_free(&u->conv_out);
  vkg_nn_time_embed_free(&u->temb);
  for (int b = 0; b < u->cfg.nblocks && u->down && u->up; b++) {
    unet_block *blks[2] = {&u->down[b], &u->up[b]};
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < 65; i++) {
        vkg_nn_resnet_free(&blks[k]->res[i]);
        vkg_nn_attention_free(&blks[k]->attn[i]);
      }
      vkg_nn_conv2d_free(&blks[k]->sampler);
    }
  }
  vkg_nn_resnet_free(&u->mid_res[0]);
  vkg_nn_resnet_free(&u->mid_res[1]);
  vkg_nn_attention_free(&u->mid_attn);
  vkg_nn_group_norm_free(&u->norm_out);
  u->loaded = 0;
}

void vkg_ddpm_unet_destroy(vkg_ddpm_unet *u) {
  if (!u) return;
  free_weights(u);
  free(u->down);
  free(u->up);
  vkg_model_close(u->model);
  free(u);
}

static vkg_nn_resnet_cfg res_cfg(const vkg_ddpm_unet_cfg *c, int64_t in, int64_t out, double scale) {
  vkg_nn_resnet_cfg r = {in, out, c->time_embedding_dim, c->norm_groups, (float)c->norm_eps, c->act, c->temb_norm,
                         (float)scale};
  return r;
}

static vkg_status load_all(vkg_ctx *ctx, vkg_ddpm_unet *u) {
  const vkg_ddpm_unet_cfg *c = &u->cfg;
  vkg_model *m = u->model;
  const int64_t *boc = c->block_out;
  int n = c->nblocks;
  float eps = (float)c->norm_eps;
  char key[256];
  vkg_status st = vkg_nn_conv2d_load(ctx, m, "conv_in", c->in_channels, boc[0], 3, 1, 1, 1, &u->conv_in);
  if (st) return st;
  if ((st = vkg_nn_time_embed_load(ctx, m, "time_embedding", boc[0], c->time_embedding_dim, VKG_ACT_SILU,
                                   c->flip_sin_to_cos, (float)c->freq_shift, &u->temb)))
    return st;
  int64_t oc = boc[0];
  for (int b = 0; b < n; b++) {
    unet_block *blk = &u->down[b];
    int64_t ic = oc;
    oc = boc[b];
    blk->nres = (int)c->layers_per_block;
    blk->has_attn = c->down_attn[b];
    for (int i = 0; i < blk->nres; i++) {
      vkg_nn_resnet_cfg rc = res_cfg(c, i == 0 ? ic : oc, oc, 1.0);
      snprintf(key, sizeof key, "down_blocks.%d.resnets.%d", b, i);
      if ((st = vkg_nn_resnet_load(ctx, m, key, &rc, &blk->res[i]))) return st;
      if (blk->has_attn) {
        snprintf(key, sizeof key, "down_blocks.%d.attentions.%d", b, i);
        if ((st = vkg_nn_attention_load(ctx, m, key, oc, c->attention_head_dim, c->norm_groups, eps, 1.0f,
                                        &blk->attn[i])))
          return st;
      }
    }
    if (b != n - 1) {
      snprintf(key, sizeof key, "down_blocks.%d.downsamplers.0", b);
      if ((st = vkg_nn_downsample_load(ctx, m, key, oc, oc, c->downsample_padding, &blk->sampler))) return st;
    }
  }
  if (c->has_mid) {
    int64_t ch = boc[n - 1];
    for (int i = 0; i < 2; i++) {
      vkg_nn_resnet_cfg rc = res_cfg(c, ch, ch, c->mid_block_scale_factor);
      snprintf(key, sizeof key, "mid_block.resnets.%d", i);
      if ((st = vkg_nn_resnet_load(ctx, m, key, &rc, &u->mid_res[i]))) return st;
    }
    if (c->mid_attn &&
        (st = vkg_nn_attention_load(ctx, m, "mid_block.attentions.0", ch, c->attention_head_dim, c->attn_norm_groups,
                                    eps, (float)c->mid_block_scale_factor, &u->mid_attn)))
      return st;
  }
  oc = boc[n - 1];
  for (int b = 0; b < n; b++) {
    unet_block *blk = &u->up[b];
    int64_t prev = oc;
    oc = boc[n - 1 - b];
    int64_t ic = boc[(n - 2 - b) < 0 ? 0 : n - 2 - b];
    blk->nres = (int)c->layers_per_block + 1;
    blk->has_attn = c->up_attn[b];
    for (int i = 0; i < blk->nres; i++) {
      int64_t skip = i == blk->nres - 1 ? ic : oc, rin = i == 0 ? prev : oc;
      vkg_nn_resnet_cfg rc = res_cfg(c, rin + skip, oc, 1.0);
      snprintf(key, sizeof key, "up_blocks.%d.resnets.%d", b, i);
      if ((st = vkg_nn_resnet_load(ctx, m, key, &rc, &blk->res[i]))) return st;
      if (blk->has_attn) {
        snprintf(key, sizeof key, "up_blocks.%d.attentions.%d", b, i);
        if ((st = vkg_nn_attention_load(ctx, m, key, oc, c->attention_head_dim, c->norm_groups, eps, 1.0f,
                                        &blk->attn[i])))
          return st;
      }
    }
    if (b != n - 1) {
      snprintf(key, sizeof key, "up_blocks.%d.upsamplers.0", b);
      if ((st = vkg_nn_upsample_load(ctx, m, key, oc, oc, &blk->sampler))) return st;
    }
  }
  if ((st = vkg_nn_group_norm_load(ctx, m, "conv_norm_out", boc[0], c->norm_groups, eps, &u->norm_out))) return st;
  return vkg_nn_conv2d_load(ctx, m, "conv_out", boc[0], c->out_channels, 3, 1, 1, 1, &u->conv_out);
}

vkg_status vkg_ddpm_unet_load(vkg_ctx *ctx, vkg_ddpm_unet *u) {
  if (u->loaded) return VKG_OK;
  vkg_status st = load_all(ctx, u);
  if (st) {
    free_weights(u);
    return st;
  }
  u->loaded = 1;
  vkg_model_unused(ctx, u->model, 1);
  return VKG_OK;
}

vkg_status vkg_ddpm_unet_check_input(vkg_ctx *ctx, const vkg_ddpm_unet *u, const vkg_shape *s) {
  char a[96];
  int64_t f = (int64_t)1 << (u->cfg.nblocks - 1);
  if (s->ndim != 4 || s->d[1] != u->cfg.in_channels)
    return vkg_error(ctx, VKG_E_INPUT, "sample %s: expected [B, %lld, H, W] (in_channels of %s)",
                     vkg_shape_format(s, a, sizeof a), (long long)u->cfg.in_channels, vkg_model_config_path(u->model));
  if (s->d[2] % f || s->d[3] % f)
    return vkg_error(ctx, VKG_E_INPUT, "sample %s: H and W must be multiples of %lld (%d blocks)",
                     vkg_shape_format(s, a, sizeof a), (long long)f, u->cfg.nblocks);
  return VKG_OK;
}

/* The skip connections, a stack of references. */
typedef struct skips {
  vkg_tensor *t[8 * 66 + 2];
  int n;
} skips;

static void skips_drop(skips *s) {
  while (s->n > 0) vkg_tensor_unref(s->t[--s->n]);
}

/* Replaces *h by f's output, dropping the old one. */
#define STEP(call)                           \
  do {                                       \
    vkg_tensor *nh_ = NULL;                  \
    st = (call);                             \
    if (st) goto done;                       \
    vkg_tensor_unref(h);                     \
    h = nh_;                                 \
  } while (0)

vkg_status vkg_ddpm_unet_forward(vkg_ctx *ctx, const vkg_ddpm_unet *u, const vkg_tensor *x, const vkg_tensor *t,
                                 vkg_tensor **out) {
  const vkg_ddpm_unet_cfg *c = &u->cfg;
  if (!u->loaded) return vkg_error(ctx, VKG_E_INTERNAL, "unet used before its weights were loaded");
  vkg_status st = vkg_ddpm_unet_check_input(ctx, u, vkg_tensor_shape(x));
  if (st) return st;
  int64_t B = vkg_tensor_shape(x)->d[0];
  if (vkg_tensor_numel(t) != B) return vkg_error(ctx, VKG_E_INPUT, "unet: %lld timesteps for a batch of %lld",
                                                 (long long)vkg_tensor_numel(t), (long long)B);
  skips sk = {.n = 0};
  vkg_tensor *emb = NULL, *h = NULL, *xin = NULL;
  if (c->center_input_sample) {
    if ((st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(x), &xin))) goto done;
    if ((st = vkg_scale_shift(ctx, x, xin, 2.0f, -1.0f))) goto done;
  }
  if ((st = vkg_nn_time_embed_forward(ctx, &u->temb, t, &emb))) goto done;
  if ((st = vkg_nn_conv2d_forward(ctx, &u->conv_in, xin ? xin : x, &h))) goto done;
  vkg_tensor_unref(xin);
  xin = NULL;
  sk.t[sk.n++] = vkg_tensor_ref(h);
  for (int b = 0; b < c->nblocks; b++) {
    const unet_block *blk = &u->down[b];
    for (int i = 0; i < blk->nres; i++) {
      STEP(vkg_nn_resnet_forward(ctx, &blk->res[i], h, emb, &nh_));
      if (blk->has_attn) STEP(vkg_nn_attention_forward(ctx, &blk->attn[i], h, &nh_));
      sk.t[sk.n++] = vkg_tensor_ref(h);
    }
    if (blk->sampler.w) {
      STEP(vkg_nn_conv2d_forward(ctx, &blk->sampler, h, &nh_));
      sk.t[sk.n++] = vkg_tensor_ref(h);
    }
  }
  if (c->has_mid) {
    STEP(vkg_nn_resnet_forward(ctx, &u->mid_res[0], h, emb, &nh_));
    if (c->mid_attn) STEP(vkg_nn_attention_forward(ctx, &u->mid_attn, h, &nh_));
    STEP(vkg_nn_resnet_forward(ctx, &u->mid_res[1], h, emb, &nh_));
  }
  for (int b = 0; b < c->nblocks; b++) {
    const unet_block *blk = &u->up[b];
    for (int i = 0; i < blk->nres; i++) {
      vkg_tensor *skip = sk.t[--sk.n], *cat = NULL;
      vkg_shape cs = *vkg_tensor_shape(h);
      cs.d[1] += vkg_tensor_shape(skip)->d[1];
      st = vkg_tensor_create(ctx, VKG_F32, &cs, &cat);
      if (!st) {
        const vkg_tensor *parts[2] = {h, skip};
        st = vkg_concat(ctx, parts, 2, 1, cat); /* buffer copies: one per image and part */
      }
      vkg_tensor_unref(skip);
      if (st) {
        vkg_tensor_unref(cat);
        goto done;
      }
      vkg_tensor_unref(h);
      h = cat;
      STEP(vkg_nn_resnet_forward(ctx, &blk->res[i], h, emb, &nh_));
      if (blk->has_attn) STEP(vkg_nn_attention_forward(ctx, &blk->attn[i], h, &nh_));
    }
    if (blk->sampler.w) STEP(vkg_nn_upsample_forward(ctx, &blk->sampler, h, &nh_));
  }
  /* conv_act is always SiLU in UNet2DModel, whatever act_fn says */
  STEP(vkg_nn_group_norm_forward(ctx, &u->norm_out, h, VKG_ACT_SILU, &nh_));
  STEP(vkg_nn_conv2d_forward(ctx, &u->conv_out, h, &nh_));
  *out = h;
  h = NULL;
done:
  skips_drop(&sk);
  vkg_tensor_unref(h);
  vkg_tensor_unref(emb);
  vkg_tensor_unref(xin);
  return st;
}
