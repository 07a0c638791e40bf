/* The gan plugin: generators that map noise to images. */
#include "gan_internal.h"

#include <vkgen/vkgen.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type gan_types[] = {
    {"generate",
     "Generator forward pass: noise [B, nz, 1, 1] to images [B, nc, H, W] in [-1, 1]. The architecture comes from "
     "the model's config `_class_name` (DCGANGenerator); sizes come from the weights.",
     0, 1, vkg_gan_generate_inputs, 1, vkg_gan_generate_outputs, VKG_GAN_GENERATE_NPARAMS, vkg_gan_generate_params,
     vkg_gan_generate_create, vkg_gan_generate_infer, vkg_gan_generate_start, vkg_gan_generate_run, NULL,
     vkg_gan_generate_destroy},
};

static const vkg_plugin_desc gan_plugin = {
    VKG_ABI_VERSION, "gan", VKG_VERSION_STRING, "Generative adversarial network generators (DCGAN).",
    NELEM(gan_types), gan_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &gan_plugin; }
