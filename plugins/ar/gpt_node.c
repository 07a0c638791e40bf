/* Helpers shared by the ar.gpt_* nodes. */
#include <stdlib.h>

#include "gpt_node.h"

vkg_status vkg_gpt_model_open(vkg_node *node, const char *param, vkg_gpt_model *gm) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  const char *folder = NULL;
  vkg_node_param_string(node, param, &folder);
  vkg_status st = vkg_model_open(ctx, folder, NULL, "GPT", &gm->model);
  if (!st) st = vkg_gpt_open(ctx, gm->model, &gm->net);
  if (st) {
    st = vkg_node_rethrow(node, param);
    vkg_gpt_model_close(gm);
  }
  return st;
}

vkg_status vkg_gpt_model_upload(vkg_node *node, vkg_gpt_model *gm) {
  if (gm->net.uploaded) return VKG_OK;
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (vkg_gpt_upload(ctx, gm->model, &gm->net)) return vkg_node_rethrow(node, "model");
  vkg_model_unused(ctx, gm->model, 1);
  return VKG_OK;
}

void vkg_gpt_model_close(vkg_gpt_model *gm) {
  if (!gm) return;
  vkg_gpt_free(&gm->net);
  vkg_model_close(gm->model);
  gm->model = NULL;
}
