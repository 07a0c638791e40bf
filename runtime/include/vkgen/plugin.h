/* vkgen — the plugin ABI.
 *
 * A plugin is a shared object that exports one function,
 *
 *     VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
 *
 * returning a static descriptor: the ABI version it was built for (VKG_ABI_VERSION), its
 * name ("ddpm"), version, and its node types. A node type "sample" of plugin "ddpm" is
 * used in graphs as op "ddpm.sample". The registry refuses a plugin built for another ABI,
 * one without the entry symbol, and one whose op names are already taken, naming the file.
 *
 * Life of a node, for each node of a graph:
 *   create(node, &state)     parse params, read config/header files; no GPU work.
 *   infer(node, state, in, out)  output dtypes/shapes from input infos; no GPU work.
 *                            (vkg validate stops here)
 *   start(node, state)       optional: once before the first batch (upload weights).
 *   run(node, state, in, out)  once per batch; record GPU work producing new output tensors.
 *                            An accumulator node (VKG_NODE_ACCUMULATOR) reduces its inputs
 *                            into its state here and sets no outputs.
 *   finish(node, state, out) accumulators only: after the last batch, produce the outputs.
 *   destroy(state)           always, also after errors.
 *
 * Accumulators that can be sharded across processes (mpirun) and checkpointed implement two
 * more (ABI 3; both or neither):
 *   state_save(node, state, &data, &size)  the state reduced so far as a malloc'd byte string
 *                            (the plugin's own format; include what merge needs to check it).
 *   state_merge(node, state, data, size)   folds such a string in. On a fresh state (no run
 *                            yet) it must restore exactly what was saved (resuming a checkpoint
 *                            ends with the numbers of an uninterrupted run); on a state that
 *                            has data it adds the other share (ranks merge in rank order).
 * Batch b of a sharded run is run with vkg_node_batch_index() == b, the global index, so an
 * accumulator that cares about sample order (is.score's splits) places rows by it.
 * A node type with flag VKG_NODE_ONE_PROCESS keeps state across batches that it cannot save
 * (core.save_tensor gathering every batch into one file): a graph where it runs per batch is
 * refused under several ranks and with checkpoints.
 * Outputs are new references handed to the executor. Inputs are borrowed for the call.
 */
#ifndef VKGEN_PLUGIN_H
#define VKGEN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "status.h"
#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 2: vkg_tensor_info gained index_limit (plugins built for 1 are refused).
 * 3: vkg_node_type gained state_save and state_merge (scale-out and checkpoints). */
#define VKG_ABI_VERSION 3u
#define VKG_PLUGIN_ENTRY_SYMBOL "vkg_plugin_entry"

#ifdef __cplusplus
#define VKG_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define VKG_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

typedef enum vkg_param_type {
  VKG_PARAM_INT = 0,    /* int64 */
  VKG_PARAM_FLOAT,      /* double; integers in YAML are accepted */
  VKG_PARAM_BOOL,       /* true/false */
  VKG_PARAM_STRING,
  VKG_PARAM_PATH,       /* string, resolved relative to the graph file's folder */
  VKG_PARAM_ENUM,       /* one of desc->choices ("ddpm|ddim") */
  VKG_PARAM_INT_LIST,   /* [1, 2, 3] */
  VKG_PARAM_FLOAT_LIST  /* [-1, 1] */
} vkg_param_type;

typedef struct vkg_param_desc {
  const char *name;
  vkg_param_type type;
  const char *default_value; /* YAML text ("50", "[-1, 1]", "ddim"); NULL: required */
  const char *doc;
  const char *choices;       /* VKG_PARAM_ENUM: "a|b|c"; else NULL */
  double min, max;           /* INT/FLOAT (and list elements): inclusive bounds when min < max */
} vkg_param_desc;

typedef struct vkg_port_desc {
  const char *name;
  const char *dtypes; /* accepted/produced dtypes, "f32", "i32|i64", or "any" */
  const char *doc;
  int optional;       /* inputs only: may be left unconnected (its info has ndim 0, tensor NULL) */
} vkg_port_desc;

enum {
  VKG_NODE_SOURCE = 1 << 0,      /* no inputs; yields a new batch on every iteration */
  VKG_NODE_ACCUMULATOR = 1 << 1, /* reduces across batches; outputs come from finish() */
  VKG_NODE_SINK = 1 << 2,        /* side effects only (files); no outputs */
  VKG_NODE_ONE_PROCESS = 1 << 3  /* per-batch state that cannot be sharded or saved (see above) */
};

typedef struct vkg_node vkg_node;

