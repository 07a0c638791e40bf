/* libyaml events → a small tree that keeps line:col on every key and value, so the
 * validator can point at the exact spot of every mistake. */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "graph_internal.h"

typedef struct ybuild {
  vkg_ctx *ctx;
  const char *file;
  vkg_ynode *stack[VKG_GRAPH_MAX_DEPTH + 2];
  /* for maps: the pending key (NULL when the next scalar is a key) */
  char *pkey[VKG_GRAPH_MAX_DEPTH + 2];
  int pline[VKG_GRAPH_MAX_DEPTH + 2], pcol[VKG_GRAPH_MAX_DEPTH + 2];
  int depth;
  vkg_ynode *root;
  int ndocs;
} ybuild;

void vkg_ytree_free(vkg_ynode *n) {
  if (!n) return;
  if (n->kind == VKG_Y_MAP) {
    for (int i = 0; i < n->n; i++) {
      free(n->entries[i].key);
      vkg_ytree_free(n->entries[i].val);
    }
    free(n->entries);
  } else if (n->kind == VKG_Y_SEQ) {
    for (int i = 0; i < n->n; i++) vkg_ytree_free(n->items[i]);
    free(n->items);
  }
  free(n->scalar);
  free(n);
}

const vkg_yentry *vkg_ytree_get(const vkg_ynode *map, const char *key) {
  if (!map || map->kind != VKG_Y_MAP) return NULL;
  for (int i = 0; i < map->n; i++)
    if (strcmp(map->entries[i].key, key) == 0) return &map->entries[i];
  return NULL;
}

