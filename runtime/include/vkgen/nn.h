/* vkgen — weight-holding neural-network layers built on the kernel library.
 *
 * The building blocks of the diffusers models (UNet2DModel, AutoencoderKL, VQModel) and of
 * other plugins' networks: conv2d, linear, group norm, ResnetBlock2D, Attention, Downsample2D,
 * Upsample2D, the timestep-embedding MLP, the diffusers Encoder/Decoder blocks, the transformer
 * layers (layer norm, MLP, multi-head attention) and DiT's patch / label embeddings. Each layer
 * loads its weights from a vkg_model under a key prefix ("down_blocks.0.resnets.1"), so the
 * tensor names are those of the PyTorch state_dict, and checks every shape on load (the error
 * names the tensor and both shapes).
 *
 * Forward functions record GPU work and return a new tensor (*out, one reference); their
 * inputs are borrowed. Temporaries are dropped as soon as they are dead, so the pool reuses
 * their memory. A layer struct zeroed with {0} may be passed to its _free (no-op).
 */
#ifndef VKGEN_NN_H
#define VKGEN_NN_H

#include "kernels.h"
#include "model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* diffusers' act_fn names: "silu" and "swish" (SiLU), "gelu", "relu"; also "identity",
 * "tanh", "sigmoid". An unknown name is VKG_E_INPUT naming it and the known ones
 * (what names where: e.g. "config.json: act_fn"). */
VKG_EXPORT vkg_status vkg_nn_act_parse(vkg_ctx *ctx, const char *what, const char *name, vkg_act *out);

/* ---- conv2d with bias ------------------------------------------------------------------ */
typedef struct vkg_nn_conv2d {
  vkg_tensor *w, *b; /* [cout, cin, k, k], [cout] (b may be NULL) */
  int64_t cin, cout;
  int k;
  vkg_conv2d_params p;
  vkg_tensor *wino; /* the Winograd F(wino_m x wino_m, 3x3) filter made at load, or NULL */
  int wino_m;
} vkg_nn_conv2d;

/* Loads prefix.weight [cout, cin, k, k] and prefix.bias [cout] (required when bias is set,
 * else absent is fine). cin/cout < 0 take the size from the weight. pad is symmetric. */
VKG_EXPORT vkg_status vkg_nn_conv2d_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t cin, int64_t cout,
                                         int k, int stride, int pad, int bias, vkg_nn_conv2d *out);
VKG_EXPORT vkg_status vkg_nn_conv2d_forward(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x,
                                            vkg_tensor **out);
/* y = act((conv(x) + bias + bias_nc + residual) * scale) (ep NULL: plain conv). The algorithm is
 * vkg_conv_algo_choose's for the shape: on Winograd the epilogue is fused into the conv's
 * output transform (one pass), on im2col it runs as separate elementwise passes. */
VKG_EXPORT vkg_status vkg_nn_conv2d_forward_ep(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x,
                                               const vkg_conv_epilogue *ep, vkg_tensor **out);
VKG_EXPORT void vkg_nn_conv2d_free(vkg_nn_conv2d *c);

/* ---- linear ------------------------------------------------------------------------------ */
typedef struct vkg_nn_linear {
  vkg_tensor *w, *b; /* [out, in], [out] or NULL */
  int64_t in, out;
} vkg_nn_linear;

VKG_EXPORT vkg_status vkg_nn_linear_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t in, int64_t out,
                                         int bias, vkg_nn_linear *l);
/* x: [..., in] -> [..., out]. */
VKG_EXPORT vkg_status vkg_nn_linear_forward(vkg_ctx *ctx, const vkg_nn_linear *l, const vkg_tensor *x,
                                            vkg_tensor **out);
VKG_EXPORT void vkg_nn_linear_free(vkg_nn_linear *l);

/* ---- group norm (affine) ---------------------------------------------------------------- */
typedef struct vkg_nn_group_norm {
  vkg_tensor *gamma, *beta;
  int64_t channels;
  int groups;
  float eps;
} vkg_nn_group_norm;

/* Loads prefix.weight and prefix.bias, both [channels]; channels must divide by groups. */
VKG_EXPORT vkg_status vkg_nn_group_norm_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                             int groups, float eps, vkg_nn_group_norm *out);
/* y = act(group_norm(x)); act VKG_ACT_IDENTITY for none. */
VKG_EXPORT vkg_status vkg_nn_group_norm_forward(vkg_ctx *ctx, const vkg_nn_group_norm *g, const vkg_tensor *x,
                                                vkg_act act, vkg_tensor **out);
