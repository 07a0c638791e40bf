/* vqvae.decode: latents -> images as diffusers VQModel.decode: the input is quantized first
 * (nearest code; a no-op on codes that are already quantized) unless force_not_quantize. */
#include "nodes.h"

const vkg_port_desc vq_decode_inputs[1] = {
    {"quantized", "f32", "latents or codes [B, vq_embed_dim, h, w]", 0},
};
const vkg_port_desc vq_decode_outputs[1] = {
    {"image", "f32", "images [B, out_channels, h*f, w*f], nominally [-1, 1]", 0},
};
const vkg_param_desc vq_decode_params[2] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (diffusers VQModel)", NULL, 0, 0},
    {"force_not_quantize", VKG_PARAM_BOOL, "false",
     "decode the input as it is instead of snapping it to the nearest codes first (diffusers' "
     "force_not_quantize)",
     NULL, 0, 0},
};

vkg_status vq_decode_create(vkg_node *node, void **state) {
  vkg_status st = vq_state_create(node, state);
  if (!st) vkg_node_param_bool(node, "force_not_quantize", &((vq_node_state *)*state)->force_not_quantize);
  return st;
}

vkg_status vq_decode_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vq_node_state *s = state;
  const vkg_shape *z = &in[0].shape;
  char b[96];
  if (in[0].dtype != VKG_F32 || z->ndim != 4 || z->d[1] != s->vm->embed_dim)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "expected f32 latents [B, %lld, h, w] (vq_embed_dim %lld channels), got %s %s",
                                (long long)s->vm->embed_dim, (long long)s->vm->embed_dim,
                                vkg_dtype_name(in[0].dtype), vkg_shape_format(z, b, sizeof b));
  out[0].dtype = VKG_F32;
  out[0].shape = vq_image_shape(s->vm, z->d[0], z->d[2], z->d[3]);
  return VKG_OK;
}

vkg_status vq_decode_start(vkg_node *node, void *state) {
  vq_node_state *s = state;
  return vq_load_decoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vq_decode_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vq_node_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_tensor *q = NULL, *idx = NULL;
  vkg_status st = vq_load_decoder(ctx, s->vm);
  if (!st && !s->force_not_quantize) st = vq_quantize(ctx, s->vm, in[0], &q, &idx);
  if (!st) st = vq_decode_quantized(ctx, s->vm, q ? q : in[0], &out[0]);
  vkg_tensor_unref(q);
  vkg_tensor_unref(idx);
  return st ? vkg_node_rethrow(node, NULL) : VKG_OK;
}

void vq_decode_destroy(void *state) { vq_state_destroy(state); }
