/* vqvae plugin: node tables and callbacks (one file per node type; plugin.c assembles them). */
#ifndef VKG_VQ_NODES_H
#define VKG_VQ_NODES_H

#include "vq_internal.h"

#define VQ_CALLBACKS(n)                                                                                  \
  vkg_status vq_##n##_create(vkg_node *node, void **state);                                              \
  vkg_status vq_##n##_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out); \
  vkg_status vq_##n##_start(vkg_node *node, void *state);                                                \
  vkg_status vq_##n##_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);         \
  void vq_##n##_destroy(void *state)

extern const vkg_port_desc vq_encode_inputs[1];
extern const vkg_port_desc vq_encode_outputs[3];
extern const vkg_param_desc vq_encode_params[1];
VQ_CALLBACKS(encode);

extern const vkg_port_desc vq_decode_inputs[1];
extern const vkg_port_desc vq_decode_outputs[1];
extern const vkg_param_desc vq_decode_params[2];
VQ_CALLBACKS(decode);

extern const vkg_port_desc vq_decode_indices_inputs[1];
extern const vkg_port_desc vq_decode_indices_outputs[1];
extern const vkg_param_desc vq_decode_indices_params[1];
VQ_CALLBACKS(decode_indices);

typedef struct vq_node_state {
  vq_model *vm;
  int force_not_quantize;
} vq_node_state;

vkg_status vq_state_create(vkg_node *node, void **state);
void vq_state_destroy(void *state);
/* Image shape for latents / indices of spatial size h x w. */
vkg_shape vq_image_shape(const vq_model *vm, int64_t b, int64_t h, int64_t w);

#endif
