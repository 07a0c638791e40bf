/* vkgen bench --ops [FILTER]: the kernel op table (tests/optable) in perf mode: every row whose
 * "family/op: description" contains FILTER, warmed up once and timed over --reps runs, with
 * GFLOPS and GB/s where the row states its work. The same rows ctest checks against their
 * references (test_kernel_ops_<family>). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/vkgen.h>

#include "cli.h"
#include "optable.h"

int vkg_cli_bench_ops(int argc, char **argv) {
  const char *filter = NULL, *json = NULL;
  int reps = 5, list = 0;
  for (int i = 1; i < argc; i++) {
    const char *v = NULL;
    int k;
    if (!strcmp(argv[i], "--ops")) {
      if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) filter = argv[++i];
    } else if (!strcmp(argv[i], "--list")) {
      list = 1;
    } else if ((k = vkg_cli_opt_value("bench", argc, argv, &i, "--reps", &v)) != 0) {
      if (k < 0) return 2;
      char *end = NULL;
      long r = strtol(v, &end, 10);
      if (!end || *end || r < 1 || r > 100000) return vkg_cli_usage("bench", "--reps wants a count >= 1, got '%s'", v);
      reps = (int)r;
    } else if ((k = vkg_cli_opt_value("bench", argc, argv, &i, "--json", &v)) != 0) {
      if (k < 0) return 2;
      json = v;
    } else {
      return vkg_cli_usage("bench", "unknown option '%s' with --ops (options: --ops [FILTER], --reps N, --list, --json FILE)",
                           argv[i]);
    }
  }
  vkg_op_row *rows = NULL;
  size_t n = 0;
  if (vkg_op_table(&rows, &n) != 0) {
    vkg_cli_error("out of memory");
    return 3;
  }
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  vkg_status st = ctx ? vkg_ctx_open_device(ctx) : VKG_E_NOMEM;
  if (st != VKG_OK) {
    int rc = ctx ? vkg_cli_fail(ctx, st) : 3;
    if (!ctx) vkg_cli_error("out of memory");
    vkg_ctx_destroy(ctx);
    free(rows);
    return rc;
  }
  FILE *jf = NULL;
  if (json && !list) {
    jf = fopen(json, "w");
    if (!jf) {
      vkg_cli_error("cannot write %s", json);
      vkg_ctx_destroy(ctx);
      free(rows);
      return 1;
    }
    fprintf(jf, "{\"device\": ");
    vkg_cli_json_str(jf, vkg_ctx_device_info(ctx)->name);
    fprintf(jf, ", \"reps\": %d, \"rows\": [", reps);
  }
  if (!list) {
    printf("device: %s, device's kernel variant: %s (rows marked [cpu]/[gpu] force one)\n",
           vkg_ctx_device_info(ctx)->name, vkg_kernel_variant_name(vkg_kernel_variant_get(ctx)));
    printf("%-12s %-20s %10s %8s %8s  %s\n", "family", "op", "ms", "GFLOPS", "GB/s", "row");
  }
  int rc = 0, matched = 0;
  for (size_t r = 0; r < n && rc == 0; r++) {
    vkg_op_result res;
    vkg_op_run(ctx, &rows[r], VKG_OP_LIST, 1, &res);
    char name[400];
    snprintf(name, sizeof name, "%s/%s: %s", rows[r].family, rows[r].op, res.desc);
    if (filter && !strstr(name, filter)) continue;
    matched++;
    if (list) {
      printf("%s\n", name);
      continue;
    }
    vkg_op_run(ctx, &rows[r], VKG_OP_PERF, reps, &res);
    if (!res.ok) {
      vkg_cli_error("%s: %s", name, res.msg);
      rc = 3;
      break;
    }
    double ms = res.seconds * 1e3;
    char gf[16] = "-", gb[16] = "-";
    if (res.flops > 0 && res.seconds > 0) snprintf(gf, sizeof gf, "%.2f", res.flops / res.seconds * 1e-9);
    if (res.bytes > 0 && res.seconds > 0) snprintf(gb, sizeof gb, "%.2f", res.bytes / res.seconds * 1e-9);
    printf("%-12s %-20s %10.3f %8s %8s  %s\n", rows[r].family, rows[r].op, ms, gf, gb, res.desc);
    fflush(stdout);
    if (jf) {
      fprintf(jf, "%s\n  {\"family\": ", matched > 1 ? "," : "");
      vkg_cli_json_str(jf, rows[r].family);
      fprintf(jf, ", \"op\": ");
      vkg_cli_json_str(jf, rows[r].op);
      fprintf(jf, ", \"row\": ");
      vkg_cli_json_str(jf, res.desc);
      fprintf(jf, ", \"ms\": %.4f, \"flops\": %.6g, \"bytes\": %.6g, \"timed_calls\": %d}", ms, res.flops, res.bytes,
              res.timed);
    }
  }
  if (jf) {
    fprintf(jf, "\n]}\n");
    if (fclose(jf) != 0 && rc == 0) {
      vkg_cli_error("cannot write %s", json);
      rc = 1;
    }
  }
  if (rc == 0 && matched == 0) {
    vkg_cli_error("no op-table row matches '%s' (vkgen bench --ops --list shows them)", filter ? filter : "");
    rc = 1;
  }
  vkg_ctx_destroy(ctx);
  free(rows);
  return rc;
}
