/* The ar plugin: autoregressive models: PixelCNN over pixels, a GPT prior over VQ codes. */
#include <stdio.h>
#include <time.h>

#include "ar_internal.h"
#include "gpt_node.h"

#include <vkgen/vkgen.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const vkg_node_type ar_types[] = {
    {.name = "logits",
     .doc = "PixelCNN logits: pixels 0..255 [B, C, H, W] (i32, i64, u8, or f32 holding 0..255) to per-pixel logits over the "
         "256 levels [B, 256, H, W]. The network sees pixel / 255.",
     .ninputs = 1, .inputs = vkg_ar_logits_inputs, .noutputs = 1, .outputs = vkg_ar_logits_outputs,
     .nparams = VKG_AR_LOGITS_NPARAMS, .params = vkg_ar_logits_params, .create = vkg_ar_logits_create,
     .infer = vkg_ar_logits_infer, .start = vkg_ar_logits_start, .run = vkg_ar_logits_run,
     .destroy = vkg_ar_logits_destroy},
    {.name = "sample",
     .doc = "PixelCNN sampling in raster order with temperature, all on the GPU (by default each layer computed at the "
         "new pixel only, a row of pixels per dispatch; see param mode). Sample k of the run depends only on (seed, k), "
         "not on the batch size.",
     .flags = VKG_NODE_SOURCE, .noutputs = 2, .outputs = vkg_ar_sample_outputs, .nparams = VKG_AR_SAMPLE_NPARAMS,
     .params = vkg_ar_sample_params, .create = vkg_ar_sample_create, .infer = vkg_ar_sample_infer,
     .start = vkg_ar_sample_start, .run = vkg_ar_sample_run, .destroy = vkg_ar_sample_destroy},
    {.name = "gpt_logits",
     .doc = "GPT prior (minGPT as in taming-transformers): token ids [B, T] to next-token logits [B, T, vocab] in one causal "
         "forward. Ids are checked against the vocabulary once per batch.",
     .ninputs = 1, .inputs = vkg_gpt_logits_inputs, .noutputs = 1, .outputs = vkg_gpt_logits_outputs,
     .nparams = VKG_GPT_LOGITS_NPARAMS, .params = vkg_gpt_logits_params, .create = vkg_gpt_logits_create,
     .infer = vkg_gpt_logits_infer, .start = vkg_gpt_logits_start, .run = vkg_gpt_logits_run,
     .destroy = vkg_gpt_logits_destroy},
    {.name = "gpt_sample",
     .doc = "GPT prior sampling of a code grid [B, h, w] (for vqvae.decode_indices): decoding on the GPU with a KV cache "
         "(O(t) per code, no host round trip per code), temperature, top-k and top-p as taming-transformers. "
         "Class-conditional models take the class as the first token. Sample k of the run depends only on (seed, k).",
     .ninputs = 1, .inputs = vkg_gpt_sample_inputs, .noutputs = 1, .outputs = vkg_gpt_sample_outputs,
     .nparams = VKG_GPT_SAMPLE_NPARAMS, .params = vkg_gpt_sample_params, .create = vkg_gpt_sample_create,
     .infer = vkg_gpt_sample_infer, .start = vkg_gpt_sample_start, .run = vkg_gpt_sample_run,
     .destroy = vkg_gpt_sample_destroy},
};

static const vkg_plugin_desc ar_plugin = {
    VKG_PLUGIN_ABI,
    .name = "ar", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Autoregressive models: PixelCNN over pixels, GPT priors over VQ codes.", .ntypes = NELEM(ar_types),
    .types = ar_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &ar_plugin; }

vkg_status vkg_ar_node_fail(vkg_node *node, vkg_status st, const char *param) {
  char msg[2048];
  snprintf(msg, sizeof msg, "%s", vkg_error_message(vkg_node_ctx(node)));
  return vkg_node_error(node, st, param, "%s", msg);
}

vkg_status vkg_ar_model_open(vkg_node *node, const char *param, vkg_ar_model *am) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  const char *folder = NULL;
  vkg_node_param_string(node, param, &folder);
  vkg_status st = vkg_model_open(ctx, folder, NULL, "PixelCNN", &am->model);
  if (st == VKG_OK) st = vkg_pixelcnn_open(ctx, am->model, &am->net);
  if (st != VKG_OK) {
    vkg_ar_model_close(am);
    return vkg_ar_node_fail(node, st, param);
  }
  return VKG_OK;
}

vkg_status vkg_ar_model_upload(vkg_node *node, vkg_ar_model *am) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (am->net.uploaded) return VKG_OK;
  vkg_status st = vkg_pixelcnn_upload(ctx, am->model, &am->net);
  if (st != VKG_OK) return vkg_ar_node_fail(node, st, "model");
  vkg_model_unused(ctx, am->model, 1);
  return VKG_OK;
}

void vkg_ar_model_close(vkg_ar_model *am) {
  vkg_pixelcnn_free(&am->net);
  vkg_model_close(am->model);
  am->model = NULL;
}

double vkg_ar_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
