/* vkgen — the plugin ABI.
 *
 * A plugin is a shared object that exports one function,
 *
 *     VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
 *
 * returning a static descriptor: the ABI version it was built for (VKG_PLUGIN_ABI), its
 * name ("ddpm"), version, license, and its node types. A node type "sample" of plugin
 * "ddpm" is used in graphs as op "ddpm.sample". The registry refuses a plugin built for
 * another major ABI or a newer minor, one without the entry symbol, and one whose op names
 * are already taken, naming the file (see "ABI versions" below).
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
 * more (both or neither):
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
 *
 * Inputs: in[] holds one entry per input port, in port order, except for a variadic port
 * (VKG_PORT_VARIADIC, ABI 4.1), which must be the last input port and takes a list of
 * tensors: its entries are in[port] .. in[port + vkg_node_input_count(node, port) - 1],
 * in list order (infer's in[] is laid out the same way).
 *
 * ABI versions. A plugin declares the major and minor ABI of the headers it was built with
 * (VKG_PLUGIN_ABI in its descriptor). vkgen loads it when the major equals VKG_ABI_MAJOR and
 * the minor is at most VKG_ABI_MINOR; a newer minor or another major is refused with both
 * versions and the file named.
 *   - A minor bump only adds: it gives meaning to a reserved slot (a field whose zero value
 *     means "absent", so every older plugin reads as not using it) or to a flag bit or enum
 *     value that older minors refused. It never moves a field or changes a struct's size:
 *     vkg_plugin_desc and vkg_node_type end in reserved slots that plugins leave zero (use
 *     designated initializers, .name = ..., and they are), and the registry reads a new field
 *     only from plugins whose minor has it.
 *   - Anything else (a field removed, moved or retyped, a changed callback signature or
 *     meaning, a struct grown past its reserved slots, vkg_port_desc or vkg_param_desc
 *     changed) is a major bump; plugins of the old major are refused and must be rebuilt.
 *   - abi_major and abi_minor stay the first two fields in every major, so any vkgen can
 *     name the version of any plugin. Plugins of ABI 1-3 (one abi_version field, which sits
 *     where abi_major is now) are refused as "ABI 3".
 * History: 4.0 split the version into major/minor, added the reserved slots and the port
 * flags (VKG_PORT_OPTIONAL); 4.1 (this one) added vkg_plugin_desc.license (the first of its
 * reserved slots) and variadic input ports (VKG_PORT_VARIADIC). Older: 2 added
 * vkg_tensor_info.index_limit, 3 the state_save/state_merge callbacks.
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

/* See "ABI versions" above. */
#define VKG_ABI_MAJOR 4u
#define VKG_ABI_MINOR 1u
/* The version fields of a descriptor built with these headers:
 *   static const vkg_plugin_desc desc = {VKG_PLUGIN_ABI, .name = "mine", ...}; */
#define VKG_PLUGIN_ABI .abi_major = VKG_ABI_MAJOR, .abi_minor = VKG_ABI_MINOR
/* Reserved slots at the end of vkg_plugin_desc and vkg_node_type: must be zero. */
#define VKG_PLUGIN_DESC_RESERVED 7
#define VKG_NODE_TYPE_RESERVED 8
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

/* Port flags (inputs only; output ports have flags 0). */
enum {
  /* May be left unconnected: its info has ndim 0 and its tensor is NULL (a variadic port
   * that is optional may be left out or given an empty list: count 0). */
  VKG_PORT_OPTIONAL = 1 << 0,
  /* ABI 4.1. Takes a list of tensors, wired in YAML as {port: [a, b.out, ...]}; at most one
   * per node type and only as its last input port. Each tensor is checked against dtypes
   * like a single input; the list has at least one entry unless the port is also optional.
   * vkg_node_input_count() gives the count, in[port + k] the k-th tensor. */
  VKG_PORT_VARIADIC = 1 << 1
};

typedef struct vkg_port_desc {
  const char *name;
  const char *dtypes; /* accepted/produced dtypes, "f32", "i32|i64", or "any" */
  const char *doc;
  int flags;          /* VKG_PORT_* (a plain 1 is VKG_PORT_OPTIONAL, as in ABI 3's "optional") */
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
  /* Optional (accumulators): see the life of a node above. */
  vkg_status (*state_save)(vkg_node *node, void *state, void **data, size_t *size);
  vkg_status (*state_merge)(vkg_node *node, void *state, const void *data, size_t size);
  /* Zero. Later minors give these slots meaning (new optional callbacks), so that node type
   * tables keep their size and plugins built for older minors keep loading. */
  void *reserved[VKG_NODE_TYPE_RESERVED];
} vkg_node_type;

typedef struct vkg_plugin_desc {
  uint32_t abi_major; /* VKG_PLUGIN_ABI fills both; first in every major */
  uint32_t abi_minor;
  const char *name; /* [a-z][a-z0-9_]* */
  const char *version;
  const char *doc;
  int ntypes;
  const vkg_node_type *types;
  /* ABI 4.1: SPDX license expression of the plugin ("MIT", "Apache-2.0 OR MIT"); shown by
   * vkgen plugins. NULL, or a plugin built for 4.0: shown as "unknown". */
  const char *license;
  /* Zero (see vkg_node_type.reserved). */
  void *reserved[VKG_PLUGIN_DESC_RESERVED];
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
/* How many entries of in[] input port `port` has: the length of a variadic port's list (0
 * for an optional one left out), 1 for any other port (connected or not); -1 when the node
 * type has no such input port. */
VKG_EXPORT int vkg_node_input_count(const vkg_node *node, int port);
/* The license a plugin declares: its license field, or "unknown" (NULL, or built for 4.0). */
VKG_EXPORT const char *vkg_plugin_license(const vkg_plugin_desc *plugin);

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
/* Input errors: input is an index into in[] (for a variadic port's k-th tensor, port + k);
 * the location is that input's reference in the graph (the list element for a variadic
 * port) and the message names it ("input 'tensors' [2]: ..."). */
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
