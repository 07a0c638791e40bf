/* vae plugin: AutoencoderKL and MLPVAE assembly from the shared nn layers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/json.h>
#include <vkgen/kernels.h>

#include "vae_internal.h"

/* A weight's 2-D shape [rows, cols] from the header (no GPU work). */
static vkg_status weight_dims(vkg_ctx *ctx, const vkg_model *m, const char *name, int64_t *rows, int64_t *cols) {
  const vkg_st_entry *e = vkg_model_find(m, "%s", name);
  if (!e) return vkg_error(ctx, VKG_E_INPUT, "%s: no tensor '%s'", vkg_model_weights_path(m), name);
  if (e->shape.ndim != 2) {
    char b[96];
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s' has shape %s, expected [out, in]",
                     vkg_model_weights_path(m), name, vkg_shape_format(&e->shape, b, sizeof b));
  }
  *rows = e->shape.d[0];
  *cols = e->shape.d[1];
  return VKG_OK;
}

static vkg_status open_mlp(vkg_ctx *ctx, vae_model *vm) {
  const vkg_model *m = vm->m;
  int64_t r, c, r2, c2;
  vkg_status st = weight_dims(ctx, m, "fc1.weight", &r, &c);
  if (st) return st;
  vm->hidden_dim = r;
  vm->input_dim = c;
  if ((st = weight_dims(ctx, m, "fc21.weight", &r, &c))) return st;
  vm->latent_dim = r;
  if (c != vm->hidden_dim || (st = weight_dims(ctx, m, "fc22.weight", &r2, &c2)) || r2 != r || c2 != c)
    return st ? st
              : vkg_error(ctx, VKG_E_INPUT, "%s: fc21/fc22 weights disagree with fc1 [%lld, %lld]",
                          vkg_model_weights_path(m), (long long)vm->hidden_dim, (long long)vm->input_dim);
  /* Sizes in the config, when present, must agree with the weights. */
  const char *keys[3] = {"input_dim", "hidden_dim", "latent_dim"};
  int64_t have[3] = {vm->input_dim, vm->hidden_dim, vm->latent_dim};
  for (int i = 0; i < 3; i++) {
    int64_t v = have[i];
    if ((st = vkg_model_cfg_int(ctx, m, keys[i], 0, &v))) return st;
    if (v != have[i])
      return vkg_error(ctx, VKG_E_INPUT, "%s: %s is %lld but the weights have %lld", vkg_model_config_path(m),
                       keys[i], (long long)v, (long long)have[i]);
  }
  int64_t *dims = NULL;
  int n = 0;
  st = vkg_json_int_array(ctx, vkg_model_config(m), vkg_model_config_path(m), "image_shape", 0, &dims, &n);
  if (st) return st;
  if (dims) {
    vkg_shape s = {0};
    if (n >= 1 && n <= 3) s = vkg_shape_make(n, dims);
    free(dims);
    if (n < 1 || n > 3 || vkg_shape_numel(&s) != vm->input_dim)
      return vkg_error(ctx, VKG_E_INPUT, "%s: image_shape must have 1 to 3 dims with %lld elements in all",
                       vkg_model_config_path(m), (long long)vm->input_dim);
    vm->image_shape = s;
  } else {
    int64_t side = (int64_t)llround(sqrt((double)vm->input_dim));
    if (side * side != vm->input_dim)
      return vkg_error(ctx, VKG_E_INPUT, "%s: input_dim %lld is not a square; give image_shape [C, H, W]",
                       vkg_model_config_path(m), (long long)vm->input_dim);
    vm->image_shape = vkg_shape_make(3, (int64_t[]){1, side, side});
  }
  return VKG_OK;
}

