/* The executor: start every node, stream the per-batch nodes batches times, then finish
 * accumulators and run the end-of-run nodes. A tensor is dropped right after its last
 * consumer in the batch ran, so memory is reused across the plan and stays flat however
 * many batches stream through. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vkgen/comm.h>
#include <vkgen/gpu.h>

#include "graph_internal.h"

static double thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void drop_outputs(vkg_node *v) {
  for (int p = 0; p < v->type->noutputs; p++) {
    vkg_tensor_unref(v->outs[p]);
    v->outs[p] = NULL;
  }
}

static void drop_all(vkg_graph *g) {
  for (int i = 0; i < g->nnodes; i++) drop_outputs(g->nodes[i]);
}

/* A failure: name node and plugin; out of memory gets a hint on what to change. */
static vkg_status fail(vkg_node *v, vkg_status st, const char *cb) {
  st = vkg_node_fail(v, st, cb);
  if (st == VKG_E_NOMEM) {
    char *m = strdup(vkg_error_message(v->g->ctx));
    if (m) {
      vkg_error(v->g->ctx, st, "%s; try a smaller batch (the graph's batch size is set by the source node's params)", m);
      free(m);
    }
  }
  return st;
}

static vkg_status check_outputs(vkg_node *v, const char *cb) {
  for (int p = 0; p < v->type->noutputs; p++) {
    const vkg_tensor *t = v->outs[p];
    const vkg_tensor_info *want = &v->out_info[p];
    char a[96], b[96];
    if (!t)
      return vkg_error(v->g->ctx, VKG_E_PLUGIN, "node '%s' (%s, plugin %s): %s set no tensor for output '%s'", v->id,
                       v->op, v->origin, cb, v->type->outputs[p].name);
    if (vkg_tensor_dtype(t) != want->dtype || !vkg_shape_equal(vkg_tensor_shape(t), &want->shape))
      return vkg_error(v->g->ctx, VKG_E_PLUGIN,
                       "node '%s' (%s, plugin %s): %s gave output '%s' %s %s, but infer said %s %s", v->id, v->op,
                       v->origin, cb, v->type->outputs[p].name, vkg_dtype_name(vkg_tensor_dtype(t)),
                       vkg_shape_format(vkg_tensor_shape(t), a, sizeof a), vkg_dtype_name(want->dtype),
                       vkg_shape_format(&want->shape, b, sizeof b));
  }
  return VKG_OK;
}

/* Runs one callback (run or finish) with timing and output checks, then releases inputs
 * whose last consumer this was and outputs that nobody consumes. */
static vkg_status step(vkg_graph *g, vkg_node *v, int finish_only) {
  const vkg_node_type *t = v->type;
  vkg_tensor *inbuf[64];
  vkg_tensor **in = v->nin <= 64 ? inbuf : malloc(sizeof *in * (size_t)v->nin);
  if (!in) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  for (int p = 0; p < v->nin; p++) {
    const vkg_input_ref *r = &v->inputs[p];
    in[p] = r->src ? r->src->outs[r->port] : NULL;
  }
  int acc = (t->flags & VKG_NODE_ACCUMULATOR) != 0;
  vkg_status st = vkg_region_begin(g->ctx, v->index);
  double c0 = thread_cpu_ns();
  const char *cb = "run";
  if (!st && !finish_only) {
    vkg_error_clear(g->ctx);
    /* an accumulator sets no outputs in run: hand it a scratch array it cannot leak into */
    vkg_tensor *scratch[64] = {0};
    st = t->run(v, v->state, in, acc ? (t->noutputs <= 64 ? scratch : v->outs) : v->outs);
    if (acc && t->noutputs <= 64)
      for (int p = 0; p < t->noutputs; p++) vkg_tensor_unref(scratch[p]);
    if (st) st = fail(v, st, "run");
  }
  if (!st && acc && (finish_only || v->phase == VKG_PHASE_FINAL)) {
    cb = "finish";
    vkg_error_clear(g->ctx);
    st = t->finish(v, v->state, v->outs);
    if (st) st = fail(v, st, "finish");
  }
  v->cpu_ns += thread_cpu_ns() - c0;
  vkg_status st2 = vkg_region_end(g->ctx, v->index);
  if (!st) st = st2;
  if (!st && (!acc || finish_only || v->phase == VKG_PHASE_FINAL)) st = check_outputs(v, cb);
  if (in != inbuf) free(in);
  if (st) return st;
  /* liveness */
  for (int p = 0; p < v->nin; p++) {
    const vkg_input_ref *r = &v->inputs[p];
    /* phases() guarantees a node's inputs all live in the phase it runs in */
    if (!r->src || finish_only) continue;
    if (--r->src->remaining[r->port] == 0) {
      vkg_tensor_unref(r->src->outs[r->port]);
      r->src->outs[r->port] = NULL;
    }
  }
  for (int p = 0; p < t->noutputs; p++)
    if (v->outs[p] && v->remaining[p] == 0) {
      vkg_tensor_unref(v->outs[p]);
      v->outs[p] = NULL;
    }
  return VKG_OK;
}

