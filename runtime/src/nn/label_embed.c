/* Class-label embedding (diffusers LabelEmbedding: an nn.Embedding table, possibly with the extra null
 * class row that classifier-free guidance uses). */
#include "nn_internal.h"

vkg_status vkg_nn_label_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t dim,
                                   vkg_nn_label_embed *out) {
  char key[VKG_NN_KEY_MAX];
  vkg_nn_label_embed le = {0};
  int64_t d[2] = {-1, dim};
  vkg_status st = vkg_model_load(ctx, m, 2, d, &le.table, "%s", vkg_nn_key(key, sizeof key, prefix, "embedding_table.weight"));
  if (st) return st;
  le.rows = vkg_tensor_shape(le.table)->d[0];
  le.dim = vkg_tensor_shape(le.table)->d[1];
  *out = le;
  return VKG_OK;
}

vkg_status vkg_nn_label_embed_forward(vkg_ctx *ctx, const vkg_nn_label_embed *le, const vkg_tensor *labels,
                                      vkg_tensor **out) {
  int64_t B = vkg_tensor_numel(labels);
  vkg_shape is = vkg_shape_make(2, (int64_t[]){B, 1}), ys = vkg_shape_make(3, (int64_t[]){B, 1, le->dim});
  vkg_tensor *ids = NULL, *y = NULL, *y2 = NULL;
  vkg_status st = vkg_tensor_view(ctx, (vkg_tensor *)labels, vkg_tensor_dtype(labels), &is, 0, &ids);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &ys, &y);
  if (!st) st = vkg_embedding(ctx, ids, 0, le->table, NULL, 0, y);
  if (!st) st = vkg_nn_reshape(ctx, y, &(vkg_shape){.ndim = 2, .d = {B, le->dim}}, &y2);
  vkg_tensor_unref(ids);
  vkg_tensor_unref(y);
  if (st) return st;
  *out = y2;
  return VKG_OK;
}

void vkg_nn_label_embed_free(vkg_nn_label_embed *le) {
  if (!le) return;
  vkg_tensor_unref(le->table);
  le->table = NULL;
}
