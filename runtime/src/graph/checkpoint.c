/* Checkpoints of long runs (docs/scale-out.md). A checkpoint folder holds
 *   manifest.json                 format, graph name, graph and params hashes, batches, ranks,
 *                                 batches done, the accumulators and their state files
 *   NODE.rR.DONE.state            rank R's state of accumulator NODE after DONE batches
 * Each file is written beside its name, fsynced and renamed over it; the manifest is written
 * after every rank's states, so it always names complete files, and the previous
 * checkpoint's files are removed only after it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <vkgen/comm.h>
#include <vkgen/io.h>

#include "graph_internal.h"

#define CKPT_FORMAT "vkgen-checkpoint-1"

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static uint64_t fnv_str(uint64_t h, const char *s) { return fnv(h, s ? s : "", s ? strlen(s) + 1 : 1); }

/* Graph: name, node ids, ops and wiring. Params: every param's value and the batch count. */
static void hashes(const vkg_graph *g, uint64_t *gh, uint64_t *ph) {
  uint64_t a = 1469598103934665603ull, b = a;
  a = fnv_str(a, g->name);
  b = fnv(b, &g->batches, sizeof g->batches);
  for (int i = 0; i < g->nnodes; i++) {
    const vkg_node *v = g->nodes[i];
    a = fnv_str(fnv_str(a, v->id), v->op);
    for (int p = 0; p < v->nin; p++) {
      a = fnv_str(a, v->inputs[p].src ? v->inputs[p].src->id : "");
      a = fnv(a, &v->inputs[p].port, sizeof v->inputs[p].port);
    }
    b = fnv_str(b, v->id);
    for (int p = 0; p < v->type->nparams; p++) {
      const vkg_param_val *pv = &v->params[p];
      b = fnv_str(b, pv->desc->name);
      b = fnv(fnv(fnv(b, &pv->i, sizeof pv->i), &pv->f, sizeof pv->f), &pv->b, sizeof pv->b);
      b = fnv_str(b, pv->s);
      if (pv->ilist) b = fnv(b, pv->ilist, sizeof *pv->ilist * (size_t)pv->n);
      if (pv->flist) b = fnv(b, pv->flist, sizeof *pv->flist * (size_t)pv->n);
    }
  }
  *gh = a;
  *ph = b;
}

static char *path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static char *state_path(const char *dir, const vkg_node *v, int rank, int64_t done) {
  char name[512];
  snprintf(name, sizeof name, "%s.r%d.%" PRId64 ".state", v->id, rank, done);
  return path_join(dir, name);
}

static int accumulates(const vkg_node *v) {
  return v->phase == VKG_PHASE_BATCH && (v->type->flags & VKG_NODE_ACCUMULATOR);
}

static vkg_status write_file(vkg_ctx *ctx, const char *path, const void *data, size_t n) {
  vkg_outfile of;
  vkg_status st = vkg_outfile_open(ctx, path, &of);
  if (st) return vkg_error_prefix(ctx, "checkpoint: ");
  if (n && fwrite(data, 1, n, of.f) != n) {
    int e = errno;
    vkg_outfile_abort(&of);
    return vkg_error(ctx, VKG_E_IO, "checkpoint: cannot write '%s': %s", path, strerror(e));
  }
  st = vkg_outfile_commit(ctx, &of);
  return st ? vkg_error_prefix(ctx, "checkpoint: ") : VKG_OK;
}

static vkg_status save_states(vkg_graph *g, const char *dir, int64_t done) {
  int rank = vkg_comm_rank(g->ctx);
  vkg_status st = VKG_OK;
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    if (!accumulates(v)) continue;
    void *data = NULL;
    size_t n = 0;
    vkg_error_clear(g->ctx);
    st = v->type->state_save(v, v->state, &data, &n);
    if (st) st = vkg_node_fail(v, st, "state_save");
    char *p = st ? NULL : state_path(dir, v, rank, done);
    if (!st && !p) st = vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
    if (!st) st = write_file(g->ctx, p, data, n);
    free(p);
    free(data);
  }
  return st;
}

static vkg_status write_manifest(vkg_graph *g, const char *dir, int64_t done, int64_t every) {
  uint64_t gh, ph;
  hashes(g, &gh, &ph);
  char hx[2][20];
  snprintf(hx[0], sizeof hx[0], "%016" PRIx64, gh);
  snprintf(hx[1], sizeof hx[1], "%016" PRIx64, ph);
  json_t *m = json_object(), *acc = json_array();
  json_object_set_new(m, "format", json_string(CKPT_FORMAT));
  json_object_set_new(m, "graph", json_string(g->name));
  json_object_set_new(m, "file", json_string(g->file));
  json_object_set_new(m, "graph_hash", json_string(hx[0]));
  json_object_set_new(m, "params_hash", json_string(hx[1]));
  json_object_set_new(m, "batches", json_integer(g->batches));
  json_object_set_new(m, "ranks", json_integer(vkg_comm_size(g->ctx)));
  json_object_set_new(m, "every", json_integer(every));
  json_object_set_new(m, "batches_done", json_integer(done));
  for (int i = 0; i < g->nnodes; i++)
    if (accumulates(g->nodes[i])) json_array_append_new(acc, json_string(g->nodes[i]->id));
  json_object_set_new(m, "accumulators", acc);
  char *text = json_dumps(m, JSON_INDENT(2));
  json_decref(m);
  char *p = path_join(dir, "manifest.json");
  vkg_status st = text && p ? write_file(g->ctx, p, text, strlen(text)) : vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  free(text);
  free(p);
  return st;
}

