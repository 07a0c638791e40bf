/* Graph loading: file → YAML tree → nodes with typed params and resolved inputs. The
 * whole-graph checks that follow (cycles, phases, inference) live in validate.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph_internal.h"

static const char *const top_keys[] = {"vkgen", "name", "batches", "nodes"};
static const char *const node_keys[] = {"op", "inputs", "params", "doc"};

static vkg_loc kloc(const vkg_graph *g, const vkg_yentry *e) { return (vkg_loc){g->file, e->line, e->col}; }
static vkg_loc vloc(const vkg_graph *g, const vkg_ynode *n) { return (vkg_loc){g->file, n->line, n->col}; }

/* ---- duplicate keys ------------------------------------------------------------------ */

typedef struct key_idx {
  const char *key;
  int i;
} key_idx;

static int cmp_key_idx(const void *a, const void *b) {
  const key_idx *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

static vkg_status check_dups(vkg_graph *g, const vkg_ynode *n, const vkg_ynode *nodes_map) {
  if (!n) return VKG_OK;
  if (n->kind == VKG_Y_SEQ) {
    for (int i = 0; i < n->n; i++) {
      vkg_status st = check_dups(g, n->items[i], nodes_map);
      if (st) return st;
    }
    return VKG_OK;
  }
  if (n->kind != VKG_Y_MAP) return VKG_OK;
  if (n->n > 1) {
    key_idx *k = malloc(sizeof *k * (size_t)n->n);
    if (!k) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
    for (int i = 0; i < n->n; i++) k[i] = (key_idx){n->entries[i].key, i};
    qsort(k, (size_t)n->n, sizeof *k, cmp_key_idx);
    int dup = -1, first = -1;
    for (int i = 1, gs = 0; i < n->n; i++) {
      if (strcmp(k[i].key, k[i - 1].key)) {
        gs = i;
        continue;
      }
      if (dup < 0 || k[i].i < dup) {
        dup = k[i].i;
        first = k[gs].i;
      }
    }
    free(k);
    if (dup >= 0) {
      const vkg_yentry *e = &n->entries[dup], *f = &n->entries[first];
      vkg_loc loc = kloc(g, e);
      return vkg_error_at(g->ctx, VKG_E_INPUT, &loc, "duplicate %s '%s' (first defined at %d:%d)",
                          n == nodes_map ? "node id" : "key", e->key, f->line, f->col);
    }
  }
  for (int i = 0; i < n->n; i++) {
    vkg_status st = check_dups(g, n->entries[i].val, nodes_map);
    if (st) return st;
  }
  return VKG_OK;
}

/* ---- small helpers ------------------------------------------------------------------- */

static vkg_status unknown_key(vkg_graph *g, const vkg_yentry *e, const char *where, const char *const *keys, int n) {
  char hint[300], list[256] = "";
  vkg_suggest_hint(e->key, keys, n, hint, sizeof hint);
  for (int i = 0; i < n; i++) {
    size_t l = strlen(list);
    snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", keys[i]);
  }
  vkg_loc loc = kloc(g, e);
  return vkg_error_at(g->ctx, VKG_E_INPUT, &loc, "%sunknown key '%s'%s (expected one of: %s)", where, e->key, hint,
                      list);
}

static int valid_id(const char *s) {
  if (!s[0] || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
          *p == '-'))
      return 0;
  return 1;
}

static char *file_stem(const char *path) {
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  char *s = strdup(b);
  if (!s) return NULL;
  char *dot = strrchr(s, '.');
  if (dot && dot != s) *dot = 0;
  return s;
}

static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return strdup("");
  if (slash == path) return strdup("/");
  size_t n = (size_t)(slash - path);
  char *d = malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, path, n);
  d[n] = 0;
  return d;
}

/* ---- top level ----------------------------------------------------------------------- */

/* The batch count from text (the YAML scalar, or a --set value); what names it for messages. */
static vkg_status set_batches(vkg_graph *g, const char *text, const char *what, const vkg_loc *l) {
  char *end = NULL;
  long long b = 0;
  if (text && text[0]) {
    errno = 0;
    b = strtoll(text, &end, 10);
    if (errno) end = NULL;
  }
  if (!end || *end || b < 1)
    return vkg_error_at(g->ctx, VKG_E_INPUT, l, "'batches' must be an integer >= 1, got '%s'", what);
  g->batches = b;
  return VKG_OK;
}

