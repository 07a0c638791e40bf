/* The vae plugin: diffusers AutoencoderKL and pytorch/examples' MLP VAE. */
#include <vkgen/version.h>

#include "nodes.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type vae_types[] = {
    {"encode",
     "Encodes images to the posterior mean and log-variance (diffusers AutoencoderKL.encode().latent_dist, "
     "MLPVAE.encode).",
     0, 1, vae_encode_inputs, 2, vae_encode_outputs, VAE_ENCODE_NPARAMS, vae_encode_params, vae_encode_create,
     vae_encode_infer, vae_encode_start, vae_encode_run, NULL, vae_encode_destroy, NULL, NULL},
    {"decode", "Decodes latents to images (diffusers AutoencoderKL.decode, MLPVAE.decode).", 0, 1, vae_decode_inputs,
     1, vae_decode_outputs, VAE_DECODE_NPARAMS, vae_decode_params, vae_decode_create, vae_decode_infer,
     vae_decode_start, vae_decode_run, NULL, vae_decode_destroy, NULL, NULL},
    {"sample",
     "Decodes latents drawn from N(0, I) with a counter-based generator keyed by (seed, global sample index).",
     VKG_NODE_SOURCE, 0, NULL, 2, vae_sample_outputs, VAE_SAMPLE_NPARAMS, vae_sample_params, vae_sample_create,
     vae_sample_infer, vae_sample_start, vae_sample_run, NULL, vae_sample_destroy, NULL, NULL},
};

static const vkg_plugin_desc vae_plugin = {
    VKG_ABI_VERSION, "vae", VKG_VERSION_STRING,
    "Variational autoencoders: diffusers AutoencoderKL folders and the pytorch/examples MLP VAE (MLPVAE).",
    NELEM(vae_types), vae_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &vae_plugin; }
