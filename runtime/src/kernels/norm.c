/* Group norm, layer norm, inference batch norm and RMS (2nd moment) normalisation. */
#include <math.h>

#include "klib_internal.h"
#include "spv/kl_channel_affine.h"
#include "spv/kl_layer_norm_rows.h"
#include "spv/kl_norm_apply.h"
#include "spv/kl_norm_apply4.h"
#include "spv/kl_group_norm1.h"
#include "spv/kl_group_norm4.h"
#include "spv/kl_rms_rows.h"
#include "vkgen/kernels/norm.h"

static vkg_status check_param(vkg_ctx *ctx, const char *kernel, const char *what, const vkg_tensor *p,
                              int64_t want, const vkg_tensor *x) {
  if (!p) return VKG_OK;
  vkg_status st = vkg_k_need(ctx, kernel, what, p, VKG_F32);
  if (st != VKG_OK) return st;
  if (vkg_tensor_numel(p) != want) {
    char a[64], b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s shape %s must have %lld elements for input shape %s", kernel, what,
                     vkg_k_shape(p, a, sizeof a), (long long)want, vkg_k_shape(x, b, sizeof b));
  }
  return VKG_OK;
}

struct norm_push {
  uint32_t rows, len, groups, cpg, spatial, affine;
  float eps;
  uint32_t act; /* vkg_act applied in the same pass (0 none) */
  float act_param;
};

#define GN_ONE_PASS_MIN_ROWS 128   /* two workgroups of 64: both cores busy */
#define GN_ONE_PASS_MAX_ITERS 60000 /* loop iterations per invocation (lavapipe stops at 65535) */

/* The apply pass of a group norm whose planes are whole vec4s (kl_norm_apply4.comp): one
 * workgroup row per plane (y, overflowing into z), 4 pixels per invocation. */
static vkg_status apply_planes4(vkg_ctx *ctx, const vkg_tensor *const *t, const struct norm_push *pc) {
  const uint64_t planes = (uint64_t)pc->rows * pc->cpg, spatial4 = pc->spatial / 4;
  struct {
    uint32_t planes, channels, cpg, spatial4, affine, act;
    float act_param;
  } ap = {(uint32_t)planes, pc->groups * pc->cpg, pc->cpg, (uint32_t)spatial4, pc->affine, pc->act, pc->act_param};
  vkg_pipeline *p = NULL;
  vkg_status s = vkg_k_pipeline(ctx, "kl_norm_apply4", vkg_spv_kl_norm_apply4, sizeof vkg_spv_kl_norm_apply4, 5,
                                sizeof ap, &p);
  if (s != VKG_OK) return s;
  vkg_binding b[5] = {{0}};
  for (int i = 0; i < 5; i++) b[i].tensor = t[i];
  uint64_t gy = planes < 65535 ? planes : 65535, gz = (planes + gy - 1) / gy;
  return vkg_dispatch(ctx, p, b, 5, &ap, sizeof ap, (uint32_t)((spatial4 + 63) / 64), (uint32_t)gy, (uint32_t)gz);
}

