/* diffusers' autoencoder Encoder / Decoder (autoencoders/vae.py) on the shared nn layers. */
#include <stdlib.h>
#include <string.h>

#include "nn_internal.h"
#include "vkgen/json.h"
#include "vkgen/nn_autoencoder.h"

static vkg_status check_block_types(vkg_ctx *ctx, const vkg_model *m, const char *key, const char *want, int n) {
  const char **types = NULL;
  int nt = 0;
  vkg_status st = vkg_json_string_array(ctx, vkg_model_config(m), vkg_model_config_path(m), key, 0, &types, &nt);
  if (st) return st;
  if (!types) return VKG_OK; /* absent: diffusers' default is one block of the right kind */
  if (nt != n) {
    free(types);
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s has %d entries but block_out_channels has %d",
                     vkg_model_config_path(m), key, nt, n);
  }
  for (int i = 0; i < nt; i++)
    if (strcmp(types[i], want) != 0) {
      st = vkg_error(ctx, VKG_E_INPUT, "%s: %s[%d] is '%s'; only %s is supported", vkg_model_config_path(m), key, i,
                     types[i], want);
      break;
    }
  free(types);
  return st;
}

vkg_status vkg_nn_ae_cfg_read(vkg_ctx *ctx, const vkg_model *m, vkg_nn_ae_cfg *cfg) {
  const char *path = vkg_model_config_path(m);
  memset(cfg, 0, sizeof *cfg);
  int64_t in = 3, out = 3, latent = 4, layers = 1, groups = 32;
  int mid_attn = 1;
  const char *act = "silu", *norm_type = "group";
  vkg_status st = vkg_model_cfg_int(ctx, m, "in_channels", 0, &in);
  if (!st) st = vkg_model_cfg_int(ctx, m, "out_channels", 0, &out);
  if (!st) st = vkg_model_cfg_int(ctx, m, "latent_channels", 0, &latent);
  if (!st) st = vkg_model_cfg_int(ctx, m, "layers_per_block", 0, &layers);
  if (!st) st = vkg_model_cfg_int(ctx, m, "norm_num_groups", 0, &groups);
  if (!st) st = vkg_model_cfg_bool(ctx, m, "mid_block_add_attention", 0, &mid_attn);
  if (!st) st = vkg_model_cfg_string(ctx, m, "act_fn", 0, &act);
  if (!st) st = vkg_model_cfg_string(ctx, m, "norm_type", 0, &norm_type);
  if (st) return st;
  if (strcmp(norm_type, "group") != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: norm_type '%s' is not supported (only \"group\")", path, norm_type);
  if (in < 1 || out < 1 || latent < 1 || layers < 1 || groups < 1 || layers > 64 || groups > 4096)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: in_channels %lld, out_channels %lld, latent_channels %lld, layers_per_block %lld, "
                     "norm_num_groups %lld: all must be positive (and sane)",
                     path, (long long)in, (long long)out, (long long)latent, (long long)layers, (long long)groups);
  char what[600];
  snprintf(what, sizeof what, "%s: act_fn", path);
  st = vkg_nn_act_parse(ctx, what, act, &cfg->act);
  if (st) return st;

  int64_t *boc = NULL;
  int nb = 0;
  st = vkg_json_int_array(ctx, vkg_model_config(m), path, "block_out_channels", 0, &boc, &nb);
  if (st) return st;
  if (!boc) {
    cfg->nblocks = 1;
    cfg->block_out[0] = 64;
  } else {
    if (nb < 1 || nb > VKG_NN_AE_MAX_BLOCKS) {
      free(boc);
      return vkg_error(ctx, VKG_E_INPUT, "%s: block_out_channels has %d entries (1 to %d supported)", path, nb,
                       VKG_NN_AE_MAX_BLOCKS);
    }
    for (int i = 0; i < nb; i++) {
      if (boc[i] < 1 || boc[i] > 65536 || boc[i] % groups != 0) {
        st = vkg_error(ctx, VKG_E_INPUT, "%s: block_out_channels[%d] = %lld is not a multiple of norm_num_groups %lld "
                       "in 1..65536", path, i, (long long)boc[i], (long long)groups);
        free(boc);
        return st;
      }
      cfg->block_out[i] = boc[i];
    }
    cfg->nblocks = nb;
    free(boc);
  }
  st = check_block_types(ctx, m, "down_block_types", "DownEncoderBlock2D", cfg->nblocks);
  if (!st) st = check_block_types(ctx, m, "up_block_types", "UpDecoderBlock2D", cfg->nblocks);
  if (st) return st;
  cfg->in_channels = in;
  cfg->out_channels = out;
  cfg->latent_channels = latent;
  cfg->layers_per_block = (int)layers;
  cfg->groups = (int)groups;
  cfg->mid_attention = mid_attn;
  cfg->eps = 1e-6f;
  return VKG_OK;
}

