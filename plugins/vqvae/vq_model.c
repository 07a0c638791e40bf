/* vqvae plugin: VQModel assembly from the shared nn layers and the codebook lookup shader. */
#include <stdlib.h>
#include <string.h>

#include <vkgen/gpu.h>
#include <vkgen/kernels.h>

#include "spv/vq_lookup.h"
#include "vq_internal.h"

static vkg_status open_cfg(vkg_ctx *ctx, vq_model *vm) {
  const vkg_model *m = vm->m;
  vkg_status st = vkg_nn_ae_cfg_read(ctx, m, &vm->cfg);
  if (st) return st;
  /* diffusers VQModel defaults: latent_channels 3, num_vq_embeddings 256, vq_embed_dim = latent_channels */
  if (!json_object_get(vkg_model_config(m), "latent_channels")) vm->cfg.latent_channels = 3;
  vm->num_codes = 256;
  vm->embed_dim = vm->cfg.latent_channels;
  if ((st = vkg_model_cfg_int(ctx, m, "num_vq_embeddings", 0, &vm->num_codes))) return st;
  if ((st = vkg_model_cfg_int(ctx, m, "vq_embed_dim", 0, &vm->embed_dim))) return st;
  const vkg_st_entry *e = vkg_model_find(m, "quantize.embedding.weight");
  if (!e) return vkg_error(ctx, VKG_E_INPUT, "%s: no tensor 'quantize.embedding.weight'", vkg_model_weights_path(m));
  if (e->shape.ndim != 2 || e->shape.d[0] != vm->num_codes || e->shape.d[1] != vm->embed_dim) {
    char b[96];
    return vkg_error(ctx, VKG_E_INPUT,
                     "%s: tensor 'quantize.embedding.weight' has shape %s; config says [%lld, %lld] "
                     "(num_vq_embeddings, vq_embed_dim)",
                     vkg_model_weights_path(m), vkg_shape_format(&e->shape, b, sizeof b), (long long)vm->num_codes,
                     (long long)vm->embed_dim);
  }
  if (vm->num_codes < 1 || vm->num_codes > INT32_MAX)
    return vkg_error(ctx, VKG_E_INPUT, "%s: num_vq_embeddings %lld out of range", vkg_model_config_path(m),
                     (long long)vm->num_codes);
  return VKG_OK;
}

vkg_status vq_model_open(vkg_ctx *ctx, const char *folder, vq_model **out) {
  vq_model *vm = calloc(1, sizeof *vm);
  if (!vm) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = vkg_model_open(ctx, folder, NULL, "VQModel", &vm->m);
  if (!st) st = open_cfg(ctx, vm);
  if (st) {
    vq_model_close(vm);
    return st;
  }
  *out = vm;
  return VKG_OK;
}

void vq_model_close(vq_model *vm) {
  if (!vm) return;
  vkg_nn_encoder_free(&vm->enc);
  vkg_nn_conv2d_free(&vm->quant_conv);
  vkg_tensor_unref(vm->codebook);
  vkg_nn_conv2d_free(&vm->post_quant_conv);
  vkg_nn_decoder_free(&vm->dec);
  vkg_model_close(vm->m);
  free(vm);
}

static vkg_status load_codebook(vkg_ctx *ctx, vq_model *vm) {
  if (vm->codebook) return VKG_OK;
  int64_t d[2] = {vm->num_codes, vm->embed_dim};
  return vkg_model_load(ctx, vm->m, 2, d, &vm->codebook, "quantize.embedding.weight");
}

vkg_status vq_load_encoder(vkg_ctx *ctx, vq_model *vm) {
  if (vm->enc_loaded) return VKG_OK;
  int64_t lc = vm->cfg.latent_channels;
  vkg_status st = vkg_nn_encoder_load(ctx, vm->m, "encoder", &vm->cfg, lc, &vm->enc);
  if (!st) st = vkg_nn_conv2d_load(ctx, vm->m, "quant_conv", lc, vm->embed_dim, 1, 1, 0, 1, &vm->quant_conv);
  if (!st) st = load_codebook(ctx, vm);
  if (!st) vm->enc_loaded = 1;
  return st;
}

