/* Shared by the ar.gpt_* nodes: the model folder opened and checked at create time. */
#ifndef VKG_AR_GPT_NODE_H
#define VKG_AR_GPT_NODE_H

#include <vkgen/plugin.h>

#include "gpt.h"

typedef struct vkg_gpt_model {
  vkg_model *model;
  vkg_gpt net;
} vkg_gpt_model;

/* Opens the folder of param (class GPT) and checks the architecture; errors carry the node. */
vkg_status vkg_gpt_model_open(vkg_node *node, const char *param, vkg_gpt_model *gm);
vkg_status vkg_gpt_model_upload(vkg_node *node, vkg_gpt_model *gm);
void vkg_gpt_model_close(vkg_gpt_model *gm);


extern const vkg_port_desc vkg_gpt_logits_inputs[1];
extern const vkg_port_desc vkg_gpt_logits_outputs[1];
#define VKG_GPT_LOGITS_NPARAMS 1
extern const vkg_param_desc vkg_gpt_logits_params[VKG_GPT_LOGITS_NPARAMS];
vkg_status vkg_gpt_logits_create(vkg_node *node, void **state);
vkg_status vkg_gpt_logits_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gpt_logits_start(vkg_node *node, void *state);
vkg_status vkg_gpt_logits_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_gpt_logits_destroy(void *state);

extern const vkg_port_desc vkg_gpt_sample_inputs[1];
extern const vkg_port_desc vkg_gpt_sample_outputs[1];
#define VKG_GPT_SAMPLE_NPARAMS 8
extern const vkg_param_desc vkg_gpt_sample_params[VKG_GPT_SAMPLE_NPARAMS];
vkg_status vkg_gpt_sample_create(vkg_node *node, void **state);
vkg_status vkg_gpt_sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_gpt_sample_start(vkg_node *node, void *state);
vkg_status vkg_gpt_sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_gpt_sample_destroy(void *state);

#endif
