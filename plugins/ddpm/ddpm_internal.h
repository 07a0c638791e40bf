/* ddpm plugin: the diffusers UNet2DModel, the DDPM/DDIM schedulers and the node callbacks.
 * The layers themselves live in libvkgen (vkgen/nn.h); this plugin assembles them. */
#ifndef VKG_DDPM_INTERNAL_H
#define VKG_DDPM_INTERNAL_H

#include <stdint.h>

#include <vkgen/nn.h>
#include <vkgen/plugin.h>

#define VKG_DDPM_MAX_BLOCKS 8
#define VKG_DDPM_MAX_WIDTH 65536 /* block_out_channels beyond this cannot be real (a 3x3 conv of 2^34 floats) */

/* UNet2DModel config with diffusers' class defaults for absent keys. */
typedef struct vkg_ddpm_unet_cfg {
  int64_t in_channels, out_channels, sample_size[2];
  int center_input_sample;
  int flip_sin_to_cos;
  double freq_shift;
  int64_t time_embedding_dim; /* resolved: block_out_channels[0] * 4 when null */
  int nblocks;
  int64_t block_out[VKG_DDPM_MAX_BLOCKS];
  int down_attn[VKG_DDPM_MAX_BLOCKS], up_attn[VKG_DDPM_MAX_BLOCKS];
  int has_mid, mid_attn;
  int64_t layers_per_block;
  double mid_block_scale_factor;
  int downsample_padding;
  vkg_act act;
  int64_t attention_head_dim; /* 0: null (one head of the block's width) */
  int norm_groups, attn_norm_groups; /* attn_norm_groups 0: none in the mid block */
  double norm_eps;
  vkg_nn_temb_norm temb_norm;
} vkg_ddpm_unet_cfg;

/* Parses folder's config (m) into cfg; every unsupported value is an error naming the key. */
vkg_status vkg_ddpm_unet_cfg_parse(vkg_ctx *ctx, const vkg_model *m, vkg_ddpm_unet_cfg *cfg);

typedef struct vkg_ddpm_unet vkg_ddpm_unet;

/* Opens the folder and parses its config (no GPU work). */
vkg_status vkg_ddpm_unet_open(vkg_ctx *ctx, const char *folder, vkg_ddpm_unet **out);
const vkg_ddpm_unet_cfg *vkg_ddpm_unet_config(const vkg_ddpm_unet *u);
vkg_model *vkg_ddpm_unet_model(vkg_ddpm_unet *u);
/* Uploads the weights (once; later calls do nothing). */
vkg_status vkg_ddpm_unet_load(vkg_ctx *ctx, vkg_ddpm_unet *u);
/* Checks an input shape [B, in_channels, H, W] (H, W divisible by 2^(blocks-1)). */
vkg_status vkg_ddpm_unet_check_input(vkg_ctx *ctx, const vkg_ddpm_unet *u, const vkg_shape *s);
/* noise_pred = unet(x, t); t: f32 [B]. */
vkg_status vkg_ddpm_unet_forward(vkg_ctx *ctx, const vkg_ddpm_unet *u, const vkg_tensor *x, const vkg_tensor *t,
                                 vkg_tensor **out);
void vkg_ddpm_unet_destroy(vkg_ddpm_unet *u);

/* ---- DiT (diffusers DiTTransformer2DModel / Transformer2DModel with norm_type ada_norm_zero) ------------ */
typedef struct vkg_ddpm_dit_cfg {
  int heads, layers, patch;
  int64_t dim; /* heads * attention_head_dim */
  int64_t in_channels, out_channels; /* out: in, or 2 * in with learned sigma */
  int64_t sample_size, num_classes;  /* num_classes: num_embeds_ada_norm (also the null class id) */
  double norm_eps;
  int attention_bias;
  vkg_act act;
} vkg_ddpm_dit_cfg;

vkg_status vkg_ddpm_dit_cfg_parse(vkg_ctx *ctx, const vkg_model *m, vkg_ddpm_dit_cfg *cfg);

typedef struct vkg_ddpm_dit vkg_ddpm_dit;

