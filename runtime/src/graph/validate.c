/* Whole-graph checks once every node is parsed: execution order (and cycles, named),
 * per-batch vs end-of-run phases, then create() and infer() of every node with dtype
 * checks on every edge. No GPU work happens here. */
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"

static vkg_status report_cycle(vkg_graph *g, const int *indeg) {
  /* Every node left has an input from another node left: walk inputs backwards until a
   * node repeats; that stretch is a cycle. */
  int n = g->nnodes;
  int *seen = malloc(sizeof *seen * (size_t)n);
  vkg_node **path = malloc(sizeof *path * (size_t)(n + 1));
  if (!seen || !path) {
    free(seen);
    free(path);
    return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  }
  for (int i = 0; i < n; i++) seen[i] = -1;
  int start = 0;
  while (indeg[start] == 0) start++;
  vkg_node *v = g->nodes[start];
  int len = 0;
  while (seen[v->index] < 0) {
    seen[v->index] = len;
    path[len++] = v;
    vkg_node *next = NULL;
    for (int p = 0; p < v->nin && !next; p++) {
      vkg_node *s = v->inputs[p].src;
      if (s && indeg[s->index] > 0) next = s;
    }
    v = next;
  }
  /* path[seen[v]..len-1] is the cycle, each element consuming the next one */
  int first = seen[v->index];
  char msg[2048] = "cycle: ";
  size_t used = strlen(msg);
  for (int i = len - 1; i >= first && used < sizeof msg; i--)
    used += (size_t)snprintf(msg + used, sizeof msg - used, "%s -> ", path[i]->id);
  if (used < sizeof msg) snprintf(msg + used, sizeof msg - used, "%s", path[len - 1]->id);
  /* location: the edge path[len-1] -> path[len-2] (or the self loop) */
  vkg_node *consumer = len - 1 > first ? path[len - 2] : path[len - 1];
  vkg_node *producer = path[len - 1];
  vkg_loc loc = consumer->loc;
  for (int p = 0; p < consumer->nin; p++)
    if (consumer->inputs[p].src == producer) {
      loc = consumer->inputs[p].loc;
      break;
    }
  free(seen);
  free(path);
  return vkg_error_at(g->ctx, VKG_E_INPUT, &loc, "%s", msg);
}

/* Kahn's algorithm; ties keep file order, so a graph runs in the order it is written
 * wherever the edges allow. */
static vkg_status order(vkg_graph *g) {
  int n = g->nnodes;
  int *indeg = calloc((size_t)n, sizeof *indeg);
  int *start = calloc((size_t)n + 1, sizeof *start);
  int nedges = 0;
  for (int i = 0; i < n; i++)
    for (int p = 0; p < g->nodes[i]->nin; p++)
      if (g->nodes[i]->inputs[p].src) nedges++;
  int *adj = malloc(sizeof *adj * (size_t)(nedges ? nedges : 1));
  int *fill = calloc((size_t)n + 1, sizeof *fill);
  int *queue = malloc(sizeof *queue * (size_t)n);
  vkg_node **sorted = malloc(sizeof *sorted * (size_t)n);
  vkg_status st = VKG_OK;
  if (!indeg || !start || !adj || !fill || !queue || !sorted) {
    st = vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
    goto done;
  }
  for (int i = 0; i < n; i++)
    for (int p = 0; p < g->nodes[i]->nin; p++) {
      vkg_node *s = g->nodes[i]->inputs[p].src;
      if (!s) continue;
      indeg[i]++;
      start[s->index + 1]++;
    }
  for (int i = 0; i < n; i++) start[i + 1] += start[i];
  for (int i = 0; i < n; i++)
    for (int p = 0; p < g->nodes[i]->nin; p++) {
      vkg_node *s = g->nodes[i]->inputs[p].src;
      if (s) adj[start[s->index] + fill[s->index]++] = i;
    }
  int qh = 0, qt = 0;
  for (int i = 0; i < n; i++)
    if (!indeg[i]) queue[qt++] = i;
  while (qh < qt) {
    int v = queue[qh++];
    for (int e = start[v]; e < start[v + 1]; e++)
      if (--indeg[adj[e]] == 0) queue[qt++] = adj[e];
  }
  if (qt < n) {
    st = report_cycle(g, indeg);
    goto done;
  }
  for (int i = 0; i < n; i++) sorted[i] = g->nodes[queue[i]];
  for (int i = 0; i < n; i++) {
    g->nodes[i] = sorted[i];
    g->nodes[i]->index = i;
  }
done:
  free(indeg);
  free(start);
  free(adj);
  free(fill);
  free(queue);
  free(sorted);
  return st;
}

/* A node fed by an accumulator runs once after the last batch; it cannot also take a
 * per-batch tensor, which exists only while its batch runs. */
