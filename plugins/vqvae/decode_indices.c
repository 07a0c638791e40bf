/* vqvae.decode_indices: codebook indices -> images (lookup, post_quant_conv, decoder).
 * Indices usually come from the device (a sampler, a file), so they are range-checked there:
 * the lookup shader clamps a bad index (no out-of-bounds read) and counts it; the count is
 * read back once per batch and a bad batch fails with the first offending position. */
#include "nodes.h"

const vkg_port_desc vq_decode_indices_inputs[1] = {
    {"indices", "i32|i64", "codebook indices [B, h, w] in [0, num_vq_embeddings)", 0},
};
const vkg_port_desc vq_decode_indices_outputs[1] = {
    {"image", "f32", "images [B, out_channels, h*f, w*f], nominally [-1, 1]", 0},
};
const vkg_param_desc vq_decode_indices_params[1] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (diffusers VQModel)", NULL, 0, 0},
};

vkg_status vq_decode_indices_create(vkg_node *node, void **state) { return vq_state_create(node, state); }

vkg_status vq_decode_indices_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  vq_node_state *s = state;
  const vkg_shape *x = &in[0].shape;
  char b[96];
  if ((in[0].dtype != VKG_I32 && in[0].dtype != VKG_I64) || x->ndim != 3)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected i32 or i64 indices [B, h, w], got %s %s",
                                vkg_dtype_name(in[0].dtype), vkg_shape_format(x, b, sizeof b));
  if (in[0].index_limit > 0 && in[0].index_limit != s->vm->num_codes)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "its indices take %lld values (the producer's vocabulary), but the model's codebook has "
                                "%lld codes (num_vq_embeddings): the prior and the VQ model do not belong together",
                                (long long)in[0].index_limit, (long long)s->vm->num_codes);
  out[0].dtype = VKG_F32;
  out[0].shape = vq_image_shape(s->vm, x->d[0], x->d[1], x->d[2]);
  return VKG_OK;
}

vkg_status vq_decode_indices_start(vkg_node *node, void *state) {
  vq_node_state *s = state;
  return vq_load_decoder(vkg_node_ctx(node), s->vm) ? vkg_node_rethrow(node, "model") : VKG_OK;
}

vkg_status vq_decode_indices_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vq_node_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_tensor *q = NULL;
  vkg_status st = vq_load_decoder(ctx, s->vm);
  if (!st) st = vq_lookup(ctx, s->vm, in[0], &q);
  if (!st) st = vq_decode_quantized(ctx, s->vm, q, &out[0]);
  vkg_tensor_unref(q);
  return st ? vkg_node_rethrow(node, NULL) : VKG_OK;
}

void vq_decode_indices_destroy(void *state) { vq_state_destroy(state); }