vkg_status vq_load_decoder(vkg_ctx *ctx, vq_model *vm) {
  if (vm->dec_loaded) return VKG_OK;
  int64_t lc = vm->cfg.latent_channels;
  vkg_status st = load_codebook(ctx, vm);
  if (!st) st = vkg_nn_conv2d_load(ctx, vm->m, "post_quant_conv", vm->embed_dim, lc, 1, 1, 0, 1, &vm->post_quant_conv);
  if (!st) st = vkg_nn_decoder_load(ctx, vm->m, "decoder", &vm->cfg, lc, &vm->dec);
  if (!st) vm->dec_loaded = 1;
  return st;
}

/* ---- codebook lookup ---------------------------------------------------------------------- */

static const vkg_kernel_desc lookup_desc = {
    "vqvae.vq_lookup", vkg_spv_vq_lookup, sizeof vkg_spv_vq_lookup, NULL, 4,
    {VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE}, 20,
};

/* Reports the first out-of-range index (downloading the indices: an error path only). */
static vkg_status report_range(vkg_ctx *ctx, const vq_model *vm, const vkg_tensor *idx, uint32_t count,
                               uint32_t pos) {
  const vkg_shape *s = vkg_tensor_shape(idx);
  int64_t hw = s->d[1] * s->d[2];
  int64_t b = pos / hw, y = (pos % hw) / s->d[2], x = pos % s->d[2];
  long long value = 0;
  size_t bytes = vkg_tensor_bytes(idx);
  void *host = malloc(bytes);
  if (host && vkg_tensor_download(ctx, idx, host, bytes) == VKG_OK)
    value = vkg_tensor_dtype(idx) == VKG_I64 ? (long long)((const int64_t *)host)[pos]
                                             : (long long)((const int32_t *)host)[pos];
  free(host);
  return vkg_error(ctx, VKG_E_INPUT,
                   "indices out of range for a codebook of %lld entries: %u value(s) outside [0, %lld], first "
                   "indices[%lld, %lld, %lld] = %lld",
                   (long long)vm->num_codes, count, (long long)vm->num_codes - 1, (long long)b, (long long)y,
                   (long long)x, value);
}

static vkg_status lookup(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *idx, int check, vkg_tensor **quant) {
  const vkg_shape *s = vkg_tensor_shape(idx);
  vkg_dtype dt = vkg_tensor_dtype(idx);
  char b[96];
  if ((dt != VKG_I32 && dt != VKG_I64) || s->ndim != 3)
    return vkg_error(ctx, VKG_E_INPUT, "indices: expected i32 or i64 [B, h, w], got %s %s", vkg_dtype_name(dt),
                     vkg_shape_format(s, b, sizeof b));
  int64_t n = vkg_shape_numel(s);
  if (n > UINT32_MAX / 2) return vkg_error(ctx, VKG_E_INPUT, "indices: too many (%lld)", (long long)n);
  vkg_pipeline *p = NULL;
  vkg_tensor *q = NULL, *flag = NULL;
  const uint32_t flag0[2] = {0u, UINT32_MAX};
  vkg_shape fs = vkg_shape_make(1, (int64_t[]){2});
  vkg_shape qs = vkg_shape_4d(s->d[0], vm->embed_dim, s->d[1], s->d[2]);
  vkg_status st = vkg_pipeline_get(ctx, &lookup_desc, NULL, 0, &p);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &qs, &q);
  if (!st) st = vkg_tensor_create_from(ctx, VKG_I32, &fs, flag0, &flag);
  if (!st && n > 0) {
    struct {
      uint32_t n, hw, d, k, wide;
    } pc = {(uint32_t)n, (uint32_t)(s->d[1] * s->d[2]), (uint32_t)vm->embed_dim, (uint32_t)vm->num_codes,
            dt == VKG_I64};
    uint64_t groups = ((uint64_t)n + 63) / 64;
    uint32_t gx = groups < 65535 ? (uint32_t)groups : 65535u;
    uint32_t gy = (uint32_t)((groups + gx - 1) / gx);
    const vkg_binding bind[4] = {{idx, 0, 0}, {vm->codebook, 0, 0}, {q, 0, 0}, {flag, 0, 0}};
    st = vkg_dispatch(ctx, p, bind, 4, &pc, sizeof pc, gx, gy, 1);
  }
  if (!st && check && n > 0) {
    uint32_t f[2];
    st = vkg_tensor_download(ctx, flag, f, sizeof f);
    if (!st && f[0] != 0) st = report_range(ctx, vm, idx, f[0], f[1]);
  }
  vkg_tensor_unref(flag);
  if (st) {
    vkg_tensor_unref(q);
    return st;
  }
  *quant = q;
  return VKG_OK;
}

