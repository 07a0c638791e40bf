/* The ddpm plugin: diffusers UNet2DModel forward and DDPM/DDIM sampling. */
#include <vkgen/version.h>

#include "ddpm_internal.h"

static const vkg_node_type ddpm_types[] = {
    {"unet",
     "One forward pass of a diffusers UNet2DModel (e.g. google/ddpm-cifar10-32): noise_pred = unet(sample, "
     "timestep). Every config field that changes the math is read from config.json.",
     0, 2, vkg_ddpm_unet_inputs, 1, vkg_ddpm_unet_outputs, 1, vkg_ddpm_unet_params, vkg_ddpm_unet_node_create,
     vkg_ddpm_unet_node_infer, vkg_ddpm_unet_node_start, vkg_ddpm_unet_node_run, NULL, vkg_ddpm_unet_node_destroy, NULL, NULL},
    {"sample",
     "DDPM / DDIM sampling loop with a diffusers UNet2DModel (the DDPMPipeline / DDIMPipeline math) or a "
     "class-conditional DiT transformer (DiTPipeline: class_labels, classifier-free guidance, learned sigma; the "
     "sample is the latents, for vae.decode with scale_latents: true): noise x_T -> sample x_0 and image in [0, 1]. "
     "Scheduler settings come from the model's scheduler_config.json; params override them.",
     0, 3, vkg_ddpm_sample_inputs, 2, vkg_ddpm_sample_outputs, VKG_DDPM_SAMPLE_NPARAMS, vkg_ddpm_sample_params,
     vkg_ddpm_sample_node_create, vkg_ddpm_sample_node_infer, vkg_ddpm_sample_node_start, vkg_ddpm_sample_node_run,
     NULL, vkg_ddpm_sample_node_destroy, NULL, NULL},
};

static const vkg_plugin_desc ddpm_plugin = {
    VKG_ABI_VERSION, "ddpm", VKG_VERSION_STRING,
    "Denoising diffusion: diffusers UNet2DModel forward (ddpm.unet) and DDPM/DDIM sampling (ddpm.sample).",
    (int)(sizeof ddpm_types / sizeof ddpm_types[0]), ddpm_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &ddpm_plugin; }
