/* vqvae plugin: node state shared by the node types. */
#include <stdlib.h>

#include "nodes.h"

vkg_status vq_state_create(vkg_node *node, void **state) {
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  vq_node_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  if (vq_model_open(vkg_node_ctx(node), folder, &s->vm)) {
    free(s);
    return vkg_node_rethrow(node, "model");
  }
  *state = s;
  return VKG_OK;
}

void vq_state_destroy(void *state) {
  vq_node_state *s = state;
  if (!s) return;
  vq_model_close(s->vm);
  free(s);
}

vkg_shape vq_image_shape(const vq_model *vm, int64_t b, int64_t h, int64_t w) {
  int64_t f = vkg_nn_ae_downscale(&vm->cfg);
  return vkg_shape_4d(b, vm->cfg.out_channels, h * f, w * f);
}
