/* Internals of the graph loader, registry and executor (not exported). */
#ifndef VKG_GRAPH_INTERNAL_H
#define VKG_GRAPH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <vkgen/graph.h>
#include <vkgen/registry.h>

#define VKG_GRAPH_MAX_BYTES (16u << 20)
#define VKG_GRAPH_MAX_DEPTH 64
#define VKG_GRAPH_MAX_NODES 100000

/* ---- YAML tree (yaml_tree.c) --------------------------------------------------------- */

typedef enum vkg_ykind { VKG_Y_SCALAR = 0, VKG_Y_MAP, VKG_Y_SEQ } vkg_ykind;

typedef struct vkg_ynode vkg_ynode;

typedef struct vkg_yentry {
  char *key;
  int line, col; /* of the key */
  vkg_ynode *val;
} vkg_yentry;

struct vkg_ynode {
  vkg_ykind kind;
  int line, col; /* 1-based; 0 when the node did not come from a file position */
  char *scalar;  /* VKG_Y_SCALAR */
  int quoted;    /* scalar was quoted or tagged: never null, bool or number by spelling */
  int n;
  int cap;             /* allocated entries/items (grown geometrically: big graphs stay linear) */
  vkg_yentry *entries; /* VKG_Y_MAP */
  vkg_ynode **items;   /* VKG_Y_SEQ */
};

/* Parses one YAML document. file names it in messages. Refuses anchors/aliases, several
 * documents, nesting deeper than VKG_GRAPH_MAX_DEPTH, non-scalar keys. An empty stream
 * gives *out = NULL and VKG_OK. */
vkg_status vkg_ytree_parse(vkg_ctx *ctx, const char *file, const char *text, size_t len, vkg_ynode **out);
void vkg_ytree_free(vkg_ynode *n);
const vkg_yentry *vkg_ytree_get(const vkg_ynode *map, const char *key);
/* Plain scalar that YAML reads as null (~, null, empty). */
int vkg_ytree_is_null(const vkg_ynode *n);
/* Short description for messages: the scalar text, "a list", "a mapping". */
const char *vkg_ytree_describe(const vkg_ynode *n);

/* ---- suggestions (suggest.c) --------------------------------------------------------- */

int vkg_edit_distance(const char *a, const char *b);
/* Among cands[0..n-1] the closest to name, NULL if none is close enough. */
const char *vkg_suggest(const char *name, const char *const *cands, int n);
/* Writes " (did you mean 'x'?)" or "" into buf; returns buf. */
const char *vkg_suggest_hint(const char *name, const char *const *cands, int n, char *buf, size_t size);

/* ---- registry ------------------------------------------------------------------------ */

const char *vkg_registry_origin_of(const vkg_registry *reg, const vkg_plugin_desc *plugin);
vkg_ctx *vkg_registry_ctx(const vkg_registry *reg);
/* A plugin file whose ELF headers promise more bytes than it has (truncated, half copied)
 * is refused before dlopen maps it (elf_check.c). Non-ELF files are refused too. */
vkg_status vkg_elf_check(vkg_ctx *ctx, const char *path);

/* ---- graph --------------------------------------------------------------------------- */

typedef struct vkg_param_val {
  const vkg_param_desc *desc;
  int given;
  vkg_loc loc; /* of the value (file "--set" for overrides); line 0 for defaults */
  int64_t i;
  double f;
  int b;
  char *s;
  int64_t *ilist;
  double *flist;
  int n;
} vkg_param_val;

typedef struct vkg_input_ref {
  vkg_node *src; /* NULL: not connected (optional input) */
  int port;
  vkg_loc loc; /* of the reference's value */
} vkg_input_ref;

enum { VKG_PHASE_BATCH = 0, VKG_PHASE_FINAL = 1 };

struct vkg_node {
  vkg_graph *g;
  int index; /* position in execution order */
  char *id;
  char *op;
  const vkg_node_type *type;
  const vkg_plugin_desc *plugin;
  const char *origin;
  vkg_loc loc; /* of the node's key */
  vkg_param_val *params; /* type->nparams */
  /* Input slots, as in[] of infer and run: one per input port, except that the variadic
   * port (the last, var_port >= 0) has var_count slots, from var_port on. */
  int nin;
  int var_port; /* -1: none */
  int var_count;
  vkg_input_ref *inputs; /* nin */
  vkg_tensor_info *in_info; /* nin */
  vkg_tensor_info *out_info;
  void *state;
  int created;
  int started;
  int phase;
  int64_t batch;
  /* executor */
  vkg_tensor **outs;
  int *consumers;  /* per output port: consumers in the same phase */
  int *remaining;  /* per output port: consumers left in this batch */
  double cpu_ns;
  double gpu_ns;
  /* progress */
  double prog_t0;
  int64_t prog_last;
};