int64_t vkg_nn_ae_downscale(const vkg_nn_ae_cfg *cfg) { return (int64_t)1 << (cfg->nblocks - 1); }

/* ---- mid block (UNetMidBlock2D without temb) ---------------------------------------------- */

static vkg_nn_resnet_cfg resnet_cfg(const vkg_nn_ae_cfg *cfg, int64_t in, int64_t out) {
  vkg_nn_resnet_cfg rc = {0};
  rc.in_channels = in;
  rc.out_channels = out;
  rc.temb_channels = 0;
  rc.groups = cfg->groups;
  rc.eps = cfg->eps;
  rc.act = cfg->act;
  rc.temb_norm = VKG_NN_TEMB_DEFAULT;
  rc.output_scale_factor = 1.0f;
  return rc;
}

static void mid_free(vkg_nn_ae_mid *mid) {
  vkg_nn_resnet_free(&mid->r0);
  vkg_nn_resnet_free(&mid->r1);
  vkg_nn_attention_free(&mid->attn);
  mid->has_attn = 0;
}

static vkg_status mid_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_ae_cfg *cfg,
                           vkg_nn_ae_mid *mid) {
  char key[VKG_NN_KEY_MAX];
  int64_t c = cfg->block_out[cfg->nblocks - 1];
  vkg_nn_resnet_cfg rc = resnet_cfg(cfg, c, c);
  memset(mid, 0, sizeof *mid);
  snprintf(key, sizeof key, "%s.mid_block.resnets.0", prefix);
  vkg_status st = vkg_nn_resnet_load(ctx, m, key, &rc, &mid->r0);
  if (!st) {
    snprintf(key, sizeof key, "%s.mid_block.resnets.1", prefix);
    st = vkg_nn_resnet_load(ctx, m, key, &rc, &mid->r1);
  }
  if (!st && cfg->mid_attention) {
    /* diffusers: attention_head_dim = block_out_channels[-1] (one head), group norm with the
     * resnets' groups and eps, residual connection, rescale 1. */
    snprintf(key, sizeof key, "%s.mid_block.attentions.0", prefix);
    st = vkg_nn_attention_load(ctx, m, key, c, c, cfg->groups, cfg->eps, 1.0f, &mid->attn);
    mid->has_attn = !st;
  }
  if (st) mid_free(mid);
  return st;
}

/* After st = f(*x, y): replaces *x by *y (the old tensor is dropped as soon as it is dead).
 * y is read through a pointer because argument evaluation order is unspecified. */
static vkg_status step(vkg_status st, vkg_tensor **x, vkg_tensor **y) {
  if (st) return st;
  vkg_tensor_unref(*x);
  *x = *y;
  *y = NULL;
  return VKG_OK;
}

static vkg_status mid_forward(vkg_ctx *ctx, const vkg_nn_ae_mid *mid, vkg_tensor **x) {
  vkg_tensor *y = NULL;
  vkg_status st = step(vkg_nn_resnet_forward(ctx, &mid->r0, *x, NULL, &y), x, &y);
  if (!st && mid->has_attn) st = step(vkg_nn_attention_forward(ctx, &mid->attn, *x, &y), x, &y);
  if (!st) st = step(vkg_nn_resnet_forward(ctx, &mid->r1, *x, NULL, &y), x, &y);
  return st;
}

/* GroupNorm + act, then conv_out. */
static vkg_status head_forward(vkg_ctx *ctx, const vkg_nn_group_norm *norm, vkg_act act, const vkg_nn_conv2d *conv,
                               vkg_tensor **x) {
  vkg_tensor *y = NULL;
  vkg_status st = step(vkg_nn_group_norm_forward(ctx, norm, *x, act, &y), x, &y);
  if (!st) st = step(vkg_nn_conv2d_forward(ctx, conv, *x, &y), x, &y);
  return st;
}

/* ---- Encoder ------------------------------------------------------------------------------ */

