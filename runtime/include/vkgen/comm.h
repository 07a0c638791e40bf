/* vkgen — the process group a run belongs to (scale-out, docs/scale-out.md).
 *
 * A context owns one communicator. Without a launcher (or in a build without MPI) it is a group
 * of one and every call below is a cheap no-op; under `mpirun`/`srun` in a build with MPI it is
 * MPI_COMM_WORLD. The executor and the runner use these few collectives; plugins never see MPI:
 * they export and merge their state through the node-type callbacks (plugin.h).
 */
#ifndef VKGEN_COMM_H
#define VKGEN_COMM_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rank count a launcher announced in the environment (OMPI_COMM_WORLD_SIZE, PMI_SIZE,
 * MPI_LOCALNRANKS, SLURM_STEP_NUM_TASKS), 1 when none did. */
VKG_EXPORT int vkg_comm_launcher_size(void);
/* Whether this build can run as several ranks (it was built with MPI). */
VKG_EXPORT int vkg_comm_mpi_built(void);

/* Joins the job (MPI_Init) when started by a launcher; else a group of one. Fails when the
 * launcher started several ranks but this build has no MPI. Idempotent. Ended by
 * vkg_ctx_destroy (MPI_Finalize). */
VKG_EXPORT vkg_status vkg_ctx_open_comm(vkg_ctx *ctx);

VKG_EXPORT int vkg_comm_rank(const vkg_ctx *ctx);       /* 0 .. size-1 */
VKG_EXPORT int vkg_comm_size(const vkg_ctx *ctx);       /* 1 without a launcher */
VKG_EXPORT int vkg_comm_local_rank(const vkg_ctx *ctx); /* rank among the ranks of this host */

/* Element-wise maximum / sum over all ranks, in place (every rank gets the result). */
VKG_EXPORT vkg_status vkg_comm_max_i64(vkg_ctx *ctx, int64_t *v, int n);
VKG_EXPORT vkg_status vkg_comm_sum_f64(vkg_ctx *ctx, double *v, int n);
/* Gathers a byte string of each rank to rank 0: there *all is malloc'd, the strings in rank
 * order, and sizes[r] (size entries, caller's array) their lengths; elsewhere *all is NULL. */
VKG_EXPORT vkg_status vkg_comm_gather(vkg_ctx *ctx, const void *data, size_t size, void **all, size_t *sizes);

#ifdef __cplusplus
}
#endif
#endif