/* Consumers of each output within the phase its tensor lives in. */
static void count_consumers(vkg_graph *g) {
  for (int i = 0; i < g->nnodes; i++)
    memset(g->nodes[i]->consumers, 0, sizeof(int) * (size_t)g->nodes[i]->type->noutputs);
  for (int i = 0; i < g->nnodes; i++) {
    vkg_node *v = g->nodes[i];
    for (int p = 0; p < v->nin; p++)
      if (v->inputs[p].src) v->inputs[p].src->consumers[v->inputs[p].port]++;
  }
}

static void reset_remaining(vkg_graph *g, int phase_of_tensors_final) {
  for (int i = 0; i < g->nnodes; i++) {
    vkg_node *v = g->nodes[i];
    int final_tensors = v->phase == VKG_PHASE_FINAL || (v->type->flags & VKG_NODE_ACCUMULATOR);
    if (final_tensors == phase_of_tensors_final)
      memcpy(v->remaining, v->consumers, sizeof(int) * (size_t)v->type->noutputs);
  }
}

/* Batch b of the plan: the per-batch nodes in order. */
static vkg_status run_batch(vkg_graph *g, int64_t b) {
  vkg_status st = VKG_OK;
  reset_remaining(g, 0);
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    if (v->phase != VKG_PHASE_BATCH) continue;
    v->batch = b;
    v->prog_last = -1;
    st = step(g, v, 0);
  }
  return st;
}

static vkg_status start_nodes(vkg_graph *g) {
  vkg_status st = VKG_OK;
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    v->batch = 0;
    if (v->type->start && !v->started) {
      vkg_error_clear(g->ctx);
      st = v->type->start(v, v->state);
      if (st) st = fail(v, st, "start");
      else v->started = 1;
    }
  }
  return st;
}

/* The batches: round r runs batch r * size + rank on each rank; after every round the ranks
 * agree on failures and interrupts (cheap: three integers), then maybe checkpoint. */
static vkg_status run_rounds(vkg_graph *g, vkg_ckpt *ck, int64_t done0, int64_t *local, int *interrupted) {
  vkg_ctx *ctx = g->ctx;
  int size = vkg_comm_size(ctx), rank = vkg_comm_rank(ctx);
  vkg_status st = VKG_OK;
  g->batches_run = done0;
  for (int64_t r = done0 / size; r * size < g->batches && !st; r++) {
    int64_t b = r * size + rank;
    if (b < g->batches) {
      vkg_progress_batch(g, b);
      st = run_batch(g, b);
      if (!st) (*local)++;
    }
    int intr = vkg_interrupted(ctx);
    st = vkg_shard_agree(g, st, &intr);
    if (st) break;
    int64_t done = (r + 1) * size < g->batches ? (r + 1) * size : g->batches;
    g->batches_run = done;
    int stop = intr && done < g->batches;
    if (ck->dir && (stop || done / ck->every > (done - size) / ck->every || done == g->batches))
      st = vkg_ckpt_save(g, ck, done);
    if (stop) *interrupted = 1;
    if (stop) break;
  }
  return st;
}