void vkg_nn_encoder_free(vkg_nn_encoder *enc) {
  if (!enc) return;
  vkg_nn_conv2d_free(&enc->conv_in);
  if (enc->resnets)
    for (int i = 0; i < enc->cfg.nblocks * enc->cfg.layers_per_block; i++) vkg_nn_resnet_free(&enc->resnets[i]);
  free(enc->resnets);
  enc->resnets = NULL;
  for (int i = 0; i < VKG_NN_AE_MAX_BLOCKS; i++) vkg_nn_conv2d_free(&enc->down[i]);
  mid_free(&enc->mid);
  vkg_nn_group_norm_free(&enc->norm_out);
  vkg_nn_conv2d_free(&enc->conv_out);
}

vkg_status vkg_nn_encoder_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_ae_cfg *cfg,
                               int64_t out_channels, vkg_nn_encoder *enc) {
  char key[VKG_NN_KEY_MAX];
  memset(enc, 0, sizeof *enc);
  enc->cfg = *cfg;
  const int nb = cfg->nblocks, L = cfg->layers_per_block;
  enc->resnets = calloc((size_t)(nb * L), sizeof *enc->resnets);
  if (!enc->resnets) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st =
      vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_in"), cfg->in_channels, cfg->block_out[0],
                         3, 1, 1, 1, &enc->conv_in);
  int64_t ch = cfg->block_out[0];
  for (int b = 0; b < nb && !st; b++) {
    int64_t oc = cfg->block_out[b];
    for (int l = 0; l < L && !st; l++) {
      vkg_nn_resnet_cfg rc = resnet_cfg(cfg, l == 0 ? ch : oc, oc);
      snprintf(key, sizeof key, "%s.down_blocks.%d.resnets.%d", prefix, b, l);
      st = vkg_nn_resnet_load(ctx, m, key, &rc, &enc->resnets[b * L + l]);
    }
    ch = oc;
    if (!st && b < nb - 1) {
      snprintf(key, sizeof key, "%s.down_blocks.%d.downsamplers.0", prefix, b);
      st = vkg_nn_downsample_load(ctx, m, key, oc, oc, 0, &enc->down[b]);
    }
  }
  if (!st) st = mid_load(ctx, m, prefix, cfg, &enc->mid);
  if (!st)
    st = vkg_nn_group_norm_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_norm_out"), ch, cfg->groups,
                                cfg->eps, &enc->norm_out);
  if (!st)
    st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_out"), ch, out_channels, 3, 1, 1, 1,
                            &enc->conv_out);
  if (st) vkg_nn_encoder_free(enc);
  return st;
}

vkg_status vkg_nn_encoder_forward(vkg_ctx *ctx, const vkg_nn_encoder *enc, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t f = vkg_nn_ae_downscale(&enc->cfg);
  char buf[96];
  if (vkg_tensor_dtype(x) != VKG_F32 || xs->ndim != 4 || xs->d[1] != enc->cfg.in_channels)
    return vkg_error(ctx, VKG_E_INPUT, "encoder: expected f32 [B, %lld, H, W], got %s %s",
                     (long long)enc->cfg.in_channels, vkg_dtype_name(vkg_tensor_dtype(x)),
                     vkg_shape_format(xs, buf, sizeof buf));
  if (xs->d[2] % f != 0 || xs->d[3] % f != 0)
    return vkg_error(ctx, VKG_E_INPUT,
                     "encoder: image size %lldx%lld is not divisible by the model's downsampling factor %lld",
                     (long long)xs->d[2], (long long)xs->d[3], (long long)f);
  const int nb = enc->cfg.nblocks, L = enc->cfg.layers_per_block;
  vkg_tensor *h = NULL, *y = NULL;
  vkg_status st = vkg_nn_conv2d_forward(ctx, &enc->conv_in, x, &h);
  for (int b = 0; b < nb && !st; b++) {
    for (int l = 0; l < L && !st; l++)
      st = step(vkg_nn_resnet_forward(ctx, &enc->resnets[b * L + l], h, NULL, &y), &h, &y);
    if (!st && enc->down[b].w) st = step(vkg_nn_conv2d_forward(ctx, &enc->down[b], h, &y), &h, &y);
  }
  if (!st) st = mid_forward(ctx, &enc->mid, &h);
  if (!st) st = head_forward(ctx, &enc->norm_out, VKG_ACT_SILU, &enc->conv_out, &h);
  if (st) {
    vkg_tensor_unref(h);
    return st;
  }
  *out = h;
  return VKG_OK;
}

