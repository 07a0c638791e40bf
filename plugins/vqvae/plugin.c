/* The vqvae plugin: diffusers VQModel (VQ-VAE / VQGAN autoencoders). */
#include <vkgen/version.h>

#include "nodes.h"

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type vq_types[] = {
    {"encode", "Encodes images to latents, their nearest codebook vectors and the code indices.", 0, 1,
     vq_encode_inputs, 3, vq_encode_outputs, NELEM(vq_encode_params), vq_encode_params, vq_encode_create,
     vq_encode_infer, vq_encode_start, vq_encode_run, NULL, vq_encode_destroy, NULL, NULL},
    {"decode", "Decodes latents to images as diffusers VQModel.decode (quantizing them first by default).", 0, 1,
     vq_decode_inputs, 1, vq_decode_outputs, NELEM(vq_decode_params), vq_decode_params, vq_decode_create,
     vq_decode_infer, vq_decode_start, vq_decode_run, NULL, vq_decode_destroy, NULL, NULL},
    {"decode_indices", "Decodes codebook indices to images; an index outside the codebook is an error.", 0, 1,
     vq_decode_indices_inputs, 1, vq_decode_indices_outputs, NELEM(vq_decode_indices_params),
     vq_decode_indices_params, vq_decode_indices_create, vq_decode_indices_infer, vq_decode_indices_start,
     vq_decode_indices_run, NULL, vq_decode_indices_destroy, NULL, NULL},
};

static const vkg_plugin_desc vq_plugin = {
    VKG_ABI_VERSION, "vqvae", VKG_VERSION_STRING, "Vector-quantized autoencoders: diffusers VQModel folders.",
    NELEM(vq_types), vq_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &vq_plugin; }
