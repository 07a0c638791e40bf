/* ddpm.unet: one UNet2DModel forward, noise_pred = unet(sample, timestep). */
#include <stdlib.h>

#include "ddpm_internal.h"

const vkg_port_desc vkg_ddpm_unet_inputs[2] = {
    {"sample", "f32", "noisy sample [B, in_channels, H, W]", 0},
    {"timestep", "f32|i64", "timestep per sample [B], or one for the batch ([1] or 0-d)", 0},
};
const vkg_port_desc vkg_ddpm_unet_outputs[1] = {
    {"noise_pred", "f32", "model output [B, out_channels, H, W] (noise for epsilon models)", 0},
};
const vkg_param_desc vkg_ddpm_unet_params[1] = {
    {"model", VKG_PARAM_PATH, NULL, "diffusers UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors)",
     NULL, 0, 0},
};

vkg_status vkg_ddpm_unet_node_create(vkg_node *node, void **state) {
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  vkg_ddpm_unet *u = NULL;
  vkg_status st = vkg_ddpm_unet_open(vkg_node_ctx(node), folder, &u);
  if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(vkg_node_ctx(node)));
  *state = u;
  return VKG_OK;
}

vkg_status vkg_ddpm_unet_node_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vkg_ddpm_unet *u = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (vkg_ddpm_unet_check_input(ctx, u, &in[0].shape))
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "%s", vkg_error_message(ctx));
  int64_t nt = vkg_shape_numel(&in[1].shape), B = in[0].shape.d[0];
  if (in[1].shape.ndim > 1 || (nt != 1 && nt != B)) {
    char a[96];
    return vkg_node_input_error(node, VKG_E_INPUT, 1, "timestep %s: expected [%lld], [1] or a scalar",
                                vkg_shape_format(&in[1].shape, a, sizeof a), (long long)B);
  }
  out[0].dtype = VKG_F32;
  out[0].shape = in[0].shape;
  out[0].shape.d[1] = vkg_ddpm_unet_config(u)->out_channels;
  return VKG_OK;
}

vkg_status vkg_ddpm_unet_node_start(vkg_node *node, void *state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_ddpm_unet_load(ctx, state);
  if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  return VKG_OK;
}

vkg_status vkg_ddpm_unet_node_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_tensor *t = NULL;
  vkg_status st = vkg_ddpm_timesteps_f32(ctx, in[1], vkg_tensor_shape(in[0])->d[0], &t);
  if (!st) st = vkg_ddpm_unet_forward(ctx, state, in[0], t, &out[0]);
  vkg_tensor_unref(t);
  return st;
}

void vkg_ddpm_unet_node_destroy(void *state) { vkg_ddpm_unet_destroy(state); }
