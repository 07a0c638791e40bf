/* DDPMScheduler and DDIMScheduler as diffusers implements them; the scalar math runs on the
 * host in double, the per-element update in one fused kernel (shaders/ddpm/step.comp). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vkgen/json.h>

#include "ddpm_internal.h"

static int is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static vkg_status pick(vkg_ctx *ctx, const json_t *o, const char *file, const char *key, const char *const *names,
                       int n, int *out) {
  const char *v = NULL;
  vkg_status st = vkg_json_string(ctx, o, file, key, 0, &v);
  if (st || !v) return st;
  for (int i = 0; i < n; i++)
    if (strcmp(v, names[i]) == 0) {
      *out = i;
      return VKG_OK;
    }
  char known[256] = "";
  for (int i = 0; i < n; i++) {
    size_t l = strlen(known);
    snprintf(known + l, sizeof known - l, "%s%s", i ? ", " : "", names[i]);
  }
  return vkg_error(ctx, VKG_E_INPUT, "%s: %s '%s' is not supported (%s)", file, key, v, known);
}

/* Betas are probabilities of a noising step: each in (0, 1), never decreasing. The schedule
 * uses beta_start/beta_end only when linear or scaled_linear (squaredcos_cap_v2 has its own). */
static vkg_status check_betas(vkg_ctx *ctx, const char *file, const vkg_ddpm_sched_cfg *c) {
  if (!(c->clip_sample_range > 0))
    return vkg_error(ctx, VKG_E_INPUT, "%s: clip_sample_range must be > 0, got %g", file, c->clip_sample_range);
  if (c->beta_schedule == 0 || c->beta_schedule == 1) {
    const char *const keys[2] = {"beta_start", "beta_end"};
    const double v[2] = {c->beta_start, c->beta_end};
    for (int k = 0; k < 2; k++)
      if (!(v[k] > 0 && v[k] < 1))
        return vkg_error(ctx, VKG_E_INPUT, "%s: %s must be in (0, 1), got %g", file, keys[k], v[k]);
    if (c->beta_end < c->beta_start)
      return vkg_error(ctx, VKG_E_INPUT, "%s: beta_end %g < beta_start %g: betas must not decrease", file, c->beta_end,
                       c->beta_start);
  }
  for (int64_t i = 0; c->beta_schedule == 3 && i < c->num_train_timesteps; i++) {
    double b = c->trained_betas[i];
    if (!(b > 0 && b < 1))
      return vkg_error(ctx, VKG_E_INPUT, "%s: trained_betas[%lld] must be in (0, 1), got %g", file, (long long)i, b);
    if (i > 0 && b < c->trained_betas[i - 1])
      return vkg_error(ctx, VKG_E_INPUT, "%s: trained_betas[%lld] = %g < trained_betas[%lld] = %g: betas must not decrease",
                       file, (long long)i, b, (long long)i - 1, c->trained_betas[i - 1]);
  }
  return VKG_OK;
}

