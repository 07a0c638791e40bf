/* UNet2DModel config.json -> vkg_ddpm_unet_cfg, with diffusers' class defaults for absent keys.
 * (google/ddpm-cifar10-32's config differs from the defaults in many fields, so every
 * field that changes the math is read.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/json.h>

#include "ddpm_internal.h"

/* JSON value at key: *present 0 when absent; *out NULL when null. */
static const json_t *cfg_get(const vkg_model *m, const char *key, int *present) {
  const json_t *v = json_object_get(vkg_model_config(m), key);
  *present = v != NULL;
  return (v && json_is_null(v)) ? NULL : v;
}

static vkg_status block_list(vkg_ctx *ctx, const vkg_model *m, const char *key, int up, int *n, int *attn) {
  static const char *const down_def[] = {"DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"};
  static const char *const up_def[] = {"AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"};
  const char *path = vkg_model_config_path(m);
  const char **vals = NULL;
  int cnt = 0;
  vkg_status st = vkg_json_string_array(ctx, vkg_model_config(m), path, key, 0, &vals, &cnt);
  if (st) return st;
  const char *const *names = vals;
  if (!vals) {
    names = up ? up_def : down_def;
    cnt = 4;
  }
  if (cnt < 1 || cnt > VKG_DDPM_MAX_BLOCKS) {
    free(vals);
    return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' has %d entries (1 to %d supported)", path, key, cnt,
                     VKG_DDPM_MAX_BLOCKS);
  }
  const char *plain = up ? "UpBlock2D" : "DownBlock2D", *with_attn = up ? "AttnUpBlock2D" : "AttnDownBlock2D";
  for (int i = 0; i < cnt; i++) {
    const char *t = names[i];
    if (strncmp(t, "UNetRes", 7) == 0) t += 7; /* diffusers' get_down_block strips this prefix */
    if (strcmp(t, plain) == 0)
      attn[i] = 0;
    else if (strcmp(t, with_attn) == 0)
      attn[i] = 1;
    else {
      st = vkg_error(ctx, VKG_E_INPUT, "%s: %s[%d]: unsupported block type '%s' (supported: %s, %s)", path, key, i,
                     names[i], plain, with_attn);
      free(vals);
      return st;
    }
  }
  free(vals);
  *n = cnt;
  return VKG_OK;
}

static vkg_status want_string(vkg_ctx *ctx, const vkg_model *m, const char *key, const char *def, const char *need) {
  const char *v = def;
  vkg_status st = vkg_model_cfg_string(ctx, m, key, 0, &v);
  if (st) return st;
  if (need && strcmp(v, need) != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s '%s' is not supported (only '%s')", vkg_model_config_path(m), key, v,
                     need);
  return VKG_OK;
}

/* GroupNorm needs its group count to divide the channels of every layer it normalizes: every
 * block width (skip concatenations are sums of block widths). */
static vkg_status check_groups(vkg_ctx *ctx, const char *path, const vkg_ddpm_unet_cfg *c) {
  const char *const keys[2] = {"norm_num_groups", "attn_norm_num_groups"};
  const int groups[2] = {c->norm_groups, c->attn_norm_groups};
  for (int k = 0; k < 2; k++)
    for (int i = 0; groups[k] > 0 && i < c->nblocks; i++)
      if (c->block_out[i] % groups[k] != 0)
        return vkg_error(ctx, VKG_E_INPUT, "%s: %s %d does not divide block_out_channels[%d] = %lld", path, keys[k],
                         groups[k], i, (long long)c->block_out[i]);
  return VKG_OK;
}

/* The config's widths against the weight headers (no data read): conv_in.weight
 * [block_out[0], in_channels, 3, 3] and each down block's first conv [block_out[i], ...]. */
static vkg_status check_widths(vkg_ctx *ctx, const vkg_model *m, const vkg_ddpm_unet_cfg *c) {
  const vkg_st_entry *e = vkg_model_find(m, "conv_in.weight");
  if (e && (e->shape.ndim != 4 || e->shape.d[0] != c->block_out[0] || e->shape.d[1] != c->in_channels))
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: block_out_channels[0] = %lld and in_channels = %lld disagree with 'conv_in.weight' %s in %s",
                     vkg_model_config_path(m), (long long)c->block_out[0], (long long)c->in_channels,
                     vkg_shape_format(&e->shape, (char[96]){0}, 96), vkg_model_weights_path(m));
  for (int i = 0; i < c->nblocks; i++) {
    e = vkg_model_find(m, "down_blocks.%d.resnets.0.conv1.weight", i);
    if (e && (e->shape.ndim != 4 || e->shape.d[0] != c->block_out[i]))
      return vkg_error(ctx, VKG_E_INPUT,
                       "%s: block_out_channels[%d] = %lld disagrees with 'down_blocks.%d.resnets.0.conv1.weight' %s in %s",
                       vkg_model_config_path(m), i, (long long)c->block_out[i], i,
                       vkg_shape_format(&e->shape, (char[96]){0}, 96), vkg_model_weights_path(m));
  }
  return VKG_OK;
}