/* Statistics per row in chunks, then an elementwise normalise (+ affine) pass. */
static vkg_status run_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma, const vkg_tensor *beta,
                           vkg_tensor *y, const struct norm_push *pc) {
  if (pc->rows == 0 || pc->len == 0) return VKG_OK;
  /* Group norm with enough rows to fill the cores and rows short enough for three passes under
   * lavapipe's loop limit: one dispatch, one invocation per row (kl_group_norm4 with vec4 loads
   * and stores where the planes are whole vec4s, else kl_group_norm1). */
  const int vec4s = pc->spatial % 4 == 0;
  const uint32_t w = vec4s ? 4 : 1;
  if (pc->cpg > 0 && pc->rows >= GN_ONE_PASS_MIN_ROWS && pc->len / w * 3 + pc->cpg <= GN_ONE_PASS_MAX_ITERS) {
    struct {
      uint32_t rows, groups, cpg, spatial, affine, act;
      float eps, act_param;
    } gp = {pc->rows, pc->groups, pc->cpg, pc->spatial / w, pc->affine, pc->act, pc->eps, pc->act_param};
    const vkg_tensor *t[4] = {x, gamma ? gamma : x, beta ? beta : x, y};
    return vec4s ? VKG_K_LAUNCH(ctx, kl_group_norm4, t, 4, &gp, gp.rows)
                 : VKG_K_LAUNCH(ctx, kl_group_norm1, t, 4, &gp, gp.rows);
  }
  vkg_tensor *st = NULL;
  vkg_status s = vkg_k_rowstats(ctx, x, pc->rows, pc->len, 0, 0, pc->eps, &st);
  if (s != VKG_OK) return s;
  struct {
    uint32_t n, len, groups, cpg, spatial, affine, act;
    float act_param;
  } ap = {pc->rows * pc->len, pc->len, pc->groups, pc->cpg, pc->spatial, pc->affine, pc->act, pc->act_param};
  const vkg_tensor *t[5] = {x, st, gamma ? gamma : x, beta ? beta : x, y};
  if (pc->spatial % 4 == 0 && pc->cpg > 0) {
    s = apply_planes4(ctx, t, pc);
  } else {
    s = VKG_K_LAUNCH(ctx, kl_norm_apply, t, 5, &ap, ap.n);
  }
  vkg_tensor_unref(st);
  return s;
}

static vkg_status check_xy(vkg_ctx *ctx, const char *kernel, const vkg_tensor *x, const vkg_tensor *y, int min_dims) {
  vkg_status st = vkg_k_same_f32(ctx, kernel, x, y);
  if (st == VKG_OK && vkg_tensor_shape(x)->ndim < min_dims) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: x shape %s needs at least %d dims", kernel, vkg_k_shape(x, b, sizeof b),
                     min_dims);
  }
  return st;
}

vkg_status vkg_group_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma, const vkg_tensor *beta,
                          vkg_tensor *y, int groups, float eps) {
  return vkg_group_norm_act(ctx, x, gamma, beta, y, groups, eps, VKG_ACT_IDENTITY, 0.0f);
}

vkg_status vkg_group_norm_act(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma, const vkg_tensor *beta,
                              vkg_tensor *y, int groups, float eps, vkg_act act, float act_param) {
  const char *k = "group_norm";
  if ((int)act < 0 || act >= VKG_ACT_COUNT) return vkg_error(ctx, VKG_E_INPUT, "%s: unknown activation %d", k, (int)act);
  vkg_status st = check_xy(ctx, k, x, y, 2);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  int64_t c = s->d[1];
  if (groups < 1 || c % groups != 0) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: %lld channels of x %s are not divisible into %d groups", k,
                     (long long)c, vkg_k_shape(x, b, sizeof b), groups);
  }
  if ((gamma == NULL) != (beta == NULL))
    return vkg_error(ctx, VKG_E_INPUT, "%s: gamma and beta must both be given or both be NULL", k);
  if ((st = check_param(ctx, k, "gamma", gamma, c, x)) != VKG_OK) return st;
  if ((st = check_param(ctx, k, "beta", beta, c, x)) != VKG_OK) return st;
  int64_t spatial = 1;
  for (int i = 2; i < s->ndim; i++) spatial *= s->d[i];
  struct norm_push pc = {(uint32_t)(s->d[0] * groups), (uint32_t)(c / groups * spatial), (uint32_t)groups,
                         (uint32_t)(c / groups), (uint32_t)(spatial ? spatial : 1), gamma != NULL, eps,
                         (uint32_t)act, act_param};
  if (pc.cpg == 0) pc.cpg = 1;
  if (pc.len == 0) return VKG_OK;
  return run_norm(ctx, x, gamma, beta, y, &pc);
}

