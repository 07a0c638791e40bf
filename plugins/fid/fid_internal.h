/* fid plugin internals. */
#ifndef VKG_FID_INTERNAL_H
#define VKG_FID_INTERNAL_H

#include <stdint.h>

#include <vkgen/status.h>

/* pytorch-fid .npz statistics: mu [dim], sigma [dim * dim] (malloc'd doubles). */
vkg_status vkg_fid_npz_read(vkg_ctx *ctx, const char *path, int64_t *dim, double **mu, double **sigma);

#endif
