/* vkgen_ddpm_bench: UNet2DModel forward throughput (images/s) on the chosen Vulkan device.
 *
 *   vkgen_ddpm_bench MODEL_FOLDER [BATCH=16] [ITERS=3]
 *
 * Random input, timestep 500; one warm-up pass (pipeline compiles), then the best of ITERS
 * passes, each recorded and waited for (vkg_flush). Compare with tools/bench/unet_bench.py. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <vkgen/vkgen.h>

#include "ddpm_internal.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL_FOLDER [BATCH] [ITERS]\n", argv[0]);
    return 2;
  }
  int64_t batch = argc > 2 ? atoll(argv[2]) : 16;
  int iters = argc > 3 ? atoi(argv[3]) : 3;
  if (batch < 1 || iters < 1) return 2;
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) return 3;
  vkg_ddpm_unet *u = NULL;
  vkg_tensor *x = NULL, *t = NULL, *y = NULL;
  float *hx = NULL, *ht = NULL;
  vkg_status st = vkg_ddpm_unet_open(ctx, argv[1], &u);
  double t0 = now_s();
  if (!st) st = vkg_ddpm_unet_load(ctx, u);
  if (!st) st = vkg_flush(ctx);
  double load_s = now_s() - t0;
  const vkg_ddpm_unet_cfg *c = u ? vkg_ddpm_unet_config(u) : NULL;
  int64_t h = c && c->sample_size[0] ? c->sample_size[0] : 32, w = c && c->sample_size[1] ? c->sample_size[1] : 32;
  vkg_shape xs = vkg_shape_4d(batch, c ? c->in_channels : 3, h, w), ts = vkg_shape_make(1, &batch);
  if (!st) {
    hx = malloc((size_t)vkg_shape_numel(&xs) * sizeof *hx);
    ht = malloc((size_t)batch * sizeof *ht);
    if (!hx || !ht) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  if (!st) {
    unsigned s = 1;
    for (int64_t i = 0; i < vkg_shape_numel(&xs); i++) {
      s = s * 1664525u + 1013904223u;
      hx[i] = (float)((s >> 8) * (1.0 / 16777216.0) * 2.0 - 1.0);
    }
    for (int64_t i = 0; i < batch; i++) ht[i] = 500.0f;
    st = vkg_tensor_create_from(ctx, VKG_F32, &xs, hx, &x);
  }
  if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &ts, ht, &t);
  double best = 1e30, first = 0;
  for (int i = 0; i <= iters && !st; i++) {
    double a = now_s();
    st = vkg_ddpm_unet_forward(ctx, u, x, t, &y);
    if (!st) st = vkg_flush(ctx);
    vkg_tensor_unref(y);
    y = NULL;
    double d = now_s() - a;
    if (i == 0)
      first = d;
    else if (d < best)
      best = d;
  }
  if (st) {
    fprintf(stderr, "vkgen_ddpm_bench: %s\n", vkg_error_message(ctx));
  } else {
    vkg_mem_stats ms;
    vkg_ctx_mem_stats(ctx, &ms);
    printf("device: %s\nmodel: %s (%dx%d)\nweights upload %.2f s, first pass %.2f s (pipeline compiles)\n"
           "batch %lld: %.3f s per forward, %.2f images/s, %llu dispatches so far, peak device memory %.1f MiB\n",
           vkg_ctx_device_info(ctx)->name, argv[1], (int)h, (int)w, load_s, first, (long long)batch, best,
           (double)batch / best, (unsigned long long)vkg_stat_dispatches(ctx), (double)ms.peak / 1048576.0);
  }
  vkg_tensor_unref(x);
  vkg_tensor_unref(t);
  free(hx);
  free(ht);
  vkg_ddpm_unet_destroy(u);
  vkg_ctx_destroy(ctx);
  return st ? vkg_status_exit_code(st) : 0;
}
