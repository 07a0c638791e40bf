/* vae plugin: the two model classes behind vae.encode / vae.decode / vae.sample.
 *
 * AutoencoderKL (diffusers): encoder -> quant_conv -> moments [B, 2L, h, w] split into mean and
 * logvar (clamped to [-30, 20] as DiagonalGaussianDistribution does); decode: post_quant_conv
 * -> decoder. scaling_factor (and shift_factor) are applied only when the node's
 * scale_latents param asks for it (diffusers' encode/decode never apply them; pipelines do).
 * MLPVAE (pytorch/examples vae/main.py): fc1 -> relu -> fc21 / fc22; fc3 -> relu -> fc4 ->
 * sigmoid, sizes from the weight shapes.
 * Weights are loaded per half: an encode node uploads only the encoder, a decode node only
 * the decoder. */
#ifndef VKG_VAE_INTERNAL_H
#define VKG_VAE_INTERNAL_H

#include <vkgen/model.h>
#include <vkgen/nn.h>
#include <vkgen/nn_autoencoder.h>
#include <vkgen/plugin.h>

typedef enum vae_kind { VAE_KL = 0, VAE_MLP } vae_kind;

typedef struct vae_model {
  vae_kind kind;
  vkg_model *m;
  /* AutoencoderKL */
  vkg_nn_ae_cfg cfg;
  int use_quant_conv, use_post_quant_conv;
  double scaling_factor, shift_factor;
  int has_scaling;
  int64_t sample_size;
  vkg_nn_encoder enc;
  vkg_nn_conv2d quant_conv;
  vkg_nn_decoder dec;
  vkg_nn_conv2d post_quant_conv;
  vkg_tensor *lo, *hi; /* [1] tensors -30 and 20 for the logvar clamp */
  /* MLPVAE */
  int64_t input_dim, hidden_dim, latent_dim;
  vkg_shape image_shape; /* [C, H, W] (or the config's image_shape) */
  vkg_nn_linear fc1, fc21, fc22, fc3, fc4;
  int enc_loaded, dec_loaded;
} vae_model;

/* Opens the folder (config and weight headers, no GPU work); class AutoencoderKL or MLPVAE. */
vkg_status vae_model_open(vkg_ctx *ctx, const char *folder, vae_model **out);
void vae_model_close(vae_model *vm);

/* Latent channels (KL) or latent_dim (MLP). */
int64_t vae_latent_channels(const vae_model *vm);

/* Shape inference; errors name the input port (0). */
vkg_status vae_infer_encode(vkg_node *node, const vae_model *vm, const vkg_tensor_info *x, vkg_tensor_info *mean,
                            vkg_tensor_info *logvar);
vkg_status vae_infer_decode(vkg_node *node, const vae_model *vm, const vkg_tensor_info *z, vkg_tensor_info *img);
/* Latent shape of `batch` samples for an image of h x w (KL) or [batch, latent_dim] (MLP). */
vkg_status vae_latent_shape(vkg_node *node, const vae_model *vm, int64_t batch, int64_t h, int64_t w, vkg_shape *out);

vkg_status vae_load_encoder(vkg_ctx *ctx, vae_model *vm);
vkg_status vae_load_decoder(vkg_ctx *ctx, vae_model *vm);

/* scale: multiply the mean by scaling_factor (after subtracting shift_factor). */
vkg_status vae_encode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *x, int scale, vkg_tensor **mean,
                      vkg_tensor **logvar);
/* scale: divide z by scaling_factor (then add shift_factor) first. */
vkg_status vae_decode(vkg_ctx *ctx, vae_model *vm, const vkg_tensor *z, int scale, vkg_tensor **img);

/* Reads the scale_latents param and checks the model can honour it. */
vkg_status vae_get_scale(vkg_node *node, const vae_model *vm, int *scale);

#endif
