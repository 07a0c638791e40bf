/* vkgen — graphs: load and validate (no GPU work), then run.
 *
 * Format version 1 (docs/graph-format.md):
 *
 *     vkgen: 1
 *     name: ddim-cifar10
 *     batches: 4
 *     nodes:
 *       noise:  {op: core.randn, params: {shape: [16, 3, 32, 32], seed: 7}}
 *       sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: models/x}}
 *
 * vkg_graph_load checks the whole graph before any GPU work: YAML syntax, unknown keys,
 * ops, ports and params (with the closest name suggested), wrong types and bounds, missing
 * inputs, duplicate ids (duplicate YAML keys too), cycles (named), dtype/shape mismatches
 * after shape inference. Every message carries file:line:col and the node and param.
 */
#ifndef VKGEN_GRAPH_H
#define VKGEN_GRAPH_H

#include <stdio.h>

#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_graph vkg_graph;

/* --set NODE.PARAM=VALUE; value is YAML flow text ("50", "[1, 2]", "ddim"). */
typedef struct vkg_override {
  const char *node;
  const char *param;
  const char *value;
} vkg_override;

/* Parses "NODE.PARAM=VALUE" (pointers into a copy kept in *out's storage: buf). */
VKG_EXPORT vkg_status vkg_override_parse(vkg_ctx *ctx, const char *text, char *buf, size_t bufsize,
                                         vkg_override *out);

/* Loads from a file, or from memory (name is used in messages and to resolve relative
 * paths: its folder). Runs create and infer on every node. */
VKG_EXPORT vkg_status vkg_graph_load(vkg_ctx *ctx, const vkg_registry *reg, const char *path,
                                     const vkg_override *sets, int nsets, vkg_graph **out);
VKG_EXPORT vkg_status vkg_graph_load_string(vkg_ctx *ctx, const vkg_registry *reg, const char *name,
                                            const char *text, size_t len, const vkg_override *sets, int nsets,
                                            vkg_graph **out);
VKG_EXPORT void vkg_graph_destroy(vkg_graph *g);

VKG_EXPORT const char *vkg_graph_name(const vkg_graph *g);
VKG_EXPORT int64_t vkg_graph_batches(const vkg_graph *g);
VKG_EXPORT int vkg_graph_node_count(const vkg_graph *g);
/* Nodes in execution (topological) order. */
VKG_EXPORT vkg_node *vkg_graph_node(const vkg_graph *g, int i);
/* Inferred output info of node i, port j. */
VKG_EXPORT const vkg_tensor_info *vkg_graph_output_info(const vkg_graph *g, int node, int port);

typedef struct vkg_run_options {
  int progress; /* -1: auto (bar on a TTY), 0: quiet, 1: plain lines */
  /* Checkpoints (docs/scale-out.md): every checkpoint_every batches (and on interrupt) the
   * accumulators' states and the progress go to checkpoint_dir atomically; resume_dir
   * continues a run from its last checkpoint (and keeps checkpointing there unless
   * checkpoint_dir names another folder). NULL: none. */
  const char *checkpoint_dir;
  int64_t checkpoint_every; /* <= 0: 10 */
  const char *resume_dir;
} vkg_run_options;

/* Runs all batches; under several ranks (vkgen/comm.h) batch b runs on rank b mod size, the
 * accumulators' states are merged on rank 0 in rank order and only rank 0 finishes them and
 * runs the end-of-run nodes (and has the values). A failure on any rank stops every rank after
 * the batch in flight. On SIGINT (vkg_interrupted) it stops after the current batch, still
 * finishes accumulators so their stats are flushed, and returns VKG_E_INTERRUPTED. */
VKG_EXPORT vkg_status vkg_graph_run(vkg_graph *g, const vkg_run_options *opts);

/* Report after a run: per-node GPU and CPU time, peak device memory, device, values. */
VKG_EXPORT vkg_status vkg_graph_write_report(const vkg_graph *g, FILE *out);
/* The same report as Markdown tables (the runner writes it for --report FILE.md). */
VKG_EXPORT vkg_status vkg_graph_write_report_markdown(const vkg_graph *g, FILE *out);
/* Values reported by nodes ("node.key": value), one per line, to out (the runner's stdout). */
VKG_EXPORT void vkg_graph_print_values(const vkg_graph *g, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