static vkg_status read_header(vkg_graph *g, const vkg_ynode *root, const vkg_ynode **nodes_out) {
  vkg_loc rl = vloc(g, root);
  for (int i = 0; i < root->n; i++) {
    const vkg_yentry *e = &root->entries[i];
    int known = 0;
    for (int k = 0; k < 4; k++) known |= !strcmp(e->key, top_keys[k]);
    if (!known) return unknown_key(g, e, "", top_keys, 4);
  }
  const vkg_yentry *ve = vkg_ytree_get(root, "vkgen");
  if (!ve)
    return vkg_error_at(g->ctx, VKG_E_INPUT, &rl, "missing 'vkgen: 1' (the graph format version) at the top");
  vkg_loc l = vloc(g, ve->val);
  if (ve->val->kind != VKG_Y_SCALAR || vkg_ytree_is_null(ve->val))
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "'vkgen' must be the graph format version 1, got %s",
                        vkg_ytree_describe(ve->val));
  if (strcmp(ve->val->scalar, "1"))
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "unsupported graph format version %s (this vkgen reads 1)",
                        ve->val->scalar);

  const vkg_yentry *ne = vkg_ytree_get(root, "name");
  if (ne) {
    l = vloc(g, ne->val);
    if (ne->val->kind != VKG_Y_SCALAR || vkg_ytree_is_null(ne->val) || !ne->val->scalar[0])
      return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "'name' must be a string, got %s", vkg_ytree_describe(ne->val));
    g->name = strdup(ne->val->scalar);
  } else {
    g->name = file_stem(g->file);
  }
  if (!g->name) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");

  g->batches = 1;
  const vkg_yentry *be = vkg_ytree_get(root, "batches");
  if (be) {
    l = vloc(g, be->val);
    vkg_status st = set_batches(g, be->val->kind == VKG_Y_SCALAR ? be->val->scalar : NULL,
                                vkg_ytree_describe(be->val), &l);
    if (st) return st;
  }

  const vkg_yentry *nd = vkg_ytree_get(root, "nodes");
  if (!nd) return vkg_error_at(g->ctx, VKG_E_INPUT, &rl, "missing 'nodes' (a mapping of node id to node)");
  l = vloc(g, nd->val);
  if (nd->val->kind != VKG_Y_MAP || nd->val->n == 0)
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "'nodes' must be a non-empty mapping of node id to node, got %s",
                        nd->val->kind == VKG_Y_MAP ? "an empty mapping" : vkg_ytree_describe(nd->val));
  if (nd->val->n > VKG_GRAPH_MAX_NODES)
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "too many nodes (%d; at most %d)", nd->val->n, VKG_GRAPH_MAX_NODES);
  *nodes_out = nd->val;
  return VKG_OK;
}

/* ---- nodes --------------------------------------------------------------------------- */

