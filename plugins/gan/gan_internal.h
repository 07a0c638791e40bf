/* gan plugin internals: one generator interface, one implementation per architecture.
 *
 * A generator maps noise [B, z_dim, 1, 1] to images [B, channels, height, width] in [-1, 1].
 * An architecture is chosen by the model config's `_class_name`; adding one (StyleGAN2 next)
 * means one more vkg_gan_arch in vkg_gan_archs[] (generate.c) and its own source file; the
 * node code does not change. */
#ifndef VKG_GAN_INTERNAL_H
#define VKG_GAN_INTERNAL_H

#include <vkgen/kernels.h>
#include <vkgen/model.h>
#include <vkgen/plugin.h>

typedef struct vkg_gan_net vkg_gan_net;

typedef struct vkg_gan_arch {
  const char *class_name; /* config `_class_name` */
  /* Reads sizes from config and weight shapes, fills net->z_dim/channels/height/width and
   * net->impl. Host only (no GPU work); errors name the tensor and the file. */
  vkg_status (*open)(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
  /* Loads (folds) and uploads the weights. */
  vkg_status (*upload)(vkg_ctx *ctx, vkg_model *m, vkg_gan_net *net);
  /* Records the forward pass: z [B, z_dim, 1, 1] (f32) into image [B, channels, height, width]. */
  vkg_status (*forward)(vkg_ctx *ctx, vkg_gan_net *net, const vkg_tensor *z, vkg_tensor *image);
  void (*destroy)(vkg_gan_net *net); /* frees impl (and its tensors) */
} vkg_gan_arch;

struct vkg_gan_net {
  const vkg_gan_arch *arch;
  int64_t z_dim;
  int64_t channels, height, width;
  void *impl;
};

extern const vkg_gan_arch vkg_gan_dcgan;

/* Opens model folder `folder`, picks the architecture by `_class_name` and opens it. */
vkg_status vkg_gan_net_open(vkg_ctx *ctx, const char *folder, vkg_model **model, vkg_gan_net *net);
void vkg_gan_net_close(vkg_model *model, vkg_gan_net *net);

/* Node type gan.generate. */
extern const vkg_port_desc vkg_gan_generate_inputs[1];
extern const vkg_port_desc vkg_gan_generate_outputs[1];
#define VKG_GAN_GENERATE_NPARAMS 1
extern const vkg_param_desc vkg_gan_generate_params[VKG_GAN_GENERATE_NPARAMS];
vkg_status vkg_gan_generate_create(vkg_node *node, void **state);
vkg_status vkg_gan_generate_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gan_generate_start(vkg_node *node, void *state);
vkg_status vkg_gan_generate_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_gan_generate_destroy(void *state);

#endif