typedef struct vkg_value {
  char *node;
  char *key;
  double value;
} vkg_value;

typedef struct vkg_progress {
  int mode; /* 0 quiet, 1 plain lines, 2 tty bar */
  FILE *out;
  double last_print;
  int line_open; /* tty: a \r line is showing */
  int64_t batch, batches;
  double t_start;
} vkg_progress;

struct vkg_graph {
  vkg_ctx *ctx;
  const vkg_registry *reg;
  char *file;
  char *dir; /* folder of file ("" for the current one) */
  char *name;
  int64_t batches;
  int nnodes;
  vkg_node **nodes; /* execution order once loaded */
  vkg_value *values;
  int nvalues, cvalues;
  /* run statistics */
  int ran;
  int64_t batches_run;
  double wall_ms;
  uint64_t peak_bytes;
  uint64_t submits;
  vkg_progress prog;
  /* scale-out (shard.c): rank 0 after a run of several ranks holds each rank's share */
  int nranks;
  int64_t *rank_batches;
  double *rank_wall_ms;
};

vkg_loc vkg_node_loc_param(const vkg_node *node, const char *param);
const vkg_param_val *vkg_node_find_param(const vkg_node *node, const char *name);

/* params.c: converts a YAML value to the param's type. loc is the value's location (its
 * line/col used when the ynode has none). */
vkg_status vkg_param_convert(vkg_node *node, vkg_param_val *pv, const vkg_ynode *v, const vkg_loc *loc,
                             int resolve_path);
void vkg_param_clear(vkg_param_val *pv);

/* The input port that input slot `slot` belongs to. */
static inline int vkg_node_slot_port(const vkg_node *node, int slot) {
  return node->var_port >= 0 && slot >= node->var_port ? node->var_port : slot;
}
/* "x", or "tensors[2]" for the third tensor of variadic port "tensors". */
const char *vkg_node_slot_name(const vkg_node *node, int slot, char *buf, size_t size);

/* Format "node 'x' (op): " into buf. */
const char *vkg_node_prefix(const vkg_node *node, char *buf, size_t size);

/* node.c */
void vkg_node_free(vkg_node *node);
/* A callback of node returned st: make sure the message names node, op and plugin file
 * ("node 'x' (op, plugin /p.so): ..."), unless it names the node already. Returns st. */
vkg_status vkg_node_fail(vkg_node *node, vkg_status st, const char *callback);

/* validate.c: cycles, execution order, phases, then create and infer every node. */
vkg_status vkg_graph_validate(vkg_graph *g);

/* progress.c */
double vkg_now_s(void);
void vkg_progress_begin(vkg_graph *g, int mode);
void vkg_progress_batch(vkg_graph *g, int64_t b);
void vkg_progress_node(vkg_graph *g, vkg_node *node, int64_t done, int64_t total, const char *unit);
void vkg_progress_end(vkg_graph *g);

/* shard.c: what the executor does differently under several ranks or with checkpoints. */
/* Refuses nodes that cannot be sharded or saved (accumulators without state callbacks,
 * VKG_NODE_ONE_PROCESS nodes running per batch). what: "several ranks" or "checkpoints". */
vkg_status vkg_shard_check(vkg_graph *g, const char *what);
/* Every rank passes its status; returns the local error, or, where this rank was fine but
 * another failed, an error naming that rank. *interrupt is or-ed across ranks on the way. */
vkg_status vkg_shard_agree(vkg_graph *g, vkg_status st, int *interrupt);
/* Accumulator states of ranks 1.. merged into rank 0's, in rank order. */
vkg_status vkg_shard_merge(vkg_graph *g);
/* Node times summed over ranks; rank 0 gets each rank's batches and wall time. */
vkg_status vkg_shard_gather_stats(vkg_graph *g, int64_t local_batches);

/* checkpoint.c: folder with manifest.json and one state file per accumulator and rank. */
typedef struct vkg_ckpt {
  const char *dir;
  int64_t every;
  int64_t last_done; /* batches done at the checkpoint on disk (-1: none yet) */
} vkg_ckpt;
/* Checks the manifest against this graph, params and rank count; merges the saved states
 * into fresh accumulators; *done gets the batches the checkpoint covers. */
vkg_status vkg_ckpt_resume(vkg_graph *g, vkg_ckpt *c, int64_t *done);
/* Collective: every rank writes its states, then rank 0 the manifest (write, fsync, rename);
 * the previous checkpoint's files are removed after. */
vkg_status vkg_ckpt_save(vkg_graph *g, vkg_ckpt *c, int64_t done);

/* dtype lists "f32|f16", "any" */
int vkg_dtypes_accept(const char *dtypes, vkg_dtype t);

#endif
