/* The vae plugin: diffusers AutoencoderKL and pytorch/examples' MLP VAE. */
#include <vkgen/version.h>

#include "nodes.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type vae_types[] = {
    {.name = "encode",
     .doc = "Encodes images to the posterior mean and log-variance (diffusers AutoencoderKL.encode().latent_dist, "
         "MLPVAE.encode).",
     .ninputs = 1, .inputs = vae_encode_inputs, .noutputs = 2, .outputs = vae_encode_outputs,
     .nparams = VAE_ENCODE_NPARAMS, .params = vae_encode_params, .create = vae_encode_create,
     .infer = vae_encode_infer, .start = vae_encode_start, .run = vae_encode_run, .destroy = vae_encode_destroy},
    {.name = "decode", .doc = "Decodes latents to images (diffusers AutoencoderKL.decode, MLPVAE.decode).",
     .ninputs = 1, .inputs = vae_decode_inputs, .noutputs = 1, .outputs = vae_decode_outputs,
     .nparams = VAE_DECODE_NPARAMS, .params = vae_decode_params, .create = vae_decode_create,
     .infer = vae_decode_infer, .start = vae_decode_start, .run = vae_decode_run, .destroy = vae_decode_destroy},
    {.name = "sample",
     .doc = "Decodes latents drawn from N(0, I) with a counter-based generator keyed by (seed, global sample index).",
     .flags = VKG_NODE_SOURCE, .noutputs = 2, .outputs = vae_sample_outputs, .nparams = VAE_SAMPLE_NPARAMS,
     .params = vae_sample_params, .create = vae_sample_create, .infer = vae_sample_infer, .start = vae_sample_start,
     .run = vae_sample_run, .destroy = vae_sample_destroy},
};

static const vkg_plugin_desc vae_plugin = {
    VKG_PLUGIN_ABI,
    .name = "vae", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Variational autoencoders: diffusers AutoencoderKL folders and the pytorch/examples MLP VAE (MLPVAE).",
    .ntypes = NELEM(vae_types), .types = vae_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &vae_plugin; }
