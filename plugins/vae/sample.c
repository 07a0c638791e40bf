/* vae.sample: decodes latents drawn from the prior N(0, I). Sample k of the run (batch b,
 * row i: k = b * batch + i) uses vkg_randn keyed by (seed, k, stream), so a sample does not
 * depend on the batch size or the number of batches. */
#include "nodes.h"

const vkg_port_desc vae_sample_outputs[2] = {
    {"image", "f32", "decoded images (as vae.decode)", 0},
    {"latent", "f32", "the latents that were decoded", 0},
};
const vkg_param_desc vae_sample_params[VAE_SAMPLE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json: AutoencoderKL or MLPVAE)", NULL, 0, 0},
    {"batch", VKG_PARAM_INT, "16", "samples per batch", NULL, 1, 65536},
    {"seed", VKG_PARAM_INT, "0", "random seed", NULL, 0, 0},
    {"size", VKG_PARAM_INT_LIST, "[0, 0]",
     "image [H, W] for AutoencoderKL (multiples of the downsampling factor); [0, 0]: config sample_size", NULL, 0,
     0},
    {"scale_latents", VKG_PARAM_BOOL, "false",
     "treat the noise as pipeline latents: divide by scaling_factor (then add shift_factor) before decoding", NULL,
     0, 0},
    {"stream", VKG_PARAM_INT, "0", "independent stream of the same seed (0..2^32-1)", NULL, 0, 4294967295.0},
};

vkg_status vae_sample_create(vkg_node *node, void **state) {
  vae_node_state *s = NULL;
  vkg_status st = vae_state_create(node, &s);
  if (st) return st;
  int64_t batch = 16, seed = 0, stream = 0;
  const int64_t *size = NULL;
  int n = 0;
  vkg_node_param_int(node, "batch", &batch);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_int(node, "stream", &stream);
  vkg_node_param_int_list(node, "size", &size, &n);
  int64_t h = s->vm->sample_size, w = s->vm->sample_size;
  if (n != 2 || size[0] < 0 || size[1] < 0) {
    vae_state_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "size", "expected [H, W] (or [0, 0] for the config's sample_size)");
  }
  if (size[0] > 0 || size[1] > 0) {
    h = size[0];
    w = size[1];
  }
  st = vae_latent_shape(node, s->vm, batch, h, w, &s->latent);
  if (st) {
    vae_state_destroy(s);
    return st;
  }
  s->seed = (uint64_t)seed;
  s->stream = (uint32_t)stream;
  *state = s;
  return VKG_OK;
}

vkg_status vae_sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)in;
  vae_node_state *s = state;
  vkg_tensor_info z = {VKG_F32, s->latent, 0};
  out[1] = z;
  return vae_infer_decode(node, s->vm, &z, &out[0]);
}

vkg_status vae_sample_start(vkg_node *node, void *state) {
  vae_node_state *s = state;
  return vae_load_decoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vae_sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)in;
  vae_node_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_tensor *z = NULL;
  uint64_t first = (uint64_t)vkg_node_batch_index(node) * (uint64_t)s->latent.d[0];
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &s->latent, &z);
  if (!st) st = vkg_randn(ctx, z, s->seed, first, s->stream);
  if (!st) st = vae_decode(ctx, s->vm, z, s->scale, &out[0]);
  if (st) {
    vkg_tensor_unref(z);
    return vkg_node_rethrow(node, NULL);
  }
  out[1] = z;
  return VKG_OK;
}

void vae_sample_destroy(void *state) { vae_state_destroy(state); }