VKG_EXPORT void vkg_nn_group_norm_free(vkg_nn_group_norm *g);

/* ---- ResnetBlock2D (diffusers, pre-norm, conv_shortcut=False) ------------------------------ */
typedef enum vkg_nn_temb_norm { VKG_NN_TEMB_DEFAULT = 0, VKG_NN_TEMB_SCALE_SHIFT } vkg_nn_temb_norm;

typedef struct vkg_nn_resnet_cfg {
  int64_t in_channels, out_channels;
  int64_t temb_channels; /* 0: no time_emb_proj (VAE blocks) */
  int groups;
  float eps;
  vkg_act act;
  vkg_nn_temb_norm temb_norm;
  float output_scale_factor; /* (x + h) / output_scale_factor */
} vkg_nn_resnet_cfg;

typedef struct vkg_nn_resnet {
  vkg_nn_resnet_cfg cfg;
  vkg_nn_group_norm norm1, norm2;
  vkg_nn_conv2d conv1, conv2, shortcut; /* shortcut.w NULL when in == out */
  vkg_nn_linear temb_proj;              /* w NULL without temb */
} vkg_nn_resnet;

/* Keys: prefix.norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut (1x1, iff in != out). */
VKG_EXPORT vkg_status vkg_nn_resnet_load(vkg_ctx *ctx, vkg_model *m, const char *prefix,
                                         const vkg_nn_resnet_cfg *cfg, vkg_nn_resnet *out);
/* x: [B, in, H, W]; temb: [B, temb_channels] (raw: the block applies act before its
 * projection, as diffusers does) or NULL when the block has no projection. */
VKG_EXPORT vkg_status vkg_nn_resnet_forward(vkg_ctx *ctx, const vkg_nn_resnet *r, const vkg_tensor *x,
                                            const vkg_tensor *temb, vkg_tensor **out);
VKG_EXPORT void vkg_nn_resnet_free(vkg_nn_resnet *r);

/* ---- Attention (diffusers Attention over the spatial positions of an NCHW map) -------------- */
typedef struct vkg_nn_attention {
  vkg_nn_group_norm norm; /* gamma NULL when there is no group norm */
  vkg_nn_linear q, k, v, o;
  int64_t channels;
  int heads;
  float rescale_output_factor;
  int old_keys; /* loaded from query/key/value/proj_attn */
} vkg_nn_attention;

/* Keys: prefix.group_norm (when groups > 0), prefix.to_q/to_k/to_v/to_out.0 or the older
 * prefix.query/key/value/proj_attn (whichever the file has). heads = channels / head_dim
 * (head_dim <= 0: one head of width channels). */
VKG_EXPORT vkg_status vkg_nn_attention_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                            int64_t head_dim, int groups, float eps, float rescale_output_factor,
                                            vkg_nn_attention *out);
/* out = (to_out(attn(norm(x))) + x) / rescale_output_factor; x: [B, C, H, W]. */
VKG_EXPORT vkg_status vkg_nn_attention_forward(vkg_ctx *ctx, const vkg_nn_attention *a, const vkg_tensor *x,
                                               vkg_tensor **out);
VKG_EXPORT void vkg_nn_attention_free(vkg_nn_attention *a);

/* ---- Downsample2D / Upsample2D (conv variants) --------------------------------------------- */
/* Keys: prefix.conv. padding 0 means diffusers' asymmetric pad (0, 1, 0, 1) then an unpadded
 * 3x3 stride-2 conv; otherwise a 3x3 stride-2 conv with symmetric padding. */
VKG_EXPORT vkg_status vkg_nn_downsample_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                             int64_t out_channels, int padding, vkg_nn_conv2d *out);
/* Nearest x2 then the 3x3 conv (prefix.conv). */
VKG_EXPORT vkg_status vkg_nn_upsample_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t channels,
                                           int64_t out_channels, vkg_nn_conv2d *out);
VKG_EXPORT vkg_status vkg_nn_upsample_forward(vkg_ctx *ctx, const vkg_nn_conv2d *c, const vkg_tensor *x,
                                              vkg_tensor **out);
/* Downsample forward is vkg_nn_conv2d_forward (the padding lives in the conv params). */

/* ---- timestep embedding (diffusers Timesteps + TimestepEmbedding) --------------------------- */
typedef struct vkg_nn_time_embed {
  vkg_nn_linear l1, l2;
  vkg_act act;
  int64_t dim; /* sinusoid width (= l1.in) */
  int flip_sin_to_cos;
  float freq_shift;
} vkg_nn_time_embed;

