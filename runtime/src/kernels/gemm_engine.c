/* The GEMM engine: one entry (vkg_gemm_run) for matmul, linear and the convolutions, with
 * two variants picked per device from its features and quirks (vkg_kernel_variant_select in
 * kernels/common.h):
 *  - texel (VKG_VARIANT_TEXEL: slow shared memory, e.g. lavapipe, or any CPU device): gemm_texel,
 *    register-blocked (VKG_QUIRK_TEXEL_FETCH_COST: each fetch feeds a block), operands read as
 *    vec4 texels. Operands that are not vec4-aligned along their contiguous axis (transposes,
 *    K % 4 != 0) are first packed by gemm_pack into dense zero-padded copies.
 *  - tiled (VKG_VARIANT_TILED, GPUs): gemm_tiled, shared-memory tiles, operands read through
 *    strides (no packing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_internal.h"
#include "spv/gemm_pack.h"
#include "spv/gemm_texel.h"
#include "spv/gemm_tiled.h"

#define TEXEL_MAX ((uint64_t)1 << 27) /* texels per texel buffer (lavapipe's limit) */

typedef struct texel_push {
  uint32_t M, N, K4, lda4, ldb4, a_off4, b_off4, a_zs4, b_zs4;
  uint32_t n0, c_off, c_zs, c_sm, c_sn, c_div, c_sq;
  uint32_t bias_mode, bias_zs, beta_on;
  float alpha, beta;
  uint32_t act;
  float act_param;
} texel_push;

typedef struct tiled_push {
  uint32_t M, N, K;
  uint32_t a_off, a_zs, a_sm, a_sk;
  uint32_t b_off, b_zs, b_sk, b_sn;
  uint32_t n0, c_off, c_zs, c_sm, c_sn, c_div, c_sq;
  uint32_t bias_mode, bias_zs, beta_on;
  float alpha, beta;
  uint32_t act;
  float act_param;
} tiled_push;

typedef struct pack_push {
  uint32_t rows, cols, rows_p, cols_p, in_off, in_zs, in_sr, in_sc, out_zs;
} pack_push;

/* Texel GEMM block sizes: local size, rows per workgroup, column texels per invocation.
 * On lavapipe every float of an invocation is an 8-lane SIMD register, so the accumulators
 * (RM * RN4 vec4) decide both register spilling and LLVM's compile time, which grows fast
 * with the unrolled block: measured on a loaded 2-core machine, 1024^3, 64,32,2 took 80 s
 * to compile for ~15 GFLOPS; 64,8,2 takes 4 s for the same ~14-15 GFLOPS. So 64,8,2.
 * Workgroups run row blocks fastest (x = row block, y = column block), so the RM-row blocks
 * that share one B column slice (LX*RN4*4 columns x K) run one after the other while that
 * slice is still in cache: for B larger than the cache (the im2col operand of a B16 128-ch
 * 32x32 conv is 75 MB) this took the GEMM from ~10.6 to ~14.3 GF per CPU-second.
 * Why not more: on lavapipe (Mesa 22.3) every texelFetch, subgroup-uniform address or not, is
 * a call to a generated function that loads 8 lanes x 16 bytes and transposes them (~45
 * instructions); the fetches take ~2/3 of the time, and larger blocks only trade them for
 * spills and compile time. Measured alternatives (GF per CPU-second, 1024^3): RM,RN4 = 12,1:
 * 15-16; 16,2: ~18 but 10 s to compile; A spread by subgroupBroadcast from one per-lane fetch
 * per 8 rows: no gain (12-17); A through a storage buffer: 10.
 * VKGEN_GEMM_TILE="LX,RM,RN4" overrides them (tuning with vkgen bench). */
typedef struct texel_cfg {
  uint32_t lx, rm, rn4;
  int forced; /* from the environment: used as is */
} texel_cfg;

static texel_cfg texel_config(void) {
  texel_cfg c = {64, 8, 2, 0};
  const char *env = getenv("VKGEN_GEMM_TILE");
  unsigned lx, rm, rn4;
  if (env && sscanf(env, "%u,%u,%u", &lx, &rm, &rn4) == 3 && lx >= 1 && lx <= 256 && rm >= 1 && rm <= 64 &&
      rn4 >= 1 && rn4 <= 8) {
    c.lx = lx;
    c.rm = rm;
    c.rn4 = rn4;
    c.forced = 1;
  }
  return c;
}

