/* vae.encode: images -> latent mean and logvar (diffusers AutoencoderKL.encode().latent_dist,
 * or MLPVAE.encode). */
#include "nodes.h"

const vkg_port_desc vae_encode_inputs[1] = {
    {"x", "f32", "images [B, C, H, W] in the model's range ([-1, 1] for diffusers VAEs, [0, 1] for MLPVAE)", 0},
};
const vkg_port_desc vae_encode_outputs[2] = {
    {"latent", "f32", "posterior mean [B, latent_channels, H/f, W/f] (MLPVAE: [B, latent_dim])", 0},
    {"logvar", "f32", "posterior log-variance, same shape (AutoencoderKL: clamped to [-30, 20])", 0},
};
const vkg_param_desc vae_encode_params[VAE_ENCODE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json: AutoencoderKL or MLPVAE)", NULL, 0, 0},
    {"scale_latents", VKG_PARAM_BOOL, "false",
     "multiply the mean by config scaling_factor (after subtracting shift_factor) as diffusers pipelines do; "
     "diffusers' own encode() does not",
     NULL, 0, 0},
};

vkg_status vae_encode_create(vkg_node *node, void **state) { return vae_state_create(node, (vae_node_state **)state); }

vkg_status vae_encode_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vae_node_state *s = state;
  return vae_infer_encode(node, s->vm, &in[0], &out[0], &out[1]);
}

vkg_status vae_encode_start(vkg_node *node, void *state) {
  vae_node_state *s = state;
  return vae_load_encoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vae_encode_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vae_node_state *s = state;
  if (vae_encode(vkg_node_ctx(node), s->vm, in[0], s->scale, &out[0], &out[1])) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

void vae_encode_destroy(void *state) { vae_state_destroy(state); }