static vkg_status open_kl(vkg_ctx *ctx, vae_model *vm) {
  const vkg_model *m = vm->m;
  vkg_status st = vkg_nn_ae_cfg_read(ctx, m, &vm->cfg);
  if (st) return st;
  vm->use_quant_conv = vm->use_post_quant_conv = 1;
  vm->scaling_factor = 0.18215; /* diffusers' default */
  vm->shift_factor = 0.0;
  vm->sample_size = 32;
  if (!st) st = vkg_model_cfg_bool(ctx, m, "use_quant_conv", 0, &vm->use_quant_conv);
  if (!st) st = vkg_model_cfg_bool(ctx, m, "use_post_quant_conv", 0, &vm->use_post_quant_conv);
  if (!st) st = vkg_model_cfg_float(ctx, m, "scaling_factor", 0, &vm->scaling_factor);
  if (!st) st = vkg_model_cfg_float(ctx, m, "shift_factor", 0, &vm->shift_factor);
  if (!st) {
    /* sample_size may be an int or [h, w]: only the int form is used for vae.sample's default */
    const json_t *ss = json_object_get(vkg_model_config(m), "sample_size");
    if (json_is_integer(ss)) vm->sample_size = json_integer_value(ss);
    else if (json_is_array(ss) && json_is_integer(json_array_get(ss, 0)))
      vm->sample_size = json_integer_value(json_array_get(ss, 0));
  }
  if (st) return st;
  if (!(vm->scaling_factor > 0) || !isfinite(vm->scaling_factor))
    return vkg_error(ctx, VKG_E_INPUT, "%s: scaling_factor %g must be positive", vkg_model_config_path(m),
                     vm->scaling_factor);
  vm->has_scaling = 1;
  return VKG_OK;
}

vkg_status vae_model_open(vkg_ctx *ctx, const char *folder, vae_model **out) {
  vae_model *vm = calloc(1, sizeof *vm);
  if (!vm) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = vkg_model_open(ctx, folder, NULL, NULL, &vm->m);
  if (!st) {
    const char *cls = vkg_model_class(vm->m);
    if (strcmp(cls, "AutoencoderKL") == 0) {
      vm->kind = VAE_KL;
      st = open_kl(ctx, vm);
    } else if (strcmp(cls, "MLPVAE") == 0) {
      vm->kind = VAE_MLP;
      st = open_mlp(ctx, vm);
    } else {
      st = vkg_error(ctx, VKG_E_INPUT, "%s: _class_name is '%s'; the vae plugin runs AutoencoderKL and MLPVAE",
                     vkg_model_config_path(vm->m), cls[0] ? cls : "(missing)");
    }
  }
  if (st) {
    vae_model_close(vm);
    return st;
  }
  *out = vm;
  return VKG_OK;
}

void vae_model_close(vae_model *vm) {
  if (!vm) return;
  vkg_nn_encoder_free(&vm->enc);
  vkg_nn_conv2d_free(&vm->quant_conv);
  vkg_nn_decoder_free(&vm->dec);
  vkg_nn_conv2d_free(&vm->post_quant_conv);
  vkg_tensor_unref(vm->lo);
  vkg_tensor_unref(vm->hi);
  vkg_nn_linear_free(&vm->fc1);
  vkg_nn_linear_free(&vm->fc21);
  vkg_nn_linear_free(&vm->fc22);
  vkg_nn_linear_free(&vm->fc3);
  vkg_nn_linear_free(&vm->fc4);
  vkg_model_close(vm->m);
  free(vm);
}

int64_t vae_latent_channels(const vae_model *vm) {
  return vm->kind == VAE_KL ? vm->cfg.latent_channels : vm->latent_dim;
}

vkg_status vae_get_scale(vkg_node *node, const vae_model *vm, int *scale) {
  *scale = 0;
  vkg_node_param_bool(node, "scale_latents", scale);
  if (*scale && !vm->has_scaling)
    return vkg_node_error(node, VKG_E_INPUT, "scale_latents",
                          "model class %s has no scaling_factor; scale_latents applies to AutoencoderKL only",
                          vkg_model_class(vm->m));
  return VKG_OK;
}

/* ---- shape inference --------------------------------------------------------------------- */

