/* ddpm.sample: the DDPMPipeline / DDIMPipeline loop (UNet2DModel) or the DiTPipeline loop (DiT transformer,
 * class labels, classifier-free guidance), x_T (noise) -> x_0 (sample, image), entirely on the GPU: per step
 * one denoiser forward, (DiT) one guidance kernel, and one fused scheduler-step kernel. */
#include <stdlib.h>
#include <string.h>

#include "ddpm_internal.h"

const vkg_port_desc vkg_ddpm_sample_inputs[3] = {
    {"noise", "f32", "initial x_T [B, C, H, W] (e.g. core.randn; DiT: latents, H and W multiples of the patch size)",
     0},
    {"step_noise", "f32",
     "optional [steps, B, C, H, W]: the variance noise of each step (to reproduce a reference); default: "
     "counter-based normal noise keyed by (seed, global sample index, step + 1)",
     1},
    {"class_labels", "i32|i64",
     "DiT: class of each sample [B], in [0, num_embeds_ada_norm) (num_embeds_ada_norm itself: the null class, "
     "unconditional); optional when the classes param is given",
     1},
};
const vkg_port_desc vkg_ddpm_sample_outputs[2] = {
    {"sample", "f32", "x_0 [B, C, H, W] (UNet: about [-1, 1]; DiT: latents, not yet divided by the VAE's scaling_factor)",
     0},
    {"image", "f32", "clamp(sample / 2 + 0.5, 0, 1)", 0},
};
const vkg_param_desc vkg_ddpm_sample_params[VKG_DDPM_SAMPLE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL,
     "diffusers UNet2DModel or DiT transformer folder, or a pipeline folder (model_index.json with unet/ or "
     "transformer/); scheduler_config.json (or scheduler/scheduler_config.json, also the pipeline's) is read when "
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
    {"variance_type", VKG_PARAM_ENUM, "auto",
     "DDPM variance (learned_range: a DiT with learned sigma, 2C output channels)",
     "auto|fixed_small|fixed_large|learned_range", 0, 0},
    {"guidance_scale", VKG_PARAM_FLOAT, "1",
     "DiT classifier-free guidance (DiTPipeline, whose default is 4): > 1 runs each step on the batch doubled with "
     "the null class, eps = uncond + s (cond - uncond) on the first C channels; 1: no guidance",
     NULL, 0, 0},
    {"classes", VKG_PARAM_INT_LIST, "[]",
     "DiT without a class_labels input: class of sample i of a batch = classes[i % n]", NULL, 0, 0},
};

typedef struct sample_state {
  vkg_ddpm_unet *unet;
  vkg_ddpm_dit *dit; /* exactly one of unet / dit */
  vkg_ddpm_sched sched;
  uint64_t seed;
  double guidance;
  const int64_t *classes;
  int nclasses;
} sample_state;

void vkg_ddpm_sample_node_destroy(void *state) {
  sample_state *s = state;
  if (!s) return;
  vkg_ddpm_unet_destroy(s->unet);
  vkg_ddpm_dit_destroy(s->dit);
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

/* The denoiser of the resolved folders, checked against the guidance and the pipeline's VAE. */
static vkg_status open_denoiser(vkg_node *node, sample_state *s, const vkg_ddpm_folders *f) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (!f->is_dit) {
    vkg_status st = vkg_ddpm_unet_open(ctx, f->denoiser, &s->unet);
    if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
    if (s->guidance != 1.0 || s->nclasses)
      return vkg_node_error(node, VKG_E_INPUT, s->nclasses ? "classes" : "guidance_scale",
                            "applies to class-conditional DiT models only; %s is a UNet2DModel", f->denoiser);
    return VKG_OK;
  }
  vkg_status st = vkg_ddpm_dit_open(ctx, f->denoiser, &s->dit);
  if (!st) st = vkg_ddpm_folders_check_vae(ctx, f, vkg_ddpm_dit_config(s->dit)->in_channels);
  if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  const vkg_ddpm_dit_cfg *c = vkg_ddpm_dit_config(s->dit);
  if (s->guidance < 1.0)
    return vkg_node_error(node, VKG_E_INPUT, "guidance_scale", "must be >= 1 (1: no guidance), got %g", s->guidance);
  if (s->guidance > 1.0 && !vkg_ddpm_dit_has_null_class(s->dit))
    return vkg_node_error(node, VKG_E_INPUT, "guidance_scale",
                          "%g needs the null class (row %lld of the class embedding table), but %s has only %lld rows "
                          "(trained without label dropout): use guidance_scale 1",
                          s->guidance, (long long)c->num_classes, f->denoiser, (long long)c->num_classes);
  for (int i = 0; i < s->nclasses; i++)
    if (s->classes[i] < 0 || s->classes[i] > c->num_classes)
      return vkg_node_error(node, VKG_E_INPUT, "classes", "class %lld out of range [0, %lld)",
                            (long long)s->classes[i], (long long)c->num_classes + vkg_ddpm_dit_has_null_class(s->dit));
  return VKG_OK;
}

