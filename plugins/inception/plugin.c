/* The inception plugin: inception.features, pytorch-fid's FID Inception v3 features. */
#include <stdio.h>
#include <stdlib.h>

#include <vkgen/plugin.h>
#include <vkgen/version.h>

#include "inception_net.h"

static const vkg_port_desc inc_inputs[1] = {
    {"images", "f32", "images [B, 3, H, W] (or [B, 1, H, W]: replicated to 3 channels) in [0, 1]", 0},
};
static const vkg_port_desc inc_outputs[3] = {
    {"pool", "f32", "pool3 features [B, D] (FID); D from the model (Mixed_7c width: 2048 for pytorch-fid's)", 0},
    {"logits", "f32", "fc logits with bias [B, C]; C from the model's fc.weight (1008 for pytorch-fid's)", 0},
    {"logits_unbiased", "f32", "pool @ fc.weight^T without bias [B, C] (torch-fidelity's IS input)", 0},
};
static const vkg_param_desc inc_params[2] = {
    {"model", VKG_PARAM_PATH, NULL,
     "FIDInceptionV3 model folder (config.json + model.safetensors; tools/convert_inception.py makes one from "
     "pytorch-fid's pt_inception-2015-12-05-6726825d.pth)",
     NULL, 0, 0},
    {"resize", VKG_PARAM_BOOL, "true",
     "resize to 299x299 first (bilinear, align_corners=False, no antialias) as pytorch-fid does", NULL, 0, 0},
};

typedef struct inc_state {
  vkg_model *model;
  vkg_inception_net net;
  int loaded, resize;
} inc_state;

static void inc_destroy(void *state) {
  inc_state *s = state;
  if (!s) return;
  vkg_inception_free(&s->net);
  vkg_model_close(s->model);
  free(s);
}

/* Widths come from the weight shapes; they are read at create (no GPU work: headers only)
 * so that infer can give the output shapes. */
static vkg_status read_widths(vkg_node *node, inc_state *s, int64_t *features, int64_t *classes) {
  const vkg_st_entry *fc = vkg_model_find(s->model, "fc.weight");
  if (!fc || fc->shape.ndim != 2)
    return vkg_node_error(node, VKG_E_INPUT, "model", "%s: no 2-D tensor 'fc.weight'",
                          vkg_model_weights_path(s->model));
  *classes = fc->shape.d[0];
  *features = fc->shape.d[1];
  return VKG_OK;
}

static vkg_status inc_create(vkg_node *node, void **state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  inc_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  s->resize = 1;
  vkg_node_param_bool(node, "resize", &s->resize);
  vkg_status st = vkg_model_open(ctx, folder, NULL, "FIDInceptionV3", &s->model);
  if (st) {
    free(s);
    return vkg_node_rethrow(node, "model");
  }
  int64_t f, c;
  if ((st = read_widths(node, s, &f, &c))) {
    inc_destroy(s);
    return st;
  }
  *state = s;
  return VKG_OK;
}

static vkg_status inc_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  inc_state *s = state;
  char buf[96];
  const vkg_shape *sh = &in[0].shape;
  if (sh->ndim != 4 || (sh->d[1] != 1 && sh->d[1] != 3))
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "images must be [B, 3, H, W] or [B, 1, H, W], got %s",
                                vkg_shape_format(sh, buf, sizeof buf));
  if (!s->resize && (sh->d[2] < 75 || sh->d[3] < 75))
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "images %s are too small for Inception without resize (at least 75x75)",
                                vkg_shape_format(sh, buf, sizeof buf));
  int64_t f, c;
  vkg_status st = read_widths(node, s, &f, &c);
  if (st) return st;
  out[0].dtype = out[1].dtype = out[2].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(2, (const int64_t[]){sh->d[0], f});
  out[1].shape = out[2].shape = vkg_shape_make(2, (const int64_t[]){sh->d[0], c});
  return VKG_OK;
}

static vkg_status inc_start(vkg_node *node, void *state) {
  inc_state *s = state;
  if (s->loaded) return VKG_OK;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_inception_load(ctx, s->model, &s->net);
  if (st) return vkg_node_rethrow(node, "model");
  vkg_model_unused(ctx, s->model, 1);
  s->loaded = 1;
  return VKG_OK;
}