vkg_status vae_infer_encode(vkg_node *node, const vae_model *vm, const vkg_tensor_info *x, vkg_tensor_info *mean,
                            vkg_tensor_info *logvar) {
  char b[96];
  const vkg_shape *s = &x->shape;
  if (vm->kind == VAE_MLP) {
    int64_t per = s->ndim >= 1 ? vkg_shape_numel(s) / (s->d[0] ? s->d[0] : 1) : 0;
    if (x->dtype != VKG_F32 || s->ndim < 2 || s->d[0] < 1 || per != vm->input_dim)
      return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                  "MLPVAE expects f32 [B, ...] with %lld values per sample, got %s %s",
                                  (long long)vm->input_dim, vkg_dtype_name(x->dtype), vkg_shape_format(s, b, sizeof b));
    mean->dtype = logvar->dtype = VKG_F32;
    mean->shape = logvar->shape = vkg_shape_make(2, (int64_t[]){s->d[0], vm->latent_dim});
    return VKG_OK;
  }
  int64_t f = vkg_nn_ae_downscale(&vm->cfg);
  if (x->dtype != VKG_F32 || s->ndim != 4 || s->d[1] != vm->cfg.in_channels)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected f32 images [B, %lld, H, W], got %s %s",
                                (long long)vm->cfg.in_channels, vkg_dtype_name(x->dtype),
                                vkg_shape_format(s, b, sizeof b));
  if (s->d[2] % f != 0 || s->d[3] % f != 0)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "image size %lldx%lld is not divisible by the model's downsampling factor %lld",
                                (long long)s->d[2], (long long)s->d[3], (long long)f);
  mean->dtype = logvar->dtype = VKG_F32;
  mean->shape = logvar->shape = vkg_shape_4d(s->d[0], vm->cfg.latent_channels, s->d[2] / f, s->d[3] / f);
  return VKG_OK;
}

vkg_status vae_infer_decode(vkg_node *node, const vae_model *vm, const vkg_tensor_info *z, vkg_tensor_info *img) {
  char b[96];
  const vkg_shape *s = &z->shape;
  if (vm->kind == VAE_MLP) {
    if (z->dtype != VKG_F32 || s->ndim != 2 || s->d[1] != vm->latent_dim)
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected f32 latents [B, %lld] (latent_dim), got %s %s",
                                  (long long)vm->latent_dim, vkg_dtype_name(z->dtype),
                                  vkg_shape_format(s, b, sizeof b));
    img->dtype = VKG_F32;
    img->shape.ndim = 1 + vm->image_shape.ndim;
    img->shape.d[0] = s->d[0];
    for (int i = 0; i < vm->image_shape.ndim; i++) img->shape.d[1 + i] = vm->image_shape.d[i];
    return VKG_OK;
  }
  int64_t f = vkg_nn_ae_downscale(&vm->cfg);
  if (z->dtype != VKG_F32 || s->ndim != 4 || s->d[1] != vm->cfg.latent_channels)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "expected f32 latents [B, %lld, h, w] (latent_channels %lld), got %s %s",
                                (long long)vm->cfg.latent_channels, (long long)vm->cfg.latent_channels,
                                vkg_dtype_name(z->dtype), vkg_shape_format(s, b, sizeof b));
  img->dtype = VKG_F32;
  img->shape = vkg_shape_4d(s->d[0], vm->cfg.out_channels, s->d[2] * f, s->d[3] * f);
  return VKG_OK;
}

vkg_status vae_latent_shape(vkg_node *node, const vae_model *vm, int64_t batch, int64_t h, int64_t w, vkg_shape *out) {
  if (vm->kind == VAE_MLP) {
    *out = vkg_shape_make(2, (int64_t[]){batch, vm->latent_dim});
    return VKG_OK;
  }
  int64_t f = vkg_nn_ae_downscale(&vm->cfg);
  if (h < 1 || w < 1 || h % f != 0 || w % f != 0)
    return vkg_node_error(node, VKG_E_INPUT, "size",
                          "image size %lldx%lld is not divisible by the model's downsampling factor %lld",
                          (long long)h, (long long)w, (long long)f);
  *out = vkg_shape_4d(batch, vm->cfg.latent_channels, h / f, w / f);
  return VKG_OK;
}

/* ---- weights ------------------------------------------------------------------------------ */