vkg_status vkg_ddpm_sample_node_create(vkg_node *node, void **state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  sample_state *s = calloc(1, sizeof *s);
  vkg_ddpm_folders *f = malloc(sizeof *f);
  if (!s || !f) {
    free(s), free(f);
    return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  }
  const char *folder = NULL;
  vkg_node_param_string(node, "model", &folder);
  s->guidance = 1.0;
  vkg_node_param_float(node, "guidance_scale", &s->guidance);
  vkg_node_param_int_list(node, "classes", &s->classes, &s->nclasses);
  vkg_ddpm_sched_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  vkg_status st = vkg_ddpm_folders_resolve(ctx, folder, f);
  if (st) st = vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  if (!st) st = open_denoiser(node, s, f);
  if (!st && (st = vkg_ddpm_sched_cfg_load(ctx, f->root, &cfg)))
    st = vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  free(f);
  if (st) {
    vkg_ddpm_sample_node_destroy(s);
    return st;
  }
  static const char *const kinds[] = {"auto", "ddpm", "ddim"};
  static const char *const spacing[] = {"auto", "leading", "trailing", "linspace"};
  static const char *const tf[] = {"auto", "true", "false"};
  static const char *const pred[] = {"auto", "epsilon", "v_prediction", "sample"};
  static const char *const var[] = {"auto", "fixed_small", "fixed_large", "learned_range"};
  int k = enum_index(node, "scheduler", kinds, 3);
  vkg_ddpm_sched_kind kind = k == 0 ? cfg.config_kind : (k == 1 ? VKG_DDPM_SCHED_DDPM : VKG_DDPM_SCHED_DDIM);
  int i;
  if ((i = enum_index(node, "timestep_spacing", spacing, 4)) > 0) cfg.spacing = (vkg_ddpm_spacing)(i - 1);
  if ((i = enum_index(node, "clip_sample", tf, 3)) > 0) cfg.clip_sample = i == 1;
  if ((i = enum_index(node, "prediction_type", pred, 4)) > 0) cfg.prediction = (vkg_ddpm_pred)(i - 1);
  if ((i = enum_index(node, "variance_type", var, 4)) > 0)
    cfg.variance_type = i == 3 ? VKG_DDPM_VAR_LEARNED_RANGE : (vkg_ddpm_var)(i - 1);
  int64_t steps = 50, seed = 0;
  double eta = 0.0;
  vkg_node_param_int(node, "steps", &steps);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_float(node, "eta", &eta);
  if (eta < 0) st = vkg_node_error(node, VKG_E_INPUT, "eta", "must be >= 0, got %g", eta);
  int learned = kind == VKG_DDPM_SCHED_DDPM && cfg.variance_type == VKG_DDPM_VAR_LEARNED_RANGE;
  if (!st && learned &&
      (!s->dit || vkg_ddpm_dit_config(s->dit)->out_channels != 2 * vkg_ddpm_dit_config(s->dit)->in_channels))
    st = vkg_node_error(node, VKG_E_INPUT, "variance_type",
                        "learned_range needs a model that predicts its variance (out_channels = 2 x in_channels)");
  if (!st && (st = vkg_ddpm_sched_init(ctx, &s->sched, kind, &cfg, steps, kind == VKG_DDPM_SCHED_DDIM ? eta : 0.0)))
    st = vkg_node_error(node, st, "steps", "%s", vkg_error_message(ctx));
  vkg_ddpm_sched_cfg_free(&cfg);
  if (st) {
    vkg_ddpm_sample_node_destroy(s);
    return st;
  }
  s->seed = (uint64_t)seed;
  *state = s;
  return VKG_OK;
}

