/* vkgen — the diffusers autoencoder Encoder and Decoder (autoencoders/vae.py), shared by
 * AutoencoderKL (vae plugin) and VQModel (vqvae plugin).
 *
 * Encoder: conv_in, DownEncoderBlock2D x n (resnets without temb; Downsample2D with
 * padding 0, i.e. pad (0, 1, 0, 1) then a stride-2 conv, on every block but the last),
 * mid block (resnet, attention, resnet), GroupNorm + SiLU, conv_out.
 * Decoder: conv_in, mid block, UpDecoderBlock2D x n (layers_per_block + 1 resnets, nearest x2 +
 * conv on every block but the last), GroupNorm + SiLU, conv_out.
 * Resnets and attention use eps 1e-6 and norm_num_groups groups; the attention has one head
 * (diffusers passes attention_head_dim = block_out_channels[-1]). Weights load under a key
 * prefix ("encoder", "decoder") with every shape checked.
 */
#ifndef VKGEN_NN_AUTOENCODER_H
#define VKGEN_NN_AUTOENCODER_H

#include "nn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VKG_NN_AE_MAX_BLOCKS 8

/* The config.json keys shared by AutoencoderKL and VQModel. */
typedef struct vkg_nn_ae_cfg {
  int64_t in_channels, out_channels; /* image channels */
  int64_t latent_channels;
  int nblocks;
  int64_t block_out[VKG_NN_AE_MAX_BLOCKS];
  int layers_per_block;
  int groups;
  vkg_act act;
  int mid_attention; /* mid_block_add_attention */
  float eps;         /* 1e-6 in diffusers' Encoder/Decoder */
} vkg_nn_ae_cfg;

/* Reads in_channels, out_channels, latent_channels, block_out_channels, down_block_types
 * (all DownEncoderBlock2D), up_block_types (all UpDecoderBlock2D), layers_per_block,
 * norm_num_groups, act_fn, mid_block_add_attention and norm_type (only "group") with
 * diffusers' defaults for absent keys. Errors name the config file and key. */
VKG_EXPORT vkg_status vkg_nn_ae_cfg_read(vkg_ctx *ctx, const vkg_model *m, vkg_nn_ae_cfg *cfg);
/* Spatial downsampling factor of the encoder: 2^(nblocks - 1). */
VKG_EXPORT int64_t vkg_nn_ae_downscale(const vkg_nn_ae_cfg *cfg);

typedef struct vkg_nn_ae_mid {
  vkg_nn_resnet r0, r1;
  vkg_nn_attention attn; /* q.w NULL without attention */
  int has_attn;
} vkg_nn_ae_mid;

typedef struct vkg_nn_encoder {
  vkg_nn_ae_cfg cfg;
  vkg_nn_conv2d conv_in;
  vkg_nn_resnet *resnets;                  /* nblocks * layers_per_block */
  vkg_nn_conv2d down[VKG_NN_AE_MAX_BLOCKS]; /* w NULL on the last block */
  vkg_nn_ae_mid mid;
  vkg_nn_group_norm norm_out;
  vkg_nn_conv2d conv_out;
} vkg_nn_encoder;

/* out_channels: conv_out width (2 * latent_channels for AutoencoderKL's double_z,
 * latent_channels for VQModel). */
VKG_EXPORT vkg_status vkg_nn_encoder_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_ae_cfg *cfg,
                                          int64_t out_channels, vkg_nn_encoder *enc);
/* x: [B, in_channels, H, W] with H, W divisible by the downscale factor (else VKG_E_INPUT
 * naming the shape and the factor) -> [B, out_channels, H / f, W / f]. */
VKG_EXPORT vkg_status vkg_nn_encoder_forward(vkg_ctx *ctx, const vkg_nn_encoder *enc, const vkg_tensor *x,
                                             vkg_tensor **out);
VKG_EXPORT void vkg_nn_encoder_free(vkg_nn_encoder *enc);

typedef struct vkg_nn_decoder {
  vkg_nn_ae_cfg cfg;
  vkg_nn_conv2d conv_in;
  vkg_nn_ae_mid mid;
  vkg_nn_resnet *resnets;                /* nblocks * (layers_per_block + 1) */
  vkg_nn_conv2d up[VKG_NN_AE_MAX_BLOCKS]; /* w NULL on the last block */
  vkg_nn_group_norm norm_out;
  vkg_nn_conv2d conv_out;
} vkg_nn_decoder;

/* in_channels: conv_in input width (latent_channels). */
VKG_EXPORT vkg_status vkg_nn_decoder_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const vkg_nn_ae_cfg *cfg,
                                          int64_t in_channels, vkg_nn_decoder *dec);
/* z: [B, in_channels, h, w] -> [B, out_channels, h * f, w * f]. */
VKG_EXPORT vkg_status vkg_nn_decoder_forward(vkg_ctx *ctx, const vkg_nn_decoder *dec, const vkg_tensor *z,
                                             vkg_tensor **out);
VKG_EXPORT void vkg_nn_decoder_free(vkg_nn_decoder *dec);

#ifdef __cplusplus
}
#endif
#endif
