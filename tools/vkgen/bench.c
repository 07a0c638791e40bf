/* vkgen bench: GFLOPS of the GEMM/convolution kernels next to OpenBLAS on the host (the
 * convolutions there as im2col + sgemm), measured in the same run on the same shapes. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vkgen/vkgen.h>

#include "cli.h"

typedef enum { B_GEMM, B_CONV, B_CONVT } bench_kind;

typedef struct bench_case {
  const char *name;
  bench_kind kind;
  int B, Cin, H, W, Cout, K, stride, pad; /* gemm: M = Cin, N = Cout, K = H */
  int wino;                               /* conv: 0 vkg_conv2d (im2col), 2 or 4 Winograd F(m x m, 3x3) */
} bench_case;

static const bench_case cases[] = {
    {"gemm 1024x1024x1024", B_GEMM, 1, 1024, 1024, 0, 1024, 0, 1, 0, 0},
    {"conv3x3 B16 128->128 32x32", B_CONV, 16, 128, 32, 32, 128, 3, 1, 1, 0},
    {"conv3x3 B8 256->256 8x8 (unet)", B_CONV, 8, 256, 8, 8, 256, 3, 1, 1, 0},
    {"conv3x3 B8 3->128 32x32 (unet in)", B_CONV, 8, 3, 32, 32, 128, 3, 1, 1, 0},
    /* Winograd at the same shapes (GFLOPS count the direct convolution's multiply-adds) and the
     * decoder shapes (VAE / VQ-VAE up blocks, UNet 16x16); the filter transform is done before
     * timing, as the layers do at load. */
    {"wino2 conv3x3 B16 128->128 32x32", B_CONV, 16, 128, 32, 32, 128, 3, 1, 1, 2},
    {"wino4 conv3x3 B16 128->128 32x32", B_CONV, 16, 128, 32, 32, 128, 3, 1, 1, 4},
    {"wino2 conv3x3 B8 256->256 8x8 (unet)", B_CONV, 8, 256, 8, 8, 256, 3, 1, 1, 2},
    {"wino4 conv3x3 B8 256->256 8x8 (unet)", B_CONV, 8, 256, 8, 8, 256, 3, 1, 1, 4},
    {"wino2 conv3x3 B8 3->128 32x32 (unet in)", B_CONV, 8, 3, 32, 32, 128, 3, 1, 1, 2},
    {"conv3x3 B16 64->64 16x16 (vae)", B_CONV, 16, 64, 16, 16, 64, 3, 1, 1, 0},
    {"wino2 conv3x3 B16 64->64 16x16 (vae)", B_CONV, 16, 64, 16, 16, 64, 3, 1, 1, 2},
    {"wino4 conv3x3 B16 64->64 16x16 (vae)", B_CONV, 16, 64, 16, 16, 64, 3, 1, 1, 4},
    {"conv3x3 B16 32->32 32x32 (vae)", B_CONV, 16, 32, 32, 32, 32, 3, 1, 1, 0},
    {"wino2 conv3x3 B16 32->32 32x32 (vae)", B_CONV, 16, 32, 32, 32, 32, 3, 1, 1, 2},
    {"wino4 conv3x3 B16 32->32 32x32 (vae)", B_CONV, 16, 32, 32, 32, 32, 3, 1, 1, 4},
    {"conv3x3 B16 16->16 32x32", B_CONV, 16, 16, 32, 32, 16, 3, 1, 1, 0},
    {"wino2 conv3x3 B16 16->16 32x32", B_CONV, 16, 16, 32, 32, 16, 3, 1, 1, 2},
    {"wino4 conv3x3 B16 16->16 32x32", B_CONV, 16, 16, 32, 32, 16, 3, 1, 1, 4},
    {"conv3x3 B8 512->512 4x4", B_CONV, 8, 512, 4, 4, 512, 3, 1, 1, 0},
    {"wino2 conv3x3 B8 512->512 4x4", B_CONV, 8, 512, 4, 4, 512, 3, 1, 1, 2},
    {"wino4 conv3x3 B8 512->512 4x4", B_CONV, 8, 512, 4, 4, 512, 3, 1, 1, 4},
    {"conv3x3 s2 B8 128->128 32x32", B_CONV, 8, 128, 32, 32, 128, 3, 2, 1, 0},
    /* narrow outputs: vkg_conv2d's direct kernel (VKGEN_CONV_ALGO=im2col for the GEMM path) */
    {"conv3x3 s2 B8 3->2 299x299 (inc stem)", B_CONV, 8, 3, 299, 299, 2, 3, 2, 0, 0},
    {"conv3x3 B8 2->4 147x147 (inc 2b)", B_CONV, 8, 2, 147, 147, 4, 3, 1, 1, 0},
    {"conv3x3 B16 32->1 28x28 (conv_out)", B_CONV, 16, 32, 28, 28, 1, 3, 1, 1, 0},
    {"conv1x1 B8 256->128 16x16", B_CONV, 8, 256, 16, 16, 128, 1, 1, 0, 0},
    {"convT4x4 s2 B16 512->256 4->8 (dcgan)", B_CONVT, 16, 512, 4, 4, 256, 4, 2, 1, 0},
};