int vkg_ytree_is_null(const vkg_ynode *n) {
  if (!n || n->kind != VKG_Y_SCALAR || n->quoted) return 0;
  const char *s = n->scalar;
  return !s[0] || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

const char *vkg_ytree_describe(const vkg_ynode *n) {
  if (!n) return "nothing";
  if (n->kind == VKG_Y_MAP) return "a mapping";
  if (n->kind == VKG_Y_SEQ) return "a list";
  if (vkg_ytree_is_null(n)) return "null";
  return n->scalar;
}

static vkg_status yerr(ybuild *b, const yaml_mark_t *m, const char *msg) {
  vkg_loc loc = {b->file, (int)m->line + 1, (int)m->column + 1};
  return vkg_error_at(b->ctx, VKG_E_INPUT, &loc, "%s", msg);
}

/* Doubles p's capacity (at least n + 1) and returns it; the caller reallocs to it. */
static int grow(vkg_ynode *p) {
  int cap = p->cap ? p->cap * 2 : 8;
  if (cap < p->n + 1) cap = p->n + 1;
  p->cap = cap;
  return cap;
}

static vkg_status add_child(ybuild *b, vkg_ynode *n, const yaml_mark_t *m) {
  if (b->depth == 0) {
    if (b->root) {
      vkg_ytree_free(n);
      return yerr(b, m, "several YAML documents; a graph file holds one");
    }
    b->root = n;
    return VKG_OK;
  }
  vkg_ynode *p = b->stack[b->depth - 1];
  if (p->kind == VKG_Y_SEQ) {
    vkg_ynode **items = p->items;
    if (p->n >= p->cap) items = realloc(p->items, sizeof *items * (size_t)grow(p));
    if (!items) {
      vkg_ytree_free(n);
      return vkg_error(b->ctx, VKG_E_NOMEM, "out of host memory parsing %s", b->file);
    }
    p->items = items;
    p->items[p->n++] = n;
    return VKG_OK;
  }
  /* mapping */
  int d = b->depth - 1;
  if (!b->pkey[d]) {
    if (n->kind != VKG_Y_SCALAR) {
      vkg_ytree_free(n);
      return yerr(b, m, "mapping keys must be plain names, not lists or mappings");
    }
    b->pkey[d] = n->scalar;
    n->scalar = NULL;
    b->pline[d] = n->line;
    b->pcol[d] = n->col;
    vkg_ytree_free(n);
    return VKG_OK;
  }
  vkg_yentry *e = p->entries;
  if (p->n >= p->cap) e = realloc(p->entries, sizeof *e * (size_t)grow(p));
  if (!e) {
    vkg_ytree_free(n);
    return vkg_error(b->ctx, VKG_E_NOMEM, "out of host memory parsing %s", b->file);
  }
  p->entries = e;
  e[p->n].key = b->pkey[d];
  e[p->n].line = b->pline[d];
  e[p->n].col = b->pcol[d];
  e[p->n].val = n;
  p->n++;
  b->pkey[d] = NULL;
  return VKG_OK;
}

static vkg_ynode *new_node(vkg_ykind k, const yaml_mark_t *m) {
  vkg_ynode *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = k;
  n->line = (int)m->line + 1;
  n->col = (int)m->column + 1;
  return n;
}

static vkg_status handle(ybuild *b, const yaml_event_t *ev) {
  const yaml_mark_t *m = &ev->start_mark;
  switch (ev->type) {
  case YAML_ALIAS_EVENT:
    return yerr(b, m, "YAML anchors and aliases are not supported (write the value out)");
  case YAML_SCALAR_EVENT:
  case YAML_SEQUENCE_START_EVENT:
  case YAML_MAPPING_START_EVENT: {
    const yaml_char_t *anchor = ev->type == YAML_SCALAR_EVENT            ? ev->data.scalar.anchor
                                : ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                                        : ev->data.mapping_start.anchor;
    if (anchor) return yerr(b, m, "YAML anchors and aliases are not supported (write the value out)");
    vkg_ykind k = ev->type == YAML_SCALAR_EVENT ? VKG_Y_SCALAR
                  : ev->type == YAML_SEQUENCE_START_EVENT ? VKG_Y_SEQ : VKG_Y_MAP;
    vkg_ynode *n = new_node(k, m);
    if (!n) return vkg_error(b->ctx, VKG_E_NOMEM, "out of host memory parsing %s", b->file);
    if (k == VKG_Y_SCALAR) {
      n->scalar = malloc(ev->data.scalar.length + 1);
      if (!n->scalar) {
        free(n);
        return vkg_error(b->ctx, VKG_E_NOMEM, "out of host memory parsing %s", b->file);
      }
      memcpy(n->scalar, ev->data.scalar.value, ev->data.scalar.length);
      n->scalar[ev->data.scalar.length] = 0;
      if (strlen(n->scalar) != ev->data.scalar.length) {
        vkg_ytree_free(n);
        return yerr(b, m, "NUL byte in a string");
      }
      n->quoted = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
                  (ev->data.scalar.tag && !ev->data.scalar.plain_implicit);
      return add_child(b, n, m);
    }
    if (b->depth >= VKG_GRAPH_MAX_DEPTH) {
      vkg_ytree_free(n);
      return yerr(b, m, "nesting deeper than 64 levels");
    }
    vkg_status st = add_child(b, n, m);
    if (st) return st;
    b->pkey[b->depth] = NULL;
    b->stack[b->depth++] = n;
    return VKG_OK;
  }
  case YAML_SEQUENCE_END_EVENT:
  case YAML_MAPPING_END_EVENT:
    if (b->depth > 0) {
      b->depth--;
      free(b->pkey[b->depth]);
      b->pkey[b->depth] = NULL;
    }
    return VKG_OK;
  default:
    return VKG_OK;
  }
}

vkg_status vkg_ytree_parse(vkg_ctx *ctx, const char *file, const char *text, size_t len, vkg_ynode **out) {
  *out = NULL;
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory parsing %s", file);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  ybuild b;
  memset(&b, 0, sizeof b);
  b.ctx = ctx;
  b.file = file;
  vkg_status st = VKG_OK;
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      vkg_loc loc = {file, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1};
      if (p.context)
        st = vkg_error_at(ctx, VKG_E_INPUT, &loc, "not valid YAML: %s %s", p.problem ? p.problem : "error",
                          p.context);
      else
        st = vkg_error_at(ctx, VKG_E_INPUT, &loc, "not valid YAML: %s", p.problem ? p.problem : "error");
      break;
    }
    int done = ev.type == YAML_STREAM_END_EVENT;
    st = handle(&b, &ev);
    yaml_event_delete(&ev);
    if (st || done) break;
  }
  yaml_parser_delete(&p);
  for (int i = 0; i < VKG_GRAPH_MAX_DEPTH + 2; i++) free(b.pkey[i]);
  if (st) {
    vkg_ytree_free(b.root);
    return st;
  }
  *out = b.root;
  return VKG_OK;
}
