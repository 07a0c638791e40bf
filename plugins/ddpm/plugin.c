/* The ddpm plugin: diffusers UNet2DModel forward and DDPM/DDIM sampling. */
#include <vkgen/version.h>

#include "ddpm_internal.h"

static const vkg_node_type ddpm_types[] = {
    {.name = "unet",
     .doc = "One forward pass of a diffusers UNet2DModel (e.g. google/ddpm-cifar10-32): noise_pred = unet(sample, "
         "timestep). Every config field that changes the math is read from config.json.",
     .ninputs = 2, .inputs = vkg_ddpm_unet_inputs, .noutputs = 1, .outputs = vkg_ddpm_unet_outputs, .nparams = 1,
     .params = vkg_ddpm_unet_params, .create = vkg_ddpm_unet_node_create, .infer = vkg_ddpm_unet_node_infer,
     .start = vkg_ddpm_unet_node_start, .run = vkg_ddpm_unet_node_run, .destroy = vkg_ddpm_unet_node_destroy},
    {.name = "sample",
     .doc = "DDPM / DDIM sampling loop with a diffusers UNet2DModel (the DDPMPipeline / DDIMPipeline math) or a "
         "class-conditional DiT transformer (DiTPipeline: class_labels, classifier-free guidance, learned sigma; the "
         "sample is the latents, for vae.decode with scale_latents: true): noise x_T -> sample x_0 and image in [0, 1]. "
         "Scheduler settings come from the model's scheduler_config.json; params override them.",
     .ninputs = 3, .inputs = vkg_ddpm_sample_inputs, .noutputs = 2, .outputs = vkg_ddpm_sample_outputs,
     .nparams = VKG_DDPM_SAMPLE_NPARAMS, .params = vkg_ddpm_sample_params, .create = vkg_ddpm_sample_node_create,
     .infer = vkg_ddpm_sample_node_infer, .start = vkg_ddpm_sample_node_start, .run = vkg_ddpm_sample_node_run,
     .destroy = vkg_ddpm_sample_node_destroy},
};

static const vkg_plugin_desc ddpm_plugin = {
    VKG_PLUGIN_ABI,
    .name = "ddpm", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Denoising diffusion: diffusers UNet2DModel forward (ddpm.unet) and DDPM/DDIM sampling (ddpm.sample).",
    .ntypes = (int)(sizeof ddpm_types / sizeof ddpm_types[0]), .types = ddpm_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &ddpm_plugin; }