typedef struct bench_result {
  double flops, vk_s, blas_s, diff;
  double vk_cpu, blas_cpu; /* process CPU seconds per run: a load-independent view on a busy machine */
} bench_result;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int out_size(const bench_case *c, int in) {
  if (c->kind == B_CONVT) return (in - 1) * c->stride - 2 * c->pad + c->K;
  return (in + 2 * c->pad - c->K) / c->stride + 1;
}

static double case_flops(const bench_case *c) {
  if (c->kind == B_GEMM) return 2.0 * c->Cin * c->Cout * c->H;
  if (c->kind == B_CONV) {
    double o = (double)out_size(c, c->H) * out_size(c, c->W);
    return 2.0 * c->B * c->Cout * o * c->Cin * c->K * c->K;
  }
  return 2.0 * c->B * c->Cin * c->H * c->W * c->Cout * c->K * c->K;
}

/* ---- host reference path: OpenBLAS ---- */
typedef struct host_bufs {
  float *x, *w, *bias, *y, *col;
} host_bufs;

static void blas_run(const bench_case *c, host_bufs *h) {
  if (c->kind == B_GEMM) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->Cin, c->Cout, c->H, 1.0f, h->x, c->H, h->w, c->Cout,
                0.0f, h->y, c->Cout);
    return;
  }
  const int OH = out_size(c, c->H), OW = out_size(c, c->W), KK = c->K * c->K;
  if (c->kind == B_CONV) {
    const int ohw = OH * OW, kdim = c->Cin * KK;
    for (int b = 0; b < c->B; b++) {
      const float *xb = h->x + (size_t)b * c->Cin * c->H * c->W;
      for (int k = 0; k < kdim; k++) {
        const int ci = k / KK, kh = (k / c->K) % c->K, kw = k % c->K;
        float *row = h->col + (size_t)k * ohw;
        for (int oh = 0; oh < OH; oh++) {
          const int ih = oh * c->stride - c->pad + kh;
          for (int ow = 0; ow < OW; ow++) {
            const int iw = ow * c->stride - c->pad + kw;
            row[oh * OW + ow] =
                (ih >= 0 && ih < c->H && iw >= 0 && iw < c->W) ? xb[((size_t)ci * c->H + ih) * c->W + iw] : 0.0f;
          }
        }
      }
      float *yb = h->y + (size_t)b * c->Cout * ohw;
      for (int co = 0; co < c->Cout; co++)
        for (int i = 0; i < ohw; i++) yb[(size_t)co * ohw + i] = h->bias[co];
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->Cout, ohw, kdim, 1.0f, h->w, kdim, h->col, ohw, 1.0f,
                  yb, ohw);
    }
    return;
  }
  const int hw = c->H * c->W, mc = c->Cout * KK;
  for (int b = 0; b < c->B; b++) {
    const float *xb = h->x + (size_t)b * c->Cin * hw;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, mc, hw, c->Cin, 1.0f, h->w, mc, xb, hw, 0.0f, h->col, hw);
    float *yb = h->y + (size_t)b * c->Cout * OH * OW;
    for (int co = 0; co < c->Cout; co++)
      for (int i = 0; i < OH * OW; i++) yb[(size_t)co * OH * OW + i] = h->bias[co];
    for (int m = 0; m < mc; m++) {
      const int co = m / KK, kh = (m / c->K) % c->K, kw = m % c->K;
      for (int ih = 0; ih < c->H; ih++) {
        const int oh = ih * c->stride - c->pad + kh;
        if (oh < 0 || oh >= OH) continue;
        for (int iw = 0; iw < c->W; iw++) {
          const int ow = iw * c->stride - c->pad + kw;
          if (ow >= 0 && ow < OW) yb[((size_t)co * OH + oh) * OW + ow] += h->col[(size_t)m * hw + ih * c->W + iw];
        }
      }
    }
  }
}

