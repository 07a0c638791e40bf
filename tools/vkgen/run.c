/* vkgen run: load, check and run a graph; optional JSON or Markdown report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vkgen/comm.h>

#include "cli.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Joins the job (MPI under mpirun/srun) and picks the device: --device, else with several
 * ranks (local rank mod device count), else the default. */
static int join_job(vkg_ctx *ctx, int device) {
  vkg_status st = vkg_ctx_open_comm(ctx);
  if (st) return vkg_cli_fail(ctx, st);
  if (device < 0 && vkg_comm_size(ctx) > 1) {
    vkg_device_info *devs = NULL;
    int n = 0, def = -1;
    if (vkg_list_devices(ctx, &devs, &n, &def) == VKG_OK && n > 0) device = vkg_comm_local_rank(ctx) % n;
    free(devs);
  }
  if (device >= 0) vkg_ctx_set_device_index(ctx, device);
  return 0;
}

/* Every rank passes its exit code; a rank that was fine while another failed stops too
 * (quietly: the failing rank printed its error). Returns the code to exit with. */
static int agree_exit_code(vkg_ctx *ctx, int rc) {
  if (vkg_comm_size(ctx) == 1) return rc;
  int64_t v = rc;
  if (vkg_comm_max_i64(ctx, &v, 1)) return rc ? rc : vkg_cli_fail(ctx, VKG_E_DEVICE);
  return rc ? rc : (int)v;
}

static int parse_device(const char *s, int *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || !end || *end || end == s || v < 0 || v > 1000) return -1;
  *out = (int)v;
  return 0;
}

static int write_report(vkg_ctx *ctx, const vkg_graph *g, const char *path) {
  vkg_outfile of;
  vkg_status st = vkg_outfile_open(ctx, path, &of);
  if (st) return vkg_cli_fail(ctx, st);
  /* FILE.md gets Markdown tables (for docs and CI summaries); anything else JSON. */
  size_t n = strlen(path);
  int md = n >= 3 && strcmp(path + n - 3, ".md") == 0;
  st = md ? vkg_graph_write_report_markdown(g, of.f) : vkg_graph_write_report(g, of.f);
  if (st) {
    vkg_outfile_abort(&of);
    vkg_error_prefix(ctx, "cannot write the run report '%s': ", path);
    return vkg_cli_fail(ctx, st);
  }
  st = vkg_outfile_commit(ctx, &of);
  if (st) return vkg_cli_fail(ctx, st);
  return 0;
}

/* Every --report file is tried, so one that cannot be written costs only itself; the exit
 * code is that of the first failure. */
static int write_reports(vkg_ctx *ctx, const vkg_graph *g, const char *const *paths, int n) {
  int rc = 0;
  for (int r = 0; r < n; r++) {
    int rr = write_report(ctx, g, paths[r]);
    if (rc == 0) rc = rr;
  }
  return rc;
}

