/* vae.decode: latents -> images (diffusers AutoencoderKL.decode, or MLPVAE.decode). */
#include "nodes.h"

const vkg_port_desc vae_decode_inputs[1] = {
    {"latent", "f32", "latents [B, latent_channels, h, w] (MLPVAE: [B, latent_dim])", 0},
};
const vkg_port_desc vae_decode_outputs[1] = {
    {"image", "f32",
     "images [B, out_channels, h*f, w*f] (diffusers VAEs: nominally [-1, 1]; MLPVAE: [B, image_shape] in [0, 1])", 0},
};
const vkg_param_desc vae_decode_params[VAE_DECODE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json: AutoencoderKL or MLPVAE)", NULL, 0, 0},
    {"scale_latents", VKG_PARAM_BOOL, "false",
     "divide the latents by config scaling_factor (then add shift_factor) first, for latents that come from a "
     "diffusers pipeline; diffusers' own decode() does not",
     NULL, 0, 0},
};

vkg_status vae_decode_create(vkg_node *node, void **state) { return vae_state_create(node, (vae_node_state **)state); }

vkg_status vae_decode_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vae_node_state *s = state;
  return vae_infer_decode(node, s->vm, &in[0], &out[0]);
}

vkg_status vae_decode_start(vkg_node *node, void *state) {
  vae_node_state *s = state;
  return vae_load_decoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vae_decode_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vae_node_state *s = state;
  if (vae_decode(vkg_node_ctx(node), s->vm, in[0], s->scale, &out[0])) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

void vae_decode_destroy(void *state) { vae_state_destroy(state); }
