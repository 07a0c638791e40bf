/* pytorch-fid's FID Inception v3 (torchvision Inception3 key names) on the kernel library.
 *
 * Every BasicConv2d (bias-free conv + BatchNorm(eps 1e-3) + ReLU) is folded at load into
 * one conv with bias: w' = w * g / sqrt(var + eps), b' = beta - mean * g / sqrt(var + eps),
 * computed in double. Channel counts come from the weight shapes (narrow variants and any
 * num_classes load); the flow of channels through every block is checked at load, naming
 * the tensor that disagrees.
 *
 * The stem conv (Conv2d_1a_3x3, unpadded) also takes the input scaling x -> 2x - 1 at load:
 * conv(2x - 1) = conv(x; 2w') + b' - sum(w') holds exactly without padding, so no pass over the
 * 299x299 input does it.
 */
#ifndef VKG_INCEPTION_NET_H
#define VKG_INCEPTION_NET_H

#include <vkgen/kernels.h>
#include <vkgen/model.h>

typedef struct vkg_inc_conv {
  const char *name; /* key prefix, e.g. "Mixed_5b.branch1x1" */
  vkg_tensor *w, *b;
  int64_t cin, cout;
  int kh, kw;
  vkg_conv2d_params p;
} vkg_inc_conv;

typedef struct vkg_inception_net {
  int nconv;
  vkg_inc_conv *conv;   /* in the table order of inception_net.c */
  vkg_tensor *fc_w, *fc_b;
  int64_t features;     /* pool width (2048 for the real network) */
  int64_t classes;      /* fc rows (1008) */
} vkg_inception_net;

vkg_status vkg_inception_load(vkg_ctx *ctx, vkg_model *m, vkg_inception_net *net);
void vkg_inception_free(vkg_inception_net *net);

/* images: f32 [B, 1 or 3, H, W] in [0, 1]. resize: bilinear to 299x299 as pytorch-fid.
 * Outputs (new references; any may be NULL to skip): pool [B, features], logits [B, classes]
 * (fc with bias), logits_unbiased [B, classes] (pool @ fc.weight^T). */
vkg_status vkg_inception_forward(vkg_ctx *ctx, const vkg_inception_net *net, const vkg_tensor *images, int resize,
                                 vkg_tensor **pool, vkg_tensor **logits, vkg_tensor **logits_unbiased);

#endif
