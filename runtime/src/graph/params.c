/* Param typing: a YAML value (from the graph, --set or the declared default) becomes the
 * typed value the node's getters return, with types, bounds and choices checked. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"

void vkg_param_clear(vkg_param_val *pv) {
  free(pv->s);
  free(pv->ilist);
  free(pv->flist);
  pv->s = NULL;
  pv->ilist = NULL;
  pv->flist = NULL;
  pv->n = 0;
}

static vkg_loc at(const vkg_ynode *v, const vkg_loc *loc) {
  vkg_loc l = *loc;
  if (v && v->line && loc->line) {
    l.line = v->line;
    l.col = v->col;
  }
  return l;
}

static vkg_status perr(vkg_node *node, const vkg_param_val *pv, const vkg_ynode *v, const vkg_loc *loc,
                       const char *fmt, const char *a, const char *b) {
  char pre[512];
  vkg_loc l = at(v, loc);
  return vkg_error_at(node->g->ctx, VKG_E_INPUT, &l, "%sparam '%s': %s%s%s",
                      vkg_node_prefix(node, pre, sizeof pre), pv->desc->name, fmt, a ? a : "", b ? b : "");
}

static int parse_int(const vkg_ynode *v, int64_t *out) {
  if (!v || v->kind != VKG_Y_SCALAR || !v->scalar[0]) return -1;
  errno = 0;
  char *end;
  long long x = strtoll(v->scalar, &end, 10);
  if (*end || errno) return -1;
  *out = x;
  return 0;
}

static int parse_float(const vkg_ynode *v, double *out) {
  if (!v || v->kind != VKG_Y_SCALAR || !v->scalar[0]) return -1;
  const char *s = v->scalar;
  if (!strcmp(s, ".inf") || !strcmp(s, "+.inf")) {
    *out = INFINITY;
    return 0;
  }
  if (!strcmp(s, "-.inf")) {
    *out = -INFINITY;
    return 0;
  }
  char *end;
  double x = strtod(s, &end);
  if (*end || isnan(x)) return -1;
  /* strtod reads "inf"/"infinity"; YAML spells those .inf */
  if (isinf(x) && strpbrk(s, "iI")) return -1;
  *out = x;
  return 0;
}

static int parse_bool(const vkg_ynode *v, int *out) {
  if (!v || v->kind != VKG_Y_SCALAR || v->quoted) return -1;
  const char *s = v->scalar;
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) *out = 1;
  else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) *out = 0;
  else return -1;
  return 0;
}

static vkg_status check_bounds(vkg_node *node, const vkg_param_val *pv, const vkg_ynode *v, const vkg_loc *loc,
                               double x, int elem) {
  const vkg_param_desc *d = pv->desc;
  if (!(d->min < d->max) || (x >= d->min && x <= d->max)) return VKG_OK;
  char pre[512], msg[256];
  vkg_loc l = at(v, loc);
  if (elem >= 0)
    snprintf(msg, sizeof msg, "element %d must be in [%g, %g], got %.17g", elem + 1, d->min, d->max, x);
  else
    snprintf(msg, sizeof msg, "must be in [%g, %g], got %.17g", d->min, d->max, x);
  return vkg_error_at(node->g->ctx, VKG_E_INPUT, &l, "%sparam '%s': %s",
                      vkg_node_prefix(node, pre, sizeof pre), d->name, msg);
}

static int enum_has(const char *choices, const char *s) {
  size_t n = strlen(s);
  for (const char *p = choices; p && *p;) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l == n && !strncmp(p, s, n)) return 1;
    p = bar ? bar + 1 : NULL;
  }
  return 0;
}

static vkg_status enum_error(vkg_node *node, const vkg_param_val *pv, const vkg_ynode *v, const vkg_loc *loc) {
  char list[512], cands_buf[512];
  const char *cands[64] = {0};
  int nc = 0;
  snprintf(cands_buf, sizeof cands_buf, "%s", pv->desc->choices);
  list[0] = 0;
  char *save = NULL;
  for (char *t = strtok_r(cands_buf, "|", &save); t && nc < 64; t = strtok_r(NULL, "|", &save)) {
    cands[nc++] = t;
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", t);
  }
  char hint[300];
  const char *got = vkg_ytree_describe(v);
  vkg_suggest_hint(v && v->kind == VKG_Y_SCALAR ? v->scalar : "", cands, nc, hint, sizeof hint);
  char pre[512];
  vkg_loc l = at(v, loc);
  return vkg_error_at(node->g->ctx, VKG_E_INPUT, &l, "%sparam '%s': expected one of %s, got '%s'%s",
                      vkg_node_prefix(node, pre, sizeof pre), pv->desc->name, list, got, hint);
}

