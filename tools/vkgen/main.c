/* vkgen: the runner. Dispatches to one subcommand per file. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <vkgen/comm.h>

#include "cli.h"

/* The application owns its signal state (libvkgen only polls the flag through the context). */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig) {
  (void)sig;
  if (interrupted) {
    static const char msg[] = "\nvkgen: interrupted\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(3);
  }
  interrupted = 1;
  static const char msg[] = "\nvkgen: stopping after this batch (Ctrl-C again to quit now)\n";
  ssize_t r = write(2, msg, sizeof msg - 1);
  (void)r;
}

const volatile sig_atomic_t *vkg_cli_interrupt_flag(void) { return &interrupted; }

void vkg_cli_install_sigint(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static const char usage[] =
    "usage: vkgen COMMAND [ARGS]\n"
    "\n"
    "Dataflow graphs for image generation on Vulkan compute.\n"
    "\n"
    "commands:\n"
    "  run GRAPH.yaml      run a graph (--set NODE.PARAM=VALUE, --report FILE.json, --device N)\n"
    "  validate GRAPH.yaml check a graph without touching the GPU\n"
    "  plugins             list node types (--json, --markdown)\n"
    "  devices [--json]    list Vulkan devices (features, quirks), the default marked '*'\n"
    "  bench               kernel benchmarks (GFLOPS next to OpenBLAS)\n"
    "  help COMMAND        help on a command\n"
    "\n"
    "options: --help, --version\n"
    "exit codes: 0 ok, 1 bad graph or input, 2 usage, 3 device or runtime failure\n"
    "environment: VKGEN_PLUGIN_PATH, VKGEN_DEVICE, VKGEN_VALIDATE, VKGEN_CACHE_DIR, VKGEN_MEM_LIMIT\n";

static int help(const char *cmd) {
  if (!cmd) {
    fputs(usage, stdout);
    return 0;
  }
  const char *t = vkg_cli_help_text(cmd);
  if (!t) {
    vkg_cli_error("unknown command '%s' (commands: run, validate, plugins, devices, bench)", cmd);
    return 2;
  }
  fputs(t, stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) return help(NULL);
  if (!strcmp(cmd, "help")) return help(argc > 2 ? argv[2] : NULL);
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("vkgen %s (plugin ABI %u.%u, %s)\n", VKG_VERSION_STRING, VKG_ABI_MAJOR, VKG_ABI_MINOR,
           vkg_comm_mpi_built() ? "with MPI" : "without MPI");
    return 0;
  }
  /* "vkgen COMMAND --help" anywhere on the line. */
  for (int i = 2; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return help(cmd);
  if (!strcmp(cmd, "run")) return vkg_cli_run(argc - 1, argv + 1);
  if (!strcmp(cmd, "validate")) return vkg_cli_validate(argc - 1, argv + 1);
  if (!strcmp(cmd, "plugins")) return vkg_cli_plugins(argc - 1, argv + 1);
  if (!strcmp(cmd, "devices")) return vkg_cli_devices(argc - 1, argv + 1);
  if (!strcmp(cmd, "bench")) return vkg_cli_bench(argc - 1, argv + 1);
  vkg_cli_error("unknown command '%s'", cmd);
  fputs("run 'vkgen --help' for the list of commands\n", stderr);
  return 2;
}
