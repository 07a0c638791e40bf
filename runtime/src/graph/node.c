/* What a node callback can ask of its node: identity, params, errors with the graph's
 * file:line:col, progress and reported values. */
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"

vkg_ctx *vkg_node_ctx(const vkg_node *node) { return node->g->ctx; }
const char *vkg_node_id(const vkg_node *node) { return node->id; }
const char *vkg_node_op(const vkg_node *node) { return node->op; }
int64_t vkg_node_batch_index(const vkg_node *node) { return node->batch; }
int64_t vkg_node_batch_count(const vkg_node *node) { return node->g->batches; }
int vkg_node_runs_per_batch(const vkg_node *node) { return node->phase == VKG_PHASE_BATCH; }

int vkg_node_input_count(const vkg_node *node, int port) {
  if (!node || port < 0 || port >= node->type->ninputs) return -1;
  return port == node->var_port ? node->var_count : 1;
}

const char *vkg_node_slot_name(const vkg_node *node, int slot, char *buf, size_t size) {
  int port = vkg_node_slot_port(node, slot);
  const char *name = node->type->inputs[port].name;
  if (port == node->var_port) snprintf(buf, size, "%s[%d]", name, slot - port);
  else snprintf(buf, size, "%s", name);
  return buf;
}

const char *vkg_node_prefix(const vkg_node *node, char *buf, size_t size) {
  snprintf(buf, size, "node '%s' (%s): ", node->id, node->op ? node->op : "?");
  return buf;
}

void vkg_node_free(vkg_node *node) {
  if (!node) return;
  if (node->type && node->params)
    for (int i = 0; i < node->type->nparams; i++) vkg_param_clear(&node->params[i]);
  free(node->params);
  free(node->inputs);
  free(node->in_info);
  free(node->out_info);
  free(node->outs);
  free(node->consumers);
  free(node->remaining);
  free(node->id);
  free(node->op);
  free(node);
}

const vkg_param_val *vkg_node_find_param(const vkg_node *node, const char *name) {
  if (!node || !name || !node->params) return NULL;
  for (int i = 0; i < node->type->nparams; i++)
    if (!strcmp(node->params[i].desc->name, name)) return &node->params[i];
  return NULL;
}

static const vkg_param_val *typed(const vkg_node *node, const char *name, vkg_param_type t) {
  const vkg_param_val *p = vkg_node_find_param(node, name);
  return p && p->desc->type == t ? p : NULL;
}

int vkg_node_param_int(const vkg_node *node, const char *name, int64_t *out) {
  const vkg_param_val *p = typed(node, name, VKG_PARAM_INT);
  if (!p) return -1;
  *out = p->i;
  return 0;
}

int vkg_node_param_float(const vkg_node *node, const char *name, double *out) {
  const vkg_param_val *p = typed(node, name, VKG_PARAM_FLOAT);
  if (!p) return -1;
  *out = p->f;
  return 0;
}

int vkg_node_param_bool(const vkg_node *node, const char *name, int *out) {
  const vkg_param_val *p = typed(node, name, VKG_PARAM_BOOL);
  if (!p) return -1;
  *out = p->b;
  return 0;
}

int vkg_node_param_string(const vkg_node *node, const char *name, const char **out) {
  const vkg_param_val *p = vkg_node_find_param(node, name);
  if (!p || !p->s ||
      (p->desc->type != VKG_PARAM_STRING && p->desc->type != VKG_PARAM_PATH && p->desc->type != VKG_PARAM_ENUM))
    return -1;
  *out = p->s;
  return 0;
}

int vkg_node_param_int_list(const vkg_node *node, const char *name, const int64_t **vals, int *n) {
  const vkg_param_val *p = typed(node, name, VKG_PARAM_INT_LIST);
  if (!p) return -1;
  *vals = p->ilist;
  *n = p->n;
  return 0;
}

int vkg_node_param_float_list(const vkg_node *node, const char *name, const double **vals, int *n) {
  const vkg_param_val *p = typed(node, name, VKG_PARAM_FLOAT_LIST);
  if (!p) return -1;
  *vals = p->flist;
  *n = p->n;
  return 0;
}

int vkg_node_param_given(const vkg_node *node, const char *name) {
  const vkg_param_val *p = vkg_node_find_param(node, name);
  return p ? p->given : 0;
}

