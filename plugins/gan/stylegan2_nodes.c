/* gan.mapping (z, class -> ws) and gan.synthesis (ws, optional w_mix -> image): the two halves
 * of a StyleGAN2Generator as nodes, so style mixing and interpolation are graph edges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stylegan2.h"

typedef struct sg2_node {
  vkg_model *model;
  vkg_gan_net net;
  vkg_gan_opts opts;
  int64_t mix_from;
  int uploaded;
} sg2_node;

static vkg_status rethrow(vkg_node *node, vkg_status st, const char *param) {
  (void)st;
  return vkg_node_rethrow(node, param);
}

vkg_status vkg_gan_sg2_create(vkg_node *node, void **state) {
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  sg2_node *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_gan_net_open(vkg_node_ctx(node), folder, &s->model, &s->net);
  if (st == VKG_OK && s->net.arch != &vkg_gan_stylegan2) {
    st = vkg_node_error(node, VKG_E_INPUT, "model", "%s: _class_name is '%s'; %s needs a StyleGAN2Generator",
                        vkg_model_config_path(s->model), vkg_model_class(s->model), vkg_node_op(node));
    vkg_gan_net_close(s->model, &s->net);
    free(s);
    return st;
  }
  if (st != VKG_OK) {
    free(s);
    return rethrow(node, st, "model");
  }
  vkg_gan_opts_from_params(node, &s->opts);
  s->mix_from = -1;
  vkg_node_param_int(node, "mix_from", &s->mix_from);
  *state = s;
  return VKG_OK;
}

vkg_status vkg_gan_sg2_start(vkg_node *node, void *state) {
  sg2_node *s = state;
  if (s->uploaded) return VKG_OK;
  vkg_status st = s->net.arch->upload(vkg_node_ctx(node), s->model, &s->net);
  if (st != VKG_OK) return rethrow(node, st, "model");
  s->uploaded = 1;
  return VKG_OK;
}

void vkg_gan_sg2_destroy(void *state) {
  sg2_node *s = state;
  if (!s) return;
  vkg_gan_net_close(s->model, &s->net);
  free(s);
}

/* ---- gan.mapping ---------------------------------------------------------------------- */
vkg_status vkg_gan_mapping_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sg2_node *s = state;
  const sg2 *g = s->net.impl;
  const vkg_shape *z = &in[0].shape;
  char buf[96];
  vkg_shape_format(z, buf, sizeof buf);
  const int ok = (z->ndim == 2 || (z->ndim == 4 && z->d[2] == 1 && z->d[3] == 1)) && z->d[1] == g->z_dim;
  if (!ok)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "z must be [B, %lld] (z_dim from %s), got %s",
                                (long long)g->z_dim, vkg_model_config_path(s->model), buf);
  vkg_status st = vkg_gan_class_infer(node, &s->net, s->model, z->d[0], in, 1);
  if (st != VKG_OK) return st;
  const int64_t d[3] = {z->d[0], g->num_ws, g->w_dim};
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(3, d);
  return VKG_OK;
}

vkg_status vkg_gan_mapping_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sg2_node *s = state;
  const sg2 *g = s->net.impl;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_gan_sg2_start(node, state);
  if (st != VKG_OK) return st;
  const int64_t B = vkg_tensor_shape(in[0])->d[0], d[3] = {B, g->num_ws, g->w_dim};
  vkg_shape ws_s = vkg_shape_make(3, d);
  vkg_tensor *c = NULL, *ws = NULL;
  if (g->c_dim > 0) st = vkg_gan_class_onehot(ctx, in[1], g->c_dim, &c);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &ws_s, &ws);
  if (st == VKG_OK) st = sg2_mapping(ctx, g, in[0], c, &s->opts, ws);
  vkg_tensor_unref(c);
  if (st != VKG_OK) {
    vkg_tensor_unref(ws);
    return rethrow(node, st, NULL);
  }
  out[0] = ws;
  return VKG_OK;
}

/* ---- gan.synthesis -------------------------------------------------------------------- */
static vkg_status check_w(vkg_node *node, const sg2_node *s, const vkg_shape *w, int port, int64_t batch) {
  const sg2 *g = s->net.impl;
  char buf[96];
  vkg_shape_format(w, buf, sizeof buf);
  const int ok = (w->ndim == 2 && w->d[1] == g->w_dim) ||
                 (w->ndim == 3 && w->d[1] == g->num_ws && w->d[2] == g->w_dim);
  if (!ok || (batch >= 0 && w->d[0] != batch))
    return vkg_node_input_error(node, VKG_E_INPUT, port, "%s must be [B, %lld, %lld] or [B, %lld]%s (from %s), got %s",
                                port ? "w_mix" : "w", (long long)g->num_ws, (long long)g->w_dim, (long long)g->w_dim,
                                batch >= 0 ? " with w's batch" : "", vkg_model_config_path(s->model), buf);
  return VKG_OK;
}

vkg_status vkg_gan_synthesis_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sg2_node *s = state;
  const sg2 *g = s->net.impl;
  vkg_status st = check_w(node, s, &in[0].shape, 0, -1);
  if (st == VKG_OK && in[1].shape.ndim > 0) st = check_w(node, s, &in[1].shape, 1, in[0].shape.d[0]);
  if (st != VKG_OK) return st;
  if (s->mix_from > g->num_ws)
    return vkg_node_error(node, VKG_E_INPUT, "mix_from", "mix_from %lld is past the model's num_ws %lld",
                          (long long)s->mix_from, (long long)g->num_ws);
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_4d(in[0].shape.d[0], g->img_channels, g->resolution, g->resolution);
  return VKG_OK;
}