static vkg_status phases(vkg_graph *g) {
  for (int i = 0; i < g->nnodes; i++) {
    vkg_node *v = g->nodes[i];
    vkg_node *per_batch = NULL, *final = NULL;
    for (int p = 0; p < v->nin; p++) {
      vkg_node *s = v->inputs[p].src;
      if (!s) continue;
      if (s->phase == VKG_PHASE_FINAL || (s->type->flags & VKG_NODE_ACCUMULATOR)) {
        if (!final) final = s;
      } else if (!per_batch) {
        per_batch = s;
      }
    }
    if (per_batch && final) {
      char pre[512];
      const vkg_node *acc = final;
      return vkg_error_at(g->ctx, VKG_E_INPUT, &v->loc,
                          "%smixes a per-batch input (from '%s') with an end-of-run input (from '%s', downstream of an "
                          "accumulator, which has its value only after the last batch)",
                          vkg_node_prefix(v, pre, sizeof pre), per_batch->id, acc->id);
    }
    v->phase = final ? VKG_PHASE_FINAL : VKG_PHASE_BATCH;
  }
  return VKG_OK;
}

static int shape_ok(const vkg_shape *s) {
  if (s->ndim < 0 || s->ndim > VKG_MAX_DIMS) return 0;
  for (int i = 0; i < s->ndim; i++)
    if (s->d[i] < 1) return 0;
  return 1;
}

/* Bytes of a tensor of this shape and dtype, 0 if the element or byte count overflows 64 bits. */
static int64_t shape_bytes(const vkg_tensor_info *o) {
  int64_t n = (int64_t)vkg_dtype_size(o->dtype);
  for (int i = 0; i < o->shape.ndim; i++)
    if (__builtin_mul_overflow(n, o->shape.d[i], &n)) return 0;
  return n;
}

static vkg_status infer_node(vkg_graph *g, vkg_node *v) {
  const vkg_node_type *t = v->type;
  char pre[512];
  vkg_node_prefix(v, pre, sizeof pre);
  for (int p = 0; p < v->nin; p++) {
    const vkg_input_ref *r = &v->inputs[p];
    const vkg_port_desc *port = &t->inputs[vkg_node_slot_port(v, p)];
    if (!r->src) {
      memset(&v->in_info[p], 0, sizeof v->in_info[p]);
      continue;
    }
    v->in_info[p] = r->src->out_info[r->port];
    vkg_dtype dt = v->in_info[p].dtype;
    if (!vkg_dtypes_accept(port->dtypes, dt)) {
      char sh[96], name[300];
      vkg_shape_format(&v->in_info[p].shape, sh, sizeof sh);
      return vkg_error_at(g->ctx, VKG_E_INPUT, &r->loc, "%sinput '%s' accepts %s, but %s.%s is %s %s", pre,
                          vkg_node_slot_name(v, p, name, sizeof name), port->dtypes, r->src->id,
                          r->src->type->outputs[r->port].name, vkg_dtype_name(dt), sh);
    }
  }
  for (int p = 0; p < t->noutputs; p++) memset(&v->out_info[p], 0, sizeof v->out_info[p]);
  vkg_error_clear(g->ctx);
  vkg_status st = t->infer(v, v->state, v->in_info, v->out_info);
  if (st) return vkg_node_fail(v, st, "infer");
  for (int p = 0; p < t->noutputs; p++) {
    const vkg_tensor_info *o = &v->out_info[p];
    if ((unsigned)o->dtype >= VKG_DTYPE_COUNT || !shape_ok(&o->shape))
      return vkg_error(g->ctx, VKG_E_PLUGIN, "node '%s' (%s, plugin %s): infer gave output '%s' an invalid dtype or shape",
                       v->id, v->op, v->origin, t->outputs[p].name);
    if (!vkg_dtypes_accept(t->outputs[p].dtypes, o->dtype))
      return vkg_error(g->ctx, VKG_E_PLUGIN,
                       "node '%s' (%s, plugin %s): infer gave output '%s' dtype %s, but the port declares %s", v->id,
                       v->op, v->origin, t->outputs[p].name, vkg_dtype_name(o->dtype), t->outputs[p].dtypes);
    if (shape_bytes(o) == 0) {
      char sh[160];
      return vkg_error_at(g->ctx, VKG_E_INPUT, &v->loc,
                          "%soutput '%s' would be %s %s: its element or byte count overflows 64 bits", pre,
                          t->outputs[p].name, vkg_dtype_name(o->dtype), vkg_shape_format(&o->shape, sh, sizeof sh));
    }
  }
  return VKG_OK;
}

vkg_status vkg_graph_validate(vkg_graph *g) {
  vkg_status st = order(g);
  if (!st) st = phases(g);
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    v->batch = 0;
    v->state = NULL;
    if (v->type->create) {
      vkg_error_clear(g->ctx);
      st = v->type->create(v, &v->state);
      if (st) {
        /* destroy() is for states create() handed back; a failed create cleans up itself */
        st = vkg_node_fail(v, st, "create");
        break;
      }
    }
    v->created = 1;
  }
  for (int i = 0; i < g->nnodes && !st; i++) st = infer_node(g, g->nodes[i]);
  return st;
}
