/* gan plugin internals: one generator interface, one implementation per architecture.
 *
 * A generator maps noise [B, z_dim, 1, 1] to images [B, channels, height, width] in [-1, 1].
 * An architecture is chosen by the model config's `_class_name` (DCGANGenerator,
 * StyleGAN2Generator); adding one means one more vkg_gan_arch in vkg_gan_archs[] (generate.c) and its own source file; the
 * node code does not change. */
#ifndef VKG_GAN_INTERNAL_H
#define VKG_GAN_INTERNAL_H

#include <vkgen/kernels.h>
#include <vkgen/model.h>
#include <vkgen/plugin.h>

typedef struct vkg_gan_net vkg_gan_net;

/* Per-call options (gan.generate params); an architecture ignores what it has no use for. */
typedef struct vkg_gan_opts {
  double psi;       /* truncation_psi; 1 = none */
  int64_t cutoff;   /* truncation_cutoff; < 0 = all layers */
  int noise_mode;   /* 0 const, 1 random, 2 none */
  uint64_t seed, first_sample; /* random noise: counter-based RNG keyed by seed and global sample */
} vkg_gan_opts;

typedef struct vkg_gan_arch {
  const char *class_name; /* config `_class_name` */
  /* Reads sizes from config and weight shapes, fills net->z_dim/channels/height/width and
   * net->impl. Host only (no GPU work); errors name the tensor and the file. */
  vkg_status (*open)(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
  /* Loads (folds) and uploads the weights. */
  vkg_status (*upload)(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
  /* Records the forward pass: z [B, z_dim, 1, 1] (f32) and class c [B, c_dim] (NULL when
   * c_dim is 0) into image [B, channels, height, width]. */
  vkg_status (*forward)(vkg_ctx *ctx, vkg_gan_net *net, const vkg_tensor *z, const vkg_tensor *c,
                        const vkg_gan_opts *o, vkg_tensor *image);
  void (*destroy)(vkg_gan_net *net); /* frees impl (and its tensors) */
} vkg_gan_arch;

struct vkg_gan_net {
  const vkg_gan_arch *arch;
  int64_t z_dim, c_dim; /* c_dim 0: unconditional */
  int64_t channels, height, width;
  void *impl;
};

extern const vkg_gan_arch vkg_gan_dcgan;
extern const vkg_gan_arch vkg_gan_stylegan2;

/* Opens model folder `folder`, picks the architecture by `_class_name` and opens it. */
vkg_status vkg_gan_net_open(vkg_ctx *ctx, const char *folder, vkg_model **model, vkg_gan_net *net);
void vkg_gan_net_close(vkg_model *model, vkg_gan_net *net);

/* gan_common.c: shared by the nodes. Options from the node's params (truncation_psi,
 * truncation_cutoff, noise_mode, seed; those a node type lacks keep their defaults). */
void vkg_gan_opts_from_params(vkg_node *node, vkg_gan_opts *o);
/* Checks the optional class input (index `port`) against the model: required iff c_dim > 0;
 * [B] integer labels or [B, c_dim] f32 rows. */
vkg_status vkg_gan_class_infer(vkg_node *node, const vkg_gan_net *net, const vkg_model *m, int64_t batch,
                               const vkg_tensor_info *in, int port);
/* The class input as f32 [B, c_dim]: f32 rows as they are (a view), integer labels one-hot
 * (read back to the host; a label outside [0, c_dim) is an error). */
vkg_status vkg_gan_class_onehot(vkg_ctx *ctx, vkg_tensor *labels, int64_t c_dim, vkg_tensor **out);

/* Node type gan.generate. */
#define VKG_GAN_GENERATE_NINPUTS 2
extern const vkg_port_desc vkg_gan_generate_inputs[VKG_GAN_GENERATE_NINPUTS];
extern const vkg_port_desc vkg_gan_generate_outputs[1];
#define VKG_GAN_GENERATE_NPARAMS 5
extern const vkg_param_desc vkg_gan_generate_params[VKG_GAN_GENERATE_NPARAMS];
vkg_status vkg_gan_generate_create(vkg_node *node, void **state);
vkg_status vkg_gan_generate_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gan_generate_start(vkg_node *node, void *state);
vkg_status vkg_gan_generate_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_gan_generate_destroy(void *state);

/* Node type gan.interpolate (interpolate.c). */
extern const vkg_port_desc vkg_gan_interpolate_in[2], vkg_gan_interpolate_out[1];
extern const vkg_param_desc vkg_gan_interpolate_params[1];
vkg_status vkg_gan_interpolate_create(vkg_node *node, void **state);
vkg_status vkg_gan_interpolate_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gan_interpolate_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_gan_interpolate_destroy(void *state);

#endif
