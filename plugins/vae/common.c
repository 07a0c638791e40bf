/* vae plugin: node state shared by encode, decode and sample. */
#include <stdlib.h>

#include "nodes.h"

vkg_status vae_state_create(vkg_node *node, vae_node_state **out) {
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  vae_node_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  if (vae_model_open(vkg_node_ctx(node), folder, &s->vm)) {
    free(s);
    return vkg_node_rethrow(node, "model");
  }
  vkg_status st = vae_get_scale(node, s->vm, &s->scale);
  if (st) {
    vae_state_destroy(s);
    return st;
  }
  *out = s;
  return VKG_OK;
}

void vae_state_destroy(void *state) {
  vae_node_state *s = state;
  if (!s) return;
  vae_model_close(s->vm);
  free(s);
}