static vkg_status parse(vkg_ctx *ctx, const json_t *o, const char *file, vkg_ddpm_sched_cfg *c) {
  static const char *const schedules[] = {"linear", "scaled_linear", "squaredcos_cap_v2"};
  static const char *const variances[] = {"fixed_small", "fixed_large", "fixed_small_log", "learned_range"};
  static const char *const preds[] = {"epsilon", "v_prediction", "sample"};
  static const char *const spacings[] = {"leading", "trailing", "linspace"};
  vkg_status st;
  const char *cls = NULL;
  if ((st = vkg_json_string(ctx, o, file, "_class_name", 0, &cls))) return st;
  c->config_kind = cls && strcmp(cls, "DDIMScheduler") == 0 ? VKG_DDPM_SCHED_DDIM : VKG_DDPM_SCHED_DDPM;
  if ((st = vkg_json_int(ctx, o, file, "num_train_timesteps", 0, &c->num_train_timesteps))) return st;
  if (c->num_train_timesteps < 1 || c->num_train_timesteps > 100000)
    return vkg_error(ctx, VKG_E_INPUT, "%s: num_train_timesteps is %lld", file, (long long)c->num_train_timesteps);
  if ((st = vkg_json_float(ctx, o, file, "beta_start", 0, &c->beta_start))) return st;
  if ((st = vkg_json_float(ctx, o, file, "beta_end", 0, &c->beta_end))) return st;
  if ((st = pick(ctx, o, file, "beta_schedule", schedules, 3, &c->beta_schedule))) return st;
  int v = (int)c->variance_type, p = (int)c->prediction, s = (int)c->spacing;
  if ((st = pick(ctx, o, file, "variance_type", variances, 4, &v))) return st;
  if ((st = pick(ctx, o, file, "prediction_type", preds, 3, &p))) return st;
  if ((st = pick(ctx, o, file, "timestep_spacing", spacings, 3, &s))) return st;
  c->variance_type = (vkg_ddpm_var)v;
  c->prediction = (vkg_ddpm_pred)p;
  c->spacing = (vkg_ddpm_spacing)s;
  if ((st = vkg_json_bool(ctx, o, file, "clip_sample", 0, &c->clip_sample))) return st;
  if ((st = vkg_json_float(ctx, o, file, "clip_sample_range", 0, &c->clip_sample_range))) return st;
  if ((st = vkg_json_int(ctx, o, file, "steps_offset", 0, &c->steps_offset))) return st;
  if ((st = vkg_json_bool(ctx, o, file, "set_alpha_to_one", 0, &c->set_alpha_to_one))) return st;
  int flag = 0;
  const char *const off[] = {"thresholding", "rescale_betas_zero_snr"};
  for (int i = 0; i < 2; i++) {
    flag = 0;
    if ((st = vkg_json_bool(ctx, o, file, off[i], 0, &flag))) return st;
    if (flag) return vkg_error(ctx, VKG_E_INPUT, "%s: %s is not supported", file, off[i]);
  }
  const json_t *tb = json_object_get(o, "trained_betas");
  if (tb && !json_is_null(tb)) {
    if (!json_is_array(tb) || (int64_t)json_array_size(tb) != c->num_train_timesteps)
      return vkg_error(ctx, VKG_E_INPUT, "%s: trained_betas must be a list of num_train_timesteps (%lld) numbers", file,
                       (long long)c->num_train_timesteps);
    c->trained_betas = malloc((size_t)c->num_train_timesteps * sizeof *c->trained_betas);
    if (!c->trained_betas) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    for (int64_t i = 0; i < c->num_train_timesteps; i++) {
      const json_t *e = json_array_get(tb, (size_t)i);
      if (!json_is_number(e)) return vkg_error(ctx, VKG_E_INPUT, "%s: trained_betas[%lld] is not a number", file, (long long)i);
      c->trained_betas[i] = json_number_value(e);
    }
    c->beta_schedule = 3;
  }
  return check_betas(ctx, file, c);
}

vkg_status vkg_ddpm_sched_cfg_load(vkg_ctx *ctx, const char *folder, vkg_ddpm_sched_cfg *c) {
  memset(c, 0, sizeof *c);
  c->num_train_timesteps = 1000;
  c->beta_start = 0.0001;
  c->beta_end = 0.02;
  c->clip_sample = 1;
  c->clip_sample_range = 1.0;
  c->set_alpha_to_one = 1;
  const char *const cand[] = {"scheduler_config.json", "scheduler/scheduler_config.json"};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(folder) + strlen(cand[i]) + 2;
    char *path = malloc(n);
    if (!path) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    snprintf(path, n, "%s/%s", folder, cand[i]);
    if (!is_file(path)) {
      free(path);
      continue;
    }
    json_t *o = NULL;
    vkg_status st = vkg_json_load(ctx, path, &o);
    if (!st) st = parse(ctx, o, path, c);
    json_decref(o);
    free(path);
    if (st) vkg_ddpm_sched_cfg_free(c);
    return st;
  }
  return VKG_OK;
}