/* Opens a transformer folder, parses its config and checks the class table's rows (no GPU work). */
vkg_status vkg_ddpm_dit_open(vkg_ctx *ctx, const char *folder, vkg_ddpm_dit **out);
const vkg_ddpm_dit_cfg *vkg_ddpm_dit_config(const vkg_ddpm_dit *d);
/* The class table has the extra row num_classes (the null class of classifier-free guidance). */
int vkg_ddpm_dit_has_null_class(const vkg_ddpm_dit *d);
vkg_status vkg_ddpm_dit_load(vkg_ctx *ctx, vkg_ddpm_dit *d);
/* [B, in_channels, H, W] with H, W multiples of the patch size. */
vkg_status vkg_ddpm_dit_check_input(vkg_ctx *ctx, const vkg_ddpm_dit *d, const vkg_shape *s);
/* out = dit(x, t, labels) [B, out_channels, H, W]; t f32 [B], labels i32 / i64 [B] in [0, table rows). */
vkg_status vkg_ddpm_dit_forward(vkg_ctx *ctx, vkg_ddpm_dit *d, const vkg_tensor *x, const vkg_tensor *t,
                                const vkg_tensor *labels, vkg_tensor **out);
void vkg_ddpm_dit_destroy(vkg_ddpm_dit *d);

/* ---- model folders: a denoiser folder, or a diffusers pipeline folder (model_index.json) ------------ */
#define VKG_DDPM_PATH_MAX 4096
typedef struct vkg_ddpm_folders {
  char denoiser[VKG_DDPM_PATH_MAX]; /* the UNet2DModel or transformer folder */
  char root[VKG_DDPM_PATH_MAX];     /* where scheduler_config.json or scheduler/ is looked for */
  char vae[VKG_DDPM_PATH_MAX];      /* the pipeline's vae/ folder, "" when none */
  int is_dit;                       /* config _class_name DiTTransformer2DModel or Transformer2DModel */
} vkg_ddpm_folders;

/* model: a pipeline folder (its transformer/ or unet/ is the denoiser), or a denoiser folder (inside a
 * pipeline folder when its parent holds model_index.json). */
vkg_status vkg_ddpm_folders_resolve(vkg_ctx *ctx, const char *model, vkg_ddpm_folders *f);
/* A DiT pipeline: the VAE's latent_channels must equal the transformer's in_channels. */
vkg_status vkg_ddpm_folders_check_vae(vkg_ctx *ctx, const vkg_ddpm_folders *f, int64_t in_channels);

/* ---- schedulers (host math in double) ---------------------------------------------------- */
typedef enum { VKG_DDPM_SCHED_DDPM = 0, VKG_DDPM_SCHED_DDIM } vkg_ddpm_sched_kind;
typedef enum { VKG_DDPM_PRED_EPSILON = 0, VKG_DDPM_PRED_V, VKG_DDPM_PRED_SAMPLE } vkg_ddpm_pred;
typedef enum {
  VKG_DDPM_VAR_FIXED_SMALL = 0,
  VKG_DDPM_VAR_FIXED_LARGE,
  VKG_DDPM_VAR_FIXED_SMALL_LOG,
  VKG_DDPM_VAR_LEARNED_RANGE /* DDPM only; needs a model with 2C output channels (the second C: variance) */
} vkg_ddpm_var;
typedef enum { VKG_DDPM_SPACING_LEADING = 0, VKG_DDPM_SPACING_TRAILING, VKG_DDPM_SPACING_LINSPACE } vkg_ddpm_spacing;

typedef struct vkg_ddpm_sched_cfg {
  int64_t num_train_timesteps;
  double beta_start, beta_end;
  int beta_schedule; /* 0 linear, 1 scaled_linear, 2 squaredcos_cap_v2, 3 trained_betas */
  double *trained_betas; /* malloc'd when beta_schedule == 3 */
  vkg_ddpm_var variance_type;
  int clip_sample;
  double clip_sample_range;
  vkg_ddpm_pred prediction;
  vkg_ddpm_spacing spacing;
  int64_t steps_offset;
  int set_alpha_to_one;
  vkg_ddpm_sched_kind config_kind; /* from _class_name (DDIMScheduler -> ddim, else ddpm) */
} vkg_ddpm_sched_cfg;

/* Defaults (diffusers' DDPMScheduler/DDIMScheduler), then scheduler_config.json of folder
 * (or folder/scheduler/scheduler_config.json) when present. */
vkg_status vkg_ddpm_sched_cfg_load(vkg_ctx *ctx, const char *folder, vkg_ddpm_sched_cfg *cfg);
void vkg_ddpm_sched_cfg_free(vkg_ddpm_sched_cfg *cfg);