static vkg_status make_node(vkg_graph *g, const vkg_yentry *e, vkg_node **out) {
  vkg_loc l = kloc(g, e);
  if (!valid_id(e->key))
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l,
                        "invalid node id '%s': use letters, digits, '_' and '-' (a '.' separates NODE.PORT)", e->key);
  const vkg_ynode *v = e->val;
  if (v->kind != VKG_Y_MAP)
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "node '%s' must be a mapping with 'op:', got %s", e->key,
                        vkg_ytree_describe(v));
  char where[300];
  snprintf(where, sizeof where, "node '%s': ", e->key);
  for (int i = 0; i < v->n; i++) {
    int known = 0;
    for (int k = 0; k < 4; k++) known |= !strcmp(v->entries[i].key, node_keys[k]);
    if (!known) return unknown_key(g, &v->entries[i], where, node_keys, 4);
  }
  const vkg_yentry *op = vkg_ytree_get(v, "op");
  if (!op) return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "node '%s': missing 'op' (the node type, e.g. core.randn)", e->key);
  vkg_loc ol = vloc(g, op->val);
  if (op->val->kind != VKG_Y_SCALAR || vkg_ytree_is_null(op->val))
    return vkg_error_at(g->ctx, VKG_E_INPUT, &ol, "node '%s': 'op' must be a name like core.randn, got %s", e->key,
                        vkg_ytree_describe(op->val));
  const vkg_plugin_desc *plugin = NULL;
  const vkg_node_type *t = vkg_registry_find(g->reg, op->val->scalar, &plugin);
  if (!t) {
    const char *s = vkg_registry_suggest(g->reg, op->val->scalar);
    char hint[300] = "";
    if (s) snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
    return vkg_error_at(g->ctx, VKG_E_INPUT, &ol, "node '%s': unknown op '%s'%s", e->key, op->val->scalar,
                        s ? hint : " (vkgen plugins lists the known ones)");
  }
  vkg_node *n = calloc(1, sizeof *n);
  if (!n) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  *out = n;
  n->g = g;
  n->id = strdup(e->key);
  n->op = strdup(op->val->scalar);
  n->type = t;
  n->plugin = plugin;
  n->origin = vkg_registry_origin_of(g->reg, plugin);
  n->loc = l;
  size_t np = t->nparams ? (size_t)t->nparams : 1, ni = t->ninputs ? (size_t)t->ninputs : 1,
         no = t->noutputs ? (size_t)t->noutputs : 1;
  n->params = calloc(np, sizeof *n->params);
  n->inputs = calloc(ni, sizeof *n->inputs);
  n->in_info = calloc(ni, sizeof *n->in_info);
  n->out_info = calloc(no, sizeof *n->out_info);
  n->outs = calloc(no, sizeof *n->outs);
  n->consumers = calloc(no, sizeof *n->consumers);
  n->remaining = calloc(no, sizeof *n->remaining);
  if (!n->id || !n->op || !n->params || !n->inputs || !n->in_info || !n->out_info || !n->outs || !n->consumers ||
      !n->remaining)
    return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  for (int i = 0; i < t->nparams; i++) n->params[i].desc = &t->params[i];
  /* until read_inputs sees the variadic port's list: one slot per port */
  n->nin = t->ninputs;
  n->var_port = -1;
  for (int i = 0; i < t->ninputs; i++)
    if (t->inputs[i].flags & VKG_PORT_VARIADIC) n->var_port = i;
  n->var_count = n->var_port >= 0 ? 1 : 0;
  return VKG_OK;
}

/* Sorted ids for lookups in graphs with many nodes. */
typedef struct id_idx {
  const char *id;
  vkg_node *node;
} id_idx;

static int cmp_id(const void *a, const void *b) {
  return strcmp(((const id_idx *)a)->id, ((const id_idx *)b)->id);
}

static vkg_node *find_node(const id_idx *ids, int n, const char *id) {
  id_idx key = {id, NULL};
  const id_idx *r = bsearch(&key, ids, (size_t)n, sizeof *ids, cmp_id);
  return r ? r->node : NULL;
}

static vkg_status suggest_node(vkg_graph *g, const char *name, char *hint, size_t size) {
  const char **c = malloc(sizeof *c * (size_t)g->nnodes);
  if (!c) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  for (int i = 0; i < g->nnodes; i++) c[i] = g->nodes[i]->id;
  vkg_suggest_hint(name, c, g->nnodes, hint, size);
  free(c);
  return VKG_OK;
}

static int param_index(const vkg_node_type *t, const char *name) {
  for (int i = 0; i < t->nparams; i++)
    if (!strcmp(t->params[i].name, name)) return i;
  return -1;
}

static vkg_status unknown_param(vkg_graph *g, vkg_node *n, const vkg_loc *loc, const char *name) {
  const char *c[256] = {0};
  int nc = 0;
  for (int i = 0; i < n->type->nparams && nc < 256; i++) c[nc++] = n->type->params[i].name;
  char hint[300], pre[512];
  vkg_suggest_hint(name, c, nc, hint, sizeof hint);
  return vkg_error_at(g->ctx, VKG_E_INPUT, loc, "%sunknown param '%s'%s", vkg_node_prefix(n, pre, sizeof pre), name,
                      nc ? hint : " (this op takes no params)");
}

/* ---- params -------------------------------------------------------------------------- */

typedef struct parsed_set {
  vkg_node *node;
  int param;
  vkg_ynode *value;
} parsed_set;