/* Keys: prefix.linear_1 [out, dim], prefix.linear_2 [out, out]; out < 0 from the weights. */
VKG_EXPORT vkg_status vkg_nn_time_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim,
                                             int64_t out, vkg_act act, int flip_sin_to_cos, float freq_shift,
                                             vkg_nn_time_embed *te);
/* t: [B] f32 timesteps -> [B, out]. */
VKG_EXPORT vkg_status vkg_nn_time_embed_forward(vkg_ctx *ctx, const vkg_nn_time_embed *te, const vkg_tensor *t,
                                                vkg_tensor **out);
VKG_EXPORT void vkg_nn_time_embed_free(vkg_nn_time_embed *te);

/* ---- transformer layers (minGPT / taming-transformers, DiT) ------------------------------------
 * Sequences are [B, T, C] (token-major, as torch's nn.Linear sees them). */

/* LayerNorm over the last dimension: prefix.weight and prefix.bias [dim] (affine), or none when
 * affine is 0 (elementwise_affine=False). dim < 0 takes the size from the weight. */
typedef struct vkg_nn_layer_norm {
  vkg_tensor *gamma, *beta; /* NULL without affine parameters */
  int64_t dim;
  float eps;
} vkg_nn_layer_norm;

VKG_EXPORT vkg_status vkg_nn_layer_norm_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim, float eps,
                                             int affine, vkg_nn_layer_norm *out);
VKG_EXPORT vkg_status vkg_nn_layer_norm_forward(vkg_ctx *ctx, const vkg_nn_layer_norm *ln, const vkg_tensor *x,
                                                vkg_tensor **out);
VKG_EXPORT void vkg_nn_layer_norm_free(vkg_nn_layer_norm *ln);

/* The transformer MLP: fc2(act(fc1(x))) (minGPT's mlp.0 / mlp.2, diffusers' ff.net.0.proj /
 * ff.net.2); the hidden width comes from fc1's weight. */
typedef struct vkg_nn_mlp {
  vkg_nn_linear fc1, fc2;
  vkg_act act;
} vkg_nn_mlp;

VKG_EXPORT vkg_status vkg_nn_mlp_load(vkg_ctx *ctx, vkg_model *m, const char *fc1_prefix, const char *fc2_prefix,
                                      int64_t dim, vkg_act act, vkg_nn_mlp *out);
VKG_EXPORT vkg_status vkg_nn_mlp_forward(vkg_ctx *ctx, const vkg_nn_mlp *mlp, const vkg_tensor *x, vkg_tensor **out);
/* residual += mlp(x): the residual connection fused into fc2 (one GEMM accumulating into residual,
 * which must have fc2's output shape). */
VKG_EXPORT vkg_status vkg_nn_mlp_forward_add(vkg_ctx *ctx, const vkg_nn_mlp *mlp, const vkg_tensor *x,
                                             vkg_tensor *residual);
VKG_EXPORT void vkg_nn_mlp_free(vkg_nn_mlp *mlp);

/* Multi-head self-attention with separate q/k/v/out projections (with biases when the file has
 * them). names: the four sub-keys under prefix, {"query", "key", "value", "proj"} for minGPT or
 * {"to_q", "to_k", "to_v", "to_out.0"} for diffusers. dim % heads must be 0. */
typedef struct vkg_nn_mha {
  vkg_nn_linear q, k, v, o;
  int64_t dim;
  int heads;
} vkg_nn_mha;

VKG_EXPORT vkg_status vkg_nn_mha_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, const char *const names[4],
                                      int64_t dim, int heads, vkg_nn_mha *out);
/* x [B, T, dim] -> o(attention(q(x), k(x), v(x))); causal: minGPT's mask with an n_unmasked
 * prefix (see vkg_attention_causal); else every token sees every token. */
VKG_EXPORT vkg_status vkg_nn_mha_forward(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int causal,
                                         int64_t n_unmasked, vkg_tensor **out);
/* residual += the same (the residual connection fused into the output projection). */
VKG_EXPORT vkg_status vkg_nn_mha_forward_add(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, int causal,
                                             int64_t n_unmasked, vkg_tensor *residual);
VKG_EXPORT void vkg_nn_mha_free(vkg_nn_mha *a);

/* The device-side key/value cache of one attention layer for incremental decoding:
 * [B, heads, cap, dim / heads] each; len positions filled. */
typedef struct vkg_nn_kv_cache {
  vkg_tensor *k, *v;
  int64_t len, cap;
} vkg_nn_kv_cache;

