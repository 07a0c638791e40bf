/* The gan plugin: generators that map noise to images. */
#include "stylegan2.h"

#include <vkgen/vkgen.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type gan_types[] = {
    {.name = "generate",
     .doc = "Generator forward pass: noise [B, nz, 1, 1] to images [B, nc, H, W] in [-1, 1]. The architecture comes from "
         "the model's config `_class_name` (DCGANGenerator, StyleGAN2Generator); sizes come from the weights.",
     .ninputs = VKG_GAN_GENERATE_NINPUTS, .inputs = vkg_gan_generate_inputs, .noutputs = 1,
     .outputs = vkg_gan_generate_outputs, .nparams = VKG_GAN_GENERATE_NPARAMS, .params = vkg_gan_generate_params,
     .create = vkg_gan_generate_create, .infer = vkg_gan_generate_infer, .start = vkg_gan_generate_start,
     .run = vkg_gan_generate_run, .destroy = vkg_gan_generate_destroy},
    {.name = "mapping",
     .doc = "StyleGAN2 mapping network: z (and class) to the intermediate latents ws [B, num_ws, w_dim], with truncation "
         "around mapping.w_avg.",
     .ninputs = 2, .inputs = vkg_gan_mapping_in, .noutputs = 1, .outputs = vkg_gan_mapping_out, .nparams = 3,
     .params = vkg_gan_mapping_params, .create = vkg_gan_sg2_create, .infer = vkg_gan_mapping_infer,
     .start = vkg_gan_sg2_start, .run = vkg_gan_mapping_run, .destroy = vkg_gan_sg2_destroy},
    {.name = "synthesis", .doc = "StyleGAN2 synthesis network: ws to images; w_mix and mix_from give style mixing.",
     .ninputs = 2, .inputs = vkg_gan_synthesis_in, .noutputs = 1, .outputs = vkg_gan_synthesis_out, .nparams = 4,
     .params = vkg_gan_synthesis_params, .create = vkg_gan_sg2_create, .infer = vkg_gan_synthesis_infer,
     .start = vkg_gan_sg2_start, .run = vkg_gan_synthesis_run, .destroy = vkg_gan_sg2_destroy},
    {.name = "interpolate",
     .doc = "Latent interpolation: a, b [B, ...] to [steps * B, ...], block i = a + i / (steps - 1) (b - a) (z before "
         "gan.mapping, or ws between gan.mapping and gan.synthesis).",
     .ninputs = 2, .inputs = vkg_gan_interpolate_in, .noutputs = 1, .outputs = vkg_gan_interpolate_out, .nparams = 1,
     .params = vkg_gan_interpolate_params, .create = vkg_gan_interpolate_create, .infer = vkg_gan_interpolate_infer,
     .run = vkg_gan_interpolate_run, .destroy = vkg_gan_interpolate_destroy},
};

static const vkg_plugin_desc gan_plugin = {
    VKG_PLUGIN_ABI,
    .name = "gan", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Generative adversarial network generators (DCGAN, StyleGAN2).", .ntypes = NELEM(gan_types),
    .types = gan_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &gan_plugin; }
