/* Helpers shared by the subcommands: messages, option parsing, plugin loading, help. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void vkg_cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("vkgen: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int vkg_cli_fail(vkg_ctx *ctx, vkg_status st) {
  if (st == VKG_E_INTERRUPTED) {
    fputs("vkgen: interrupted\n", stderr);
    return vkg_status_exit_code(st);
  }
  const char *m = ctx ? vkg_error_message(ctx) : "";
  vkg_cli_error("%s", m && m[0] ? m : vkg_status_name(st));
  return vkg_status_exit_code(st);
}

int vkg_cli_usage(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("vkgen: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (cmd) fprintf(stderr, "usage: see 'vkgen help %s'\n", cmd);
  else fputs("usage: see 'vkgen --help'\n", stderr);
  return 2;
}

static const char help_run[] =
    "usage: vkgen run GRAPH.yaml [--set NODE.PARAM=VALUE]... [--device INDEX] [--report FILE.json]\n"
    "                 [--checkpoint DIR [--checkpoint-every K]] [--resume DIR]\n"
    "                 [--plugin-path DIRS] [--quiet]\n"
    "\n"
    "Checks the whole graph, then runs all its batches on the Vulkan device.\n"
    "  --set NODE.PARAM=VALUE  override a param (VALUE is YAML: 50, [1, 2], ddim); repeatable\n"
    "  --set batches=N         override the graph's batch count\n"
    "  --device INDEX          Vulkan device index (see 'vkgen devices'; default: VKGEN_DEVICE or auto)\n"
    "  --report FILE.json      write per-node GPU/CPU times, peak memory and reported values\n"
    "  --plugin-path DIRS      extra plugin folders or .so files (colon-separated), after VKGEN_PLUGIN_PATH\n"
    "  --quiet                 no progress output\n"
    "Values reported by nodes (metrics) are printed to stdout as NODE.KEY: VALUE.\n"
    "Ctrl-C stops after the current batch (exit 3); a second Ctrl-C quits at once.\n"
    "With VKGEN_VALIDATE=1 the Khronos validation layer is on and any error it reports fails the run.\n";

static const char help_validate[] =
    "usage: vkgen validate GRAPH.yaml [--set NODE.PARAM=VALUE]... [--plugin-path DIRS]\n"
    "\n"
    "All checks that need no GPU: YAML, keys, ops, ports, params, types, cycles, shapes.\n"
    "Prints 'GRAPH: ok (N nodes)' or the error with file:line:col (exit 1).\n";

static const char help_plugins[] =
    "usage: vkgen plugins [--json | --markdown] [--plugin-path DIRS]\n"
    "\n"
    "Lists the loaded plugins and every node type: ports, dtypes, params, defaults, docs.\n"
    "Plugins are loaded from the built-in folder, VKGEN_PLUGIN_PATH, then --plugin-path.\n";

static const char help_devices[] =
    "usage: vkgen devices [--json]\n"
    "\n"
    "Lists the Vulkan devices; '*' marks the one 'vkgen run' uses by default\n"
    "(VKGEN_DEVICE or --device picks another). Each device shows its detected features\n"
    "(float16, subgroup size and operations, cooperative matrix, ...), its driver quirks\n"
    "and the kernel variant they select (VKGEN_KERNEL_VARIANT=cpu|gpu overrides it).\n"
    "  --json  the same as a JSON array\n";

static const char help_bench[] =
    "usage: vkgen bench [--quick] [--only TEXT] [--json FILE]\n"
    "       vkgen bench --ops [FILTER] [--reps N] [--json FILE]\n"
    "       vkgen bench --list [--ops FILTER]\n"
    "\n"
    "GFLOPS of the GEMM and convolution kernels on the device, next to OpenBLAS on the host\n"
    "on the same shapes.\n"
    "  --quick      the first two cases only, shorter timing\n"
    "  --only TEXT  only the cases whose name contains TEXT\n"
    "  --json FILE  also write the results as JSON\n"
    "With --ops: every row of the kernel op table (the shapes the kernel tests check against\n"
    "their references) whose 'family/op: description' contains FILTER, timed after a warm-up:\n"
    "milliseconds per run, GFLOPS and GB/s where the row states its work.\n"
    "  --reps N     timed runs per row (default 5)\n"
    "  --list       the matching rows, not run\n";

const char *vkg_cli_help_text(const char *cmd) {
  if (!strcmp(cmd, "run")) return help_run;
  if (!strcmp(cmd, "validate")) return help_validate;
  if (!strcmp(cmd, "plugins")) return help_plugins;
  if (!strcmp(cmd, "devices")) return help_devices;
  if (!strcmp(cmd, "bench")) return help_bench;
  return NULL;
}

int vkg_cli_opt_value(const char *cmd, int argc, char **argv, int *i, const char *name, const char **val) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (strncmp(a, name, n) != 0) return 0;
  if (a[n] == '=') {
    *val = a + n + 1;
    return 1;
  }
  if (a[n] != '\0') return 0;
  if (*i + 1 >= argc) {
    vkg_cli_usage(cmd, "option %s needs a value", name);
    return -1;
  }
  *val = argv[++*i];
  return 1;
}

void vkg_cli_graph_args_free(vkg_cli_graph_args *a) {
  for (int i = 0; i < a->nsets; i++) free(a->bufs[i]);
  free(a->bufs);
  free(a->sets);
  memset(a, 0, sizeof *a);
}

int vkg_cli_take_graph_option(vkg_ctx *ctx, const char *cmd, int argc, char **argv, int *i,
                              vkg_cli_graph_args *a, int *exit_code) {
  const char *v = NULL;
  int r = vkg_cli_opt_value(cmd, argc, argv, i, "--plugin-path", &v);
  if (r < 0) {
    *exit_code = 2;
    return -1;
  }
  if (r > 0) {
    a->plugin_path = v;
    return 1;
  }
  r = vkg_cli_opt_value(cmd, argc, argv, i, "--set", &v);
  if (r < 0) {
    *exit_code = 2;
    return -1;
  }
  if (r == 0) return 0;
  size_t bufsize = strlen(v) + 16;
  vkg_override *sets = realloc(a->sets, (size_t)(a->nsets + 1) * sizeof *sets);
  if (sets) a->sets = sets;
  char **bufs = realloc(a->bufs, (size_t)(a->nsets + 1) * sizeof *bufs);
  if (bufs) a->bufs = bufs;
  char *buf = malloc(bufsize);
  if (!sets || !bufs || !buf) {
    free(buf);
    vkg_cli_error("out of memory");
    *exit_code = 3;
    return -1;
  }
  vkg_status st = vkg_override_parse(ctx, v, buf, bufsize, &a->sets[a->nsets]);
  if (st) {
    free(buf);
    vkg_cli_error("%s", vkg_error_message(ctx)); /* names the --set already */
    *exit_code = 2;
    return -1;
  }
  a->bufs[a->nsets++] = buf;
  return 1;
}

int vkg_cli_load_plugins(vkg_ctx *ctx, const char *extra, vkg_registry **out) {
  vkg_registry *reg = NULL;
  vkg_status st = vkg_registry_create(ctx, &reg);
  if (st) return vkg_cli_fail(ctx, st);
  st = vkg_registry_load_default(reg, extra);
  if (st) {
    vkg_registry_destroy(reg);
    return vkg_cli_fail(ctx, st);
  }
  *out = reg;
  return 0;
}

void vkg_cli_json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}