/* ---- Decoder ------------------------------------------------------------------------------ */

void vkg_nn_decoder_free(vkg_nn_decoder *dec) {
  if (!dec) return;
  vkg_nn_conv2d_free(&dec->conv_in);
  mid_free(&dec->mid);
  if (dec->resnets)
    for (int i = 0; i < dec->cfg.nblocks * (dec->cfg.layers_per_block + 1); i++) vkg_nn_resnet_free(&dec->resnets[i]);
  free(dec->resnets);
  dec->resnets = NULL;
  for (int i = 0; i < VKG_NN_AE_MAX_BLOCKS; i++) vkg_nn_conv2d_free(&dec->up[i]);
  vkg_nn_group_norm_free(&dec->norm_out);
  vkg_nn_conv2d_free(&dec->conv_out);
}

vkg_status vkg_nn_decoder_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_ae_cfg *cfg,
                               int64_t in_channels, vkg_nn_decoder *dec) {
  char key[VKG_NN_KEY_MAX];
  memset(dec, 0, sizeof *dec);
  dec->cfg = *cfg;
  const int nb = cfg->nblocks, L = cfg->layers_per_block + 1;
  dec->resnets = calloc((size_t)(nb * L), sizeof *dec->resnets);
  if (!dec->resnets) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  int64_t ch = cfg->block_out[nb - 1];
  vkg_status st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_in"), in_channels, ch, 3, 1,
                                     1, 1, &dec->conv_in);
  if (!st) st = mid_load(ctx, m, prefix, cfg, &dec->mid);
  for (int b = 0; b < nb && !st; b++) {
    int64_t oc = cfg->block_out[nb - 1 - b]; /* reversed(block_out_channels) */
    for (int l = 0; l < L && !st; l++) {
      vkg_nn_resnet_cfg rc = resnet_cfg(cfg, l == 0 ? ch : oc, oc);
      snprintf(key, sizeof key, "%s.up_blocks.%d.resnets.%d", prefix, b, l);
      st = vkg_nn_resnet_load(ctx, m, key, &rc, &dec->resnets[b * L + l]);
    }
    ch = oc;
    if (!st && b < nb - 1) {
      snprintf(key, sizeof key, "%s.up_blocks.%d.upsamplers.0", prefix, b);
      st = vkg_nn_upsample_load(ctx, m, key, oc, oc, &dec->up[b]);
    }
  }
  if (!st)
    st = vkg_nn_group_norm_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_norm_out"), ch, cfg->groups,
                                cfg->eps, &dec->norm_out);
  if (!st)
    st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "conv_out"), ch, cfg->out_channels, 3, 1, 1,
                            1, &dec->conv_out);
  if (st) vkg_nn_decoder_free(dec);
  return st;
}

vkg_status vkg_nn_decoder_forward(vkg_ctx *ctx, const vkg_nn_decoder *dec, const vkg_tensor *z, vkg_tensor **out) {
  const vkg_shape *zs = vkg_tensor_shape(z);
  char buf[96];
  if (vkg_tensor_dtype(z) != VKG_F32 || zs->ndim != 4 || zs->d[1] != dec->conv_in.cin)
    return vkg_error(ctx, VKG_E_INPUT, "decoder: expected f32 latents [B, %lld, h, w], got %s %s",
                     (long long)dec->conv_in.cin, vkg_dtype_name(vkg_tensor_dtype(z)),
                     vkg_shape_format(zs, buf, sizeof buf));
  const int nb = dec->cfg.nblocks, L = dec->cfg.layers_per_block + 1;
  vkg_tensor *h = NULL, *y = NULL;
  vkg_status st = vkg_nn_conv2d_forward(ctx, &dec->conv_in, z, &h);
  if (!st) st = mid_forward(ctx, &dec->mid, &h);
  for (int b = 0; b < nb && !st; b++) {
    for (int l = 0; l < L && !st; l++)
      st = step(vkg_nn_resnet_forward(ctx, &dec->resnets[b * L + l], h, NULL, &y), &h, &y);
    if (!st && dec->up[b].w) st = step(vkg_nn_upsample_forward(ctx, &dec->up[b], h, &y), &h, &y);
  }
  if (!st) st = head_forward(ctx, &dec->norm_out, VKG_ACT_SILU, &dec->conv_out, &h);
  if (st) {
    vkg_tensor_unref(h);
    return st;
  }
  *out = h;
  return VKG_OK;
}