int vkg_cli_run(int argc, char **argv) {
  vkg_ctx_options opts;
  vkg_ctx_options_init(&opts);
  /* --report may be given more than once (e.g. r.json and r.md from one run). */
  enum { MAX_REPORTS = 8 };
  const char *reports[MAX_REPORTS];
  int nreports = 0;
  int quiet = 0, rc = 0;
  vkg_run_options ro = {-1, NULL, 0, NULL};
  vkg_cli_graph_args ga;
  memset(&ga, 0, sizeof ga);
  /* The context exists before parsing because --set parsing reports through it; it does
   * not open the device until the graph runs, so its options can still be set below. */
  vkg_ctx *ctx = vkg_ctx_create(&opts);
  if (!ctx) {
    vkg_cli_error("out of memory");
    return 3;
  }
  for (int i = 1; i < argc && rc == 0; i++) {
    const char *v = NULL;
    int t = vkg_cli_take_graph_option(ctx, "run", argc, argv, &i, &ga, &rc);
    if (t != 0) continue;
    if ((t = vkg_cli_opt_value("run", argc, argv, &i, "--device", &v)) != 0) {
      if (t < 0) rc = 2;
      else if (parse_device(v, &opts.device_index) != 0)
        rc = vkg_cli_usage("run", "--device needs a device index (see 'vkgen devices'), got '%s'", v);
    } else if ((t = vkg_cli_opt_value("run", argc, argv, &i, "--report", &v)) != 0) {
      if (t < 0) rc = 2;
      else if (!v[0]) rc = vkg_cli_usage("run", "--report needs a file name");
      else if (nreports == MAX_REPORTS) rc = vkg_cli_usage("run", "at most %d --report files", MAX_REPORTS);
      else reports[nreports++] = v;
    } else if ((t = vkg_cli_opt_value("run", argc, argv, &i, "--checkpoint", &v)) != 0) {
      if (t < 0) rc = 2;
      else ro.checkpoint_dir = v;
    } else if ((t = vkg_cli_opt_value("run", argc, argv, &i, "--resume", &v)) != 0) {
      if (t < 0) rc = 2;
      else ro.resume_dir = v;
    } else if ((t = vkg_cli_opt_value("run", argc, argv, &i, "--checkpoint-every", &v)) != 0) {
      char *end = NULL;
      if (t < 0) rc = 2;
      else if ((ro.checkpoint_every = strtoll(v, &end, 10)) < 1 || *end)
        rc = vkg_cli_usage("run", "--checkpoint-every needs a batch count >= 1, got '%s'", v);
    } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
      quiet = 1;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      rc = vkg_cli_usage("run", "unknown option '%s'", argv[i]);
    } else if (ga.graph) {
      rc = vkg_cli_usage("run", "one graph file expected, got '%s' too", argv[i]);
    } else {
      ga.graph = argv[i];
    }
  }
  if (rc == 0 && !ga.graph) rc = vkg_cli_usage("run", "missing GRAPH.yaml");
  if (rc != 0) {
    vkg_cli_graph_args_free(&ga);
    vkg_ctx_destroy(ctx);
    return rc;
  }
  rc = join_job(ctx, opts.device_index);
  if (rc != 0) {
    vkg_cli_graph_args_free(&ga);
    vkg_ctx_destroy(ctx);
    return rc;
  }
  /* Under several ranks only rank 0 prints progress, values and the summary and writes reports. */
  int root = vkg_comm_rank(ctx) == 0;
  if (!root) {
    quiet = 1;
    nreports = 0;
  }
  vkg_cli_install_sigint();
  vkg_ctx_set_interrupt_flag(ctx, vkg_cli_interrupt_flag());

  vkg_registry *reg = NULL;
  vkg_graph *g = NULL;
  rc = vkg_cli_load_plugins(ctx, ga.plugin_path, &reg);
  if (rc == 0) {
    vkg_status st = vkg_graph_load(ctx, reg, ga.graph, ga.sets, ga.nsets, &g);
    if (st) rc = vkg_cli_fail(ctx, st);
  }
  rc = agree_exit_code(ctx, rc);
  if (rc == 0) {
    double t0 = now_s();
    ro.progress = quiet ? 0 : -1;
    vkg_status st = vkg_graph_run(g, &ro);
    if (st == VKG_E_INTERRUPTED) {
      /* Accumulators were finished over the batches that ran: report them, marked partial. */
      if (root) vkg_graph_print_values(g, stdout);
      fflush(stdout);
      write_reports(ctx, g, reports, nreports);
      rc = vkg_cli_fail(ctx, st);
    } else if (st) {
      rc = vkg_cli_fail(ctx, st);
    } else {
      if (root) vkg_graph_print_values(g, stdout);
      fflush(stdout);
      rc = write_reports(ctx, g, reports, nreports);
      if (!quiet && rc == 0) {
        const vkg_device_info *di = vkg_ctx_device_open(ctx) ? vkg_ctx_device_info(ctx) : NULL;
        fprintf(stderr, "vkgen: %s: %lld batch%s in %.2f s%s%s", vkg_graph_name(g), (long long)vkg_graph_batches(g),
                vkg_graph_batches(g) == 1 ? "" : "es", now_s() - t0, di ? " on " : "", di ? di->name : "");
        if (vkg_comm_size(ctx) > 1) fprintf(stderr, " (%d ranks)", vkg_comm_size(ctx));
        fputc('\n', stderr);
      }
    }
    uint64_t nval = vkg_ctx_validation_errors(ctx);
    if (nval > 0) {
      vkg_cli_error("the Vulkan validation layer reported %llu error%s", (unsigned long long)nval,
                    nval == 1 ? "" : "s");
      if (rc == 0) rc = 3;
    }
  }
  vkg_graph_destroy(g);
  vkg_registry_destroy(reg);
  vkg_cli_graph_args_free(&ga);
  vkg_ctx_destroy(ctx);
  return rc;
}