/* End of run: accumulators emit (also when interrupted: their stats so far are flushed),
 * then the nodes fed by them run once. Under several ranks only rank 0 does this, after
 * the states were merged into its own. */
static vkg_status finish_nodes(vkg_graph *g, int interrupted) {
  vkg_status st = vkg_comm_size(g->ctx) > 1 ? vkg_shard_merge(g) : VKG_OK;
  if (st || vkg_comm_rank(g->ctx) != 0) return st;
  int64_t planned = g->batches;
  /* After an interrupt the run had batches_run batches: end-of-run nodes that act "after
   * the last batch" (batch index + 1 == batch count, e.g. core.save_tensor) must see that. */
  if (interrupted) g->batches = g->batches_run;
  reset_remaining(g, 1);
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    int acc = (v->type->flags & VKG_NODE_ACCUMULATOR) != 0;
    v->batch = g->batches_run > 0 ? g->batches_run - 1 : 0;
    if (v->phase == VKG_PHASE_BATCH && acc) st = step(g, v, 1);
    else if (v->phase == VKG_PHASE_FINAL) st = step(g, v, 0);
  }
  g->batches = planned;
  return st;
}

vkg_status vkg_graph_run(vkg_graph *g, const vkg_run_options *opts) {
  vkg_ctx *ctx = g->ctx;
  int mode = opts ? opts->progress : -1;
  double t0 = vkg_now_s();
  g->batches_run = 0;
  g->ran = 1;
  for (int i = 0; i < g->nnodes; i++) {
    g->nodes[i]->cpu_ns = 0;
    g->nodes[i]->gpu_ns = 0;
  }
  vkg_ckpt ck = {NULL, 10, -1};
  if (opts) {
    ck.dir = opts->checkpoint_dir ? opts->checkpoint_dir : opts->resume_dir;
    if (opts->checkpoint_every > 0) ck.every = opts->checkpoint_every;
  }
  vkg_status st = VKG_OK;
  if (vkg_comm_size(ctx) > 1) st = vkg_shard_check(g, "several ranks");
  if (!st && ck.dir) st = vkg_shard_check(g, "checkpoints");
  if (!st) st = vkg_ctx_open_device(ctx);
  st = vkg_shard_agree(g, st, &(int){0});
  if (st) return st;
  vkg_ctx_mem_reset_peak(ctx);
  uint64_t submits0 = vkg_stat_submits(ctx);
  count_consumers(g);
  vkg_progress_begin(g, mode);

  st = start_nodes(g);
  int64_t done0 = 0, local = 0;
  if (!st && opts && opts->resume_dir) st = vkg_ckpt_resume(g, &ck, &done0);
  st = vkg_shard_agree(g, st, &(int){0});
  int interrupted = 0;
  if (!st) st = run_rounds(g, &ck, done0, &local, &interrupted);
  if (!st) st = finish_nodes(g, interrupted);
  drop_all(g);
  vkg_status fst = vkg_flush(ctx);
  if (!st && fst) st = fst;
  for (int i = 0; i < g->nnodes; i++) g->nodes[i]->gpu_ns = vkg_region_gpu_ns(ctx, i);
  vkg_mem_stats ms;
  vkg_ctx_mem_stats(ctx, &ms);
  g->peak_bytes = ms.peak;
  g->submits = vkg_stat_submits(ctx) - submits0;
  g->wall_ms = (vkg_now_s() - t0) * 1e3;
  vkg_status gst = vkg_shard_gather_stats(g, local);
  if (!st) st = gst;
  vkg_progress_end(g);
  if (!st && interrupted)
    st = vkg_error(ctx, VKG_E_INTERRUPTED, "interrupted after batch %lld of %lld", (long long)g->batches_run,
                   (long long)g->batches);
  return st;
}
