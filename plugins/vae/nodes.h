/* vae plugin: node tables and callbacks (one file per node type; plugin.c assembles them). */
#ifndef VKG_VAE_NODES_H
#define VKG_VAE_NODES_H

#include "vae_internal.h"

#define VAE_CALLBACKS(n)                                                                                 \
  vkg_status vae_##n##_create(vkg_node *node, void **state);                                             \
  vkg_status vae_##n##_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out); \
  vkg_status vae_##n##_start(vkg_node *node, void *state);                                               \
  vkg_status vae_##n##_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);        \
  void vae_##n##_destroy(void *state)

#define VAE_ENCODE_NPARAMS 2
extern const vkg_port_desc vae_encode_inputs[1];
extern const vkg_port_desc vae_encode_outputs[2];
extern const vkg_param_desc vae_encode_params[VAE_ENCODE_NPARAMS];
VAE_CALLBACKS(encode);

#define VAE_DECODE_NPARAMS 2
extern const vkg_port_desc vae_decode_inputs[1];
extern const vkg_port_desc vae_decode_outputs[1];
extern const vkg_param_desc vae_decode_params[VAE_DECODE_NPARAMS];
VAE_CALLBACKS(decode);

#define VAE_SAMPLE_NPARAMS 6
extern const vkg_port_desc vae_sample_outputs[2];
extern const vkg_param_desc vae_sample_params[VAE_SAMPLE_NPARAMS];
VAE_CALLBACKS(sample);

/* State shared by the three node types. */
typedef struct vae_node_state {
  vae_model *vm;
  int scale;
  /* sample */
  vkg_shape latent;
  uint64_t seed;
  uint32_t stream;
} vae_node_state;

vkg_status vae_state_create(vkg_node *node, vae_node_state **out);
void vae_state_destroy(void *state);

#endif
