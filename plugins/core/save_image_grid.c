/* core.save_image_grid: one PNG with the batch tiled in a grid, laid out like torchvision's
 * make_grid (nrow images per row, `padding` pixels between and around tiles, filled with
 * pad_value; a batch of one is saved without padding, as make_grid returns it as is) and
 * converted like save_image. With batches > 1 only the first batch is saved,
 * unless path contains "{batch}": then one grid per batch. One-channel images give a gray PNG
 * (torchvision writes the same values as RGB). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_save_image_grid_inputs[1] = {
    {"images", "f32", "[B, C, H, W], C in {1, 3, 4}", 0},
};

const vkg_param_desc vkg_core_save_image_grid_params[VKG_CORE_SAVE_IMAGE_GRID_NPARAMS] = {
    {"path", VKG_PARAM_PATH, NULL, "PNG file; may contain {batch} for one grid per batch", NULL, 0, 0},
    {"range", VKG_PARAM_FLOAT_LIST, "[0, 1]", "value range mapped to 0..255 (clamped)", NULL, 0, 0},
    {"nrow", VKG_PARAM_INT, "0", "images per grid row; 0: ceil(sqrt(B))", NULL, 0, 65536},
    {"padding", VKG_PARAM_INT, "2", "pixels between and around the tiles", NULL, 0, 1024},
    {"pad_value", VKG_PARAM_FLOAT, "0", "padding value in the output range [0, 1] (0 black, 1 white)", NULL, 0, 1},
};

typedef struct grid_state {
  int64_t calls; /* counted rather than read from the batch index: a node after an
                    accumulator runs once, at the end */
} grid_state;

vkg_status vkg_core_save_image_grid_create(vkg_node *node, void **state) {
  double lo, hi;
  vkg_status st = vkg_core_get_range(node, &lo, &hi);
  if (st) return st;
  grid_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_save_image_grid_infer(vkg_node *node, void *state, const vkg_tensor_info *in,
                                          vkg_tensor_info *out) {
  vkg_status st = vkg_core_check_images(node, 0, &in[0]);
  if (st) return st;
  int64_t B = in[0].shape.d[0], nrow = 0, pad = 2;
  vkg_node_param_int(node, "nrow", &nrow);
  vkg_node_param_int(node, "padding", &pad);
  int64_t xm = nrow > 0 ? (nrow < B ? nrow : B) : (int64_t)ceil(sqrt((double)B));
  int64_t ym = (B + xm - 1) / xm;
  int64_t gw = xm * (in[0].shape.d[3] + pad) + pad, gh = ym * (in[0].shape.d[2] + pad) + pad;
  if (gw > 16384 || gh > 16384)
    return vkg_node_error(node, VKG_E_INPUT, "nrow", "grid of %lld x %lld pixels is too large (max 16384)",
                          (long long)gw, (long long)gh);
  return VKG_OK;
}

vkg_status vkg_core_save_image_grid_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  const char *path = NULL;
  int64_t nrow = 0, pad = 2;
  double lo, hi, padv = 0;
  vkg_node_param_string(node, "path", &path);
  vkg_node_param_int(node, "nrow", &nrow);
  vkg_node_param_int(node, "padding", &pad);
  vkg_node_param_float(node, "pad_value", &padv);
  int per_batch = strstr(path, "{batch}") != NULL;
  int64_t bi = vkg_node_batch_index(node);
  grid_state *gs = state;
  /* One grid: the first call's, which is batch 0's in the per-batch phase (under several
   * ranks only the rank running batch 0 writes it; a resumed run has it already). */
  if (!per_batch && (gs->calls++ > 0 || (bi != 0 && vkg_node_runs_per_batch(node)))) return VKG_OK;
  vkg_status st = vkg_core_get_range(node, &lo, &hi);
  if (st) return st;

  const vkg_shape *sh = vkg_tensor_shape(in[0]);
  int64_t B = sh->d[0], C = sh->d[1], H = sh->d[2], W = sh->d[3];
  if (B == 1) pad = 0; /* make_grid returns a single image as it is */
  int64_t xm = nrow > 0 ? (nrow < B ? nrow : B) : (int64_t)ceil(sqrt((double)B));
  int64_t ym = (B + xm - 1) / xm;
  vkg_image grid = {(int)(xm * (W + pad) + pad), (int)(ym * (H + pad) + pad), (int)C, NULL};
  size_t gbytes = (size_t)grid.width * (size_t)grid.height * (size_t)C;
  grid.pixels = malloc(gbytes);
  if (!grid.pixels) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  memset(grid.pixels, vkg_core_to_byte((float)padv, 0.0, 1.0), gbytes);
  float *x = NULL;
  st = vkg_core_download_f32(node, in[0], &x);
  if (st) {
    free(grid.pixels);
    return st;
  }
  for (int64_t k = 0; k < B; k++) {
    int64_t gy = (k / xm) * (H + pad) + pad, gx = (k % xm) * (W + pad) + pad;
    const float *src = x + (size_t)(k * C * H * W);
    for (int64_t c = 0; c < C; c++)
      for (int64_t y = 0; y < H; y++)
        for (int64_t xx = 0; xx < W; xx++)
          grid.pixels[((size_t)(gy + y) * (size_t)grid.width + (size_t)(gx + xx)) * (size_t)C + (size_t)c] =
              vkg_core_to_byte(src[(c * H + y) * W + xx], lo, hi);
  }
  free(x);
  char *file = per_batch ? vkg_core_subst(path, "batch", bi) : strdup(path);
  if (!file) st = vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  else if ((st = vkg_png_write(vkg_node_ctx(node), file, &grid)) != VKG_OK)
    st = vkg_node_rethrow(node, "path");
  free(file);
  free(grid.pixels);
  return st;
}

void vkg_core_save_image_grid_destroy(void *state) { free(state); }
