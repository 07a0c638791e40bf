/* The plugin's own shaders: pixel-to-input conversion and one-pixel writes. */
#include "ar_internal.h"
#include "spv/ar_conv.h"
#include "spv/ar_put.h"
#include "spv/ar_to_unit.h"

typedef struct to_unit_push {
  uint32_t n, kind;
  float div;
  uint32_t gx;
} to_unit_push;

typedef struct put_push {
  uint32_t B, C, HW, pos, mode;
  float div;
} put_push;

static const vkg_kernel_desc to_unit_desc = {
    "ar_to_unit", vkg_spv_ar_to_unit, sizeof vkg_spv_ar_to_unit, NULL, 2, {VKG_BIND_STORAGE, VKG_BIND_STORAGE},
    sizeof(to_unit_push)};
static const vkg_kernel_desc put_desc = {
    "ar_put", vkg_spv_ar_put, sizeof vkg_spv_ar_put, NULL, 2, {VKG_BIND_STORAGE, VKG_BIND_STORAGE},
    sizeof(put_push)};

vkg_status vkg_ar_to_unit(vkg_ctx *ctx, const vkg_tensor *pixels, vkg_tensor *y) {
  const int64_t n = vkg_tensor_numel(pixels);
  if (vkg_tensor_dtype(y) != VKG_F32 || vkg_tensor_numel(y) != n)
    return vkg_error(ctx, VKG_E_INTERNAL, "ar_to_unit: output must be f32 with %lld elements", (long long)n);
  uint32_t kind;
  switch (vkg_tensor_dtype(pixels)) {
  case VKG_F32: kind = 0; break;
  case VKG_I32: kind = 1; break;
  case VKG_I64: kind = 2; break;
  case VKG_U8: kind = 3; break;
  default:
    return vkg_error(ctx, VKG_E_INPUT, "ar: pixels must be f32, i32, i64 or u8, got %s",
                     vkg_dtype_name(vkg_tensor_dtype(pixels)));
  }
  if (n == 0) return VKG_OK;
  vkg_pipeline *pipe = NULL;
  vkg_status st = vkg_pipeline_get(ctx, &to_unit_desc, NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  const uint32_t groups = vkg_ceil_div_u32((uint64_t)n, 64), gx = groups < 65535u ? groups : 65535u;
  to_unit_push p = {(uint32_t)n, kind, 255.0f, gx};
  vkg_binding b[2] = {{pixels, 0, 0}, {y, 0, 0}};
  return vkg_dispatch(ctx, pipe, b, 2, &p, sizeof p, gx, vkg_ceil_div_u32(groups, gx), 1);
}

vkg_status vkg_ar_put(vkg_ctx *ctx, const vkg_tensor *src, vkg_tensor *dst, int64_t pos, int mode) {
  const vkg_shape *d = vkg_tensor_shape(dst);
  const int64_t B = d->d[0], C = d->d[1], HW = d->d[2] * d->d[3];
  if (d->ndim != 4 || vkg_tensor_numel(src) != B * C || pos < 0 || pos >= HW)
    return vkg_error(ctx, VKG_E_INTERNAL, "ar_put: src of %lld elements does not fit dst at %lld",
                     (long long)vkg_tensor_numel(src), (long long)pos);
  vkg_pipeline *pipe = NULL;
  vkg_status st = vkg_pipeline_get(ctx, &put_desc, NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  put_push p = {(uint32_t)B, (uint32_t)C, (uint32_t)HW, (uint32_t)pos, (uint32_t)mode, 255.0f};
  vkg_binding b[2] = {{src, 0, 0}, {dst, 0, 0}};
  return vkg_dispatch(ctx, pipe, b, 2, &p, sizeof p, vkg_ceil_div_u32((uint64_t)(B * C), 64), 1, 1);
}

typedef struct conv_push {
  uint32_t B, Cin, Cout, KH, KW;
  int32_t pad, img_h, img_w;
  int32_t in_r0, in_c0, in_h, in_w;
  int32_t out_r0, out_c0, out_h, out_w;
  uint32_t relu, gx;
} conv_push;

static const vkg_kernel_desc conv_desc = {
    "ar_conv", vkg_spv_ar_conv, sizeof vkg_spv_ar_conv, NULL, 4,
    {VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE, VKG_BIND_STORAGE}, sizeof(conv_push)};

vkg_status vkg_ar_conv(vkg_ctx *ctx, int64_t B, int64_t cin, int64_t cout, int kh, int kw, int pad, int64_t img_h,
                       int64_t img_w, const vkg_tensor *x, vkg_ar_win xw, const vkg_tensor *w, const vkg_tensor *bias,
                       vkg_tensor *y, vkg_ar_win yw, int relu) {
  const int64_t n = B * cout * yw.h * yw.w;
  if ((int64_t)vkg_tensor_numel(y) < n || (int64_t)vkg_tensor_numel(x) < B * cin * xw.h * xw.w ||
      vkg_tensor_numel(w) != cout * cin * kh * kw || vkg_tensor_numel(bias) != cout)
    return vkg_error(ctx, VKG_E_INTERNAL, "ar_conv: buffers too small for the windows");
  if (n == 0) return VKG_OK;
  vkg_pipeline *pipe = NULL;
  vkg_status st = vkg_pipeline_get(ctx, &conv_desc, NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  const uint32_t groups = vkg_ceil_div_u32((uint64_t)n, 64), gx = groups < 65535u ? groups : 65535u;
  conv_push p = {(uint32_t)B,      (uint32_t)cin,    (uint32_t)cout,   (uint32_t)kh,     (uint32_t)kw,
                 pad,              (int32_t)img_h,   (int32_t)img_w,   (int32_t)xw.r0,   (int32_t)xw.c0,
                 (int32_t)xw.h,    (int32_t)xw.w,    (int32_t)yw.r0,   (int32_t)yw.c0,   (int32_t)yw.h,
                 (int32_t)yw.w,    (uint32_t)!!relu, gx};
  vkg_binding b[4] = {{x, 0, 0}, {w, 0, 0}, {bias, 0, 0}, {y, 0, 0}};
  return vkg_dispatch(ctx, pipe, b, 4, &p, sizeof p, gx, vkg_ceil_div_u32(groups, gx), 1);
}
