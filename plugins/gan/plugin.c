/* The gan plugin: generators that map noise to images. */
#include "stylegan2.h"

#include <vkgen/vkgen.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type gan_types[] = {
    {"generate",
     "Generator forward pass: noise [B, nz, 1, 1] to images [B, nc, H, W] in [-1, 1]. The architecture comes from "
     "the model's config `_class_name` (DCGANGenerator, StyleGAN2Generator); sizes come from the weights.",
     0, VKG_GAN_GENERATE_NINPUTS, vkg_gan_generate_inputs, 1, vkg_gan_generate_outputs, VKG_GAN_GENERATE_NPARAMS, vkg_gan_generate_params,
     vkg_gan_generate_create, vkg_gan_generate_infer, vkg_gan_generate_start, vkg_gan_generate_run, NULL,
     vkg_gan_generate_destroy, NULL, NULL},
    {"mapping",
     "StyleGAN2 mapping network: z (and class) to the intermediate latents ws [B, num_ws, w_dim], with truncation "
     "around mapping.w_avg.",
     0, 2, vkg_gan_mapping_in, 1, vkg_gan_mapping_out, 3, vkg_gan_mapping_params, vkg_gan_sg2_create,
     vkg_gan_mapping_infer, vkg_gan_sg2_start, vkg_gan_mapping_run, NULL, vkg_gan_sg2_destroy, NULL, NULL},
    {"synthesis", "StyleGAN2 synthesis network: ws to images; w_mix and mix_from give style mixing.", 0, 2,
     vkg_gan_synthesis_in, 1, vkg_gan_synthesis_out, 4, vkg_gan_synthesis_params, vkg_gan_sg2_create,
     vkg_gan_synthesis_infer, vkg_gan_sg2_start, vkg_gan_synthesis_run, NULL, vkg_gan_sg2_destroy, NULL, NULL},
    {"interpolate",
     "Latent interpolation: a, b [B, ...] to [steps * B, ...], block i = a + i / (steps - 1) (b - a) (z before "
     "gan.mapping, or ws between gan.mapping and gan.synthesis).",
     0, 2, vkg_gan_interpolate_in, 1, vkg_gan_interpolate_out, 1, vkg_gan_interpolate_params,
     vkg_gan_interpolate_create, vkg_gan_interpolate_infer, NULL, vkg_gan_interpolate_run, NULL,
     vkg_gan_interpolate_destroy, NULL, NULL},
};

static const vkg_plugin_desc gan_plugin = {
    VKG_ABI_VERSION, "gan", VKG_VERSION_STRING, "Generative adversarial network generators (DCGAN, StyleGAN2).",
    NELEM(gan_types), gan_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &gan_plugin; }
