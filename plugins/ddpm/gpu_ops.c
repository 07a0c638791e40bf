/* The plugin's own small kernels: timestep cast, the fused scheduler step, guidance, the image map. */
#include <string.h>

#include <vkgen/gpu.h>
#include <vkgen/kernels/common.h>

#include "ddpm_internal.h"
#include "spv/guide.h"
#include "spv/step.h"
#include "spv/to_image.h"
#include "spv/ts_cast.h"

static vkg_status get_pipe(vkg_ctx *ctx, const char *name, const uint32_t *spv, size_t bytes, int nbind,
                           uint32_t push, vkg_pipeline **out) {
  vkg_kernel_desc d;
  memset(&d, 0, sizeof d);
  d.name = name;
  d.spirv = spv;
  d.spirv_bytes = bytes;
  d.nbind = nbind;
  for (int i = 0; i < nbind; i++) d.bind[i] = VKG_BIND_STORAGE;
  d.push_bytes = push;
  return vkg_pipeline_get(ctx, &d, NULL, 0, out);
}

/* 64-wide groups over a 2-D grid (the x dimension is limited). */
static void grid(vkg_ctx *ctx, uint64_t n, uint32_t *gx, uint32_t *gy) {
  uint32_t groups = vkg_ceil_div_u32(n, 64), maxx = vkg_max_groups(ctx, 0);
  if (maxx > 32768) maxx = 32768;
  *gx = groups < maxx ? (groups ? groups : 1) : maxx;
  *gy = vkg_ceil_div_u32(groups, *gx);
  if (*gy == 0) *gy = 1;
}

vkg_status vkg_ddpm_timesteps_f32(vkg_ctx *ctx, const vkg_tensor *t, int64_t batch, vkg_tensor **out) {
  vkg_dtype dt = vkg_tensor_dtype(t);
  int64_t n = vkg_tensor_numel(t);
  if (dt != VKG_F32 && dt != VKG_I64)
    return vkg_error(ctx, VKG_E_INPUT, "timestep: dtype %s (expected f32 or i64)", vkg_dtype_name(dt));
  if (n != 1 && n != batch)
    return vkg_error(ctx, VKG_E_INPUT, "timestep: %lld values for a batch of %lld (expected 1 or %lld)", (long long)n,
                     (long long)batch, (long long)batch);
  vkg_pipeline *p = NULL;
  vkg_status st = get_pipe(ctx, "ddpm_ts_cast", vkg_spv_ts_cast, sizeof vkg_spv_ts_cast, 2, 12, &p);
  if (st) return st;
  vkg_shape s = vkg_shape_make(1, &batch);
  vkg_tensor *y = NULL;
  if ((st = vkg_tensor_create(ctx, VKG_F32, &s, &y))) return st;
  struct {
    uint32_t n, broadcast, is_i64;
  } pc = {(uint32_t)batch, n == 1 && batch != 1, dt == VKG_I64};
  vkg_tensor *b[2] = {(vkg_tensor *)t, y};
  st = vkg_dispatch_tensors(ctx, p, b, 2, &pc, sizeof pc, vkg_ceil_div_u32((uint64_t)batch, 64), 1, 1);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

vkg_status vkg_ddpm_step(vkg_ctx *ctx, vkg_tensor *x, const vkg_tensor *eps, const vkg_tensor *noise,
                         const vkg_tensor *var, const vkg_ddpm_step_coef *c) {
  int64_t n = vkg_tensor_numel(x);
  int learned = noise && c->learned;
  if (vkg_tensor_numel(eps) != n || (noise && vkg_tensor_numel(noise) != n) ||
      (learned && (!var || vkg_tensor_numel(var) != n)))
    return vkg_error(ctx, VKG_E_INTERNAL, "ddpm step: sizes differ");
  vkg_pipeline *p = NULL;
  struct {
    float a, b, d, e0, e1, c0, c1, c2, c3, clip;
    uint32_t n, use_noise, learned;
    float min_log, max_log;
  } pc = {c->a,  c->b,    c->d,       c->e0,           c->e1,   c->c0,      c->c1,     c->c2,
          c->c3, c->clip, (uint32_t)n, noise != NULL, (uint32_t)learned, c->min_log, c->max_log};
  vkg_status st = get_pipe(ctx, "ddpm_step", vkg_spv_step, sizeof vkg_spv_step, 4, sizeof pc, &p);
  if (st) return st;
  uint32_t gx, gy;
  grid(ctx, (uint64_t)n, &gx, &gy);
  vkg_tensor *b[4] = {x, (vkg_tensor *)eps, (vkg_tensor *)(noise ? noise : eps), (vkg_tensor *)(learned ? var : eps)};
  return vkg_dispatch_tensors(ctx, p, b, 4, &pc, sizeof pc, gx, gy, 1);
}

vkg_status vkg_ddpm_guide(vkg_ctx *ctx, const vkg_tensor *o, int64_t B, int64_t c0, int64_t C, int guided,
                          float scale, vkg_tensor **out) {
  const vkg_shape *os = vkg_tensor_shape(o);
  int64_t hw = os->d[2] * os->d[3];
  if (os->ndim != 4 || c0 + C > os->d[1] || os->d[0] < (guided ? 2 * B : B))
    return vkg_error(ctx, VKG_E_INTERNAL, "ddpm guide: bad model output shape");
  vkg_pipeline *p = NULL;
  vkg_status st = get_pipe(ctx, "ddpm_guide", vkg_spv_guide, sizeof vkg_spv_guide, 2, 32, &p);
  if (st) return st;
  vkg_shape ys = vkg_shape_4d(B, C, os->d[2], os->d[3]);
  vkg_tensor *y = NULL;
  if ((st = vkg_tensor_create(ctx, VKG_F32, &ys, &y))) return st;
  struct {
    uint32_t n, c, hw, cout, c0, half, guided;
    float scale;
  } pc = {(uint32_t)(B * C * hw), (uint32_t)C, (uint32_t)hw, (uint32_t)os->d[1], (uint32_t)c0,
          (uint32_t)(B * os->d[1] * hw), (uint32_t)guided, scale};
  uint32_t gx, gy;
  grid(ctx, pc.n, &gx, &gy);
  vkg_tensor *b[2] = {(vkg_tensor *)o, y};
  st = vkg_dispatch_tensors(ctx, p, b, 2, &pc, sizeof pc, gx, gy, 1);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

vkg_status vkg_ddpm_to_image(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor **out) {
  vkg_pipeline *p = NULL;
  vkg_status st = get_pipe(ctx, "ddpm_to_image", vkg_spv_to_image, sizeof vkg_spv_to_image, 2, 4, &p);
  if (st) return st;
  vkg_tensor *y = NULL;
  if ((st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(x), &y))) return st;
  uint32_t n = (uint32_t)vkg_tensor_numel(x), gx, gy;
  grid(ctx, n, &gx, &gy);
  vkg_tensor *b[2] = {(vkg_tensor *)x, y};
  st = vkg_dispatch_tensors(ctx, p, b, 2, &n, sizeof n, gx, gy, 1);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}
