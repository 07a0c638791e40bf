/* The vqvae plugin: diffusers VQModel (VQ-VAE / VQGAN autoencoders). */
#include <vkgen/version.h>

#include "nodes.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type vq_types[] = {
    {.name = "encode", .doc = "Encodes images to latents, their nearest codebook vectors and the code indices.",
     .ninputs = 1, .inputs = vq_encode_inputs, .noutputs = 3, .outputs = vq_encode_outputs,
     .nparams = NELEM(vq_encode_params), .params = vq_encode_params, .create = vq_encode_create,
     .infer = vq_encode_infer, .start = vq_encode_start, .run = vq_encode_run, .destroy = vq_encode_destroy},
    {.name = "decode",
     .doc = "Decodes latents to images as diffusers VQModel.decode (quantizing them first by default).", .ninputs = 1,
     .inputs = vq_decode_inputs, .noutputs = 1, .outputs = vq_decode_outputs, .nparams = NELEM(vq_decode_params),
     .params = vq_decode_params, .create = vq_decode_create, .infer = vq_decode_infer, .start = vq_decode_start,
     .run = vq_decode_run, .destroy = vq_decode_destroy},
    {.name = "decode_indices",
     .doc = "Decodes codebook indices to images; an index outside the codebook is an error.", .ninputs = 1,
     .inputs = vq_decode_indices_inputs, .noutputs = 1, .outputs = vq_decode_indices_outputs,
     .nparams = NELEM(vq_decode_indices_params), .params = vq_decode_indices_params,
     .create = vq_decode_indices_create, .infer = vq_decode_indices_infer, .start = vq_decode_indices_start,
     .run = vq_decode_indices_run, .destroy = vq_decode_indices_destroy},
};

static const vkg_plugin_desc vq_plugin = {
    VKG_PLUGIN_ABI,
    .name = "vqvae", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Vector-quantized autoencoders: diffusers VQModel folders.", .ntypes = NELEM(vq_types), .types = vq_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &vq_plugin; }