/* Coefficients of one fused step (see shaders/ddpm/step.comp):
 *   x0 = (A x + B e) / D, clipped to [-clip, clip] when clip > 0
 *   eps = E0 e + E1 x
 *   x' = C0 x0 + C1 x + C2 eps + C3 noise
 * learned (DDPM learned_range): C3 is per element exp(0.5 (f max_log + (1 - f) min_log)), f = (v + 1) / 2 with
 * v the model's variance channels. */
typedef struct vkg_ddpm_step_coef {
  float a, b, d, e0, e1, c0, c1, c2, c3, clip;
  int needs_noise;
  int learned;
  float min_log, max_log;
} vkg_ddpm_step_coef;

typedef struct vkg_ddpm_sched {
  vkg_ddpm_sched_kind kind;
  vkg_ddpm_sched_cfg cfg;
  double *alphas_cumprod; /* [num_train_timesteps] */
  int64_t steps;
  int64_t *timesteps; /* [steps] */
  double eta;
} vkg_ddpm_sched;

/* Builds the tables and the timestep list; steps in [1, num_train_timesteps]. */
vkg_status vkg_ddpm_sched_init(vkg_ctx *ctx, vkg_ddpm_sched *s, vkg_ddpm_sched_kind kind,
                               const vkg_ddpm_sched_cfg *cfg, int64_t steps, double eta);
void vkg_ddpm_sched_free(vkg_ddpm_sched *s);
/* Coefficients of step i (0-based, timesteps[i]). */
void vkg_ddpm_sched_coef(const vkg_ddpm_sched *s, int64_t i, vkg_ddpm_step_coef *c);

/* ---- GPU ops of the plugin (shaders/ddpm) ---------------------------------------------------- */
/* t (f32 or i64, [1] or [B] or 0-d) -> f32 [B]. */
vkg_status vkg_ddpm_timesteps_f32(vkg_ctx *ctx, const vkg_tensor *t, int64_t batch, vkg_tensor **out);
/* In place: x = step(x, eps, noise) with coefficients c (noise may be NULL when c3 == 0; var: the model's
 * variance channels, x's shape, needed when c->learned). */
vkg_status vkg_ddpm_step(vkg_ctx *ctx, vkg_tensor *x, const vkg_tensor *eps, const vkg_tensor *noise,
                         const vkg_tensor *var, const vkg_ddpm_step_coef *c);
/* Channels [c0, c0 + C) of samples [0, B) of a model output o [N, Cout, H, W] as a new [B, C, H, W]: with
 * guided (N = 2B, the conditional half first) uncond + scale * (cond - uncond), else a copy of them. */
vkg_status vkg_ddpm_guide(vkg_ctx *ctx, const vkg_tensor *o, int64_t B, int64_t c0, int64_t C, int guided,
                          float scale, vkg_tensor **out);
/* image = clamp(x / 2 + 0.5, 0, 1) (new tensor). */
vkg_status vkg_ddpm_to_image(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor **out);

/* ---- node types (plugin.c assembles the descriptor) ------------------------------------------ */
#define VKG_DDPM_NODE_CALLBACKS(n)                                                                   \
  vkg_status vkg_ddpm_##n##_node_create(vkg_node *node, void **state);                               \
  vkg_status vkg_ddpm_##n##_node_infer(vkg_node *node, void *state, const vkg_tensor_info *in,       \
                                       vkg_tensor_info *out);                                        \
  vkg_status vkg_ddpm_##n##_node_start(vkg_node *node, void *state);                                 \
  vkg_status vkg_ddpm_##n##_node_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out); \
  void vkg_ddpm_##n##_node_destroy(void *state)

extern const vkg_port_desc vkg_ddpm_unet_inputs[2];
extern const vkg_port_desc vkg_ddpm_unet_outputs[1];
extern const vkg_param_desc vkg_ddpm_unet_params[1];
VKG_DDPM_NODE_CALLBACKS(unet);

#define VKG_DDPM_SAMPLE_NPARAMS 11
extern const vkg_port_desc vkg_ddpm_sample_inputs[3];
extern const vkg_port_desc vkg_ddpm_sample_outputs[2];
extern const vkg_param_desc vkg_ddpm_sample_params[VKG_DDPM_SAMPLE_NPARAMS];
VKG_DDPM_NODE_CALLBACKS(sample);

#endif
