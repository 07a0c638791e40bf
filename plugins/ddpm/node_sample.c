/* ddpm.sample: the DDPMPipeline / DDIMPipeline loop, x_T (noise) -> x_0 (sample, image),
 * entirely on the GPU: per step one UNet forward and one fused scheduler-step kernel. */
#include <stdlib.h>
#include <string.h>

#include "ddpm_internal.h"

const vkg_port_desc vkg_ddpm_sample_inputs[2] = {
    {"noise", "f32", "initial x_T [B, C, H, W] (e.g. core.randn)", 0},
    {"step_noise", "f32",
     "optional [steps, B, C, H, W]: the variance noise of each step (to reproduce a reference); default: "
     "counter-based normal noise keyed by (seed, global sample index, step + 1)",
     1},
};
const vkg_port_desc vkg_ddpm_sample_outputs[2] = {
    {"sample", "f32", "x_0 [B, C, H, W] (about [-1, 1])", 0},
    {"image", "f32", "clamp(sample / 2 + 0.5, 0, 1)", 0},
};
const vkg_param_desc vkg_ddpm_sample_params[VKG_DDPM_SAMPLE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL,
     "diffusers UNet2DModel folder; its scheduler_config.json (or scheduler/scheduler_config.json) is read when "
     "present",
     NULL, 0, 0},
    {"scheduler", VKG_PARAM_ENUM, "auto", "ddpm or ddim; auto: the class in scheduler_config.json (else ddpm)",
     "auto|ddpm|ddim", 0, 0},
    {"steps", VKG_PARAM_INT, "50", "inference steps, 1 to num_train_timesteps", NULL, 0, 0},
    {"eta", VKG_PARAM_FLOAT, "0", "DDIM eta (0: deterministic)", NULL, 0, 0},
    {"seed", VKG_PARAM_INT, "0", "seed of the noise added inside the loop (DDPM, DDIM with eta > 0)", NULL, 0, 0},
    {"timestep_spacing", VKG_PARAM_ENUM, "auto", "leading, trailing or linspace; auto: scheduler config",
     "auto|leading|trailing|linspace", 0, 0},
    {"clip_sample", VKG_PARAM_ENUM, "auto", "clip the predicted x_0 to [-clip_sample_range, clip_sample_range]",
     "auto|true|false", 0, 0},
    {"prediction_type", VKG_PARAM_ENUM, "auto", "what the UNet predicts", "auto|epsilon|v_prediction|sample", 0, 0},
    {"variance_type", VKG_PARAM_ENUM, "auto", "DDPM variance", "auto|fixed_small|fixed_large", 0, 0},
};


typedef struct sample_state {
  vkg_ddpm_unet *unet;
  vkg_ddpm_sched sched;
  uint64_t seed;
} sample_state;

void vkg_ddpm_sample_node_destroy(void *state) {
  sample_state *s = state;
  if (!s) return;
  vkg_ddpm_unet_destroy(s->unet);
  vkg_ddpm_sched_free(&s->sched);
  free(s);
}

/* Index of an enum param's value in its choices (0 = auto). */
static int enum_index(const vkg_node *node, const char *name, const char *const *choices, int n) {
  const char *v = NULL;
  vkg_node_param_string(node, name, &v);
  for (int i = 0; v && i < n; i++)
    if (strcmp(v, choices[i]) == 0) return i;
  return 0;
}

vkg_status vkg_ddpm_sample_node_create(vkg_node *node, void **state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  sample_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  vkg_status st = vkg_ddpm_unet_open(ctx, folder, &s->unet);
  vkg_ddpm_sched_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  if (!st) st = vkg_ddpm_sched_cfg_load(ctx, folder, &cfg);
  if (st) {
    vkg_ddpm_sample_node_destroy(s);
    return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  }
  static const char *const kinds[] = {"auto", "ddpm", "ddim"};
  static const char *const spacing[] = {"auto", "leading", "trailing", "linspace"};
  static const char *const tf[] = {"auto", "true", "false"};
  static const char *const pred[] = {"auto", "epsilon", "v_prediction", "sample"};
  static const char *const var[] = {"auto", "fixed_small", "fixed_large"};
  int k = enum_index(node, "scheduler", kinds, 3);
  vkg_ddpm_sched_kind kind = k == 0 ? cfg.config_kind : (k == 1 ? VKG_DDPM_SCHED_DDPM : VKG_DDPM_SCHED_DDIM);
  int i;
  if ((i = enum_index(node, "timestep_spacing", spacing, 4)) > 0) cfg.spacing = (vkg_ddpm_spacing)(i - 1);
  if ((i = enum_index(node, "clip_sample", tf, 3)) > 0) cfg.clip_sample = i == 1;
  if ((i = enum_index(node, "prediction_type", pred, 4)) > 0) cfg.prediction = (vkg_ddpm_pred)(i - 1);
  if ((i = enum_index(node, "variance_type", var, 3)) > 0) cfg.variance_type = (vkg_ddpm_var)(i - 1);
  int64_t steps = 50, seed = 0;
  double eta = 0.0;
  vkg_node_param_int(node, "steps", &steps);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_float(node, "eta", &eta);
  if (eta < 0) {
    vkg_ddpm_sched_cfg_free(&cfg);
    vkg_ddpm_sample_node_destroy(s);
    return vkg_node_error(node, VKG_E_INPUT, "eta", "must be >= 0, got %g", eta);
  }
  st = vkg_ddpm_sched_init(ctx, &s->sched, kind, &cfg, steps, kind == VKG_DDPM_SCHED_DDIM ? eta : 0.0);
  vkg_ddpm_sched_cfg_free(&cfg);
  if (st) {
    vkg_ddpm_sample_node_destroy(s);
    return vkg_node_error(node, st, "steps", "%s", vkg_error_message(ctx));
  }
  s->seed = (uint64_t)seed;
  *state = s;
  return VKG_OK;
}

