/* The vkgen runner: one file per subcommand. Each returns the process exit code
 * (0 ok, 1 bad graph/input, 2 usage, 3 device/runtime failure). */
#ifndef VKG_CLI_H
#define VKG_CLI_H

#include <signal.h>

#include <vkgen/context.h>
#include <vkgen/graph.h>
#include <vkgen/io.h>
#include <vkgen/registry.h>
#include <vkgen/status.h>
#include <vkgen/version.h>

int vkg_cli_run(int argc, char **argv);      /* vkgen run GRAPH [--set N.P=V]... */
int vkg_cli_validate(int argc, char **argv); /* vkgen validate GRAPH */
int vkg_cli_plugins(int argc, char **argv);  /* vkgen plugins [--json] */
int vkg_cli_devices(int argc, char **argv);  /* vkgen devices [--json] */
int vkg_cli_bench(int argc, char **argv);    /* vkgen bench [...]   (bench.c) */
int vkg_cli_bench_ops(int argc, char **argv); /* vkgen bench --ops [FILTER] (the kernel op table) */
/* s as a JSON string literal (quotes, backslashes and control characters escaped) */
void vkg_cli_json_str(FILE *f, const char *s);

/* ---- shared by the subcommands (common.c, main.c) ---------------------------------- */

/* "vkgen: error: MESSAGE" on stderr. */
void vkg_cli_error(const char *fmt, ...) VKG_PRINTF(1, 2);
/* Prints the context's error and returns the exit code for its status. */
int vkg_cli_fail(vkg_ctx *ctx, vkg_status st);
/* A usage error: message, then "try 'vkgen help COMMAND'"; returns 2. */
int vkg_cli_usage(const char *cmd, const char *fmt, ...) VKG_PRINTF(2, 3);
/* Help text of a subcommand (NULL if unknown). */
const char *vkg_cli_help_text(const char *cmd);

/* Options common to run and validate: GRAPH, --set (repeatable), --plugin-path. */
typedef struct vkg_cli_graph_args {
  const char *graph;
  const char *plugin_path;
  int nsets;
  vkg_override *sets;  /* nsets entries, pointing into bufs */
  char **bufs;
} vkg_cli_graph_args;
void vkg_cli_graph_args_free(vkg_cli_graph_args *a);
/* Consumes --set/--plugin-path at argv[*i] (and its value); returns 1 if taken, 0 if not an
 * option of these, -1 on error (printed; exit 2, or 1 for a malformed --set). */
int vkg_cli_take_graph_option(vkg_ctx *ctx, const char *cmd, int argc, char **argv, int *i,
                              vkg_cli_graph_args *a, int *exit_code);
/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; *val gets VALUE. 1 if matched,
 * -1 if the value is missing (usage error printed), 0 otherwise. */
int vkg_cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val);

/* Loads the default plugin folders plus extra (refusals are warnings). */
int vkg_cli_load_plugins(vkg_ctx *ctx, const char *extra, vkg_registry **out);

/* The flag main.c's SIGINT handler sets; vkg_cli_run installs the handler. */
const volatile sig_atomic_t *vkg_cli_interrupt_flag(void);
void vkg_cli_install_sigint(void);

#endif