vkg_loc vkg_node_loc_param(const vkg_node *node, const char *param) {
  const vkg_param_val *p = param ? vkg_node_find_param(node, param) : NULL;
  if (p && p->given) return p->loc;
  return node->loc;
}

vkg_status vkg_node_error(vkg_node *node, vkg_status code, const char *param, const char *fmt, ...) {
  char msg[2048], pre[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vkg_loc loc = vkg_node_loc_param(node, param);
  vkg_node_prefix(node, pre, sizeof pre);
  if (param) return vkg_error_at(node->g->ctx, code, &loc, "%sparam '%s': %s", pre, param, msg);
  return vkg_error_at(node->g->ctx, code, &loc, "%s%s", pre, msg);
}

vkg_status vkg_node_rethrow(vkg_node *node, const char *param) {
  vkg_ctx *ctx = node->g->ctx;
  vkg_status code = vkg_error_code(ctx);
  if (code == VKG_OK) code = VKG_E_INTERNAL;
  char msg[2048];
  snprintf(msg, sizeof msg, "%s", vkg_error_message(ctx)); /* vkg_node_error replaces it */
  return vkg_node_error(node, code, param, "%s", msg);
}

vkg_status vkg_node_input_error(vkg_node *node, vkg_status code, int input, const char *fmt, ...) {
  char msg[2048], pre[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vkg_node_prefix(node, pre, sizeof pre);
  if (input < 0 || input >= node->nin) return vkg_error_at(node->g->ctx, code, &node->loc, "%s%s", pre, msg);
  const vkg_input_ref *r = &node->inputs[input];
  vkg_loc loc = r->src ? r->loc : node->loc;
  char name[300];
  return vkg_error_at(node->g->ctx, code, &loc, "%sinput '%s': %s", pre,
                      vkg_node_slot_name(node, input, name, sizeof name), msg);
}

void vkg_node_warn(vkg_node *node, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  vkg_warn(node->g->ctx, "node '%s' (%s): %s", node->id, node->op, msg);
}

void vkg_node_progress(vkg_node *node, int64_t done, int64_t total, const char *unit) {
  vkg_progress_node(node->g, node, done, total, unit);
}

void vkg_node_report_value(vkg_node *node, const char *key, double value) {
  vkg_graph *g = node->g;
  for (int i = 0; i < g->nvalues; i++)
    if (!strcmp(g->values[i].node, node->id) && !strcmp(g->values[i].key, key)) {
      g->values[i].value = value;
      return;
    }
  if (g->nvalues == g->cvalues) {
    int c = g->cvalues ? g->cvalues * 2 : 8;
    vkg_value *v = realloc(g->values, sizeof *v * (size_t)c);
    if (!v) return;
    g->values = v;
    g->cvalues = c;
  }
  char *n = strdup(node->id), *k = strdup(key);
  if (!n || !k) {
    free(n);
    free(k);
    return;
  }
  g->values[g->nvalues++] = (vkg_value){n, k, value};
}

int vkg_dtypes_accept(const char *dtypes, vkg_dtype t) {
  if (!dtypes || !strcmp(dtypes, "any")) return 1;
  const char *name = vkg_dtype_name(t);
  size_t n = strlen(name);
  for (const char *p = dtypes; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if ((l == n && !strncmp(p, name, n)) || (l == 3 && !strncmp(p, "any", 3))) return 1;
    p = bar ? bar + 1 : NULL;
  }
  return 0;
}

vkg_status vkg_node_fail(vkg_node *node, vkg_status st, const char *callback) {
  vkg_ctx *ctx = node->g->ctx;
  if (st == VKG_OK) st = VKG_E_INTERNAL;
  char tag[600];
  snprintf(tag, sizeof tag, "node '%s'", node->id);
  const char *msg = vkg_error_message(ctx);
  if (!msg || !msg[0] || vkg_error_code(ctx) == VKG_OK)
    return vkg_error(ctx, st, "node '%s' (%s, plugin %s): %s failed (%s)", node->id, node->op, node->origin, callback,
                     vkg_status_name(st));
  if (strstr(msg, tag)) {
    if (vkg_error_code(ctx) != st) {
      char *copy = strdup(msg);
      if (copy) {
        vkg_error(ctx, st, "%s", copy);
        free(copy);
      }
    }
    return st;
  }
  char *copy = strdup(msg);
  if (!copy) return st;
  vkg_error(ctx, st, "node '%s' (%s, plugin %s): %s", node->id, node->op, node->origin, copy);
  free(copy);
  return st;
}
