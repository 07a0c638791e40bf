/* ar.gpt_logits: token ids [B, T] -> next-token logits [B, T, vocab] (one causal forward). */
#include <stdlib.h>

#include "gpt_node.h"

const vkg_port_desc vkg_gpt_logits_inputs[1] = {
    {"indices", "i32|i64", "token ids [B, T] in [0, vocab_size), T <= block_size (class-conditional: the class first)",
     0},
};
const vkg_port_desc vkg_gpt_logits_outputs[1] = {
    {"logits", "f32", "logits [B, T, vocab_size]: position t predicts token t + 1", 0},
};
const vkg_param_desc vkg_gpt_logits_params[VKG_GPT_LOGITS_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json + model.safetensors, _class_name GPT)", NULL, 0, 0},
};

vkg_status vkg_gpt_logits_create(vkg_node *node, void **state) {
  vkg_gpt_model *gm = calloc(1, sizeof *gm);
  if (!gm) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_gpt_model_open(node, "model", gm);
  if (st) {
    free(gm);
    return st;
  }
  *state = gm;
  return VKG_OK;
}

vkg_status vkg_gpt_logits_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  const vkg_gpt *net = &((vkg_gpt_model *)state)->net;
  const vkg_shape *x = &in[0].shape;
  char b[96];
  if (x->ndim != 2)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected token ids [B, T], got %s",
                                vkg_shape_format(x, b, sizeof b));
  if (x->d[1] > net->block_size)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "%lld tokens exceed the model's block_size %lld",
                                (long long)x->d[1], (long long)net->block_size);
  if (in[0].index_limit > net->vocab)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "its ids take %lld values (the producer's vocabulary), but the model's vocab_size is %lld",
                                (long long)in[0].index_limit, (long long)net->vocab);
  out[0].dtype = VKG_F32;
  int64_t d[3] = {x->d[0], x->d[1], net->vocab};
  out[0].shape = vkg_shape_make(3, d);
  return VKG_OK;
}

vkg_status vkg_gpt_logits_start(vkg_node *node, void *state) { return vkg_gpt_model_upload(node, state); }

vkg_status vkg_gpt_logits_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  vkg_gpt_model *gm = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_gpt_model_upload(node, gm);
  if (st) return st;
  /* ids come from files or other nodes: check their range on the host once per batch */
  const int64_t n = vkg_tensor_numel(in[0]), T = vkg_tensor_shape(in[0])->d[1];
  int64_t *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
  if (!ids) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  if (vkg_tensor_download_ids(ctx, in[0], ids)) {
    free(ids);
    return vkg_node_rethrow(node, NULL);
  }
  for (int64_t i = 0; i < n; i++)
    if (ids[i] < 0 || ids[i] >= gm->net.vocab) {
      st = vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "token id %lld at [%lld, %lld] is outside the model's vocabulary [0, %lld)",
                                (long long)ids[i], (long long)(i / T), (long long)(i % T), (long long)gm->net.vocab);
      free(ids);
      return st;
    }
  free(ids);
  if (vkg_gpt_forward(ctx, &gm->net, in[0], &out[0])) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

void vkg_gpt_logits_destroy(void *state) {
  vkg_gpt_model_close(state);
  free(state);
}