vkg_status vq_lookup(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *idx, vkg_tensor **quant) {
  return lookup(ctx, vm, idx, 1, quant);
}

vkg_status vq_quantize(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *latent, vkg_tensor **quant, vkg_tensor **idx) {
  const vkg_shape *s = vkg_tensor_shape(latent);
  *quant = *idx = NULL;
  if (s->ndim != 4 || s->d[1] != vm->embed_dim) {
    char b[96];
    return vkg_error(ctx, VKG_E_INPUT, "quantize: expected latents [B, %lld, h, w], got %s", (long long)vm->embed_dim,
                     vkg_shape_format(s, b, sizeof b));
  }
  int64_t n = s->d[0] * s->d[2] * s->d[3];
  /* z.permute(0, 2, 3, 1).reshape(-1, D) as diffusers' VectorQuantizer */
  vkg_tensor *nhwc = NULL, *rows = NULL, *flat = NULL;
  vkg_shape hs = vkg_shape_4d(s->d[0], s->d[2], s->d[3], s->d[1]);
  vkg_shape rs = vkg_shape_make(2, (int64_t[]){n, s->d[1]});
  vkg_shape is = vkg_shape_make(1, (int64_t[]){n});
  vkg_shape bs = vkg_shape_make(3, (int64_t[]){s->d[0], s->d[2], s->d[3]});
  const int perm[4] = {0, 2, 3, 1};
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &hs, &nhwc);
  if (!st) st = vkg_permute(ctx, latent, nhwc, perm);
  if (!st) st = vkg_nn_reshape(ctx, nhwc, &rs, &rows);
  if (!st) st = vkg_tensor_create(ctx, VKG_I64, &is, &flat);
  if (!st) st = vkg_argmin_codebook(ctx, rows, vm->codebook, flat);
  if (!st) st = vkg_nn_reshape(ctx, flat, &bs, idx);
  /* indices from the argmin are in range by construction: no readback */
  if (!st) st = lookup(ctx, vm, *idx, 0, quant);
  vkg_tensor_unref(nhwc);
  vkg_tensor_unref(rows);
  vkg_tensor_unref(flat);
  if (st) {
    vkg_tensor_unref(*idx);
    *idx = NULL;
  }
  return st;
}

vkg_status vq_encode(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *x, vkg_tensor **latent, vkg_tensor **quant,
                     vkg_tensor **idx) {
  *latent = NULL;
  vkg_status st = vq_load_encoder(ctx, vm);
  vkg_tensor *h = NULL;
  if (!st) st = vkg_nn_encoder_forward(ctx, &vm->enc, x, &h);
  if (!st) st = vkg_nn_conv2d_forward(ctx, &vm->quant_conv, h, latent);
  vkg_tensor_unref(h);
  if (!st) st = vq_quantize(ctx, vm, *latent, quant, idx);
  if (st) {
    vkg_tensor_unref(*latent);
    *latent = NULL;
  }
  return st;
}

vkg_status vq_decode_quantized(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *q, vkg_tensor **img) {
  vkg_status st = vq_load_decoder(ctx, vm);
  vkg_tensor *h = NULL;
  if (!st) st = vkg_nn_conv2d_forward(ctx, &vm->post_quant_conv, q, &h);
  if (!st) st = vkg_nn_decoder_forward(ctx, &vm->dec, h, img);
  vkg_tensor_unref(h);
  return st;
}