uint32_t vkg_gemm_tile_cols(vkg_ctx *ctx) {
  if (vkg_kernel_variant_get(ctx) == VKG_VARIANT_TILED) return 64;
  texel_cfg c = texel_config();
  return c.lx * c.rn4 * 4;
}

static int fits_u32(uint64_t v) { return v <= UINT32_MAX; }

/* Every element index the shaders compute must fit in 32 bits. */
static vkg_status check_sizes(vkg_ctx *ctx, const char *kernel, const vkg_gemm_operand *a,
                              const vkg_gemm_operand *b, const vkg_gemm_out *c) {
  const vkg_tensor *ts[3] = {a->t, b->t, c->t};
  for (int i = 0; i < 3; ++i)
    if (!fits_u32((uint64_t)vkg_tensor_numel(ts[i])))
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor of %lld elements is over the 2^32 limit of the kernels",
                       kernel, (long long)vkg_tensor_numel(ts[i]));
  return VKG_OK;
}

static int texel_direct(const vkg_gemm_operand *o, uint64_t K) {
  return (K % 4 == 0 || o->k_padded) && o->s_col == 1 && o->s_row % 4 == 0 && o->off % 4 == 0 &&
         o->zs % 4 == 0 && vkg_tensor_bytes(o->t) / 16 <= TEXEL_MAX;
}

/* Dense zero-padded copy [nz][rows_p][cols_p] of a strided operand. */
vkg_status vkg_gemm_pack(vkg_ctx *ctx, const vkg_gemm_operand *o, uint64_t nz, uint64_t rows, uint64_t cols,
                         uint64_t rows_p, uint64_t cols_p, vkg_tensor **out) {
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "gemm_pack", vkg_spv_gemm_pack, sizeof vkg_spv_gemm_pack, "ss",
                                      sizeof(pack_push), NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  uint64_t n = nz * rows_p * cols_p;
  if (!fits_u32(n) || n / 4 > TEXEL_MAX)
    return vkg_error(ctx, VKG_E_INPUT, "gemm: operand of %llu x %llu x %llu elements is too large",
                     (unsigned long long)nz, (unsigned long long)rows_p, (unsigned long long)cols_p);
  if ((st = vkg_kernel_scratch(ctx, n, out)) != VKG_OK) return st;
  pack_push p = {(uint32_t)rows,   (uint32_t)cols,   (uint32_t)rows_p,  (uint32_t)cols_p,          (uint32_t)o->off,
                 (uint32_t)o->zs,  (uint32_t)o->s_row, (uint32_t)o->s_col, (uint32_t)(rows_p * cols_p)};
  vkg_binding bind[2] = {{o->t, 0, 0}, {*out, 0, 0}};
  st = vkg_dispatch(ctx, pipe, bind, 2, &p, sizeof p, vkg_ceil_div_u32(cols_p, 16), vkg_ceil_div_u32(rows_p, 16),
                    (uint32_t)nz);
  if (st != VKG_OK) {
    vkg_tensor_unref(*out);
    *out = NULL;
  }
  return st;
}

static void fill_out(const vkg_gemm_out *c, uint32_t *n0, uint32_t *off, uint32_t *zs, uint32_t *sm,
                     uint32_t *sn, uint32_t *div, uint32_t *sq, uint32_t *bias_mode, uint32_t *bias_zs,
                     uint32_t *beta_on) {
  *n0 = (uint32_t)c->n0;
  *off = (uint32_t)c->off;
  *zs = (uint32_t)c->zs;
  *sm = (uint32_t)c->sm;
  *sn = (uint32_t)c->sn;
  *div = c->div > UINT32_MAX ? UINT32_MAX : (uint32_t)c->div;
  *sq = (uint32_t)c->sq;
  *bias_mode = c->bias ? (c->bias_per_col ? 2u : 1u) : 0u;
  *bias_zs = (uint32_t)c->bias_zs;
  *beta_on = c->beta != 0.0f;
}

