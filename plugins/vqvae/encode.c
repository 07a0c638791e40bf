/* vqvae.encode: images -> latents (diffusers VQModel.encode), their nearest codes and indices. */
#include "nodes.h"

const vkg_port_desc vq_encode_inputs[1] = {
    {"x", "f32", "images [B, C, H, W] in [-1, 1], H and W multiples of the downsampling factor", 0},
};
const vkg_port_desc vq_encode_outputs[3] = {
    {"latent", "f32", "latents after quant_conv, before quantization [B, vq_embed_dim, H/f, W/f]", 0},
    {"quantized", "f32", "nearest codebook vectors, same shape", 0},
    {"indices", "i64", "codebook indices [B, H/f, W/f] (exact ties go to the lowest index, as torch.argmin)", 0},
};
const vkg_param_desc vq_encode_params[1] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (diffusers VQModel)", NULL, 0, 0},
};

vkg_status vq_encode_create(vkg_node *node, void **state) { return vq_state_create(node, state); }

vkg_status vq_encode_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vq_node_state *s = state;
  const vq_model *vm = s->vm;
  const vkg_shape *x = &in[0].shape;
  char b[96];
  if (in[0].dtype != VKG_F32 || x->ndim != 4 || x->d[1] != vm->cfg.in_channels)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected f32 images [B, %lld, H, W], got %s %s",
                                (long long)vm->cfg.in_channels, vkg_dtype_name(in[0].dtype),
                                vkg_shape_format(x, b, sizeof b));
  int64_t f = vkg_nn_ae_downscale(&vm->cfg);
  if (x->d[2] % f != 0 || x->d[3] % f != 0)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "image size %lldx%lld is not divisible by the model's downsampling factor %lld",
                                (long long)x->d[2], (long long)x->d[3], (long long)f);
  out[0].dtype = out[1].dtype = VKG_F32;
  out[0].shape = out[1].shape = vkg_shape_4d(x->d[0], vm->embed_dim, x->d[2] / f, x->d[3] / f);
  out[2].dtype = VKG_I64;
  out[2].shape = vkg_shape_make(3, (int64_t[]){x->d[0], x->d[2] / f, x->d[3] / f});
  out[2].index_limit = vm->num_codes;
  return VKG_OK;
}

vkg_status vq_encode_start(vkg_node *node, void *state) {
  vq_node_state *s = state;
  return vq_load_encoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vq_encode_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vq_node_state *s = state;
  if (vq_encode(vkg_node_ctx(node), s->vm, in[0], &out[0], &out[1], &out[2])) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

void vq_encode_destroy(void *state) { vq_state_destroy(state); }
