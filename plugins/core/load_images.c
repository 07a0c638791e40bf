/* core.load_images: a folder of PNG files, sorted by file name (strcmp order). Batch b holds
 * files offset + b*batch ...; every image is converted to `channels` channels (gray is
 * replicated, RGB → gray uses ITU-R 601 luma like PIL, alpha is dropped) and resized on the
 * host with bilinear sampling (align_corners=False) to size x size when its size differs.
 * Values are byte / 255 in [0, 1]. The folder is listed at create; the files are read per
 * batch. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_load_images_outputs[1] = {
    {"images", "f32", "[B, channels, size, size] in [0, 1]", 0},
};

const vkg_param_desc vkg_core_load_images_params[VKG_CORE_LOAD_IMAGES_NPARAMS] = {
    {"folder", VKG_PARAM_PATH, NULL, "folder of *.png files, read in file-name order", NULL, 0, 0},
    {"batch", VKG_PARAM_INT, "16", "images per batch", NULL, 1, 1e6},
    {"size", VKG_PARAM_INT, NULL, "output height and width; other sizes are resized (bilinear)", NULL, 1, 16384},
    {"channels", VKG_PARAM_INT, "3", "1 (gray) or 3 (RGB)", NULL, 1, 3},
    {"offset", VKG_PARAM_INT, "0", "index of the first file", NULL, 0, 1e9},
};

typedef struct load_images_state {
  char **files; /* full paths, sorted */
  int64_t nfiles, batch, size, channels, offset;
} load_images_state;

void vkg_core_load_images_destroy(void *state) {
  load_images_state *s = state;
  if (!s) return;
  for (int64_t i = 0; i < s->nfiles; i++) free(s->files[i]);
  free(s->files);
  free(s);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int is_png(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 4 && (strcmp(name + n - 4, ".png") == 0 || strcmp(name + n - 4, ".PNG") == 0);
}

vkg_status vkg_core_load_images_create(vkg_node *node, void **state) {
  const char *folder = NULL;
  int64_t batch = 16, size = 0, channels = 3, offset = 0;
  vkg_node_param_string(node, "folder", &folder);
  vkg_node_param_int(node, "batch", &batch);
  vkg_node_param_int(node, "size", &size);
  vkg_node_param_int(node, "channels", &channels);
  vkg_node_param_int(node, "offset", &offset);
  if (channels != 1 && channels != 3)
    return vkg_node_error(node, VKG_E_INPUT, "channels", "must be 1 or 3, got %lld", (long long)channels);
  DIR *d = opendir(folder);
  if (!d) return vkg_node_error(node, VKG_E_IO, "folder", "cannot open folder '%s'", folder);
  load_images_state *s = calloc(1, sizeof *s);
  if (!s) {
    closedir(d);
    return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  }
  s->batch = batch;
  s->size = size;
  s->channels = channels;
  s->offset = offset;
  int64_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (!is_png(de->d_name)) continue;
    if (s->nfiles == cap) {
      cap = cap ? cap * 2 : 64;
      char **f = realloc(s->files, (size_t)cap * sizeof *f);
      if (!f) break;
      s->files = f;
    }
    size_t len = strlen(folder) + strlen(de->d_name) + 2;
    char *p = malloc(len);
    if (!p) break;
    snprintf(p, len, "%s/%s", folder, de->d_name);
    s->files[s->nfiles++] = p;
  }
  closedir(d);
  if (de != NULL) {
    vkg_core_load_images_destroy(s);
    return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  }
  if (s->nfiles) qsort(s->files, (size_t)s->nfiles, sizeof *s->files, cmp_str);
  int64_t batches = vkg_node_batch_count(node);
  if (batches < 1) batches = 1;
  if (offset + batches * batch > s->nfiles) {
    int64_t n = s->nfiles;
    vkg_core_load_images_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "batch",
                          "%lld batches of %lld from offset %lld need %lld PNG files; '%s' holds %lld",
                          (long long)batches, (long long)batch, (long long)offset,
                          (long long)(offset + batches * batch), folder, (long long)n);
  }
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_load_images_infer(vkg_node *node, void *state, const vkg_tensor_info *in,
                                      vkg_tensor_info *out) {
  load_images_state *s = state;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_4d(s->batch, s->channels, s->size, s->size);
  return VKG_OK;
}

vkg_status vkg_core_load_images_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  load_images_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  int64_t first = s->offset + vkg_node_batch_index(node) * s->batch;
  if (first + s->batch > s->nfiles)
    return vkg_node_error(node, VKG_E_INPUT, "batch", "batch %lld runs past the last file",
                          (long long)vkg_node_batch_index(node));
  size_t per = (size_t)(s->channels * s->size * s->size);
  float *x = malloc(per * (size_t)s->batch * sizeof *x);
  if (!x) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = VKG_OK;
  for (int64_t i = 0; i < s->batch && !st; i++) {
    vkg_image img;
    memset(&img, 0, sizeof img);
    st = vkg_png_read(ctx, s->files[first + i], &img);
    if (st) {
      st = vkg_node_rethrow(node, "folder");
      break;
    }
    vkg_core_resize_bilinear(&img, (int)s->channels, (int)s->size, x + (size_t)i * per);
    vkg_image_free(&img);
  }
  vkg_tensor *t = NULL;
  if (!st) {
    vkg_shape sh = vkg_shape_4d(s->batch, s->channels, s->size, s->size);
    st = vkg_tensor_create_from(ctx, VKG_F32, &sh, x, &t);
  }
  free(x);
  if (st) return st;
  out[0] = t;
  return VKG_OK;
}
