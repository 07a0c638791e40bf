/* vqvae plugin: diffusers VQModel behind vqvae.encode / vqvae.decode / vqvae.decode_indices.
 *
 * encode: encoder (double_z false) -> quant_conv = latents (diffusers VQModel.encode); the
 * quantizer picks the nearest code by exact L2 distance (ties to the lowest index, as
 * torch.argmin). decode: quantize (unless force_not_quantize) -> post_quant_conv -> decoder,
 * as diffusers VQModel.decode. decode_indices: codebook lookup -> post_quant_conv -> decoder.
 * An index outside [0, num_vq_embeddings) is clamped in the lookup shader (never read out of
 * bounds) and reported as VKG_E_INPUT after one small readback per batch. */
#ifndef VKG_VQ_INTERNAL_H
#define VKG_VQ_INTERNAL_H

#include <vkgen/model.h>
#include <vkgen/nn.h>
#include <vkgen/nn_autoencoder.h>
#include <vkgen/plugin.h>

typedef struct vq_model {
  vkg_model *m;
  vkg_nn_ae_cfg cfg;
  int64_t embed_dim, num_codes;
  vkg_nn_encoder enc;
  vkg_nn_conv2d quant_conv;
  vkg_tensor *codebook; /* [num_codes, embed_dim] */
  vkg_nn_conv2d post_quant_conv;
  vkg_nn_decoder dec;
  int enc_loaded, dec_loaded;
} vq_model;

vkg_status vq_model_open(vkg_ctx *ctx, const char *folder, vq_model **out);
void vq_model_close(vq_model *vm);

vkg_status vq_load_encoder(vkg_ctx *ctx, vq_model *vm); /* encoder, quant_conv, codebook */
vkg_status vq_load_decoder(vkg_ctx *ctx, vq_model *vm); /* codebook, post_quant_conv, decoder */

/* latent [B, D, h, w] -> quantized [B, D, h, w], indices i64 [B, h, w]. */
vkg_status vq_quantize(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *latent, vkg_tensor **quant, vkg_tensor **idx);
/* indices i32/i64 [B, h, w] -> codes [B, D, h, w]; out-of-range indices are an error. */
vkg_status vq_lookup(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *idx, vkg_tensor **quant);

vkg_status vq_encode(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *x, vkg_tensor **latent, vkg_tensor **quant,
                     vkg_tensor **idx);
/* post_quant_conv -> decoder on already quantized codes. */
vkg_status vq_decode_quantized(vkg_ctx *ctx, vq_model *vm, const vkg_tensor *q, vkg_tensor **img);


#endif