static vkg_status default_value(vkg_graph *g, vkg_node *n, vkg_param_val *pv) {
  vkg_ynode *dv = NULL;
  vkg_status st = vkg_ytree_parse(g->ctx, n->origin, pv->desc->default_value, strlen(pv->desc->default_value), &dv);
  if (!st) {
    vkg_ynode empty = {.kind = VKG_Y_SCALAR, .scalar = (char *)""};
    vkg_loc l = n->loc;
    l.line = 0; /* a default has no place in the graph file */
    st = vkg_param_convert(n, pv, dv ? dv : &empty, &l, 1);
  }
  vkg_ytree_free(dv);
  if (st && st != VKG_E_NOMEM) {
    char *m = strdup(vkg_error_message(g->ctx));
    st = vkg_error(g->ctx, VKG_E_PLUGIN, "plugin %s: op '%s': the default of param '%s' (%s) is invalid: %s", n->origin,
                   n->op, pv->desc->name, pv->desc->default_value, m ? m : "");
    free(m);
  }
  return st;
}

static vkg_status read_params(vkg_graph *g, vkg_node *n, const vkg_ynode *nv, const parsed_set *sets, int nsets) {
  const vkg_yentry *pe = vkg_ytree_get(nv, "params");
  const vkg_ynode *pm = pe ? pe->val : NULL;
  char pre[512];
  vkg_node_prefix(n, pre, sizeof pre);
  if (pm && pm->kind != VKG_Y_MAP && !vkg_ytree_is_null(pm)) {
    vkg_loc l = vloc(g, pm);
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "%s'params' must be a mapping of name: value, got %s", pre,
                        vkg_ytree_describe(pm));
  }
  if (pm && pm->kind == VKG_Y_MAP)
    for (int i = 0; i < pm->n; i++)
      if (param_index(n->type, pm->entries[i].key) < 0) {
        vkg_loc l = kloc(g, &pm->entries[i]);
        return unknown_param(g, n, &l, pm->entries[i].key);
      }
  for (int p = 0; p < n->type->nparams; p++) {
    vkg_param_val *pv = &n->params[p];
    const vkg_ynode *v = NULL;
    vkg_loc l = {g->file, 0, 0};
    int from_set = 0;
    for (int s = nsets - 1; s >= 0 && !v; s--)
      if (sets[s].node == n && sets[s].param == p) {
        v = sets[s].value;
        l = (vkg_loc){"--set", 0, 0};
        from_set = 1;
      }
    const vkg_yentry *fe = !v && pm && pm->kind == VKG_Y_MAP ? vkg_ytree_get(pm, pv->desc->name) : NULL;
    if (fe) {
      v = fe->val;
      l = vloc(g, v);
    }
    vkg_status st;
    if (v) {
      pv->given = 1;
      pv->loc = l;
      /* --set paths come from the command line: relative to where the user stands */
      st = vkg_param_convert(n, pv, v, &l, !from_set);
    } else if (pv->desc->default_value) {
      st = default_value(g, n, pv);
    } else {
      const char *doc = pv->desc->doc;
      st = vkg_error_at(g->ctx, VKG_E_INPUT, &n->loc, "%smissing required param '%s'%s%s%s", pre, pv->desc->name,
                        doc ? " (" : "", doc ? doc : "", doc ? ")" : "");
    }
    if (st) return st;
  }
  return VKG_OK;
}

/* ---- inputs -------------------------------------------------------------------------- */