/* w as [B, num_ws, w_dim] (a [B, w_dim] input broadcast to every layer). */
static vkg_status full_ws(vkg_ctx *ctx, const sg2 *g, vkg_tensor *w, vkg_tensor **ws) {
  if (vkg_tensor_shape(w)->ndim == 3) {
    *ws = vkg_tensor_ref(w);
    return VKG_OK;
  }
  const int64_t d[3] = {vkg_tensor_shape(w)->d[0], g->num_ws, g->w_dim};
  vkg_shape sh = vkg_shape_make(3, d);
  vkg_gan_opts none = {1.0, -1, 0, 0, 0};
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &sh, ws);
  return st == VKG_OK ? sg2_broadcast(ctx, g, w, &none, *ws) : st;
}

/* ws[:, :m] from a, ws[:, m:] from b. */
static vkg_status mix(vkg_ctx *ctx, const sg2 *g, vkg_tensor *a, vkg_tensor *b, int64_t m, vkg_tensor **ws) {
  const int64_t B = vkg_tensor_shape(a)->d[0];
  const int64_t da[3] = {B, m, g->w_dim}, db[3] = {B, g->num_ws - m, g->w_dim}, d[3] = {B, g->num_ws, g->w_dim};
  const int64_t sa[3] = {0, 0, 0}, sb[3] = {0, m, 0};
  vkg_shape sha = vkg_shape_make(3, da), shb = vkg_shape_make(3, db), sh = vkg_shape_make(3, d);
  vkg_tensor *pa = NULL, *pb = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &sha, &pa);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &shb, &pb);
  if (st == VKG_OK) st = vkg_slice(ctx, a, pa, sa, NULL);
  if (st == VKG_OK) st = vkg_slice(ctx, b, pb, sb, NULL);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &sh, ws);
  const vkg_tensor *parts[2] = {pa, pb};
  if (st == VKG_OK) st = m == 0 ? vkg_concat(ctx, parts + 1, 1, 1, *ws) : m == g->num_ws
                                      ? vkg_concat(ctx, parts, 1, 1, *ws) : vkg_concat(ctx, parts, 2, 1, *ws);
  vkg_tensor_unref(pa), vkg_tensor_unref(pb);
  return st;
}

vkg_status vkg_gan_synthesis_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sg2_node *s = state;
  const sg2 *g = s->net.impl;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_gan_sg2_start(node, state);
  if (st != VKG_OK) return st;
  const int64_t B = vkg_tensor_shape(in[0])->d[0];
  vkg_gan_opts o = s->opts;
  o.first_sample = (uint64_t)vkg_node_batch_index(node) * (uint64_t)B;
  vkg_tensor *ws = NULL, *wm = NULL, *mixed = NULL, *img = NULL;
  st = full_ws(ctx, g, in[0], &ws);
  if (st == VKG_OK && in[1]) {
    if ((st = full_ws(ctx, g, in[1], &wm)) == VKG_OK)
      st = mix(ctx, g, ws, wm, s->mix_from < 0 ? g->num_ws / 2 : s->mix_from, &mixed);
  }
  vkg_shape is = vkg_shape_4d(B, g->img_channels, g->resolution, g->resolution);
  if (st == VKG_OK) st = vkg_tensor_create(ctx, VKG_F32, &is, &img);
  if (st == VKG_OK) st = sg2_synthesis(ctx, g, mixed ? mixed : ws, &o, img);
  vkg_tensor_unref(ws), vkg_tensor_unref(wm), vkg_tensor_unref(mixed);
  if (st != VKG_OK) {
    vkg_tensor_unref(img);
    return rethrow(node, st, NULL);
  }
  out[0] = img;
  return VKG_OK;
}

#define MODEL_PARAM {"model", VKG_PARAM_PATH, NULL, "StyleGAN2Generator model folder (config.json + model.safetensors)", NULL, 0, 0}

const vkg_port_desc vkg_gan_mapping_in[2] = {
    {"z", "f32", "latents [B, z_dim] (or [B, z_dim, 1, 1])", 0},
    {"class", "f32|i32|i64", "class labels [B] or one-hot rows [B, c_dim] (conditional models)", 1},
};
const vkg_port_desc vkg_gan_mapping_out[1] = {{"w", "f32", "intermediate latents ws [B, num_ws, w_dim]", 0}};
const vkg_param_desc vkg_gan_mapping_params[3] = {
    MODEL_PARAM,
    {"truncation_psi", VKG_PARAM_FLOAT, "1", "w = w_avg + psi (w - w_avg); 1 = no truncation", NULL, 0, 0},
    {"truncation_cutoff", VKG_PARAM_INT, "-1", "truncate only the first N latents of ws; -1 = all", NULL, -1, 1e9},
};
const vkg_port_desc vkg_gan_synthesis_in[2] = {
    {"w", "f32", "latents ws [B, num_ws, w_dim] (or [B, w_dim] for every layer)", 0},
    {"w_mix", "f32", "style mixing: layers from mix_from on take these latents (same shapes as w)", 1},
};
const vkg_port_desc vkg_gan_synthesis_out[1] = {{"image", "f32", "images [B, img_channels, R, R] in about [-1, 1]", 0}};
const vkg_param_desc vkg_gan_synthesis_params[4] = {
    MODEL_PARAM,
    {"noise_mode", VKG_PARAM_ENUM, "const", "noise inputs: const (stored noise_const), random (seed and global sample "
     "index), none", "const|random|none", 0, 0},
    {"seed", VKG_PARAM_INT, "0", "noise_mode random: RNG seed", NULL, 0, 0},
    {"mix_from", VKG_PARAM_INT, "-1", "with w_mix: first latent index taken from w_mix; -1 = num_ws / 2", NULL, -1,
     1e9},
};

