/* fid plugin internals. */
#ifndef VKG_FID_INTERNAL_H
#define VKG_FID_INTERNAL_H

#include <stdint.h>

#include <vkgen/kernels/stats.h>
#include <vkgen/plugin.h>

#include "fid_math.h"

typedef struct fid_side {
  const char *load_path, *save_path; /* NULL when not given */
  vkg_fid_stats loaded;              /* dim 0 when no file */
  int deferred;                      /* load_path did not exist at create: loaded before the first batch */
  int connected;
  int64_t dim;                       /* 0: side absent */
  vkg_stats_acc *acc;                /* streamed features (on the device) */
  vkg_fid_stats merged;              /* other ranks' shares (host, f64); dim 0 when none */
} fid_side;

typedef struct fid_state {
  double eps;
  fid_side side[2];
} fid_state;

/* fid_state.c: fid.score's state_save / state_merge (plugin ABI 3). */
vkg_status vkg_fid_state_save(vkg_node *node, void *state, void **data, size_t *size);
vkg_status vkg_fid_state_merge(vkg_node *node, void *state, const void *data, size_t size);

/* pytorch-fid .npz statistics: mu [dim], sigma [dim * dim] (malloc'd doubles). */
vkg_status vkg_fid_npz_read(vkg_ctx *ctx, const char *path, int64_t *dim, double **mu, double **sigma);

#endif