/* One reference (a scalar NODE or NODE.PORT) for input slot `name` into *out. */
static vkg_status read_ref(vkg_graph *g, const char *pre, const char *name, const vkg_ynode *v, const id_idx *ids,
                           vkg_input_ref *out) {
  vkg_loc vl = vloc(g, v);
  if (v->kind != VKG_Y_SCALAR || vkg_ytree_is_null(v) || !v->scalar[0])
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': expected NODE or NODE.PORT, got %s", pre, name,
                        vkg_ytree_describe(v));
  char ref[512];
  snprintf(ref, sizeof ref, "%s", v->scalar);
  char *dot = strchr(ref, '.');
  if (dot) *dot = 0;
  vkg_node *src = find_node(ids, g->nnodes, ref);
  if (!src) {
    char hint[300];
    vkg_status st = suggest_node(g, ref, hint, sizeof hint);
    if (st) return st;
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': unknown node '%s'%s", pre, name, ref, hint);
  }
  const vkg_node_type *st_ = src->type;
  int sp = -1;
  if (dot) {
    for (int p = 0; p < st_->noutputs; p++)
      if (!strcmp(st_->outputs[p].name, dot + 1)) sp = p;
    if (sp < 0) {
      const char *c[64] = {0};
      int nc = 0;
      for (int p = 0; p < st_->noutputs && nc < 64; p++) c[nc++] = st_->outputs[p].name;
      char hint[300];
      vkg_suggest_hint(dot + 1, c, nc, hint, sizeof hint);
      return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': node '%s' (%s) has no output '%s'%s", pre, name,
                          src->id, src->op, dot + 1, nc ? hint : " (it has no outputs)");
    }
  } else if (st_->noutputs == 1) {
    sp = 0;
  } else if (st_->noutputs == 0) {
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': node '%s' (%s) has no outputs", pre, name, src->id,
                        src->op);
  } else {
    char list[512] = "";
    for (int p = 0; p < st_->noutputs; p++) {
      size_t l = strlen(list);
      snprintf(list + l, sizeof list - l, "%s%s", p ? ", " : "", st_->outputs[p].name);
    }
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': node '%s' has outputs %s: name one as %s.%s", pre,
                        name, src->id, list, src->id, st_->outputs[0].name);
  }
  *out = (vkg_input_ref){src, sp, vl};
  return VKG_OK;
}

/* The variadic port's list: n->inputs and n->in_info grow to var_port + its length. */
static vkg_status read_list(vkg_graph *g, vkg_node *n, const char *pre, const vkg_yentry *e, const id_idx *ids) {
  const vkg_port_desc *pd = &n->type->inputs[n->var_port];
  vkg_loc vl = vloc(g, e->val);
  if (e->val->kind != VKG_Y_SEQ)
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl,
                        "%sinput '%s' is variadic: it takes a list of tensors, e.g. %s: [%s, other.out], got %s", pre,
                        pd->name, pd->name,
                        e->val->kind == VKG_Y_SCALAR && !vkg_ytree_is_null(e->val) ? e->val->scalar : "NODE",
                        vkg_ytree_describe(e->val));
  int count = e->val->n;
  if (count == 0 && !(pd->flags & VKG_PORT_OPTIONAL))
    return vkg_error_at(g->ctx, VKG_E_INPUT, &vl, "%sinput '%s': the list is empty; it takes at least one tensor", pre,
                        pd->name);
  int nin = n->var_port + count;
  vkg_input_ref *refs = calloc(nin ? (size_t)nin : 1, sizeof *refs);
  vkg_tensor_info *info = calloc(nin ? (size_t)nin : 1, sizeof *info);
  if (!refs || !info) {
    free(refs);
    free(info);
    return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  }
  memcpy(refs, n->inputs, sizeof *refs * (size_t)n->var_port); /* fixed ports read so far */
  free(n->inputs);
  free(n->in_info);
  n->inputs = refs;
  n->in_info = info;
  n->nin = nin;
  n->var_count = count;
  for (int k = 0; k < count; k++) {
    char name[300];
    snprintf(name, sizeof name, "%s[%d]", pd->name, k);
    vkg_status st = read_ref(g, pre, name, e->val->items[k], ids, &n->inputs[n->var_port + k]);
    if (st) return st;
  }
  return VKG_OK;
}

