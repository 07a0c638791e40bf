/* The communicator behind vkgen/comm.h: a table of collectives, one implementation per
 * transport (a group of one in comm.c, MPI in mpi/comm_mpi.c when built with MPI). */
#ifndef VKG_COMM_INTERNAL_H
#define VKG_COMM_INTERNAL_H

#include <vkgen/comm.h>

typedef struct vkg_comm vkg_comm;

typedef struct vkg_comm_ops {
  vkg_status (*max_i64)(vkg_ctx *ctx, vkg_comm *c, int64_t *v, int n);
  vkg_status (*sum_f64)(vkg_ctx *ctx, vkg_comm *c, double *v, int n);
  vkg_status (*gather)(vkg_ctx *ctx, vkg_comm *c, const void *data, size_t size, void **all, size_t *sizes);
  void (*destroy)(vkg_comm *c);
} vkg_comm_ops;

struct vkg_comm {
  const vkg_comm_ops *ops;
  int rank, size, local_rank;
};

/* mpi/comm_mpi.c: MPI_Init and MPI_COMM_WORLD (only in builds with MPI). */
vkg_status vkg_comm_mpi_create(vkg_ctx *ctx, vkg_comm **out);

#endif