static void remove_states(vkg_graph *g, const char *dir, int64_t done) {
  for (int i = 0; i < g->nnodes; i++) {
    if (!accumulates(g->nodes[i])) continue;
    char *p = state_path(dir, g->nodes[i], vkg_comm_rank(g->ctx), done);
    if (p) remove(p);
    free(p);
  }
}

vkg_status vkg_ckpt_save(vkg_graph *g, vkg_ckpt *c, int64_t done) {
  if (done == c->last_done) return VKG_OK;
  vkg_status st = save_states(g, c->dir, done);
  st = vkg_shard_agree(g, st, &(int){0});
  if (!st && vkg_comm_rank(g->ctx) == 0) st = write_manifest(g, c->dir, done, c->every);
  st = vkg_shard_agree(g, st, &(int){0});
  if (st) return st;
  if (c->last_done >= 0) remove_states(g, c->dir, c->last_done);
  c->last_done = done;
  return VKG_OK;
}

static vkg_status read_file(vkg_ctx *ctx, const char *path, void **data, size_t *n) {
  FILE *f = fopen(path, "rb");
  if (!f) return vkg_error(ctx, VKG_E_IO, "checkpoint: cannot read '%s': %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) free(buf);
    buf = nb;
    cap *= 2;
  }
  int err = ferror(f);
  fclose(f);
  if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "checkpoint: out of host memory reading '%s'", path);
  if (err) {
    free(buf);
    return vkg_error(ctx, VKG_E_IO, "checkpoint: cannot read '%s'", path);
  }
  *data = buf;
  *n = len;
  return VKG_OK;
}

static vkg_status check_manifest(vkg_graph *g, const char *dir, json_t *m, int64_t *done) {
  vkg_ctx *ctx = g->ctx;
  uint64_t gh, ph;
  hashes(g, &gh, &ph);
  char hx[2][20];
  snprintf(hx[0], sizeof hx[0], "%016" PRIx64, gh);
  snprintf(hx[1], sizeof hx[1], "%016" PRIx64, ph);
  const char *fmt = json_string_value(json_object_get(m, "format"));
  const char *name = json_string_value(json_object_get(m, "graph"));
  const char *mg = json_string_value(json_object_get(m, "graph_hash"));
  const char *mp = json_string_value(json_object_get(m, "params_hash"));
  json_t *jd = json_object_get(m, "batches_done"), *jr = json_object_get(m, "ranks");
  if (!fmt || strcmp(fmt, CKPT_FORMAT) || !mg || !mp || !json_is_integer(jd) || !json_is_integer(jr))
    return vkg_error(ctx, VKG_E_INPUT, "checkpoint '%s': manifest.json is not a vkgen checkpoint (format %s)", dir,
                     CKPT_FORMAT);
  if (strcmp(mg, hx[0]))
    return vkg_error(ctx, VKG_E_INPUT,
                     "checkpoint '%s' was written for another graph ('%s', graph hash %s; this graph '%s' has %s): "
                     "refusing to resume",
                     dir, name ? name : "?", mg, g->name, hx[0]);
  if (strcmp(mp, hx[1]))
    return vkg_error(ctx, VKG_E_INPUT,
                     "checkpoint '%s' was written with other params or batch count (params hash %s, this run has "
                     "%s): resume with the same graph file and --set options",
                     dir, mp, hx[1]);
  if (json_integer_value(jr) != vkg_comm_size(ctx))
    return vkg_error(ctx, VKG_E_INPUT, "checkpoint '%s' was written by %lld ranks; resume it with %lld (now %d)", dir,
                     (long long)json_integer_value(jr), (long long)json_integer_value(jr), vkg_comm_size(ctx));
  *done = json_integer_value(jd);
  if (*done < 0 || *done > g->batches)
    return vkg_error(ctx, VKG_E_INPUT, "checkpoint '%s': batches_done %lld out of range", dir, (long long)*done);
  return VKG_OK;
}

vkg_status vkg_ckpt_resume(vkg_graph *g, vkg_ckpt *c, int64_t *done) {
  vkg_ctx *ctx = g->ctx;
  char *mp = path_join(c->dir, "manifest.json");
  if (!mp) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  json_error_t je;
  json_t *m = json_load_file(mp, 0, &je);
  vkg_status st = m ? check_manifest(g, c->dir, m, done)
                    : vkg_error(ctx, VKG_E_INPUT, "cannot resume: '%s': %s", mp, je.text);
  json_decref(m);
  free(mp);
  for (int i = 0; i < g->nnodes && !st; i++) {
    vkg_node *v = g->nodes[i];
    if (!accumulates(v)) continue;
    char *p = state_path(c->dir, v, vkg_comm_rank(ctx), *done);
    void *data = NULL;
    size_t n = 0;
    st = p ? read_file(ctx, p, &data, &n) : vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    if (!st) {
      vkg_error_clear(ctx);
      st = v->type->state_merge(v, v->state, data, n);
      if (st) {
        vkg_node_fail(v, st, "state_merge");
        st = vkg_error_prefix(ctx, "checkpoint '%s': ", p);
      }
    }
    free(data);
    free(p);
  }
  if (!st) c->last_done = *done;
  return st;
}
