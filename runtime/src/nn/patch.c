/* DiT's patch embedding (diffusers PatchEmbed: a patch x patch stride-patch conv, tokens row-major, plus
 * the 2-D sin-cos table) and the inverse, unpatchify ("nhwpqc->nchpwq"). */
#include <math.h>

#include "nn_internal.h"

void vkg_nn_sincos_pos_embed_2d(int64_t dim, int64_t gh, int64_t gw, double base_size, double interpolation_scale,
                                float *out) {
  int64_t quarter = dim / 4;
  /* positions in f32 as torch forms them: arange(g) / (g / base_size) / interpolation_scale */
  float dh = (float)((double)gh / base_size), dw = (float)((double)gw / base_size), is = (float)interpolation_scale;
  for (int64_t i = 0; i < gh; i++)
    for (int64_t j = 0; j < gw; j++) {
      float *row = out + (i * gw + j) * dim;
      double pos[2] = {(double)((float)j / dw / is), (double)((float)i / dh / is)}; /* w first, then h */
      for (int half = 0; half < 2; half++)
        for (int64_t k = 0; k < quarter; k++) {
          double omega = 1.0 / pow(10000.0, (double)k / ((double)(dim / 2) / 2.0));
          double a = pos[half] * omega;
          row[half * 2 * quarter + k] = (float)sin(a);
          row[half * 2 * quarter + quarter + k] = (float)cos(a);
        }
    }
}

vkg_status vkg_nn_patch_embed_load(vkg_ctx *ctx, vkg_model *m, const char *prefix, int64_t cin, int64_t dim, int patch,
                                   vkg_nn_patch_embed *out) {
  char key[VKG_NN_KEY_MAX];
  vkg_nn_patch_embed pe = {0};
  if (patch < 1) return vkg_error(ctx, VKG_E_INPUT, "%s: patch size %d must be >= 1", prefix, patch);
  vkg_status st = vkg_nn_conv2d_load(ctx, m, vkg_nn_key(key, sizeof key, prefix, "proj"), cin, dim, patch, patch, 0, 1,
                                     &pe.proj);
  if (st) return st;
  pe.patch = patch;
  pe.dim = pe.proj.cout;
  if (pe.dim % 4) {
    vkg_nn_patch_embed_free(&pe);
    return vkg_error(ctx, VKG_E_INPUT, "%s: width %lld must be a multiple of 4 for the 2-D sin-cos embedding", prefix,
                     (long long)dim);
  }
  *out = pe;
  return VKG_OK;
}

vkg_status vkg_nn_patch_embed_forward(vkg_ctx *ctx, const vkg_nn_patch_embed *pe, const vkg_tensor *x,
                                      const vkg_tensor *pos, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  char a[96];
  if (xs->ndim != 4 || xs->d[2] % pe->patch || xs->d[3] % pe->patch)
    return vkg_error(ctx, VKG_E_INPUT, "patch embedding: input %s: expected [B, C, H, W] with H and W multiples of %d",
                     vkg_shape_format(xs, a, sizeof a), pe->patch);
  int64_t B = xs->d[0], gh = xs->d[2] / pe->patch, gw = xs->d[3] / pe->patch, T = gh * gw;
  if (pos && vkg_tensor_numel(pos) != T * pe->dim)
    return vkg_error(ctx, VKG_E_INPUT, "patch embedding: position table %s for %lld tokens of %lld",
                     vkg_shape_format(vkg_tensor_shape(pos), a, sizeof a), (long long)T, (long long)pe->dim);
  vkg_tensor *c = NULL, *y = NULL, *pv = NULL;
  vkg_shape ys = vkg_shape_make(3, (int64_t[]){B, T, pe->dim}), ps = vkg_shape_make(2, (int64_t[]){T, pe->dim});
  vkg_status st = vkg_nn_conv2d_forward(ctx, &pe->proj, x, &c);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &ys, &y);
  if (!st) { /* [B, D, gh, gw] -> [B, gh, gw, D] = [B, T, D] */
    vkg_tensor *yv = NULL;
    vkg_shape s4 = vkg_shape_4d(B, gh, gw, pe->dim);
    st = vkg_tensor_view(ctx, y, VKG_F32, &s4, 0, &yv);
    if (!st) st = vkg_permute(ctx, c, yv, (const int[]){0, 2, 3, 1});
    vkg_tensor_unref(yv);
  }
  if (!st && pos) st = vkg_tensor_view(ctx, (vkg_tensor *)pos, VKG_F32, &ps, 0, &pv);
  if (!st && pos) st = vkg_binary(ctx, y, pv, y, VKG_OP_ADD);
  vkg_tensor_unref(c);
  vkg_tensor_unref(pv);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}

void vkg_nn_patch_embed_free(vkg_nn_patch_embed *pe) {
  if (pe) vkg_nn_conv2d_free(&pe->proj);
}

vkg_status vkg_nn_unpatchify(vkg_ctx *ctx, const vkg_tensor *x, int64_t gh, int64_t gw, int patch, vkg_tensor **out) {
  const vkg_shape *xs = vkg_tensor_shape(x);
  int64_t pp = (int64_t)patch * patch;
  char a[96];
  if (xs->ndim != 3 || xs->d[1] != gh * gw || patch < 1 || xs->d[2] % pp)
    return vkg_error(ctx, VKG_E_INPUT, "unpatchify: input %s: expected [B, %lld, patch^2 * C] (patch %d)",
                     vkg_shape_format(xs, a, sizeof a), (long long)(gh * gw), patch);
  int64_t B = xs->d[0], C = xs->d[2] / pp;
  vkg_shape s6 = {.ndim = 6, .d = {B, gh, gw, patch, patch, C}}, o6 = {.ndim = 6, .d = {B, C, gh, patch, gw, patch}};
  vkg_shape os = vkg_shape_4d(B, C, gh * patch, gw * patch);
  vkg_tensor *xv = NULL, *y = NULL, *yv = NULL;
  vkg_status st = vkg_tensor_view(ctx, (vkg_tensor *)x, VKG_F32, &s6, 0, &xv);
  if (!st) st = vkg_tensor_create(ctx, VKG_F32, &os, &y);
  if (!st) st = vkg_tensor_view(ctx, y, VKG_F32, &o6, 0, &yv);
  if (!st) st = vkg_permute(ctx, xv, yv, (const int[]){0, 5, 1, 3, 2, 4});
  vkg_tensor_unref(xv);
  vkg_tensor_unref(yv);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  *out = y;
  return VKG_OK;
}