static vkg_status read_inputs(vkg_graph *g, vkg_node *n, const vkg_ynode *nv, const id_idx *ids) {
  const vkg_yentry *ie = vkg_ytree_get(nv, "inputs");
  const vkg_ynode *im = ie ? ie->val : NULL;
  const vkg_node_type *t = n->type;
  char pre[512];
  vkg_node_prefix(n, pre, sizeof pre);
  if (im && im->kind != VKG_Y_MAP && !vkg_ytree_is_null(im)) {
    vkg_loc l = vloc(g, im);
    return vkg_error_at(g->ctx, VKG_E_INPUT, &l, "%s'inputs' must be a mapping of port: NODE or NODE.PORT, got %s",
                        pre, vkg_ytree_describe(im));
  }
  const vkg_yentry *list = NULL;
  for (int i = 0; im && im->kind == VKG_Y_MAP && i < im->n; i++) {
    const vkg_yentry *e = &im->entries[i];
    vkg_loc kl = kloc(g, e);
    int port = -1;
    for (int p = 0; p < t->ninputs; p++)
      if (!strcmp(t->inputs[p].name, e->key)) port = p;
    if (port < 0) {
      const char *c[64] = {0};
      int nc = 0;
      for (int p = 0; p < t->ninputs && nc < 64; p++) c[nc++] = t->inputs[p].name;
      char hint[300];
      vkg_suggest_hint(e->key, c, nc, hint, sizeof hint);
      if (nc && !hint[0]) { /* no close name: list the ports (a variadic one as "NAME: [list]") */
        size_t len = (size_t)snprintf(hint, sizeof hint, " (its inputs:");
        for (int p = 0; p < nc && len < sizeof hint; p++)
          len += (size_t)snprintf(hint + len, sizeof hint - len, "%s %s%s", p ? "," : "", c[p],
                                  p == n->var_port ? ": [a list of tensors]" : "");
        if (len < sizeof hint) snprintf(hint + len, sizeof hint - len, ")");
      }
      return vkg_error_at(g->ctx, VKG_E_INPUT, &kl, "%sunknown input '%s'%s", pre, e->key,
                          nc ? hint : " (this op takes no inputs)");
    }
    if (port == n->var_port) {
      list = e; /* read last: its slots come after every fixed port's */
      continue;
    }
    if (e->val->kind == VKG_Y_SEQ) {
      vkg_loc vl = vloc(g, e->val);
      char var[300] = "";
      if (n->var_port >= 0) snprintf(var, sizeof var, "; only '%s' does", t->inputs[n->var_port].name);
      return vkg_error_at(g->ctx, VKG_E_INPUT, &vl,
                          "%sinput '%s' takes one tensor (NODE or NODE.PORT), not a list (lists are for variadic "
                          "inputs%s)",
                          pre, e->key, n->var_port >= 0 ? var : ", and this op has none");
    }
    vkg_status st = read_ref(g, pre, e->key, e->val, ids, &n->inputs[port]);
    if (st) return st;
  }
  if (list) {
    vkg_status st = read_list(g, n, pre, list, ids);
    if (st) return st;
  } else if (n->var_port >= 0) {
    n->nin = n->var_port; /* not wired: no slots (refused below unless optional) */
    n->var_count = 0;
  }
  for (int p = 0; p < t->ninputs; p++) {
    int wired = p == n->var_port ? list != NULL : n->inputs[p].src != NULL;
    if (!wired && !(t->inputs[p].flags & VKG_PORT_OPTIONAL))
      return vkg_error_at(g->ctx, VKG_E_INPUT, &n->loc, "%sinput '%s' is not connected (add inputs: {%s: %s})", pre,
                          t->inputs[p].name, t->inputs[p].name, p == n->var_port ? "[NODE, ...]" : "NODE");
  }
  return VKG_OK;
}

/* ---- overrides ----------------------------------------------------------------------- */

/* --set batches=N (an override without a node) replaces the graph's batch count. */
static vkg_status graph_sets(vkg_graph *g, const vkg_override *sets, int nsets) {
  vkg_loc sl = {"--set", 0, 0};
  for (int s = 0; s < nsets; s++) {
    if (sets[s].node[0]) continue;
    vkg_status st = set_batches(g, sets[s].value, sets[s].value, &sl);
    if (st) return st;
  }
  return VKG_OK;
}

static vkg_status parse_sets(vkg_graph *g, const id_idx *ids, const vkg_override *sets, int nsets, parsed_set *ps) {
  vkg_loc sl = {"--set", 0, 0};
  for (int s = 0; s < nsets; s++) {
    if (!sets[s].node[0]) continue; /* graph-level (batches): graph_sets */
    vkg_node *n = find_node(ids, g->nnodes, sets[s].node);
    if (!n) {
      char hint[300];
      vkg_status st = suggest_node(g, sets[s].node, hint, sizeof hint);
      if (st) return st;
      return vkg_error_at(g->ctx, VKG_E_INPUT, &sl, "%s.%s=%s: unknown node '%s'%s", sets[s].node, sets[s].param,
                          sets[s].value, sets[s].node, hint);
    }
    int p = param_index(n->type, sets[s].param);
    if (p < 0) return unknown_param(g, n, &sl, sets[s].param);
    vkg_status st = vkg_ytree_parse(g->ctx, "--set", sets[s].value, strlen(sets[s].value), &ps[s].value);
    if (st) return st;
    if (!ps[s].value) {
      ps[s].value = calloc(1, sizeof *ps[s].value);
      if (ps[s].value) ps[s].value->scalar = strdup("");
      if (!ps[s].value || !ps[s].value->scalar) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
    }
    ps[s].node = n;
    ps[s].param = p;
  }
  return VKG_OK;
}

