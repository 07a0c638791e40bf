/* Sharding a run over the ranks of the context's communicator (docs/scale-out.md): which
 * graphs can be sharded, agreeing on failures after each round of batches, merging the
 * accumulators' states on rank 0, and gathering per-rank statistics for the report. */
#include <stdlib.h>
#include <string.h>

#include <vkgen/comm.h>

#include "graph_internal.h"

static int accumulates(const vkg_node *v) {
  return v->phase == VKG_PHASE_BATCH && (v->type->flags & VKG_NODE_ACCUMULATOR);
}

vkg_status vkg_shard_check(vkg_graph *g, const char *what) {
  char pre[256];
  for (int i = 0; i < g->nnodes; i++) {
    vkg_node *v = g->nodes[i];
    if (accumulates(v) && (!v->type->state_save || !v->type->state_merge))
      return vkg_error_at(g->ctx, VKG_E_INPUT, &v->loc,
                          "%scannot run with %s: plugin %s gives this accumulator no state_save/state_merge "
                          "callbacks (plugin ABI 3)",
                          vkg_node_prefix(v, pre, sizeof pre), what, v->origin);
    if (v->phase == VKG_PHASE_BATCH && (v->type->flags & VKG_NODE_ONE_PROCESS) && g->batches > 1)
      return vkg_error_at(g->ctx, VKG_E_INPUT, &v->loc,
                          "%scannot run with %s: it gathers all %lld batches in one process (use batches: 1, "
                          "or write per-batch files)",
                          vkg_node_prefix(v, pre, sizeof pre), what, (long long)g->batches);
  }
  return VKG_OK;
}

vkg_status vkg_shard_agree(vkg_graph *g, vkg_status st, int *interrupt) {
  vkg_ctx *ctx = g->ctx;
  if (vkg_comm_size(ctx) == 1) return st;
  int rank = vkg_comm_rank(ctx);
  int64_t v[3] = {st ? rank + 1 : 0, *interrupt, st};
  vkg_status cst = vkg_comm_max_i64(ctx, v, 3);
  if (st) return st;
  if (cst) return cst;
  *interrupt = v[1] != 0;
  if (v[0])
    return vkg_error(ctx, (vkg_status)v[2], "rank %d stopped because rank %lld failed (its error is above)", rank,
                     (long long)(v[0] - 1));
  return VKG_OK;
}

/* One accumulator: every rank saves, rank 0 gathers and merges ranks 1.. in order. */
static vkg_status merge_node(vkg_graph *g, vkg_node *v) {
  vkg_ctx *ctx = g->ctx;
  int size = vkg_comm_size(ctx);
  void *data = NULL, *all = NULL;
  size_t n = 0;
  size_t *sizes = calloc((size_t)size, sizeof *sizes);
  vkg_status st = sizes ? VKG_OK : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  if (!st) {
    vkg_error_clear(ctx);
    st = v->type->state_save(v, v->state, &data, &n);
    if (st) st = vkg_node_fail(v, st, "state_save");
  }
  /* every rank takes part in the gather, also after a local failure, so nobody waits alone */
  vkg_status gst = vkg_comm_gather(ctx, st ? NULL : data, st ? 0 : n, &all, sizes ? sizes : &n);
  if (!st) st = gst;
  st = vkg_shard_agree(g, st, &(int){0});
  if (!st && all) {
    size_t at = sizes[0];
    for (int r = 1; r < size && !st; r++) {
      vkg_error_clear(ctx);
      st = v->type->state_merge(v, v->state, (const char *)all + at, sizes[r]);
      if (st) st = vkg_node_fail(v, st, "state_merge");
      at += sizes[r];
    }
  }
  free(data);
  free(all);
  free(sizes);
  return st;
}

vkg_status vkg_shard_merge(vkg_graph *g) {
  vkg_status st = VKG_OK;
  for (int i = 0; i < g->nnodes && !st; i++)
    if (accumulates(g->nodes[i])) st = merge_node(g, g->nodes[i]);
  return st;
}

vkg_status vkg_shard_gather_stats(vkg_graph *g, int64_t local_batches) {
  vkg_ctx *ctx = g->ctx;
  int size = vkg_comm_size(ctx);
  g->nranks = size;
  if (size == 1) return VKG_OK;
  double *t = malloc(sizeof *t * (size_t)(2 * g->nnodes + 1));
  size_t *sizes = calloc((size_t)size, sizeof *sizes);
  if (!t || !sizes) {
    free(t);
    free(sizes);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  for (int i = 0; i < g->nnodes; i++) {
    t[2 * i] = g->nodes[i]->cpu_ns;
    t[2 * i + 1] = g->nodes[i]->gpu_ns;
  }
  vkg_status st = vkg_comm_sum_f64(ctx, t, 2 * g->nnodes);
  for (int i = 0; i < g->nnodes && !st; i++) {
    g->nodes[i]->cpu_ns = t[2 * i];
    g->nodes[i]->gpu_ns = t[2 * i + 1];
  }
  double mine[2] = {(double)local_batches, g->wall_ms};
  void *all = NULL;
  if (!st) st = vkg_comm_gather(ctx, mine, sizeof mine, &all, sizes);
  if (!st && all) {
    const double *a = all;
    free(g->rank_batches);
    free(g->rank_wall_ms);
    g->rank_batches = malloc(sizeof *g->rank_batches * (size_t)size);
    g->rank_wall_ms = malloc(sizeof *g->rank_wall_ms * (size_t)size);
    if (!g->rank_batches || !g->rank_wall_ms) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    for (int r = 0; r < size && !st; r++) {
      g->rank_batches[r] = (int64_t)a[2 * r];
      g->rank_wall_ms[r] = a[2 * r + 1];
    }
  }
  free(all);
  free(t);
  free(sizes);
  return st;
}
