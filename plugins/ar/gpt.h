/* The GPT prior over discrete codes (minGPT as taming-transformers uses it): model, full causal
 * forward and KV-cached decoding. Layers come from libvkgen's nn (layer norm, attention, MLP). */
#ifndef VKG_AR_GPT_H
#define VKG_AR_GPT_H

#include <vkgen/kernels.h>
#include <vkgen/model.h>
#include <vkgen/nn.h>

typedef struct vkg_gpt_block {
  vkg_nn_layer_norm ln1, ln2;
  vkg_nn_mha attn;
  vkg_nn_mlp mlp; /* mlp.0 -> GELU (exact) -> mlp.2 */
} vkg_gpt_block;

typedef struct vkg_gpt {
  /* from config.json, checked against the weight headers (vkg_gpt_open, no GPU work) */
  int64_t vocab, block_size, n_embd, n_unmasked;
  int n_layer, n_head;
  int64_t n_classes;        /* class-conditional: the first token is the class (0: unconditional) */
  int64_t sos_token;        /* unconditional: the first token */
  int64_t latent_h, latent_w; /* default sampling grid (config latent_shape), 0 when absent */
  /* device weights (vkg_gpt_upload) */
  vkg_tensor *tok_emb, *pos_emb, *head_w; /* [V, C], [1, block_size, C], [V, C] */
  vkg_nn_layer_norm ln_f;
  vkg_gpt_block *blocks;
  int uploaded;
} vkg_gpt;

/* Reads and checks the architecture: config keys vocab_size, block_size, n_layer, n_head, n_embd
 * (required), n_unmasked, n_classes, sos_token, latent_shape (optional); every weight's shape from
 * the file's header; the attention masks (minGPT's tril with the n_unmasked prefix). Host only. */
vkg_status vkg_gpt_open(vkg_ctx *ctx, vkg_model *m, vkg_gpt *net);
vkg_status vkg_gpt_upload(vkg_ctx *ctx, vkg_model *m, vkg_gpt *net);
void vkg_gpt_free(vkg_gpt *net);

/* ids [B, T] (i32/i64, values < vocab, T <= block_size) -> logits [B, T, vocab] (new tensor). */
vkg_status vkg_gpt_forward(vkg_ctx *ctx, const vkg_gpt *net, const vkg_tensor *ids, vkg_tensor **logits);

/* Incremental decoding state: one KV cache per layer. */
typedef struct vkg_gpt_decoder {
  int64_t batch;
  int n; /* layers */
  vkg_nn_kv_cache *caches;
} vkg_gpt_decoder;

vkg_status vkg_gpt_decoder_init(vkg_ctx *ctx, const vkg_gpt *net, int64_t batch, vkg_gpt_decoder *d);
void vkg_gpt_decoder_free(vkg_gpt_decoder *d);
/* Rewinds the caches to empty (no GPU work). */
void vkg_gpt_decoder_reset(vkg_gpt_decoder *d);
/* Feeds the token at column pos of seq [B, L] (position pos) and returns the logits of the next
 * token, [B, vocab] (new tensor). Tokens must be fed in order 0, 1, 2, ... */
vkg_status vkg_gpt_decoder_step(vkg_ctx *ctx, const vkg_gpt *net, vkg_gpt_decoder *d, const vkg_tensor *seq,
                                int64_t pos, vkg_tensor **logits);

#endif