vkg_status vae_load_encoder(vkg_ctx *ctx, vae_model *vm) {
  if (vm->enc_loaded) return VKG_OK;
  vkg_status st;
  if (vm->kind == VAE_MLP) {
    st = vkg_nn_linear_load(ctx, vm->m, "fc1", vm->input_dim, vm->hidden_dim, 1, &vm->fc1);
    if (!st) st = vkg_nn_linear_load(ctx, vm->m, "fc21", vm->hidden_dim, vm->latent_dim, 1, &vm->fc21);
    if (!st) st = vkg_nn_linear_load(ctx, vm->m, "fc22", vm->hidden_dim, vm->latent_dim, 1, &vm->fc22);
  } else {
    int64_t two = 2 * vm->cfg.latent_channels;
    st = vkg_nn_encoder_load(ctx, vm->m, "encoder", &vm->cfg, two, &vm->enc);
    if (!st && vm->use_quant_conv)
      st = vkg_nn_conv2d_load(ctx, vm->m, "quant_conv", two, two, 1, 1, 0, 1, &vm->quant_conv);
    const float lo = -30.0f, hi = 20.0f;
    vkg_shape one = vkg_shape_make(1, (int64_t[]){1});
    if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &one, &lo, &vm->lo);
    if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &one, &hi, &vm->hi);
  }
  if (!st) vm->enc_loaded = 1;
  return st;
}

vkg_status vae_load_decoder(vkg_ctx *ctx, vae_model *vm) {
  if (vm->dec_loaded) return VKG_OK;
  vkg_status st;
  if (vm->kind == VAE_MLP) {
    st = vkg_nn_linear_load(ctx, vm->m, "fc3", vm->latent_dim, vm->hidden_dim, 1, &vm->fc3);
    if (!st) st = vkg_nn_linear_load(ctx, vm->m, "fc4", vm->hidden_dim, vm->input_dim, 1, &vm->fc4);
  } else {
    int64_t lc = vm->cfg.latent_channels;
    st = vm->use_post_quant_conv ? vkg_nn_conv2d_load(ctx, vm->m, "post_quant_conv", lc, lc, 1, 1, 0, 1,
                                                      &vm->post_quant_conv)
                                 : VKG_OK;
    if (!st) st = vkg_nn_decoder_load(ctx, vm->m, "decoder", &vm->cfg, lc, &vm->dec);
  }
  if (!st) vm->dec_loaded = 1;
  return st;
}

/* ---- forward ------------------------------------------------------------------------------ */

/* y = act(linear(x)) as a new tensor. */
static vkg_status linear_act(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *x, vkg_act act, vkg_tensor **y) {
  vkg_status st = vkg_nn_linear_forward(ctx, l, x, y);
  if (!st && act != VKG_ACT_IDENTITY) st = vkg_activation(ctx, *y, *y, act, 0.0f);
  if (st) {
    vkg_tensor_unref(*y);
    *y = NULL;
  }
  return st;
}

static vkg_status mlp_encode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *x, vkg_tensor **mean,
                             vkg_tensor **logvar) {
  int64_t b = vkg_tensor_shape(x)->d[0];
  vkg_shape flat = vkg_shape_make(2, (int64_t[]){b, vm->input_dim});
  vkg_tensor *xf = NULL, *h = NULL;
  /* a view needs a non-const base; the view only reads it */
  vkg_status st = vkg_nn_reshape(ctx, (vkg_tensor *)x, &flat, &xf);
  if (!st) st = linear_act(ctx, &vm->fc1, xf, VKG_ACT_RELU, &h);
  if (!st) st = linear_act(ctx, &vm->fc21, h, VKG_ACT_IDENTITY, mean);
  if (!st) st = linear_act(ctx, &vm->fc22, h, VKG_ACT_IDENTITY, logvar);
  if (st) {
    vkg_tensor_unref(*mean);
    *mean = NULL;
  }
  vkg_tensor_unref(xf);
  vkg_tensor_unref(h);
  return st;
}