static char *resolve(const vkg_graph *g, const char *s, int resolve_path) {
  if (!resolve_path || s[0] == '/' || !g->dir[0]) return strdup(s);
  size_t n = strlen(g->dir) + strlen(s) + 2;
  char *r = malloc(n);
  if (r) snprintf(r, n, "%s/%s", g->dir, s);
  return r;
}

vkg_status vkg_param_convert(vkg_node *node, vkg_param_val *pv, const vkg_ynode *v, const vkg_loc *loc,
                             int resolve_path) {
  vkg_ctx *ctx = node->g->ctx;
  const vkg_param_desc *d = pv->desc;
  vkg_param_clear(pv);
  switch (d->type) {
  case VKG_PARAM_INT:
    if (parse_int(v, &pv->i)) return perr(node, pv, v, loc, "expected an integer, got '", vkg_ytree_describe(v), "'");
    return check_bounds(node, pv, v, loc, (double)pv->i, -1);
  case VKG_PARAM_FLOAT:
    if (parse_float(v, &pv->f)) return perr(node, pv, v, loc, "expected a number, got '", vkg_ytree_describe(v), "'");
    return check_bounds(node, pv, v, loc, pv->f, -1);
  case VKG_PARAM_BOOL:
    if (parse_bool(v, &pv->b))
      return perr(node, pv, v, loc, "expected true or false, got '", vkg_ytree_describe(v), "'");
    return VKG_OK;
  case VKG_PARAM_STRING:
  case VKG_PARAM_PATH:
  case VKG_PARAM_ENUM:
    if (!v || v->kind != VKG_Y_SCALAR || vkg_ytree_is_null(v))
      return d->type == VKG_PARAM_ENUM ? enum_error(node, pv, v, loc)
                                       : perr(node, pv, v, loc, "expected a string, got ", vkg_ytree_describe(v), "");
    if (d->type == VKG_PARAM_ENUM && !enum_has(d->choices, v->scalar)) return enum_error(node, pv, v, loc);
    if (d->type == VKG_PARAM_PATH && !v->scalar[0]) return perr(node, pv, v, loc, "expected a path, got ''", NULL, NULL);
    pv->s = d->type == VKG_PARAM_PATH ? resolve(node->g, v->scalar, resolve_path) : strdup(v->scalar);
    if (!pv->s) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    return VKG_OK;
  case VKG_PARAM_INT_LIST:
  case VKG_PARAM_FLOAT_LIST: {
    int isint = d->type == VKG_PARAM_INT_LIST;
    if (!v || v->kind != VKG_Y_SEQ)
      return perr(node, pv, v, loc, isint ? "expected a list of integers, got '" : "expected a list of numbers, got '",
                  vkg_ytree_describe(v), "'");
    size_t n = v->n ? (size_t)v->n : 1;
    if (isint) pv->ilist = malloc(n * sizeof *pv->ilist);
    else pv->flist = malloc(n * sizeof *pv->flist);
    if (!pv->ilist && !pv->flist) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    pv->n = v->n;
    for (int i = 0; i < v->n; i++) {
      const vkg_ynode *e = v->items[i];
      double x;
      if (isint ? parse_int(e, &pv->ilist[i]) : parse_float(e, &pv->flist[i])) {
        char what[64];
        snprintf(what, sizeof what, "element %d: expected %s, got '", i + 1, isint ? "an integer" : "a number");
        return perr(node, pv, e, loc, what, vkg_ytree_describe(e), "'");
      }
      x = isint ? (double)pv->ilist[i] : pv->flist[i];
      vkg_status st = check_bounds(node, pv, e, loc, x, i);
      if (st) return st;
    }
    return VKG_OK;
  }
  }
  return vkg_error(ctx, VKG_E_INTERNAL, "param '%s': unknown type", d->name);
}
