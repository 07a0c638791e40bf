/* core.load_idx: MNIST-style IDX datasets (plain or .gz). Batch b holds samples
 * offset + b*batch ... offset + (b+1)*batch - 1; images become f32 [B, 1, H, W] in [0, 1]
 * (byte / 255, as torchvision's ToTensor), labels i64 [B]. Both files are read at create, so
 * a graph that asks for more samples than the file holds fails before any GPU work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_internal.h"

const vkg_port_desc vkg_core_load_idx_outputs[2] = {
    {"images", "f32", "[B, 1, H, W] in [0, 1]", 0},
    {"labels", "i64", "[B] class labels (-1 when there is no labels file)", 0},
};

const vkg_param_desc vkg_core_load_idx_params[VKG_CORE_LOAD_IDX_NPARAMS] = {
    {"path", VKG_PARAM_PATH, NULL, "images IDX file (idx3, u8), optionally gzip'd", NULL, 0, 0},
    {"labels", VKG_PARAM_PATH, "auto",
     "labels IDX file (idx1, u8); auto: path with 'images-idx3' replaced by 'labels-idx1' if that file exists",
     NULL, 0, 0},
    {"batch", VKG_PARAM_INT, "64", "samples per batch", NULL, 1, 1e7},
    {"offset", VKG_PARAM_INT, "0", "index of the first sample", NULL, 0, 1e9},
    {"range", VKG_PARAM_FLOAT_LIST, "[0, 1]",
     "[lo, hi] the pixel bytes 0..255 map to ([-1, 1] for models trained on normalised images)", NULL, 0, 0},
};

typedef struct load_idx_state {
  vkg_idx images;
  int64_t *labels; /* n entries, -1 without a labels file */
  int64_t n, h, w, batch, offset;
  float lo, scale; /* pixel = lo + byte * scale */
} load_idx_state;

void vkg_core_load_idx_destroy(void *state) {
  load_idx_state *s = state;
  if (!s) return;
  vkg_idx_free(&s->images);
  free(s->labels);
  free(s);
}

static vkg_status node_prefix(vkg_node *node, const char *param) { return vkg_node_rethrow(node, param); }

static vkg_status read_labels(vkg_node *node, load_idx_state *s, const char *path, const char *param) {
  vkg_idx lab;
  memset(&lab, 0, sizeof lab);
  vkg_status st = vkg_idx_read(vkg_node_ctx(node), path, &lab);
  if (st) return node_prefix(node, param);
  if (lab.ndim != 1 || lab.type != 0x08 || lab.dims[0] != s->n) {
    long long d0 = lab.ndim >= 1 ? (long long)lab.dims[0] : -1;
    int nd = lab.ndim, ty = lab.type;
    vkg_idx_free(&lab);
    return vkg_node_error(node, VKG_E_INPUT, param,
                          "'%s': expected %lld u8 labels (idx1, type 0x08), got %d dims, type 0x%02x, %lld entries",
                          path, (long long)s->n, nd, ty, d0);
  }
  for (int64_t i = 0; i < s->n; i++) s->labels[i] = ((const uint8_t *)lab.data)[i];
  vkg_idx_free(&lab);
  return VKG_OK;
}