/* ---- load ---------------------------------------------------------------------------- */

static vkg_status build(vkg_graph *g, const vkg_ynode *root, const vkg_override *sets, int nsets) {
  const vkg_yentry *nodes_e = vkg_ytree_get(root, "nodes");
  vkg_status st = check_dups(g, root, nodes_e ? nodes_e->val : NULL);
  if (st) return st;
  const vkg_ynode *nodes = NULL;
  st = read_header(g, root, &nodes);
  if (!st) st = graph_sets(g, sets, nsets);
  if (st) return st;
  g->nodes = calloc((size_t)nodes->n, sizeof *g->nodes);
  if (!g->nodes) return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  for (int i = 0; i < nodes->n; i++) {
    st = make_node(g, &nodes->entries[i], &g->nodes[i]);
    if (g->nodes[i]) g->nnodes = i + 1;
    if (st) return st;
    g->nodes[i]->index = i;
  }
  id_idx *ids = malloc(sizeof *ids * (size_t)g->nnodes);
  parsed_set *ps = calloc(nsets > 0 ? (size_t)nsets : 1, sizeof *ps);
  if (!ids || !ps) {
    free(ids);
    free(ps);
    return vkg_error(g->ctx, VKG_E_NOMEM, "out of host memory");
  }
  for (int i = 0; i < g->nnodes; i++) ids[i] = (id_idx){g->nodes[i]->id, g->nodes[i]};
  qsort(ids, (size_t)g->nnodes, sizeof *ids, cmp_id);
  st = parse_sets(g, ids, sets, nsets, ps);
  for (int i = 0; i < g->nnodes && !st; i++) st = read_params(g, g->nodes[i], nodes->entries[i].val, ps, nsets);
  for (int i = 0; i < g->nnodes && !st; i++) st = read_inputs(g, g->nodes[i], nodes->entries[i].val, ids);
  for (int s = 0; s < nsets; s++) vkg_ytree_free(ps[s].value);
  free(ps);
  free(ids);
  if (st) return st;
  return vkg_graph_validate(g);
}

static vkg_status load_text(vkg_ctx *ctx, const vkg_registry *reg, const char *name, const char *text, size_t len,
                            const vkg_override *sets, int nsets, vkg_graph **out) {
  *out = NULL;
  vkg_graph *g = calloc(1, sizeof *g);
  if (!g) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  g->ctx = ctx;
  g->reg = reg;
  g->file = strdup(name ? name : "<graph>");
  g->dir = dir_of(g->file ? g->file : "");
  if (!g->file || !g->dir) {
    vkg_graph_destroy(g);
    return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  }
  vkg_loc fl = {g->file, 1, 1};
  vkg_status st = VKG_OK;
  vkg_ynode *root = NULL;
  if (len > VKG_GRAPH_MAX_BYTES)
    st = vkg_error_at(ctx, VKG_E_INPUT, &fl, "graph is %zu bytes; at most 16 MiB are accepted", len);
  if (!st) st = vkg_ytree_parse(ctx, g->file, text, len, &root);
  if (!st && !root)
    st = vkg_error_at(ctx, VKG_E_INPUT, &fl, "empty file: a graph starts with 'vkgen: 1' and lists its nodes");
  if (!st && root->kind != VKG_Y_MAP) {
    vkg_loc rl = vloc(g, root);
    st = vkg_error_at(ctx, VKG_E_INPUT, &rl,
                      "a graph is a mapping (vkgen:, name:, batches:, nodes:), but this YAML is %s",
                      vkg_ytree_describe(root));
  }
  if (!st) st = build(g, root, sets, nsets);
  vkg_ytree_free(root);
  if (st) {
    vkg_graph_destroy(g);
    return st;
  }
  *out = g;
  return VKG_OK;
}