static vkg_status run_tiled(vkg_ctx *ctx, uint64_t M, uint64_t N, uint64_t K, uint64_t Z,
                            const vkg_gemm_operand *a, const vkg_gemm_operand *b, const vkg_gemm_out *c) {
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "gemm_tiled", vkg_spv_gemm_tiled, sizeof vkg_spv_gemm_tiled, "ssss",
                                      sizeof(tiled_push), NULL, 0, &pipe);
  if (st != VKG_OK) return st;
  tiled_push p;
  memset(&p, 0, sizeof p);
  p.M = (uint32_t)M;
  p.N = (uint32_t)N;
  p.K = (uint32_t)K;
  p.a_off = (uint32_t)a->off;
  p.a_zs = (uint32_t)a->zs;
  p.a_sm = (uint32_t)a->s_row;
  p.a_sk = (uint32_t)a->s_col;
  p.b_off = (uint32_t)b->off;
  p.b_zs = (uint32_t)b->zs;
  p.b_sk = (uint32_t)b->s_row;
  p.b_sn = (uint32_t)b->s_col;
  fill_out(c, &p.n0, &p.c_off, &p.c_zs, &p.c_sm, &p.c_sn, &p.c_div, &p.c_sq, &p.bias_mode, &p.bias_zs, &p.beta_on);
  p.alpha = c->alpha;
  p.beta = c->beta;
  p.act = (uint32_t)c->act;
  p.act_param = c->act_param;
  vkg_binding bind[4] = {{a->t, 0, 0}, {b->t, 0, 0}, {c->t, 0, 0}, {c->bias ? c->bias : c->t, 0, 0}};
  return vkg_dispatch(ctx, pipe, bind, 4, &p, sizeof p, vkg_ceil_div_u32(N, 64), vkg_ceil_div_u32(M, 64),
                      (uint32_t)Z);
}

static vkg_status run_texel(vkg_ctx *ctx, uint64_t M, uint64_t N, uint64_t K, uint64_t Z,
                            const vkg_gemm_operand *a, const vkg_gemm_operand *b, const vkg_gemm_out *c) {
  texel_cfg cfg = texel_config();
  /* Narrow outputs: one subgroup per workgroup, so that few invocations compute clamped
   * columns. Only two local sizes (not every power of two): each is a pipeline that a fresh
   * machine compiles (seconds on lavapipe with a cold cache). */
  if (!cfg.forced && cfg.lx > 8 && (uint64_t)cfg.lx * cfg.rn4 * 4 / 2 >= N) cfg.lx = 8;
  uint32_t spec[4] = {cfg.lx, cfg.rm, cfg.rn4, (uint32_t)c->act}; /* act: a pipeline variant per activation */
  vkg_pipeline *pipe;
  vkg_status st = vkg_kernel_pipeline(ctx, "gemm_texel", vkg_spv_gemm_texel, sizeof vkg_spv_gemm_texel, "ttss",
                                      sizeof(texel_push), spec, 4, &pipe);
  if (st != VKG_OK) return st;
  const uint64_t Kp = vkg_round_up_u64(K, 4), Np = vkg_round_up_u64(N, 4);
  texel_push p;
  memset(&p, 0, sizeof p);
  vkg_tensor *pa = NULL, *pb = NULL;
  const vkg_tensor *ta = a->t, *tb = b->t;
  if (texel_direct(a, K)) {
    p.a_off4 = (uint32_t)(a->off / 4);
    p.lda4 = (uint32_t)(a->s_row / 4);
    p.a_zs4 = (uint32_t)(a->zs / 4);
  } else {
    uint64_t nz = a->zs ? Z : 1;
    if ((st = vkg_gemm_pack(ctx, a, nz, M, K, M, Kp, &pa)) != VKG_OK) return st;
    ta = pa;
    p.lda4 = (uint32_t)(Kp / 4);
    p.a_zs4 = a->zs ? (uint32_t)(M * Kp / 4) : 0;
  }
  if (texel_direct(b, K)) {
    p.b_off4 = (uint32_t)(b->off / 4);
    p.ldb4 = (uint32_t)(b->s_row / 4);
    p.b_zs4 = (uint32_t)(b->zs / 4);
  } else {
    uint64_t nz = b->zs ? Z : 1;
    if ((st = vkg_gemm_pack(ctx, b, nz, K, N, Kp, Np, &pb)) != VKG_OK) {
      vkg_tensor_unref(pa);
      return st;
    }
    tb = pb;
    p.ldb4 = (uint32_t)(Np / 4);
    p.b_zs4 = b->zs ? (uint32_t)(Kp * Np / 4) : 0;
  }
  p.M = (uint32_t)M;
  p.N = (uint32_t)N;
  p.K4 = (uint32_t)(Kp / 4);
  fill_out(c, &p.n0, &p.c_off, &p.c_zs, &p.c_sm, &p.c_sn, &p.c_div, &p.c_sq, &p.bias_mode, &p.bias_zs, &p.beta_on);
  p.alpha = c->alpha;
  p.beta = c->beta;
  p.act = (uint32_t)c->act;
  p.act_param = c->act_param;
  vkg_binding bind[4] = {{ta, 0, 0}, {tb, 0, 0}, {c->t, 0, 0}, {c->bias ? c->bias : c->t, 0, 0}};
  st = vkg_dispatch(ctx, pipe, bind, 4, &p, sizeof p, vkg_ceil_div_u32(M, cfg.rm),
                    vkg_ceil_div_u32(Np / 4, cfg.lx * cfg.rn4), (uint32_t)Z);
  vkg_tensor_unref(pa);
  vkg_tensor_unref(pb);
  return st;
}

