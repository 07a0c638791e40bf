/* gan.generate: noise → image through the generator named by the model's `_class_name`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gan_internal.h"

/* Every architecture the plugin knows; a new generator is one more entry. */
static const vkg_gan_arch *const vkg_gan_archs[] = {&vkg_gan_dcgan, &vkg_gan_stylegan2};
#define NARCHS ((int)(sizeof(vkg_gan_archs) / sizeof(vkg_gan_archs[0])))

const vkg_port_desc vkg_gan_generate_inputs[VKG_GAN_GENERATE_NINPUTS] = {
    {"noise", "f32", "latent noise [B, nz, 1, 1] (or [B, nz])", 0},
    {"class", "f32|i32|i64", "class labels [B] or one-hot rows [B, c_dim] (conditional StyleGAN2 only)", 1},
};
const vkg_port_desc vkg_gan_generate_outputs[1] = {
    {"image", "f32", "generated images [B, nc, H, W] in [-1, 1]", 0},
};
const vkg_param_desc vkg_gan_generate_params[VKG_GAN_GENERATE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json + model.safetensors)", NULL, 0, 0},
    {"truncation_psi", VKG_PARAM_FLOAT, "1", "StyleGAN2: w = w_avg + psi (w - w_avg); 1 = no truncation", NULL, 0,
     0},
    {"truncation_cutoff", VKG_PARAM_INT, "-1", "StyleGAN2: truncate only the first N of the num_ws latents; -1 = all",
     NULL, -1, 1e9},
    {"noise_mode", VKG_PARAM_ENUM, "const", "StyleGAN2 noise inputs: const (stored noise_const), random (from seed "
     "and the global sample index), none", "const|random|none", 0, 0},
    {"seed", VKG_PARAM_INT, "0", "StyleGAN2 noise_mode random: RNG seed", NULL, 0, 0},
};

typedef struct generate_state {
  vkg_model *model;
  vkg_gan_net net;
  vkg_gan_opts opts;
  int uploaded;
} generate_state;

/* Re-raises the context's current error (from the library) with the node's context. */
static vkg_status node_fail(vkg_node *node, vkg_status st, const char *param) {
  char msg[2048];
  snprintf(msg, sizeof msg, "%s", vkg_error_message(vkg_node_ctx(node)));
  return vkg_node_error(node, st, param, "%s", msg);
}

vkg_status vkg_gan_net_open(vkg_ctx *ctx, const char *folder, vkg_model **model, vkg_gan_net *net) {
  memset(net, 0, sizeof *net);
  *model = NULL;
  vkg_model *m = NULL;
  vkg_status st = vkg_model_open(ctx, folder, NULL, NULL, &m);
  if (st != VKG_OK) return st;
  const char *cls = vkg_model_class(m);
  for (int i = 0; i < NARCHS; i++) {
    if (strcmp(cls, vkg_gan_archs[i]->class_name) != 0) continue;
    net->arch = vkg_gan_archs[i];
    if ((st = net->arch->open(ctx, m, net)) != VKG_OK) {
      vkg_gan_net_close(m, net);
      return st;
    }
    *model = m;
    return VKG_OK;
  }
  char known[256] = "";
  for (int i = 0; i < NARCHS; i++) {
    size_t len = strlen(known);
    snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", vkg_gan_archs[i]->class_name);
  }
  st = vkg_error(ctx, VKG_E_INPUT, "%s: _class_name '%s' is not a generator this plugin knows (%s)",
                 vkg_model_config_path(m), cls, known);
  vkg_model_close(m);
  return st;
}

void vkg_gan_net_close(vkg_model *model, vkg_gan_net *net) {
  if (net->arch && net->impl) net->arch->destroy(net);
  net->impl = NULL;
  vkg_model_close(model);
}

vkg_status vkg_gan_generate_create(vkg_node *node, void **state) {
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  generate_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_gan_net_open(vkg_node_ctx(node), folder, &s->model, &s->net);
  if (st != VKG_OK) {
    free(s);
    return node_fail(node, st, "model");
  }
  *state = s;
  vkg_gan_opts_from_params(node, &s->opts);
  return VKG_OK;
}

vkg_status vkg_gan_generate_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  generate_state *s = state;
  const vkg_shape *z = &in[0].shape;
  char buf[128];
  vkg_shape_format(z, buf, sizeof buf);
  const int spatial_ok = z->ndim == 2 || (z->ndim == 4 && z->d[2] == 1 && z->d[3] == 1);
  if (!spatial_ok)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "noise must be [B, %lld, 1, 1] (or [B, %lld]), got %s",
                                (long long)s->net.z_dim, (long long)s->net.z_dim, buf);
  if (z->d[1] != s->net.z_dim)
    return vkg_node_input_error(node, VKG_E_INPUT, 0,
                                "noise %s has %lld channels but the model's nz (from %s) is %lld", buf,
                                (long long)z->d[1], vkg_model_weights_path(s->model), (long long)s->net.z_dim);
  vkg_status st = vkg_gan_class_infer(node, &s->net, s->model, z->d[0], in, 1);
  if (st != VKG_OK) return st;
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_4d(z->d[0], s->net.channels, s->net.height, s->net.width);
  return VKG_OK;
}

vkg_status vkg_gan_generate_start(vkg_node *node, void *state) {
  generate_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (s->uploaded) return VKG_OK;
  vkg_status st = s->net.arch->upload(ctx, s->model, &s->net);
  if (st != VKG_OK) return node_fail(node, st, "model");
  s->uploaded = 1;
  vkg_model_unused(ctx, s->model, 1);
  return VKG_OK;
}

vkg_status vkg_gan_generate_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  generate_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st;
  if (!s->uploaded && (st = vkg_gan_generate_start(node, state)) != VKG_OK) return st;
  const int64_t B = vkg_tensor_shape(in[0])->d[0];
  vkg_shape zs = vkg_shape_4d(B, s->net.z_dim, 1, 1), is = vkg_shape_4d(B, s->net.channels, s->net.height,
                                                                          s->net.width);
  vkg_tensor *z = NULL, *img = NULL, *c = NULL;
  if ((st = vkg_tensor_view(ctx, in[0], VKG_F32, &zs, 0, &z)) != VKG_OK) return node_fail(node, st, NULL);
  vkg_gan_opts o = s->opts;
  o.first_sample = (uint64_t)vkg_node_batch_index(node) * (uint64_t)B;
  if (s->net.c_dim > 0) st = vkg_gan_class_onehot(ctx, in[1], s->net.c_dim, &c);
  if (st == VKG_OK && (st = vkg_tensor_create(ctx, VKG_F32, &is, &img)) == VKG_OK)
    st = s->net.arch->forward(ctx, &s->net, z, c, &o, img);
  vkg_tensor_unref(z);
  vkg_tensor_unref(c);
  if (st != VKG_OK) {
    vkg_tensor_unref(img);
    return node_fail(node, st, NULL);
  }
  out[0] = img;
  return VKG_OK;
}

void vkg_gan_generate_destroy(void *state) {
  generate_state *s = state;
  if (!s) return;
  vkg_gan_net_close(s->model, &s->net);
  free(s);
}