vkg_status vkg_core_load_idx_create(vkg_node *node, void **state) {
  const char *path = NULL, *labels = "";
  int64_t batch = 64, offset = 0;
  vkg_node_param_string(node, "path", &path);
  vkg_node_param_string(node, "labels", &labels);
  vkg_node_param_int(node, "batch", &batch);
  vkg_node_param_int(node, "offset", &offset);
  load_idx_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_idx_read(vkg_node_ctx(node), path, &s->images);
  if (st) {
    free(s);
    return node_prefix(node, "path");
  }
  if (s->images.ndim != 3 || s->images.type != 0x08) {
    int nd = s->images.ndim, ty = s->images.type;
    vkg_core_load_idx_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "path", "'%s': expected u8 images [N, H, W] (idx3, type 0x08), got %d dims, type 0x%02x",
                          path, nd, ty);
  }
  s->n = s->images.dims[0];
  s->h = s->images.dims[1];
  s->w = s->images.dims[2];
  s->batch = batch;
  s->offset = offset;
  double lo, hi;
  vkg_status rst = vkg_core_get_range(node, &lo, &hi);
  if (rst) {
    vkg_core_load_idx_destroy(s);
    return rst;
  }
  s->lo = (float)lo;
  s->scale = (float)((hi - lo) / 255.0);
  int64_t batches = vkg_node_batch_count(node);
  if (batches < 1) batches = 1;
  if (offset + batches * batch > s->n) {
    int64_t n = s->n;
    vkg_core_load_idx_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "batch",
                          "%lld batches of %lld from offset %lld need %lld samples; '%s' holds %lld",
                          (long long)batches, (long long)batch, (long long)offset,
                          (long long)(offset + batches * batch), path, (long long)n);
  }
  s->labels = malloc((size_t)s->n * sizeof *s->labels);
  if (!s->labels) {
    vkg_core_load_idx_destroy(s);
    return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  }
  for (int64_t i = 0; i < s->n; i++) s->labels[i] = -1;

  /* The default "auto" is never read as a file name (it would resolve against the graph). */
  if (vkg_node_param_given(node, "labels") && strcmp(labels, "auto") != 0) {
    st = read_labels(node, s, labels, "labels");
  } else {
    /* Derive the labels file from the images file name, as MNIST names them. */
    const char *key = strstr(path, "images-idx3");
    if (key) {
      char *lp = malloc(strlen(path) + 1);
      if (!lp) st = vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
      else {
        memcpy(lp, path, strlen(path) + 1);
        memcpy(lp + (key - path), "labels-idx1", 11);
        if (access(lp, R_OK) == 0) st = read_labels(node, s, lp, "path");
        else vkg_node_warn(node, "no labels file '%s'; labels are -1", lp);
        free(lp);
      }
    }
  }
  if (st) {
    vkg_core_load_idx_destroy(s);
    return st;
  }
  *state = s;
  return VKG_OK;
}

vkg_status vkg_core_load_idx_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  load_idx_state *s = state;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_4d(s->batch, 1, s->h, s->w);
  out[1].dtype = VKG_I64;
  out[1].shape = vkg_shape_make(1, &s->batch);
  return VKG_OK;
}

vkg_status vkg_core_load_idx_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  load_idx_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  int64_t first = s->offset + vkg_node_batch_index(node) * s->batch;
  if (first + s->batch > s->n)
    return vkg_node_error(node, VKG_E_INPUT, "batch", "batch %lld runs past the end of the file (%lld samples)",
                          (long long)vkg_node_batch_index(node), (long long)s->n);
  size_t px = (size_t)(s->batch * s->h * s->w);
  float *x = malloc(px * sizeof *x);
  if (!x) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  const uint8_t *src = (const uint8_t *)s->images.data + (size_t)first * (size_t)(s->h * s->w);
  if (s->lo == 0.0f && s->scale == (float)(1.0 / 255.0))
    for (size_t i = 0; i < px; i++) x[i] = src[i] / 255.0f; /* exactly torchvision's ToTensor */
  else
    for (size_t i = 0; i < px; i++) x[i] = s->lo + src[i] * s->scale;
  vkg_shape ish = vkg_shape_4d(s->batch, 1, s->h, s->w), lsh = vkg_shape_make(1, &s->batch);
  vkg_tensor *ti = NULL, *tl = NULL;
  vkg_status st = vkg_tensor_create_from(ctx, VKG_F32, &ish, x, &ti);
  free(x);
  if (st) return st;
  st = vkg_tensor_create_from(ctx, VKG_I64, &lsh, s->labels + first, &tl);
  if (st) {
    vkg_tensor_unref(ti);
    return st;
  }
  out[0] = ti;
  out[1] = tl;
  return VKG_OK;
}
