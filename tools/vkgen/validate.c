/* vkgen validate: loads and checks a graph (create + infer on every node), no GPU work. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int vkg_cli_validate(int argc, char **argv) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) {
    vkg_cli_error("out of memory");
    return 3;
  }
  vkg_cli_graph_args ga;
  memset(&ga, 0, sizeof ga);
  int rc = 0;
  for (int i = 1; i < argc && rc == 0; i++) {
    int t = vkg_cli_take_graph_option(ctx, "validate", argc, argv, &i, &ga, &rc);
    if (t != 0) continue;
    if (argv[i][0] == '-' && argv[i][1] != '\0') rc = vkg_cli_usage("validate", "unknown option '%s'", argv[i]);
    else if (ga.graph) rc = vkg_cli_usage("validate", "one graph file expected, got '%s' too", argv[i]);
    else ga.graph = argv[i];
  }
  if (rc == 0 && !ga.graph) rc = vkg_cli_usage("validate", "missing GRAPH.yaml");
  vkg_registry *reg = NULL;
  if (rc == 0) rc = vkg_cli_load_plugins(ctx, ga.plugin_path, &reg);
  if (rc == 0) {
    vkg_graph *g = NULL;
    vkg_status st = vkg_graph_load(ctx, reg, ga.graph, ga.sets, ga.nsets, &g);
    if (st) rc = vkg_cli_fail(ctx, st);
    else printf("%s: ok (%d nodes)\n", ga.graph, vkg_graph_node_count(g));
    vkg_graph_destroy(g);
  }
  vkg_registry_destroy(reg);
  vkg_cli_graph_args_free(&ga);
  vkg_ctx_destroy(ctx);
  return rc;
}
