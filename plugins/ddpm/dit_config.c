/* DiT transformer config.json (diffusers DiTTransformer2DModel, or Transformer2DModel with patch_size and
 * norm_type ada_norm_zero as facebook/DiT-XL-2-256 saves it) -> vkg_ddpm_dit_cfg, with the class defaults. */
#include <math.h>
#include <string.h>

#include "ddpm_internal.h"

static vkg_status refuse(vkg_ctx *ctx, const vkg_model *m, const char *key, const char *why) {
  return vkg_error(ctx, VKG_E_INPUT, "%s: %s: %s", vkg_model_config_path(m), key, why);
}

vkg_status vkg_ddpm_dit_cfg_parse(vkg_ctx *ctx, const vkg_model *m, vkg_ddpm_dit_cfg *c) {
  memset(c, 0, sizeof *c);
  int64_t heads = 16, head_dim = 72, in = 4, out = -1, layers = 28, sample = 32, patch = 2, classes = 1000;
  double eps = 1e-5;
  int affine = 0, bias = 1, upcast = 0;
  const char *norm = "ada_norm_zero", *act = "gelu-approximate";
  int transformer_2d = strcmp(vkg_model_class(m), "Transformer2DModel") == 0;
  if (transformer_2d) patch = -1; /* Transformer2DModel: patch_size null means another model */
  vkg_status st = vkg_model_cfg_int(ctx, m, "num_attention_heads", 0, &heads);
  if (!st) st = vkg_model_cfg_int(ctx, m, "attention_head_dim", 0, &head_dim);
  if (!st) st = vkg_model_cfg_int(ctx, m, "in_channels", 0, &in);
  if (!st) st = vkg_model_cfg_int(ctx, m, "out_channels", 0, &out);
  if (!st) st = vkg_model_cfg_int(ctx, m, "num_layers", 0, &layers);
  if (!st) st = vkg_model_cfg_int(ctx, m, "sample_size", 0, &sample);
  if (!st) st = vkg_model_cfg_int(ctx, m, "patch_size", 0, &patch);
  if (!st) st = vkg_model_cfg_int(ctx, m, "num_embeds_ada_norm", 0, &classes);
  if (!st) st = vkg_model_cfg_float(ctx, m, "norm_eps", 0, &eps);
  if (!st) st = vkg_model_cfg_bool(ctx, m, "norm_elementwise_affine", 0, &affine);
  if (!st) st = vkg_model_cfg_bool(ctx, m, "attention_bias", 0, &bias);
  if (!st) st = vkg_model_cfg_bool(ctx, m, "upcast_attention", 0, &upcast);
  if (!st) st = vkg_model_cfg_string(ctx, m, "norm_type", 0, &norm);
  if (!st) st = vkg_model_cfg_string(ctx, m, "activation_fn", 0, &act);
  if (st) return st;
  if (strcmp(norm, "ada_norm_zero") != 0) return refuse(ctx, m, "norm_type", "only 'ada_norm_zero' (DiT) is supported");
  if (patch < 1 || patch > 64) return refuse(ctx, m, "patch_size", "must be 1 to 64 (a DiT transformer is patched)");
  if (heads < 1 || head_dim < 1 || heads * head_dim > 65536)
    return refuse(ctx, m, "num_attention_heads", "heads and attention_head_dim must be >= 1, width <= 65536");
  if (in < 1 || in > 4096) return refuse(ctx, m, "in_channels", "must be 1 to 4096");
  if (out < 0) out = in;
  if (out != in && out != 2 * in)
    return refuse(ctx, m, "out_channels", "must equal in_channels or twice it (learned sigma)");
  if (layers < 1 || layers > 1024) return refuse(ctx, m, "num_layers", "must be 1 to 1024");
  if (sample < patch) return refuse(ctx, m, "sample_size", "must be at least patch_size");
  if (classes < 1) return refuse(ctx, m, "num_embeds_ada_norm", "must be >= 1 (the number of classes)");
  if (!(eps > 0 && eps < 1)) return refuse(ctx, m, "norm_eps", "must be in (0, 1)");
  if (affine) return refuse(ctx, m, "norm_elementwise_affine", "true is not supported (DiT has none)");
  if (upcast) vkg_warn(ctx, "%s: upcast_attention has no effect in f32", vkg_model_config_path(m));
  if (strcmp(act, "gelu-approximate") == 0)
    c->act = VKG_ACT_GELU_TANH;
  else if (strcmp(act, "gelu") == 0)
    c->act = VKG_ACT_GELU;
  else
    return refuse(ctx, m, "activation_fn", "only 'gelu-approximate' and 'gelu' are supported");
  if ((heads * head_dim) % 4) return refuse(ctx, m, "attention_head_dim", "the width heads * head_dim must divide by 4");
  c->heads = (int)heads;
  c->dim = heads * head_dim;
  c->in_channels = in;
  c->out_channels = out;
  c->layers = (int)layers;
  c->sample_size = sample;
  c->patch = (int)patch;
  c->num_classes = classes;
  c->norm_eps = eps;
  c->attention_bias = bias;
  return VKG_OK;
}