static vkg_status infer_labels(vkg_node *node, const sample_state *s, const vkg_tensor_info *in) {
  if (!s->dit) {
    if (in[2].shape.ndim)
      return vkg_node_input_error(node, VKG_E_INPUT, 2, "the model (UNet2DModel) is unconditional: no class labels");
    return VKG_OK;
  }
  const vkg_ddpm_dit_cfg *c = vkg_ddpm_dit_config(s->dit);
  int64_t rows = c->num_classes + vkg_ddpm_dit_has_null_class(s->dit);
  if (!in[2].shape.ndim) {
    if (!s->nclasses)
      return vkg_node_error(node, VKG_E_INPUT, "classes",
                            "the DiT is class-conditional (%lld classes): connect class_labels or give classes",
                            (long long)c->num_classes);
    return VKG_OK;
  }
  char b[96];
  if (in[2].shape.ndim != 1 || in[2].shape.d[0] != in[0].shape.d[0])
    return vkg_node_input_error(node, VKG_E_INPUT, 2, "class_labels %s: expected [%lld] (one per sample)",
                                vkg_shape_format(&in[2].shape, b, sizeof b), (long long)in[0].shape.d[0]);
  if (in[2].index_limit > rows)
    return vkg_node_input_error(node, VKG_E_INPUT, 2, "its labels take %lld values, the model has %lld classes",
                                (long long)in[2].index_limit, (long long)c->num_classes);
  return VKG_OK;
}

vkg_status vkg_ddpm_sample_node_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  if (s->unet) {
    const vkg_ddpm_unet_cfg *c = vkg_ddpm_unet_config(s->unet);
    if (vkg_ddpm_unet_check_input(ctx, s->unet, &in[0].shape))
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "%s", vkg_error_message(ctx));
    if (c->out_channels != c->in_channels)
      return vkg_node_error(node, VKG_E_INPUT, "model", "sampling needs out_channels == in_channels (%lld != %lld)",
                            (long long)c->out_channels, (long long)c->in_channels);
  } else if (vkg_ddpm_dit_check_input(ctx, s->dit, &in[0].shape)) {
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "%s", vkg_error_message(ctx));
  }
  vkg_status st = infer_labels(node, s, in);
  if (st) return st;
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
  vkg_status st = s->unet ? vkg_ddpm_unet_load(ctx, s->unet) : vkg_ddpm_dit_load(ctx, s->dit);
  if (st) return vkg_node_error(node, st, "model", "%s", vkg_error_message(ctx));
  return VKG_OK;
}

/* The DiT's labels for one batch, [B] (or [2B] with the null class appended under guidance), i64 on the
 * device; every label checked against the class table. */
static vkg_status dit_labels(vkg_node *node, const sample_state *s, const vkg_tensor *in, int64_t B, int guided,
                             vkg_tensor **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_ddpm_dit_cfg *c = vkg_ddpm_dit_config(s->dit);
  int64_t n = guided ? 2 * B : B, rows = c->num_classes + vkg_ddpm_dit_has_null_class(s->dit);
  int64_t *h = calloc((size_t)n, sizeof *h);
  if (!h) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = VKG_OK;
  if (in) {
    st = vkg_tensor_download_ids(ctx, in, h);
  } else {
    for (int64_t b = 0; b < B; b++) h[b] = s->classes[b % s->nclasses];
  }
  for (int64_t b = 0; !st && b < B; b++)
    if (h[b] < 0 || h[b] >= rows)
      st = vkg_node_input_error(node, VKG_E_INPUT, 2, "class label %lld (sample %lld) out of range [0, %lld)",
                                (long long)h[b], (long long)b, (long long)rows);
  for (int64_t b = B; b < n; b++) h[b] = c->num_classes; /* the null class */
  vkg_shape ls = vkg_shape_make(1, &n);
  if (!st) st = vkg_tensor_create(ctx, VKG_I64, &ls, out);
  if (!st && (st = vkg_tensor_upload(ctx, *out, h, (size_t)n * sizeof *h))) {
    vkg_tensor_unref(*out);
    *out = NULL;
  }
  free(h);
  return st;
}

