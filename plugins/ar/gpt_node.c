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

vkg_status vkg_gpt_read_ids(vkg_ctx *ctx, const vkg_tensor *ids, int64_t **out) {
  const int64_t n = vkg_tensor_numel(ids);
  const int wide = vkg_tensor_dtype(ids) == VKG_I64;
  void *raw = malloc(vkg_tensor_bytes(ids) ? vkg_tensor_bytes(ids) : 1);
  int64_t *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  vkg_status st = raw && v ? vkg_tensor_download(ctx, ids, raw, vkg_tensor_bytes(ids))
                           : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  for (int64_t i = 0; !st && i < n; i++) v[i] = wide ? ((const int64_t *)raw)[i] : ((const int32_t *)raw)[i];
  free(raw);
  if (st) {
    free(v);
    return st;
  }
  *out = v;
  return VKG_OK;
}
