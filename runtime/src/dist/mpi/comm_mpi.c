/* The MPI transport of the context's communicator (built only when CMake found MPI). Errors
 * come back as statuses (MPI_ERRORS_RETURN), never as an abort of the job. */
#include <limits.h>
#include <string.h>
#include <stdlib.h>

#include <mpi.h>

#include "core/ctx_internal.h"
#include "dist/comm_internal.h"

typedef struct mpi_comm {
  vkg_comm base;
  int we_initialized;
} mpi_comm;

static vkg_status mpi_fail(vkg_ctx *ctx, int rc, const char *what) {
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS) len = 0;
  msg[len] = '\0';
  return vkg_error(ctx, VKG_E_DEVICE, "MPI %s failed: %s", what, len ? msg : "unknown error");
}

static vkg_status mpi_max(vkg_ctx *ctx, vkg_comm *c, int64_t *v, int n) {
  (void)c;
  int rc = MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  return rc == MPI_SUCCESS ? VKG_OK : mpi_fail(ctx, rc, "allreduce");
}

static vkg_status mpi_sum(vkg_ctx *ctx, vkg_comm *c, double *v, int n) {
  (void)c;
  int rc = MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return rc == MPI_SUCCESS ? VKG_OK : mpi_fail(ctx, rc, "allreduce");
}

/* Sizes first, then the bytes with point-to-point messages in rank order (a state can pass
 * INT_MAX bytes, which MPI_Gatherv's int counts cannot describe). */
static vkg_status mpi_gather(vkg_ctx *ctx, vkg_comm *c, const void *data, size_t size, void **all, size_t *sizes) {
  enum { CHUNK = 1 << 30 };
  uint64_t mine = size;
  uint64_t *counts = c->rank == 0 ? calloc((size_t)c->size, sizeof *counts) : NULL;
  if (c->rank == 0 && !counts) return vkg_error(ctx, VKG_E_NOMEM, "gather: out of host memory");
  int rc = MPI_Gather(&mine, 1, MPI_UINT64_T, counts, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (rc != MPI_SUCCESS) {
    free(counts);
    return mpi_fail(ctx, rc, "gather");
  }
  if (c->rank != 0) {
    for (size_t off = 0; off < size && rc == MPI_SUCCESS; off += CHUNK) {
      size_t n = size - off < CHUNK ? size - off : CHUNK;
      rc = MPI_Send((const char *)data + off, (int)n, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
    }
    return rc == MPI_SUCCESS ? VKG_OK : mpi_fail(ctx, rc, "send");
  }
  size_t total = 0;
  for (int r = 0; r < c->size; r++) total += (size_t)counts[r];
  char *buf = malloc(total ? total : 1);
  if (!buf) {
    free(counts);
    return vkg_error(ctx, VKG_E_NOMEM, "gather: out of host memory (%zu bytes)", total);
  }
  size_t at = 0;
  for (int r = 0; r < c->size && rc == MPI_SUCCESS; r++) {
    sizes[r] = (size_t)counts[r];
    if (r == 0) {
      if (size) memcpy(buf, data, size);
    } else {
      for (size_t off = 0; off < sizes[r] && rc == MPI_SUCCESS; off += CHUNK) {
        size_t n = sizes[r] - off < CHUNK ? sizes[r] - off : CHUNK;
        rc = MPI_Recv(buf + at + off, (int)n, MPI_BYTE, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
    }
    at += sizes[r];
  }
  free(counts);
  if (rc != MPI_SUCCESS) {
    free(buf);
    return mpi_fail(ctx, rc, "receive");
  }
  *all = buf;
  return VKG_OK;
}

static void mpi_destroy(vkg_comm *c) {
  mpi_comm *m = (mpi_comm *)c;
  int fin = 0;
  if (m->we_initialized && MPI_Finalized(&fin) == MPI_SUCCESS && !fin) MPI_Finalize();
  free(m);
}

static const vkg_comm_ops mpi_ops = {mpi_max, mpi_sum, mpi_gather, mpi_destroy};

vkg_status vkg_comm_mpi_create(vkg_ctx *ctx, vkg_comm **out) {
  mpi_comm *m = calloc(1, sizeof *m);
  if (!m) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  int inited = 0, rc = MPI_Initialized(&inited);
  if (rc == MPI_SUCCESS && !inited) {
    rc = MPI_Init(NULL, NULL);
    m->we_initialized = rc == MPI_SUCCESS;
  }
  if (rc != MPI_SUCCESS) {
    free(m);
    return vkg_error(ctx, VKG_E_DEVICE, "MPI_Init failed (code %d)", rc);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &m->base.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &m->base.size);
  MPI_Comm local;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, m->base.rank, MPI_INFO_NULL, &local) ==
      MPI_SUCCESS) {
    MPI_Comm_rank(local, &m->base.local_rank);
    MPI_Comm_free(&local);
  }
  m->base.ops = &mpi_ops;
  *out = &m->base;
  return VKG_OK;
}