/* ---- vkgen path ---- */
typedef struct dev_bufs {
  vkg_tensor *x, *w, *bias, *y, *u; /* u: the Winograd filter (wino cases) */
} dev_bufs;

static vkg_status vk_run(vkg_ctx *ctx, const bench_case *c, dev_bufs *d) {
  if (c->kind == B_GEMM) return vkg_matmul(ctx, d->x, d->w, d->y, 0, 0, 1.0f, 0.0f);
  if (c->kind == B_CONV) {
    vkg_conv2d_params p = vkg_conv2d_params_default();
    p.stride_h = p.stride_w = c->stride;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = c->pad;
    if (c->wino) return vkg_conv2d_winograd(ctx, d->x, d->u, c->wino, d->bias, d->y, &p, NULL);
    return vkg_conv2d(ctx, d->x, d->w, d->bias, d->y, &p);
  }
  vkg_conv_transpose2d_params p = vkg_conv_transpose2d_params_default();
  p.stride_h = p.stride_w = c->stride;
  p.pad_h = p.pad_w = c->pad;
  return vkg_conv_transpose2d(ctx, d->x, d->w, d->bias, d->y, &p);
}

static float *rand_buf(size_t n, unsigned seed) {
  float *p = malloc(n * sizeof *p);
  if (!p) return NULL;
  uint32_t s = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (float)((s >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
  }
  return p;
}

static vkg_status upload(vkg_ctx *ctx, const float *h, int nd, const int64_t *d, vkg_tensor **out) {
  vkg_shape s = vkg_shape_make(nd, d);
  return vkg_tensor_create_from(ctx, VKG_F32, &s, h, out);
}

static vkg_status bench_one(vkg_ctx *ctx, const bench_case *c, double budget_s, bench_result *r) {
  const int OH = c->kind == B_GEMM ? 0 : out_size(c, c->H), OW = c->kind == B_GEMM ? 0 : out_size(c, c->W);
  int64_t dx[4], dw[4], dy[4], db[1];
  int ndx = 4, ndw = 4, ndy = 4;
  size_t ncol = 0;
  if (c->kind == B_GEMM) {
    ndx = ndw = ndy = 2;
    dx[0] = c->Cin, dx[1] = c->H, dw[0] = c->H, dw[1] = c->Cout, dy[0] = c->Cin, dy[1] = c->Cout;
  } else {
    dx[0] = c->B, dx[1] = c->Cin, dx[2] = c->H, dx[3] = c->W;
    dy[0] = c->B, dy[1] = c->Cout, dy[2] = OH, dy[3] = OW;
    dw[0] = c->kind == B_CONV ? c->Cout : c->Cin, dw[1] = c->kind == B_CONV ? c->Cin : c->Cout;
    dw[2] = dw[3] = c->K;
    ncol = c->kind == B_CONV ? (size_t)c->Cin * c->K * c->K * OH * OW : (size_t)c->Cout * c->K * c->K * c->H * c->W;
  }
  db[0] = c->kind == B_GEMM ? 1 : c->Cout;
  size_t nx = 1, nw = 1, ny = 1;
  for (int i = 0; i < ndx; i++) nx *= (size_t)dx[i];
  for (int i = 0; i < ndw; i++) nw *= (size_t)dw[i];
  for (int i = 0; i < ndy; i++) ny *= (size_t)dy[i];
  host_bufs h = {rand_buf(nx, 1), rand_buf(nw, 2), rand_buf((size_t)db[0], 3), malloc(ny * sizeof(float)),
                 malloc((ncol ? ncol : 1) * sizeof(float))};
  float *got = malloc(ny * sizeof(float));
  dev_bufs d = {0};
  vkg_status st = VKG_OK;
  if (!h.x || !h.w || !h.bias || !h.y || !h.col || !got) {
    st = vkg_error(ctx, VKG_E_NOMEM, "bench: out of host memory");
    goto done;
  }
  if ((st = upload(ctx, h.x, ndx, dx, &d.x)) != VKG_OK || (st = upload(ctx, h.w, ndw, dw, &d.w)) != VKG_OK ||
      (st = upload(ctx, h.bias, 1, db, &d.bias)) != VKG_OK ||
      (c->wino && (st = vkg_winograd_filter_create(ctx, d.w, c->wino, &d.u)) != VKG_OK))
    goto done;
  {
    vkg_shape sy = vkg_shape_make(ndy, dy);
    if ((st = vkg_tensor_create(ctx, VKG_F32, &sy, &d.y)) != VKG_OK) goto done;
  }
  r->flops = case_flops(c);
  /* vkgen: the first run compiles the pipelines; the second sets the repetition count */
  if ((st = vk_run(ctx, c, &d)) != VKG_OK || (st = vkg_flush(ctx)) != VKG_OK) goto done;
  double t0 = now_s();
  if ((st = vk_run(ctx, c, &d)) != VKG_OK || (st = vkg_flush(ctx)) != VKG_OK) goto done;
  double one = now_s() - t0;
  int reps = one > 0 ? (int)(budget_s / one) : 10;
  reps = reps < 1 ? 1 : reps > 50 ? 50 : reps;
  t0 = now_s();
  double c0 = cpu_s();
  for (int i = 0; i < reps && st == VKG_OK; i++) st = vk_run(ctx, c, &d);
  if (st == VKG_OK) st = vkg_flush(ctx);
  if (st != VKG_OK) goto done;
  r->vk_s = (now_s() - t0) / reps;
  r->vk_cpu = (cpu_s() - c0) / reps;
  if ((st = vkg_tensor_download(ctx, d.y, got, ny * sizeof(float))) != VKG_OK) goto done;
  /* OpenBLAS */
  blas_run(c, &h);
  t0 = now_s();
  blas_run(c, &h);
  one = now_s() - t0;
  reps = one > 0 ? (int)(budget_s / one) : 10;
  reps = reps < 1 ? 1 : reps > 50 ? 50 : reps;
  t0 = now_s();
  c0 = cpu_s();
  for (int i = 0; i < reps; i++) blas_run(c, &h);
  r->blas_s = (now_s() - t0) / reps;
  r->blas_cpu = (cpu_s() - c0) / reps;
  double maxd = 0, maxv = 0;
  for (size_t i = 0; i < ny; i++) {
    double dd = fabs((double)got[i] - h.y[i]);
    maxd = dd > maxd || isnan(dd) ? dd : maxd;
    maxv = fabs(h.y[i]) > maxv ? fabs(h.y[i]) : maxv;
  }
  r->diff = maxv > 0 ? maxd / maxv : maxd;
done:
  vkg_tensor_unref(d.x);
  vkg_tensor_unref(d.w);
  vkg_tensor_unref(d.bias);
  vkg_tensor_unref(d.y);
  vkg_tensor_unref(d.u);
  free(h.x);
  free(h.w);
  free(h.bias);
  free(h.y);
  free(h.col);
  free(got);
  return st;
}

int vkg_cli_bench(int argc, char **argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--ops") || !strcmp(argv[i], "--list")) return vkg_cli_bench_ops(argc, argv);
  int quick = 0;
  const char *json = NULL, *only = NULL;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int k;
    if (!strcmp(argv[i], "--quick")) {
      quick = 1;
    } else if ((k = vkg_cli_opt_value("bench", argc, argv, &i, "--json", &v)) != 0) {
      if (k < 0) return 2;
      json = v;
    } else if ((k = vkg_cli_opt_value("bench", argc, argv, &i, "--only", &v)) != 0) {
      if (k < 0) return 2;
      only = v;
    } else {
      return vkg_cli_usage("bench", "unknown option '%s' (options: --quick, --json FILE, --only TEXT; --ops [FILTER], --reps N, --list)", argv[i]);
    }
  }
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) {
    vkg_cli_error("out of memory");
    return 3;
  }
  vkg_status st = vkg_ctx_open_device(ctx);
  if (st != VKG_OK) {
    int rc = vkg_cli_fail(ctx, st);
    vkg_ctx_destroy(ctx);
    return rc;
  }
  const vkg_device_info *info = vkg_ctx_device_info(ctx);
  const char *variant = vkg_kernel_variant_name(vkg_kernel_variant_get(ctx));
  printf("device: %s, kernel variant: %s\n", info->name, variant);
  /* GF/core: GFLOPS per CPU-second the process used (lavapipe's and OpenBLAS's threads): on
   * a machine busy with other work it shows what wall-clock GFLOPS hide. */
  printf("%-38s %9s %7s %7s %9s %7s %7s %6s %8s\n", "case", "vkgen ms", "GFLOPS", "GF/core", "BLAS ms", "GFLOPS",
         "GF/core", "ratio", "max diff");
  const int ncases = (int)(sizeof cases / sizeof *cases);
  bench_result res[sizeof cases / sizeof *cases];
  int ran[sizeof cases / sizeof *cases] = {0};
  int rc = 0;
  for (int i = 0; i < ncases; i++) {
    if (only && !strstr(cases[i].name, only)) continue;
    if (quick && i >= 2) break;
    memset(&res[i], 0, sizeof res[i]);
    st = bench_one(ctx, &cases[i], quick ? 0.3 : 1.5, &res[i]);
    if (st != VKG_OK) {
      rc = vkg_cli_fail(ctx, st);
      break;
    }
    ran[i] = 1;
    const bench_result *r = &res[i];
    printf("%-38s %9.2f %7.1f %7.1f %9.2f %7.1f %7.1f %6.2f %8.1e\n", cases[i].name, r->vk_s * 1e3,
           r->flops / r->vk_s * 1e-9, r->flops / r->vk_cpu * 1e-9, r->blas_s * 1e3, r->flops / r->blas_s * 1e-9,
           r->flops / r->blas_cpu * 1e-9, r->blas_s / r->vk_s, r->diff);
    fflush(stdout);
  }
  if (json && rc == 0) {
    FILE *f = fopen(json, "w");
    if (!f) {
      vkg_cli_error("cannot write %s", json);
      rc = 1;
    } else {
      fprintf(f, "{\"device\": ");
      vkg_cli_json_str(f, info->name);
      fprintf(f, ", \"variant\": ");
      vkg_cli_json_str(f, variant);
      fprintf(f, ", \"cases\": [");
      int first = 1;
      for (int i = 0; i < ncases; i++) {
        if (!ran[i]) continue;
        const bench_result *r = &res[i];
        fprintf(f, "%s\n  {\"name\": ", first ? "" : ",");
        vkg_cli_json_str(f, cases[i].name);
        fprintf(f,
                ", \"gflop\": %.4f, \"vkgen_ms\": %.3f, \"vkgen_gflops\": %.2f, \"openblas_ms\": %.3f, "
                "\"openblas_gflops\": %.2f, \"ratio\": %.3f, \"vkgen_cpu_ms\": %.3f, \"openblas_cpu_ms\": %.3f, "
                "\"max_rel_diff\": %.3g}",
                r->flops * 1e-9, r->vk_s * 1e3, r->flops / r->vk_s * 1e-9, r->blas_s * 1e3,
                r->flops / r->blas_s * 1e-9, r->blas_s / r->vk_s, r->vk_cpu * 1e3, r->blas_cpu * 1e3, r->diff);
        first = 0;
      }
      fprintf(f, "\n]}\n");
      if (fclose(f) != 0) {
        vkg_cli_error("cannot write %s", json);
        rc = 1;
      }
    }
  }
  vkg_ctx_destroy(ctx);
  return rc;
}