VKG_EXPORT vkg_status vkg_nn_kv_cache_init(vkg_ctx *ctx, const vkg_nn_mha *a, int64_t batch, int64_t cap,
                                           vkg_nn_kv_cache *out);
VKG_EXPORT void vkg_nn_kv_cache_free(vkg_nn_kv_cache *c);
/* One decoding step: x [B, 1, dim] is the token at position c->len; its key and value join the
 * cache and it attends to every cached position (itself included), as minGPT's forward with
 * layer_past. O(len) work; c->len grows by one. */
VKG_EXPORT vkg_status vkg_nn_mha_step(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x, vkg_nn_kv_cache *c,
                                      vkg_tensor **out);
/* residual [B, 1, dim] += the same step. */
VKG_EXPORT vkg_status vkg_nn_mha_step_add(vkg_ctx *ctx, const vkg_nn_mha *a, const vkg_tensor *x,
                                          vkg_nn_kv_cache *c, vkg_tensor *residual);

/* ---- DiT pieces (diffusers PatchEmbed, LabelEmbedding, the unpatchify of DiTTransformer2DModel) ---- */
/* diffusers' get_2d_sincos_pos_embed for a gh x gw grid into out [gh * gw, dim] (host, dim % 4 == 0):
 * token n = i * gw + j gets [sin(w_j o), cos(w_j o), sin(h_i o), cos(h_i o)] with o_k = 10000^(-k / (dim / 4)),
 * coordinates arange(g) / (g / base_size) / interpolation_scale formed in f32 (as torch), the rest in double. */
VKG_EXPORT void vkg_nn_sincos_pos_embed_2d(int64_t dim, int64_t gh, int64_t gw, double base_size,
                                           double interpolation_scale, float *out);

typedef struct vkg_nn_patch_embed {
  vkg_nn_conv2d proj; /* [dim, C, patch, patch], stride patch */
  int patch;
  int64_t dim;
} vkg_nn_patch_embed;

/* Keys: prefix.proj.weight / .bias; dim < 0 from the weight (must be a multiple of 4). */
VKG_EXPORT vkg_status vkg_nn_patch_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t cin,
                                              int64_t dim, int patch, vkg_nn_patch_embed *out);
/* x [B, C, H, W] (H, W multiples of patch) -> tokens [B, (H/p)(W/p), dim], row-major over the patch grid,
 * plus pos (numel tokens * dim, e.g. from vkg_nn_sincos_pos_embed_2d) when not NULL. */
VKG_EXPORT vkg_status vkg_nn_patch_embed_forward(vkg_ctx *ctx, const vkg_nn_patch_embed *pe, const vkg_tensor *x,
                                                 const vkg_tensor *pos, vkg_tensor **out);
VKG_EXPORT void vkg_nn_patch_embed_free(vkg_nn_patch_embed *pe);
/* x [B, gh * gw, patch * patch * C] -> [B, C, gh * patch, gw * patch] (einsum "nhwpqc->nchpwq"). */
VKG_EXPORT vkg_status vkg_nn_unpatchify(vkg_ctx *ctx, const vkg_tensor *x, int64_t gh, int64_t gw, int patch,
                                        vkg_tensor **out);

typedef struct vkg_nn_label_embed {
  vkg_tensor *table; /* [rows, dim] */
  int64_t rows, dim;
} vkg_nn_label_embed;

/* Key: prefix.embedding_table.weight [rows, dim] (dim < 0: any). */
VKG_EXPORT vkg_status vkg_nn_label_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim,
                                              vkg_nn_label_embed *out);
/* labels i32 / i64 [B] (callers check the range: the kernel clamps) -> [B, dim]. */
VKG_EXPORT vkg_status vkg_nn_label_embed_forward(vkg_ctx *ctx, const vkg_nn_label_embed *le,
                                                 const vkg_tensor *labels, vkg_tensor **out);
VKG_EXPORT void vkg_nn_label_embed_free(vkg_nn_label_embed *le);

/* ---- small tensor helpers the layers share ------------------------------------------------ */
/* A view of x with another shape (same numel). */
VKG_EXPORT vkg_status vkg_nn_reshape(vkg_ctx *ctx, vkg_tensor *x, const vkg_shape *shape, vkg_tensor **out);
/* out = (a + b) * scale (new tensor; same shapes). */
VKG_EXPORT vkg_status vkg_nn_add_scaled(vkg_ctx *ctx, const vkg_tensor *a, const vkg_tensor *b, float scale,
                                        vkg_tensor **out);

#ifdef __cplusplus
}
#endif
#endif