static vkg_status kl_encode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *x, vkg_tensor **mean,
                            vkg_tensor **logvar) {
  vkg_tensor *h = NULL, *mom = NULL;
  vkg_status st = vkg_nn_encoder_forward(ctx, &vm->enc, x, &h);
  if (!st && vm->use_quant_conv) {
    st = vkg_nn_conv2d_forward(ctx, &vm->quant_conv, h, &mom);
    vkg_tensor_unref(h);
    h = NULL;
  } else {
    mom = h;
    h = NULL;
  }
  if (st) return st;
  /* torch.chunk(moments, 2, dim=1) */
  const vkg_shape *ms = vkg_tensor_shape(mom);
  int64_t lc = vm->cfg.latent_channels;
  vkg_shape half = vkg_shape_4d(ms->d[0], lc, ms->d[2], ms->d[3]);
  int64_t s0[4] = {0, 0, 0, 0}, s1[4] = {0, lc, 0, 0};
  st = vkg_tensor_create(ctx, VKG_F32, &half, mean);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &half, logvar);
  if (!st) st = vkg_slice(ctx, mom, *mean, s0, NULL);
  if (!st) st = vkg_slice(ctx, mom, *logvar, s1, NULL);
  /* DiagonalGaussianDistribution: logvar.clamp(-30, 20) */
  if (!st) st = vkg_binary(ctx, *logvar, vm->lo, *logvar, VKG_OP_MAX);
  if (!st) st = vkg_binary(ctx, *logvar, vm->hi, *logvar, VKG_OP_MIN);
  vkg_tensor_unref(mom);
  return st;
}

vkg_status vae_encode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *x, int scale, vkg_tensor **mean,
                      vkg_tensor **logvar) {
  *mean = *logvar = NULL;
  vkg_status st = vae_load_encoder(ctx, vm);
  if (st) return st;
  st = vm->kind == VAE_MLP ? mlp_encode(ctx, vm, x, mean, logvar) : kl_encode(ctx, vm, x, mean, logvar);
  if (!st && scale) {
    /* pipelines: latents = (latents - shift_factor) * scaling_factor */
    float a = (float)vm->scaling_factor, b = (float)(-vm->shift_factor * vm->scaling_factor);
    st = vkg_scale_shift(ctx, *mean, *mean, a, b);
  }
  if (st) {
    vkg_tensor_unref(*mean);
    vkg_tensor_unref(*logvar);
    *mean = *logvar = NULL;
  }
  return st;
}

vkg_status vae_decode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *z, int scale, vkg_tensor **img) {
  *img = NULL;
  vkg_status st = vae_load_decoder(ctx, vm);
  if (st) return st;
  vkg_tensor *zs = NULL, *h = NULL, *y = NULL;
  if (scale) {
    /* pipelines: latents / scaling_factor + shift_factor */
    st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(z), &zs);
    if (!st) st = vkg_scale_shift(ctx, z, zs, (float)(1.0 / vm->scaling_factor), (float)vm->shift_factor);
    if (st) {
      vkg_tensor_unref(zs);
      return st;
    }
    z = zs;
  }
  if (vm->kind == VAE_MLP) {
    st = linear_act(ctx, &vm->fc3, z, VKG_ACT_RELU, &h);
    if (!st) st = linear_act(ctx, &vm->fc4, h, VKG_ACT_SIGMOID, &y);
    if (!st) {
      vkg_shape s;
      s.ndim = 1 + vm->image_shape.ndim;
      s.d[0] = vkg_tensor_shape(z)->d[0];
      for (int i = 0; i < vm->image_shape.ndim; i++) s.d[1 + i] = vm->image_shape.d[i];
      st = vkg_nn_reshape(ctx, y, &s, img);
    }
  } else {
    if (vm->use_post_quant_conv) {
      st = vkg_nn_conv2d_forward(ctx, &vm->post_quant_conv, z, &h);
      if (!st) st = vkg_nn_decoder_forward(ctx, &vm->dec, h, img);
    } else {
      st = vkg_nn_decoder_forward(ctx, &vm->dec, z, img);
    }
  }
  vkg_tensor_unref(zs);
  vkg_tensor_unref(h);
  vkg_tensor_unref(y);
  return st;
}