vkg_gemm_out vkg_gemm_out_dense(vkg_tensor *t, uint64_t zs, uint64_t sm) {
  vkg_gemm_out c;
  memset(&c, 0, sizeof c);
  c.t = t;
  c.zs = zs;
  c.sm = sm;
  c.sn = 1;
  c.div = UINT32_MAX;
  c.alpha = 1.0f;
  return c;
}

vkg_status vkg_gemm_run(vkg_ctx *ctx, const char *kernel, uint64_t M, uint64_t N, uint64_t K, uint64_t Z,
                        const vkg_gemm_operand *a, const vkg_gemm_operand *b, const vkg_gemm_out *c) {
  if (M == 0 || N == 0 || Z == 0) return VKG_OK;
  vkg_status st = check_sizes(ctx, kernel, a, b, c);
  if (st != VKG_OK) return st;
  if (!fits_u32(Z) || Z > vkg_max_groups(ctx, 2))
    return vkg_error(ctx, VKG_E_INPUT, "%s: batch %llu is over the device's dispatch limit %u", kernel,
                     (unsigned long long)Z, vkg_max_groups(ctx, 2));
  if (K == 0) {
    /* An empty sum: the kernels still run (with a zero-padded K of 4 would be wrong), so
     * use the tiled variant, whose K loop simply does not execute. */
    st = run_tiled(ctx, M, N, K, Z, a, b, c);
  } else if (vkg_kernel_variant_get(ctx) == VKG_VARIANT_TILED) {
    st = run_tiled(ctx, M, N, K, Z, a, b, c);
  } else {
    texel_cfg cfg = texel_config();
    if (M < cfg.rm && N > M && c->n0 == 0 && c->div >= N) {
      /* Few rows: every workgroup would compute RM rows for M of them. Compute C^T = B^T A^T
       * instead so the long side runs along the rows. */
      vkg_gemm_operand at = {b->t, b->off, b->zs, b->s_col, b->s_row, b->k_padded};
      vkg_gemm_operand bt = {a->t, a->off, a->zs, a->s_col, a->s_row, a->k_padded};
      vkg_gemm_out ct = *c;
      ct.sm = c->sn;
      ct.sn = c->sm;
      ct.div = UINT32_MAX;
      ct.sq = 0;
      ct.bias_per_col = !c->bias_per_col;
      st = run_texel(ctx, N, M, K, Z, &at, &bt, &ct);
    } else {
      st = run_texel(ctx, M, N, K, Z, a, b, c);
    }
  }
  if (st != VKG_OK) return vkg_error_prefix(ctx, "%s: ", kernel);
  return VKG_OK;
}