vkg_status vkg_graph_load_string(vkg_ctx *ctx, const vkg_registry *reg, const char *name, const char *text, size_t len,
                                 const vkg_override *sets, int nsets, vkg_graph **out) {
  return load_text(ctx, reg, name, text, len, sets, nsets, out);
}

vkg_status vkg_graph_load(vkg_ctx *ctx, const vkg_registry *reg, const char *path, const vkg_override *sets, int nsets,
                          vkg_graph **out) {
  *out = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return vkg_error(ctx, VKG_E_IO, "cannot open graph %s: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
    fclose(f);
    return vkg_error(ctx, VKG_E_IO, "cannot read graph %s: it is a folder", path);
  }
  if (fstat(fileno(f), &sb) == 0 && sb.st_size > (off_t)VKG_GRAPH_MAX_BYTES) {
    fclose(f);
    return vkg_error(ctx, VKG_E_INPUT, "%s: graph file is %lld bytes; at most 16 MiB are accepted", path,
                     (long long)sb.st_size);
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  vkg_status st = VKG_OK;
  while (buf) {
    if (len == cap) {
      if (cap > VKG_GRAPH_MAX_BYTES) break;
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + len, 1, cap - len, f);
    len += r;
    if (r == 0) break;
  }
  if (!buf) st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory reading %s", path);
  else if (ferror(f)) st = vkg_error(ctx, VKG_E_IO, "cannot read graph %s: %s", path, strerror(errno));
  fclose(f);
  if (!st) st = load_text(ctx, reg, path, buf, len, sets, nsets, out);
  free(buf);
  return st;
}

vkg_status vkg_override_parse(vkg_ctx *ctx, const char *text, char *buf, size_t bufsize, vkg_override *out) {
  size_t n = strlen(text);
  if (n + 1 > bufsize) return vkg_error(ctx, VKG_E_USAGE, "--set %s: too long (at most %zu bytes)", text, bufsize - 1);
  memcpy(buf, text, n + 1);
  char *eq = strchr(buf, '=');
  char *dot = strchr(buf, '.');
  if (eq && (!dot || dot > eq) && eq - buf == 7 && !strncmp(buf, "batches", 7)) {
    *eq = 0;
    out->node = eq; /* "": the graph itself */
    out->param = buf;
    out->value = eq + 1;
    return VKG_OK;
  }
  if (!eq || !dot || dot > eq || dot == buf || dot + 1 == eq)
    return vkg_error(ctx, VKG_E_USAGE,
                     "--set %s: expected NODE.PARAM=VALUE or batches=N (e.g. --set sample.steps=50)", text);
  *eq = 0;
  *dot = 0;
  out->node = buf;
  out->param = dot + 1;
  out->value = eq + 1;
  return VKG_OK;
}

const char *vkg_graph_name(const vkg_graph *g) { return g->name; }
int64_t vkg_graph_batches(const vkg_graph *g) { return g->batches; }
int vkg_graph_node_count(const vkg_graph *g) { return g->nnodes; }
vkg_node *vkg_graph_node(const vkg_graph *g, int i) { return i >= 0 && i < g->nnodes ? g->nodes[i] : NULL; }

const vkg_tensor_info *vkg_graph_output_info(const vkg_graph *g, int node, int port) {
  if (node < 0 || node >= g->nnodes || port < 0 || port >= g->nodes[node]->type->noutputs) return NULL;
  return &g->nodes[node]->out_info[port];
}

void vkg_graph_destroy(vkg_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->nnodes; i++) {
    vkg_node *n = g->nodes[i];
    if (!n) continue;
    for (int p = 0; n->outs && p < n->type->noutputs; p++) {
      vkg_tensor_unref(n->outs[p]);
      n->outs[p] = NULL;
    }
    if (n->created && n->type->destroy) n->type->destroy(n->state);
    vkg_node_free(n);
  }
  free(g->nodes);
  free(g->rank_batches);
  free(g->rank_wall_ms);
  for (int i = 0; i < g->nvalues; i++) {
    free(g->values[i].node);
    free(g->values[i].key);
  }
  free(g->values);
  free(g->file);
  free(g->dir);
  free(g->name);
  free(g);
}