typedef struct vkg_node_type {
  const char *name; /* within the plugin: "sample" → op "ddpm.sample" */
  const char *doc;
  unsigned flags;
  int ninputs;
  const vkg_port_desc *inputs;
  int noutputs;
  const vkg_port_desc *outputs;
  int nparams;
  const vkg_param_desc *params;

  vkg_status (*create)(vkg_node *node, void **state);
  vkg_status (*infer)(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
  vkg_status (*start)(vkg_node *node, void *state);
  vkg_status (*run)(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
  vkg_status (*finish)(vkg_node *node, void *state, vkg_tensor **out);
  void (*destroy)(void *state);
  /* ABI 3, optional (accumulators): see the life of a node above. */
  vkg_status (*state_save)(vkg_node *node, void *state, void **data, size_t *size);
  vkg_status (*state_merge)(vkg_node *node, void *state, const void *data, size_t size);
} vkg_node_type;

typedef struct vkg_plugin_desc {
  uint32_t abi_version; /* VKG_ABI_VERSION */
  const char *name;     /* [a-z][a-z0-9_]* */
  const char *version;
  const char *doc;
  int ntypes;
  const vkg_node_type *types;
} vkg_plugin_desc;

typedef const vkg_plugin_desc *(*vkg_plugin_entry_fn)(void);

/* ---- What a node callback can ask of its node ---------------------------------------- */

VKG_EXPORT vkg_ctx *vkg_node_ctx(const vkg_node *node);
VKG_EXPORT const char *vkg_node_id(const vkg_node *node);  /* "sample" */
VKG_EXPORT const char *vkg_node_op(const vkg_node *node);  /* "ddpm.sample" */
/* Current batch (0-based) and total batches of the graph. */
VKG_EXPORT int64_t vkg_node_batch_index(const vkg_node *node);
VKG_EXPORT int64_t vkg_node_batch_count(const vkg_node *node);
/* 1 for a node that runs once per batch, 0 for one that runs once at the end (fed by an
 * accumulator). Under several ranks a per-batch node sees only its rank's batches. */
VKG_EXPORT int vkg_node_runs_per_batch(const vkg_node *node);

/* Typed parameter values (defaults applied, types and bounds checked before create). The
 * getters return 0 and fill *out when the param has a value; they never fail for a param
 * the node type declares. Strings stay valid for the node's life. */
VKG_EXPORT int vkg_node_param_int(const vkg_node *node, const char *name, int64_t *out);
VKG_EXPORT int vkg_node_param_float(const vkg_node *node, const char *name, double *out);
VKG_EXPORT int vkg_node_param_bool(const vkg_node *node, const char *name, int *out);
/* STRING, ENUM and PATH (already resolved against the graph folder). */
VKG_EXPORT int vkg_node_param_string(const vkg_node *node, const char *name, const char **out);
VKG_EXPORT int vkg_node_param_int_list(const vkg_node *node, const char *name, const int64_t **vals, int *n);
VKG_EXPORT int vkg_node_param_float_list(const vkg_node *node, const char *name, const double **vals, int *n);
/* Whether the graph (or --set) gave the param, as opposed to its default. */
VKG_EXPORT int vkg_node_param_given(const vkg_node *node, const char *name);

/* Errors with the node's context: "graph.yaml:12:5: node 'sample' (ddpm.sample): param
 * 'steps': <message>". param may be NULL; the location is the param's value when given,
 * else the node's. Returns code. */
VKG_EXPORT vkg_status vkg_node_error(vkg_node *node, vkg_status code, const char *param, const char *fmt, ...)
    VKG_PRINTF(4, 5);
/* Input port errors: location of the input's reference in the graph. */
VKG_EXPORT vkg_status vkg_node_input_error(vkg_node *node, vkg_status code, int input, const char *fmt, ...)
    VKG_PRINTF(4, 5);
/* Re-raises the context's current error (left by a library call such as vkg_model_open or a
 * kernel) as this node's error, with the node's location and context in front; param as in
 * vkg_node_error. Returns the error's code (VKG_E_INTERNAL if there was none). */
VKG_EXPORT vkg_status vkg_node_rethrow(vkg_node *node, const char *param);
VKG_EXPORT void vkg_node_warn(vkg_node *node, const char *fmt, ...) VKG_PRINTF(2, 3);

/* Progress of a long node within one batch (a bar on a TTY, plain lines otherwise). */
VKG_EXPORT void vkg_node_progress(vkg_node *node, int64_t done, int64_t total, const char *unit);

/* A small scalar result (a metric) for the report and stdout: "fid": 12.34. */
VKG_EXPORT void vkg_node_report_value(vkg_node *node, const char *key, double value);

#ifdef __cplusplus
}
#endif
#endif