vkg_status vkg_layer_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *gamma, const vkg_tensor *beta,
                          vkg_tensor *y, int norm_dims, float eps) {
  const char *k = "layer_norm";
  vkg_status st = check_xy(ctx, k, x, y, 1);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  if (norm_dims < 1 || norm_dims > s->ndim) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: norm_dims %d out of range for x %s", k, norm_dims,
                     vkg_k_shape(x, b, sizeof b));
  }
  if ((gamma == NULL) != (beta == NULL))
    return vkg_error(ctx, VKG_E_INPUT, "%s: gamma and beta must both be given or both be NULL", k);
  int64_t len = 1;
  for (int i = s->ndim - norm_dims; i < s->ndim; i++) len *= s->d[i];
  if ((st = check_param(ctx, k, "gamma", gamma, len, x)) != VKG_OK) return st;
  if ((st = check_param(ctx, k, "beta", beta, len, x)) != VKG_OK) return st;
  if (len == 0) return VKG_OK;
  const uint32_t rows = (uint32_t)(vkg_tensor_numel(x) / len);
  if (len <= VKG_K_CHUNK && x != y) {
    /* short rows: one invocation per row, one dispatch (in place needs the two-pass path: a row
     * is read three times) */
    struct {
      uint32_t rows, len, affine;
      float eps;
    } rp = {rows, (uint32_t)len, gamma != NULL, eps};
    const vkg_tensor *t[4] = {x, gamma ? gamma : x, beta ? beta : x, y};
    return VKG_K_LAUNCH(ctx, kl_layer_norm_rows, t, 4, &rp, rows);
  }
  struct norm_push pc = {rows, (uint32_t)len, 1, 0, 1, gamma != NULL, eps, 0, 0.0f};
  return run_norm(ctx, x, gamma, beta, y, &pc);
}

void vkg_batch_norm_fold(const float *running_mean, const float *running_var, const float *gamma,
                         const float *beta, int64_t channels, float eps, float *scale, float *shift) {
  for (int64_t c = 0; c < channels; c++) {
    double g = gamma ? gamma[c] : 1.0, b = beta ? beta[c] : 0.0;
    double sc = g / sqrt((double)running_var[c] + (double)eps);
    scale[c] = (float)sc;
    shift[c] = (float)(b - (double)running_mean[c] * sc);
  }
}

vkg_status vkg_batch_norm(vkg_ctx *ctx, const vkg_tensor *x, const vkg_tensor *scale, const vkg_tensor *shift,
                          vkg_tensor *y) {
  const char *k = "batch_norm";
  vkg_status st = check_xy(ctx, k, x, y, 2);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  if (!scale || !shift) return vkg_error(ctx, VKG_E_INPUT, "%s: scale and shift are required", k);
  if ((st = check_param(ctx, k, "scale", scale, s->d[1], x)) != VKG_OK) return st;
  if ((st = check_param(ctx, k, "shift", shift, s->d[1], x)) != VKG_OK) return st;
  int64_t spatial = 1;
  for (int i = 2; i < s->ndim; i++) spatial *= s->d[i];
  struct {
    uint32_t n, channels, spatial;
  } pc = {(uint32_t)vkg_tensor_numel(x), (uint32_t)s->d[1], (uint32_t)(spatial ? spatial : 1)};
  const vkg_tensor *t[4] = {x, scale, shift, y};
  return VKG_K_LAUNCH(ctx, kl_channel_affine, t, 4, &pc, pc.n);
}

vkg_status vkg_rms_normalize(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, float eps) {
  const char *k = "rms_normalize";
  vkg_status st = check_xy(ctx, k, x, y, 1);
  if (st != VKG_OK) return st;
  const vkg_shape *s = vkg_tensor_shape(x);
  int64_t len = s->d[s->ndim - 1];
  if (len > VKG_K_CHUNK) {
    char b[64];
    return vkg_error(ctx, VKG_E_INPUT, "%s: rows of x %s are longer than %d", k, vkg_k_shape(x, b, sizeof b),
                     VKG_K_CHUNK);
  }
  if (len == 0 || vkg_tensor_numel(x) == 0) return VKG_OK;
  struct {
    uint32_t rows, len;
    float eps;
  } pc = {(uint32_t)(vkg_tensor_numel(x) / len), (uint32_t)len, eps};
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_rms_rows, t, 2, &pc, pc.rows);
}
