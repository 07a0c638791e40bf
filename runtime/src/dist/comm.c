/* The context's communicator: launcher detection, the group of one, and dispatch to the
 * transport (MPI when built with it). */
#include <stdlib.h>
#include <string.h>

#include "comm_internal.h"
#include "core/ctx_internal.h"

int vkg_comm_launcher_size(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS", "SLURM_STEP_NUM_TASKS"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
    const char *v = getenv(vars[i]);
    long n = v && v[0] ? strtol(v, NULL, 10) : 0;
    if (n > 0) return (int)n;
  }
  return 1;
}

int vkg_comm_mpi_built(void) {
#ifdef VKG_HAVE_MPI
  return 1;
#else
  return 0;
#endif
}

static vkg_status single_max(vkg_ctx *ctx, vkg_comm *c, int64_t *v, int n) {
  (void)ctx, (void)c, (void)v, (void)n;
  return VKG_OK;
}

static vkg_status single_sum(vkg_ctx *ctx, vkg_comm *c, double *v, int n) {
  (void)ctx, (void)c, (void)v, (void)n;
  return VKG_OK;
}

static vkg_status single_gather(vkg_ctx *ctx, vkg_comm *c, const void *data, size_t size, void **all,
                                size_t *sizes) {
  (void)c;
  *all = malloc(size ? size : 1);
  if (!*all) return vkg_error(ctx, VKG_E_NOMEM, "gather: out of host memory (%zu bytes)", size);
  if (size) memcpy(*all, data, size);
  sizes[0] = size;
  return VKG_OK;
}

static void single_destroy(vkg_comm *c) { free(c); }

static const vkg_comm_ops single_ops = {single_max, single_sum, single_gather, single_destroy};

void vkg_comm_destroy(vkg_comm *c) {
  if (c) c->ops->destroy(c);
}

vkg_status vkg_ctx_open_comm(vkg_ctx *ctx) {
  if (ctx->comm) return VKG_OK;
  int launched = vkg_comm_launcher_size();
#ifdef VKG_HAVE_MPI
  if (launched > 1) return vkg_comm_mpi_create(ctx, &ctx->comm);
#else
  if (launched > 1)
    return vkg_error(ctx, VKG_E_INPUT,
                     "started as one of %d ranks, but this vkgen was built without MPI: it would run %d copies "
                     "of the whole job; rebuild with MPI (libopenmpi-dev) or run one process",
                     launched, launched);
#endif
  vkg_comm *c = calloc(1, sizeof *c);
  if (!c) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  c->ops = &single_ops;
  c->size = 1;
  ctx->comm = c;
  return VKG_OK;
}

int vkg_comm_rank(const vkg_ctx *ctx) { return ctx->comm ? ctx->comm->rank : 0; }
int vkg_comm_size(const vkg_ctx *ctx) { return ctx->comm ? ctx->comm->size : 1; }
int vkg_comm_local_rank(const vkg_ctx *ctx) { return ctx->comm ? ctx->comm->local_rank : 0; }

vkg_status vkg_comm_max_i64(vkg_ctx *ctx, int64_t *v, int n) {
  return ctx->comm ? ctx->comm->ops->max_i64(ctx, ctx->comm, v, n) : VKG_OK;
}

vkg_status vkg_comm_sum_f64(vkg_ctx *ctx, double *v, int n) {
  return ctx->comm ? ctx->comm->ops->sum_f64(ctx, ctx->comm, v, n) : VKG_OK;
}

vkg_status vkg_comm_gather(vkg_ctx *ctx, const void *data, size_t size, void **all, size_t *sizes) {
  *all = NULL;
  if (!ctx->comm) return single_gather(ctx, NULL, data, size, all, sizes);
  return ctx->comm->ops->gather(ctx, ctx->comm, data, size, all, sizes);
}
