/* StyleGAN2Generator (NVlabs stylegan2-ada-pytorch `training/networks.py` Generator, G_ema
 * state_dict names): mapping network (z, c -> w, truncation around mapping.w_avg) and the
 * synthesis network (ws -> image; 'skip' or 'orig' architecture, modulated convolutions with
 * demodulation, noise inputs, FIR upsampling, ToRGB, conv_clamp). Everything runs in f32,
 * whatever num_fp16_res says. See docs/gan.md for the math and the weight names. */
#ifndef VKG_GAN_STYLEGAN2_H
#define VKG_GAN_STYLEGAN2_H

#include "gan_internal.h"

typedef enum sg2_noise_mode { SG2_NOISE_CONST = 0, SG2_NOISE_RANDOM, SG2_NOISE_NONE } sg2_noise_mode;

/* FullyConnectedLayer: weight scaled by lr / sqrt(in) and bias by lr at upload. */
typedef struct sg2_fc {
  char key[64]; /* "mapping.fc0" */
  int64_t in, out;
  float wgain, bgain;
  vkg_tensor *w, *b;
} sg2_fc;

/* SynthesisLayer (conv0 / conv1) or ToRGBLayer (torgb). */
typedef struct sg2_layer {
  char key[64]; /* "synthesis.b8.conv0" */
  int rgb, up;  /* ToRGB (1x1, no demodulation, linear); up 2 for conv0 */
  int64_t cin, cout, k, res;
  int w_index;     /* which of the num_ws latents it reads */
  int noise_index; /* -1: no noise input; else the random-noise stream */
  int pad0, pad1;  /* FIR padding after the transposed conv (up 2) */
  sg2_fc affine;   /* styles = affine(w) (ToRGB: times 1/sqrt(cin), folded in) */
  float noise_strength;
  vkg_tensor *weight; /* [cout, cin, k, k]; up 2: [cin, cout, k, k] for conv_transpose2d */
  vkg_tensor *wsq;    /* [cout, cin] sum over taps of weight^2 (demodulation); NULL for ToRGB */
  vkg_tensor *bias, *noise_const, *filter;
} sg2_layer;

typedef struct sg2_block {
  int64_t res, cin, cout; /* cin 0: the first block (const input) */
  sg2_layer *conv0, *conv1, *torgb; /* into sg2.layers; conv0 NULL for b4, torgb NULL when absent */
  vkg_tensor *filter;               /* synthesis.bR.resample_filter (img upsampling) */
} sg2_block;

typedef struct sg2 {
  int64_t z_dim, c_dim, w_dim, embed_dim, num_ws, resolution, img_channels;
  int nmap, nblocks, nlayers, nnoise, skip;
  float conv_clamp; /* < 0: none */
  sg2_fc embed;     /* mapping.embed (c_dim > 0) */
  sg2_fc *fc;       /* mapping.fc0 .. fcN-1 */
  vkg_tensor *w_avg, *cnst;
  sg2_block *blocks;
  sg2_layer *layers; /* execution order */
} sg2;

typedef vkg_gan_opts sg2_opts; /* noise_mode: an sg2_noise_mode */

/* stylegan2_config.c: sizes from config.json and weight shapes (host only). */
vkg_status sg2_open(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
void sg2_destroy(vkg_gan_net *net);
/* stylegan2_load.c */
vkg_status sg2_upload(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
/* stylegan2_forward.c. z: [B, z_dim], c: [B, c_dim] or NULL; ws: [B, num_ws, w_dim]. */
vkg_status sg2_mapping(vkg_ctx *ctx, const sg2 *g, const vkg_tensor *z, const vkg_tensor *c, const sg2_opts *o,
                       vkg_tensor *ws);
/* ws [B, num_ws, w_dim] from w [B, w_dim]: ws[:, l] = w_avg + psi (w - w_avg) for l < cutoff
 * (all l when cutoff < 0; none when psi is 1), else w. */
vkg_status sg2_broadcast(vkg_ctx *ctx, const sg2 *g, vkg_tensor *w, const sg2_opts *o, vkg_tensor *ws);
vkg_status sg2_synthesis(vkg_ctx *ctx, const sg2 *g, const vkg_tensor *ws, const sg2_opts *o, vkg_tensor *image);
/* "const" / "random" / "none" -> mode; -1 for another name. */
int sg2_noise_mode_parse(const char *name);

/* stylegan2_nodes.c: node types gan.mapping and gan.synthesis (plugin.c lists them). */
extern const vkg_port_desc vkg_gan_mapping_in[2], vkg_gan_mapping_out[1], vkg_gan_synthesis_in[2],
    vkg_gan_synthesis_out[1];
extern const vkg_param_desc vkg_gan_mapping_params[3], vkg_gan_synthesis_params[4];
vkg_status vkg_gan_sg2_create(vkg_node *node, void **state);
vkg_status vkg_gan_sg2_start(vkg_node *node, void *state);
void vkg_gan_sg2_destroy(void *state);
vkg_status vkg_gan_mapping_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gan_mapping_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
vkg_status vkg_gan_synthesis_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gan_synthesis_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);

#endif
