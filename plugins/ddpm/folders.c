/* Where a ddpm.sample `model` points: a UNet2DModel or DiT transformer folder, or a diffusers pipeline
 * folder (model_index.json with unet/ or transformer/, scheduler/, vae/). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <vkgen/json.h>

#include "ddpm_internal.h"

static int exists(const char *dir, const char *name) {
  char p[VKG_DDPM_PATH_MAX + 64];
  struct stat sb;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &sb) == 0;
}

static vkg_status set(vkg_ctx *ctx, char *dst, const char *dir, const char *sub) {
  int n = sub ? snprintf(dst, VKG_DDPM_PATH_MAX, "%s/%s", dir, sub) : snprintf(dst, VKG_DDPM_PATH_MAX, "%s", dir);
  if (n < 0 || n >= VKG_DDPM_PATH_MAX) return vkg_error(ctx, VKG_E_INPUT, "model path too long: %s", dir);
  return VKG_OK;
}

/* _class_name of dir/config.json ("" when absent: opening the model then reports the missing file). */
static vkg_status class_of(vkg_ctx *ctx, const char *dir, char *cls, size_t n) {
  char p[VKG_DDPM_PATH_MAX + 16];
  snprintf(p, sizeof p, "%s/config.json", dir);
  cls[0] = 0;
  if (!exists(dir, "config.json")) return VKG_OK;
  json_t *o = NULL;
  vkg_status st = vkg_json_load(ctx, p, &o);
  if (st) return st;
  const char *c = "";
  st = vkg_json_string(ctx, o, p, "_class_name", 0, &c);
  if (!st) snprintf(cls, n, "%s", c);
  json_decref(o);
  return st;
}

vkg_status vkg_ddpm_folders_resolve(vkg_ctx *ctx, const char *model, vkg_ddpm_folders *f) {
  memset(f, 0, sizeof *f);
  if (!model || !*model) return vkg_error(ctx, VKG_E_INPUT, "no model folder given");
  struct stat sb;
  if (stat(model, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return vkg_error(ctx, VKG_E_INPUT, "model folder %s does not exist (or is not a folder)", model);
  vkg_status st = set(ctx, f->root, model, NULL);
  if (st) return st;
  if (exists(model, "model_index.json") && !exists(model, "config.json")) {
    if (exists(model, "transformer/config.json"))
      st = set(ctx, f->denoiser, model, "transformer");
    else if (exists(model, "unet/config.json"))
      st = set(ctx, f->denoiser, model, "unet");
    else
      return vkg_error(ctx, VKG_E_INPUT, "%s: a pipeline folder (model_index.json) without transformer/ or unet/",
                       model);
  } else {
    st = set(ctx, f->denoiser, model, NULL);
    /* a transformer/ or unet/ subfolder: the pipeline around it holds the scheduler and the VAE */
    char parent[VKG_DDPM_PATH_MAX + 8];
    snprintf(parent, sizeof parent, "%s/..", model);
    if (!st && exists(parent, "model_index.json")) st = set(ctx, f->root, parent, NULL);
  }
  char cls[128];
  if (!st) st = class_of(ctx, f->denoiser, cls, sizeof cls);
  if (st) return st;
  f->is_dit = strcmp(cls, "DiTTransformer2DModel") == 0 || strcmp(cls, "Transformer2DModel") == 0;
  if (exists(f->root, "model_index.json") && exists(f->root, "vae/config.json")) st = set(ctx, f->vae, f->root, "vae");
  return st;
}

vkg_status vkg_ddpm_folders_check_vae(vkg_ctx *ctx, const vkg_ddpm_folders *f, int64_t in_channels) {
  if (!f->vae[0]) return VKG_OK;
  char p[VKG_DDPM_PATH_MAX + 16];
  snprintf(p, sizeof p, "%s/config.json", f->vae);
  json_t *o = NULL;
  vkg_status st = vkg_json_load(ctx, p, &o);
  if (st) return st;
  int64_t lc = 4; /* AutoencoderKL's default */
  st = vkg_json_int(ctx, o, p, "latent_channels", 0, &lc);
  json_decref(o);
  if (st) return st;
  if (lc != in_channels)
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s/config.json: in_channels %lld differs from the VAE's latent_channels %lld (%s): the "
                     "transformer cannot denoise these latents",
                     f->denoiser, (long long)in_channels, (long long)lc, p);
  return VKG_OK;
}
