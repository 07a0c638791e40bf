/* core.save_images: one PNG per sample. "{index}" in path is the global sample index
 * (batch * B + i), so files do not collide across batches; without it every sample would
 * write the same file, which is refused. Each PNG is written atomically. */
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_save_images_inputs[1] = {
    {"images", "f32", "[B, C, H, W], C in {1, 3, 4}", 0},
};

const vkg_param_desc vkg_core_save_images_params[VKG_CORE_SAVE_IMAGES_NPARAMS] = {
    {"path", VKG_PARAM_PATH, NULL, "file pattern with {index}, e.g. out/img_{index}.png", NULL, 0, 0},
    {"range", VKG_PARAM_FLOAT_LIST, "[0, 1]", "value range mapped to 0..255 (clamped)", NULL, 0, 0},
};

vkg_status vkg_core_save_images_create(vkg_node *node, void **state) {
  const char *path = NULL;
  double lo, hi;
  vkg_node_param_string(node, "path", &path);
  if (!path || !strstr(path, "{index}"))
    return vkg_node_error(node, VKG_E_INPUT, "path", "needs '{index}' (one file per sample), got '%s'",
                          path ? path : "");
  *state = NULL;
  return vkg_core_get_range(node, &lo, &hi);
}

vkg_status vkg_core_save_images_infer(vkg_node *node, void *state, const vkg_tensor_info *in,
                                      vkg_tensor_info *out) {
  return vkg_core_check_images(node, 0, &in[0]);
}

vkg_status vkg_core_save_images_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  const char *path = NULL;
  double lo, hi;
  vkg_node_param_string(node, "path", &path);
  vkg_status st = vkg_core_get_range(node, &lo, &hi);
  if (st) return st;
  const vkg_shape *sh = vkg_tensor_shape(in[0]);
  int64_t B = sh->d[0], C = sh->d[1], H = sh->d[2], W = sh->d[3];
  float *x = NULL;
  st = vkg_core_download_f32(node, in[0], &x);
  if (st) return st;
  int64_t first = vkg_node_batch_index(node) * B;
  for (int64_t i = 0; i < B && !st; i++) {
    vkg_image img;
    st = vkg_core_sample_to_image(node, x + (size_t)(i * C * H * W), C, H, W, lo, hi, &img);
    if (st) break;
    char *file = vkg_core_subst(path, "index", first + i);
    if (!file) st = vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
    else if ((st = vkg_png_write(vkg_node_ctx(node), file, &img)) != VKG_OK)
      st = vkg_node_rethrow(node, "path");
    free(file);
    vkg_image_free(&img);
  }
  free(x);
  return st;
}

void vkg_core_save_images_destroy(void *state) { (void)state; }