vkg_status vkg_ddpm_sample_node_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_ddpm_unet_cfg *c = vkg_ddpm_unet_config(s->unet);
  if (vkg_ddpm_unet_check_input(ctx, s->unet, &in[0].shape))
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "%s", vkg_error_message(ctx));
  if (c->out_channels != c->in_channels)
    return vkg_node_error(node, VKG_E_INPUT, "model", "sampling needs out_channels == in_channels (%lld != %lld)",
                          (long long)c->out_channels, (long long)c->in_channels);
  if (in[1].shape.ndim > 0) {
    vkg_shape want = in[0].shape;
    char a[96], b[96];
    want.ndim = 5;
    memmove(&want.d[1], &in[0].shape.d[0], 4 * sizeof want.d[0]);
    want.d[0] = s->sched.steps;
    if (!vkg_shape_equal(&want, &in[1].shape))
      return vkg_node_input_error(node, VKG_E_INPUT, 1, "step_noise %s: expected %s ([steps, B, C, H, W])",
                                  vkg_shape_format(&in[1].shape, a, sizeof a), vkg_shape_format(&want, b, sizeof b));
  }
  out[0].dtype = out[1].dtype = VKG_F32;
  out[0].shape = out[1].shape = in[0].shape;
  return VKG_OK;
}

vkg_status vkg_ddpm_sample_node_start(vkg_node *node, void *state) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_ddpm_unet_load(ctx, s->unet);
  if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  return VKG_OK;
}

vkg_status vkg_ddpm_sample_node_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *xs = vkg_tensor_shape(in[0]);
  int64_t B = xs->d[0], steps = s->sched.steps;
  size_t sample_bytes = vkg_tensor_bytes(in[0]);
  vkg_tensor *x = NULL, *t = NULL, *noise = NULL, *img = NULL;
  float *tv = malloc((size_t)B * sizeof *tv);
  vkg_shape ts = vkg_shape_make(1, &B);
  vkg_status st = tv ? VKG_OK : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, xs, &x);
  if (!st) st = vkg_tensor_copy(ctx, in[0], x); /* the input is borrowed: never update it in place */
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &ts, &t);
  uint64_t first = (uint64_t)vkg_node_batch_index(node) * (uint64_t)B;
  for (int64_t i = 0; i < steps && !st; i++) {
    if (vkg_interrupted(ctx)) {
      st = vkg_error(ctx, VKG_E_INTERRUPTED, "interrupted at step %lld of %lld", (long long)i, (long long)steps);
      break;
    }
    vkg_ddpm_step_coef c;
    vkg_ddpm_sched_coef(&s->sched, i, &c);
    for (int64_t b = 0; b < B; b++) tv[b] = (float)s->sched.timesteps[i];
    vkg_tensor *eps = NULL;
    st = vkg_tensor_upload(ctx, t, tv, (size_t)B * sizeof *tv);
    if (!st) st = vkg_ddpm_unet_forward(ctx, s->unet, x, t, &eps);
    if (!st && c.needs_noise) {
      if (in[1])
        st = vkg_tensor_view(ctx, in[1], VKG_F32, xs, (size_t)i * sample_bytes, &noise);
      else if (!(st = vkg_tensor_create(ctx, VKG_F32, xs, &noise)))
        st = vkg_randn(ctx, noise, s->seed, first, (uint32_t)(i + 1)); /* stream 0 is core.randn's default */
    }
    if (!st) st = vkg_ddpm_step(ctx, x, eps, c.needs_noise ? noise : NULL, &c);
    vkg_tensor_unref(eps);
    vkg_tensor_unref(noise);
    noise = NULL;
    if (!st) st = vkg_submit(ctx); /* keep the device busy; no wait */
    vkg_node_progress(node, i + 1, steps, "steps");
  }
  if (!st) st = vkg_ddpm_to_image(ctx, x, &img);
  free(tv);
  vkg_tensor_unref(t);
  if (st) {
    vkg_tensor_unref(x);
    return st;
  }
  out[0] = x;
  out[1] = img;
  return VKG_OK;
}