vkg_status vkg_ddpm_unet_cfg_parse(vkg_ctx *ctx, const vkg_model *m, vkg_ddpm_unet_cfg *c) {
  const char *path = vkg_model_config_path(m);
  memset(c, 0, sizeof *c);
  int present;
  vkg_status st;
  c->in_channels = 3;
  c->out_channels = 3;
  if ((st = vkg_model_cfg_int(ctx, m, "in_channels", 0, &c->in_channels))) return st;
  if ((st = vkg_model_cfg_int(ctx, m, "out_channels", 0, &c->out_channels))) return st;
  if (c->in_channels < 1 || c->out_channels < 1)
    return vkg_error(ctx, VKG_E_INPUT, "%s: in_channels and out_channels must be >= 1", path);
  const json_t *ss = cfg_get(m, "sample_size", &present);
  if (ss && json_is_integer(ss)) {
    c->sample_size[0] = c->sample_size[1] = json_integer_value(ss);
  } else if (ss && json_is_array(ss) && json_array_size(ss) == 2 && json_is_integer(json_array_get(ss, 0)) &&
             json_is_integer(json_array_get(ss, 1))) {
    c->sample_size[0] = json_integer_value(json_array_get(ss, 0));
    c->sample_size[1] = json_integer_value(json_array_get(ss, 1));
  } else if (ss) {
    return vkg_error(ctx, VKG_E_INPUT, "%s: sample_size must be an integer or [height, width]", path);
  }
  if ((st = vkg_model_cfg_bool(ctx, m, "center_input_sample", 0, &c->center_input_sample))) return st;
  if ((st = want_string(ctx, m, "time_embedding_type", "positional", "positional"))) return st;
  c->flip_sin_to_cos = 1;
  if ((st = vkg_model_cfg_bool(ctx, m, "flip_sin_to_cos", 0, &c->flip_sin_to_cos))) return st;
  if ((st = vkg_model_cfg_float(ctx, m, "freq_shift", 0, &c->freq_shift))) return st;

  int nd = 0, nu = 0;
  if ((st = block_list(ctx, m, "down_block_types", 0, &nd, c->down_attn))) return st;
  if ((st = block_list(ctx, m, "up_block_types", 1, &nu, c->up_attn))) return st;
  int64_t *boc = NULL;
  int nb = 0;
  if ((st = vkg_json_int_array(ctx, vkg_model_config(m), path, "block_out_channels", 0, &boc, &nb))) return st;
  if (!boc) {
    static const int64_t def[4] = {224, 448, 672, 896};
    nb = 4;
    memcpy(c->block_out, def, sizeof def);
  } else {
    if (nb < 1 || nb > VKG_DDPM_MAX_BLOCKS) {
      free(boc);
      return vkg_error(ctx, VKG_E_INPUT, "%s: block_out_channels has %d entries (1 to %d supported)", path, nb,
                       VKG_DDPM_MAX_BLOCKS);
    }
    memcpy(c->block_out, boc, (size_t)nb * sizeof *boc);
    free(boc);
  }
  for (int i = 0; i < nb; i++)
    if (c->block_out[i] < 1 || c->block_out[i] > VKG_DDPM_MAX_WIDTH)
      return vkg_error(ctx, VKG_E_INPUT, "%s: block_out_channels[%d] is %lld (1 to %d supported)", path, i,
                       (long long)c->block_out[i], VKG_DDPM_MAX_WIDTH);
  if (nd != nb || nu != nb)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: down_block_types (%d), up_block_types (%d) and block_out_channels (%d) must have the same "
                     "length",
                     path, nd, nu, nb);
  c->nblocks = nb;

  c->time_embedding_dim = 0;
  if ((st = vkg_model_cfg_int(ctx, m, "time_embedding_dim", 0, &c->time_embedding_dim))) return st;
  if (c->time_embedding_dim <= 0) c->time_embedding_dim = c->block_out[0] * 4;

  const json_t *mt = cfg_get(m, "mid_block_type", &present);
  c->has_mid = 1;
  if (present && !mt)
    c->has_mid = 0;
  else if (mt && (!json_is_string(mt) || strcmp(json_string_value(mt), "UNetMidBlock2D") != 0))
    return vkg_error(ctx, VKG_E_INPUT, "%s: mid_block_type '%s' is not supported (only UNetMidBlock2D or null)", path,
                     json_is_string(mt) ? json_string_value(mt) : "?");
  c->mid_attn = 1;
  if ((st = vkg_model_cfg_bool(ctx, m, "add_attention", 0, &c->mid_attn))) return st;

  c->layers_per_block = 2;
  if ((st = vkg_model_cfg_int(ctx, m, "layers_per_block", 0, &c->layers_per_block))) return st;
  if (c->layers_per_block < 1 || c->layers_per_block > 64)
    return vkg_error(ctx, VKG_E_INPUT, "%s: layers_per_block is %lld", path, (long long)c->layers_per_block);
  c->mid_block_scale_factor = 1.0;
  if ((st = vkg_model_cfg_float(ctx, m, "mid_block_scale_factor", 0, &c->mid_block_scale_factor))) return st;
  if (c->mid_block_scale_factor == 0.0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: mid_block_scale_factor must not be 0", path);
  int64_t dp = 1;
  if ((st = vkg_model_cfg_int(ctx, m, "downsample_padding", 0, &dp))) return st;
  if (dp < 0 || dp > 1) return vkg_error(ctx, VKG_E_INPUT, "%s: downsample_padding must be 0 or 1, got %lld", path, (long long)dp);
  c->downsample_padding = (int)dp;
  if ((st = want_string(ctx, m, "downsample_type", "conv", "conv"))) return st;
  if ((st = want_string(ctx, m, "upsample_type", "conv", "conv"))) return st;
  const char *act = "silu";
  if ((st = vkg_model_cfg_string(ctx, m, "act_fn", 0, &act))) return st;
  char what[600];
  snprintf(what, sizeof what, "%s: act_fn", path);
  if ((st = vkg_nn_act_parse(ctx, what, act, &c->act))) return st;

  const json_t *ahd = cfg_get(m, "attention_head_dim", &present);
  if (!present)
    c->attention_head_dim = 8;
  else if (!ahd)
    c->attention_head_dim = 0;
  else if (json_is_integer(ahd) && json_integer_value(ahd) > 0)
    c->attention_head_dim = json_integer_value(ahd);
  else
    return vkg_error(ctx, VKG_E_INPUT, "%s: attention_head_dim must be a positive integer or null", path);

  const json_t *ng = cfg_get(m, "norm_num_groups", &present);
  if (!present)
    c->norm_groups = 32;
  else if (ng && json_is_integer(ng) && json_integer_value(ng) > 0)
    c->norm_groups = (int)json_integer_value(ng);
  else
    return vkg_error(ctx, VKG_E_INPUT, "%s: norm_num_groups must be a positive integer", path);
  c->norm_eps = 1e-5;
  if ((st = vkg_model_cfg_float(ctx, m, "norm_eps", 0, &c->norm_eps))) return st;
  if (!(c->norm_eps > 0 && c->norm_eps < 1))
    return vkg_error(ctx, VKG_E_INPUT, "%s: norm_eps must be in (0, 1), got %g", path, c->norm_eps);
  const char *tss = "default";
  if ((st = vkg_model_cfg_string(ctx, m, "resnet_time_scale_shift", 0, &tss))) return st;
  if (strcmp(tss, "default") == 0)
    c->temb_norm = VKG_NN_TEMB_DEFAULT;
  else if (strcmp(tss, "scale_shift") == 0)
    c->temb_norm = VKG_NN_TEMB_SCALE_SHIFT;
  else
    return vkg_error(ctx, VKG_E_INPUT, "%s: resnet_time_scale_shift '%s' is not supported (default, scale_shift)", path,
                     tss);
  const json_t *ang = cfg_get(m, "attn_norm_num_groups", &present);
  if (ang && json_is_integer(ang) && json_integer_value(ang) > 0)
    c->attn_norm_groups = (int)json_integer_value(ang);
  else if (ang)
    return vkg_error(ctx, VKG_E_INPUT, "%s: attn_norm_num_groups must be a positive integer or null", path);
  else /* diffusers' UNetMidBlock2D: resnet_groups for "default", no norm for "scale_shift" */
    c->attn_norm_groups = c->temb_norm == VKG_NN_TEMB_DEFAULT ? c->norm_groups : 0;

  if ((st = check_groups(ctx, path, c))) return st;
  if ((st = check_widths(ctx, m, c))) return st;

  const char *const unsupported[] = {"class_embed_type", "num_class_embeds"};
  for (int i = 0; i < 2; i++) {
    const json_t *v = cfg_get(m, unsupported[i], &present);
    if (v) return vkg_error(ctx, VKG_E_INPUT, "%s: %s is not supported (class-conditional UNets)", path, unsupported[i]);
  }
  return VKG_OK;
}