/* Images per forward pass: the activations of one 299x299 image at full width are ~6 MB per
 * tensor, and a device may bind at most maxStorageBufferRange (128 MiB on lavapipe) at once,
 * so big batches run in chunks whose features are copied into the batch's outputs. */
#define INC_CHUNK_PIXELS ((int64_t)16 * 299 * 299)

static vkg_status forward_chunked(vkg_ctx *ctx, inc_state *s, vkg_tensor *images, vkg_tensor **out) {
  const vkg_shape *sh = vkg_tensor_shape(images);
  const int64_t B = sh->d[0], pixels = s->resize ? 299 * 299 : sh->d[2] * sh->d[3];
  int64_t chunk = INC_CHUNK_PIXELS / pixels;
  const char *env = getenv("VKGEN_INCEPTION_CHUNK"); /* images per chunk: tests and tuning */
  if (env && atoll(env) > 0) chunk = atoll(env);
  if (chunk < 1) chunk = 1;
  if (B <= chunk) return vkg_inception_forward(ctx, &s->net, images, s->resize, &out[0], &out[1], &out[2]);
  vkg_status st = VKG_OK;
  const size_t image_bytes = vkg_tensor_bytes(images) / (size_t)B;
  for (int64_t b0 = 0; b0 < B && st == VKG_OK; b0 += chunk) {
    const int64_t n = B - b0 < chunk ? B - b0 : chunk;
    vkg_shape csh = *sh;
    csh.d[0] = n;
    /* Kernels bind whole tensors at aligned offsets: copy the chunk out of a view. */
    vkg_tensor *view = NULL, *part = NULL, *res[3] = {NULL, NULL, NULL};
    st = vkg_tensor_view(ctx, images, vkg_tensor_dtype(images), &csh, (size_t)b0 * image_bytes, &view);
    if (!st) st = vkg_tensor_create(ctx, vkg_tensor_dtype(images), &csh, &part);
    if (!st) st = vkg_tensor_copy(ctx, view, part);
    vkg_tensor_unref(view);
    if (!st) st = vkg_inception_forward(ctx, &s->net, part, s->resize, &res[0], &res[1], &res[2]);
    for (int k = 0; k < 3 && st == VKG_OK; k++) {
      if (b0 == 0) { /* the batch's outputs, shaped like the chunk's but with B rows */
        vkg_shape osh = *vkg_tensor_shape(res[k]);
        osh.d[0] = B;
        st = vkg_tensor_create(ctx, vkg_tensor_dtype(res[k]), &osh, &out[k]);
        if (st) break;
      }
      vkg_tensor *dst = NULL;
      st = vkg_tensor_view(ctx, out[k], vkg_tensor_dtype(res[k]), vkg_tensor_shape(res[k]),
                           (size_t)b0 * (vkg_tensor_bytes(res[k]) / (size_t)n), &dst);
      if (!st) st = vkg_tensor_copy(ctx, res[k], dst);
      vkg_tensor_unref(dst);
    }
    for (int k = 0; k < 3; k++) vkg_tensor_unref(res[k]);
    vkg_tensor_unref(part);
  }
  if (st)
    for (int k = 0; k < 3; k++) {
      vkg_tensor_unref(out[k]);
      out[k] = NULL;
    }
  return st;
}

static vkg_status inc_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  inc_state *s = state;
  vkg_status st = inc_start(node, state);
  if (st) return st;
  st = forward_chunked(vkg_node_ctx(node), s, in[0], out);
  if (st) return vkg_node_rethrow(node, NULL);
  return VKG_OK;
}

static const vkg_node_type inc_types[1] = {
    {.name = "features",
     .doc = "pytorch-fid's FID Inception v3: pool3 features (FID) and logits (IS) of images in [0, 1], resized to 299 "
         "bilinearly and scaled to [-1, 1] as pytorch-fid does.",
     .ninputs = 1, .inputs = inc_inputs, .noutputs = 3, .outputs = inc_outputs, .nparams = 2, .params = inc_params,
     .create = inc_create, .infer = inc_infer, .start = inc_start, .run = inc_run, .destroy = inc_destroy},
};

static const vkg_plugin_desc inc_plugin = {
    VKG_PLUGIN_ABI,
    .name = "inception", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "FID Inception v3 features (pytorch-fid).", .ntypes = 1, .types = inc_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &inc_plugin; }