void vkg_ddpm_sched_cfg_free(vkg_ddpm_sched_cfg *c) {
  free(c->trained_betas);
  c->trained_betas = NULL;
}

/* torch.linspace(start, end, n, dtype=float32): computed in f32, from both ends. */
static float linspace_f32(float start, float end, int64_t n, int64_t i) {
  if (n == 1) return start;
  float step = (end - start) / (float)(n - 1);
  volatile float r = i < n / 2 ? start + step * (float)i : end - step * (float)(n - i - 1);
  return r;
}

static double alpha_bar(double t) {
  double c = cos((t + 0.008) / 1.008 * M_PI / 2);
  return c * c;
}

vkg_status vkg_ddpm_sched_init(vkg_ctx *ctx, vkg_ddpm_sched *s, vkg_ddpm_sched_kind kind,
                               const vkg_ddpm_sched_cfg *cfg, int64_t steps, double eta) {
  memset(s, 0, sizeof *s);
  int64_t n = cfg->num_train_timesteps;
  if (steps < 1 || steps > n)
    return vkg_error(ctx, VKG_E_INPUT, "steps must be in [1, %lld] (num_train_timesteps), got %lld", (long long)n,
                     (long long)steps);
  s->kind = kind;
  s->cfg = *cfg;
  s->cfg.trained_betas = NULL; /* borrowed only during init */
  s->steps = steps;
  s->eta = eta;
  s->alphas_cumprod = malloc((size_t)n * sizeof *s->alphas_cumprod);
  s->timesteps = malloc((size_t)steps * sizeof *s->timesteps);
  if (!s->alphas_cumprod || !s->timesteps) {
    vkg_ddpm_sched_free(s);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  double prod = 1.0;
  for (int64_t i = 0; i < n; i++) {
    float beta; /* diffusers keeps betas in float32 */
    switch (cfg->beta_schedule) {
      case 0: beta = linspace_f32((float)cfg->beta_start, (float)cfg->beta_end, n, i); break;
      case 1: {
        float r = linspace_f32((float)sqrt(cfg->beta_start), (float)sqrt(cfg->beta_end), n, i);
        beta = r * r;
        break;
      }
      case 2: {
        double b = 1.0 - alpha_bar((double)(i + 1) / (double)n) / alpha_bar((double)i / (double)n);
        beta = (float)(b < 0.999 ? b : 0.999);
        break;
      }
      default: beta = (float)cfg->trained_betas[i]; break;
    }
    float alpha = 1.0f - beta;
    prod *= (double)alpha;
    s->alphas_cumprod[i] = prod;
  }
  switch (cfg->spacing) {
    case VKG_DDPM_SPACING_LEADING: {
      int64_t ratio = n / steps;
      for (int64_t i = 0; i < steps; i++) s->timesteps[i] = (steps - 1 - i) * ratio + cfg->steps_offset;
      break;
    }
    case VKG_DDPM_SPACING_TRAILING: {
      double ratio = (double)n / (double)steps;
      for (int64_t i = 0; i < steps; i++) s->timesteps[i] = (int64_t)nearbyint((double)n - (double)i * ratio) - 1;
      break;
    }
    case VKG_DDPM_SPACING_LINSPACE: {
      double step = steps > 1 ? (double)(n - 1) / (double)(steps - 1) : 0.0;
      for (int64_t i = 0; i < steps; i++) {
        int64_t k = steps - 1 - i;
        double v = k == steps - 1 && steps > 1 ? (double)(n - 1) : (double)k * step;
        s->timesteps[i] = (int64_t)nearbyint(v);
      }
      break;
    }
  }
  for (int64_t i = 0; i < steps; i++)
    if (s->timesteps[i] < 0 || s->timesteps[i] >= n) {
      int64_t bad = s->timesteps[i];
      vkg_ddpm_sched_free(s);
      return vkg_error(ctx, VKG_E_INPUT, "timestep %lld out of range [0, %lld) (steps_offset %lld?)", (long long)bad,
                       (long long)n, (long long)cfg->steps_offset);
    }
  return VKG_OK;
}

void vkg_ddpm_sched_free(vkg_ddpm_sched *s) {
  free(s->alphas_cumprod);
  free(s->timesteps);
  s->alphas_cumprod = NULL;
  s->timesteps = NULL;
}

/* x0 from the model output: (A x + B e) / D; and eps (DDIM) = E0 e + E1 x. */
static void x0_coef(const vkg_ddpm_sched *s, double a_t, vkg_ddpm_step_coef *c) {
  double b_t = 1.0 - a_t, sa = sqrt(a_t), sb = sqrt(b_t);
  switch (s->cfg.prediction) {
    case VKG_DDPM_PRED_EPSILON:
      c->a = 1.0f, c->b = (float)-sb, c->d = (float)sa, c->e0 = 1.0f, c->e1 = 0.0f;
      break;
    case VKG_DDPM_PRED_V:
      c->a = (float)sa, c->b = (float)-sb, c->d = 1.0f, c->e0 = (float)sa, c->e1 = (float)sb;
      break;
    case VKG_DDPM_PRED_SAMPLE:
      c->a = 0.0f, c->b = 1.0f, c->d = 1.0f, c->e0 = (float)(-sa / sb), c->e1 = (float)(1.0 / sb);
      break;
  }
  c->clip = s->cfg.clip_sample ? (float)s->cfg.clip_sample_range : 0.0f;
}

void vkg_ddpm_sched_coef(const vkg_ddpm_sched *s, int64_t i, vkg_ddpm_step_coef *c) {
  memset(c, 0, sizeof *c);
  int64_t t = s->timesteps[i], n = s->cfg.num_train_timesteps;
  double a_t = s->alphas_cumprod[t];
  x0_coef(s, a_t, c);
  if (s->kind == VKG_DDPM_SCHED_DDPM) {
    int64_t prev_t = i + 1 < s->steps ? s->timesteps[i + 1] : -1;
    double a_prev = prev_t >= 0 ? s->alphas_cumprod[prev_t] : 1.0;
    double b_t = 1.0 - a_t, b_prev = 1.0 - a_prev, cur_alpha = a_t / a_prev, cur_beta = 1.0 - cur_alpha;
    c->c0 = (float)(sqrt(a_prev) * cur_beta / b_t);
    c->c1 = (float)(sqrt(cur_alpha) * b_prev / b_t);
    c->c2 = 0.0f;
    if (t > 0) {
      double var = b_prev / b_t * cur_beta;
      if (var < 1e-20) var = 1e-20;
      double sd = s->cfg.variance_type == VKG_DDPM_VAR_FIXED_LARGE ? sqrt(cur_beta) : sqrt(var);
      c->c3 = (float)sd;
      c->needs_noise = 1;
      if (s->cfg.variance_type == VKG_DDPM_VAR_LEARNED_RANGE) { /* the model's variance channels interpolate */
        c->learned = 1;
        c->min_log = (float)log(var);
        c->max_log = (float)log(cur_beta);
      }
    }
  } else {
    int64_t prev_t = t - n / s->steps;
    double a_prev = prev_t >= 0 ? s->alphas_cumprod[prev_t] : (s->cfg.set_alpha_to_one ? 1.0 : s->alphas_cumprod[0]);
    double var = (1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev);
    double std = s->eta * sqrt(var);
    double dir = 1.0 - a_prev - std * std;
    c->c0 = (float)sqrt(a_prev);
    c->c1 = 0.0f;
    c->c2 = (float)sqrt(dir > 0 ? dir : 0.0);
    if (s->eta > 0) {
      c->c3 = (float)std;
      c->needs_noise = 1;
    }
  }
}