/* One DiT evaluation: eps (guided) and, for learned_range, the conditional half's variance channels. */
static vkg_status dit_eval(vkg_ctx *ctx, const sample_state *s, vkg_tensor *x, const vkg_tensor *t,
                           const vkg_tensor *labels, int guided, int learned, vkg_tensor **eps, vkg_tensor **var) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t B = xs->d[0], C = xs->d[1];
  vkg_tensor *xin = NULL, *o = NULL;
  vkg_status st = VKG_OK;
  if (guided) {
    vkg_shape s2 = *xs;
    s2.d[0] = 2 * B;
    const vkg_tensor *const two[2] = {x, x};
    if (!(st = vkg_tensor_create(ctx, VKG_F32, &s2, &xin))) st = vkg_concat(ctx, (const vkg_tensor *const *)two, 2, 0, xin);
  }
  if (!st) st = vkg_ddpm_dit_forward(ctx, s->dit, guided ? xin : x, t, labels, &o);
  if (!st) st = vkg_ddpm_guide(ctx, o, B, 0, C, guided, (float)s->guidance, eps);
  if (!st && learned) st = vkg_ddpm_guide(ctx, o, B, C, C, 0, 1.0f, var);
  vkg_tensor_unref(xin);
  vkg_tensor_unref(o);
  return st;
}

vkg_status vkg_ddpm_sample_node_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_shape *xs = vkg_tensor_shape(in[0]);
  int guided = s->dit && s->guidance > 1.0;
  int learned = s->sched.kind == VKG_DDPM_SCHED_DDPM && s->sched.cfg.variance_type == VKG_DDPM_VAR_LEARNED_RANGE;
  int64_t B = xs->d[0], N = guided ? 2 * B : B, steps = s->sched.steps;
  size_t sample_bytes = vkg_tensor_bytes(in[0]);
  vkg_tensor *x = NULL, *t = NULL, *noise = NULL, *img = NULL, *labels = NULL;
  float *tv = malloc((size_t)N * sizeof *tv);
  vkg_shape ts = vkg_shape_make(1, &N);
  vkg_status st = tv ? VKG_OK : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (!st && s->dit) st = dit_labels(node, s, in[2], B, guided, &labels);
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
    for (int64_t b = 0; b < N; b++) tv[b] = (float)s->sched.timesteps[i];
    vkg_tensor *eps = NULL, *var = NULL;
    st = vkg_tensor_upload(ctx, t, tv, (size_t)N * sizeof *tv);
    if (!st && s->unet) st = vkg_ddpm_unet_forward(ctx, s->unet, x, t, &eps);
    if (!st && s->dit) st = dit_eval(ctx, s, x, t, labels, guided, learned && c.needs_noise, &eps, &var);
    if (!st && c.needs_noise) {
      if (in[1])
        st = vkg_tensor_view(ctx, in[1], VKG_F32, xs, (size_t)i * sample_bytes, &noise);
      else if (!(st = vkg_tensor_create(ctx, VKG_F32, xs, &noise)))
        st = vkg_randn(ctx, noise, s->seed, first, (uint32_t)(i + 1)); /* stream 0 is core.randn's default */
    }
    if (!st) st = vkg_ddpm_step(ctx, x, eps, c.needs_noise ? noise : NULL, var, &c);
    vkg_tensor_unref(eps);
    vkg_tensor_unref(var);
    vkg_tensor_unref(noise);
    noise = NULL;
    if (!st) st = vkg_submit(ctx); /* keep the device busy; no wait */
    vkg_node_progress(node, i + 1, steps, "steps");
  }
  if (!st) st = vkg_ddpm_to_image(ctx, x, &img);
  free(tv);
  vkg_tensor_unref(t);
  vkg_tensor_unref(labels);
  if (st) {
    vkg_tensor_unref(x);
    return st;
  }
  out[0] = x;
  out[1] = img;
  return VKG_OK;
}
