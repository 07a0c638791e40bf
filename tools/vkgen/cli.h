/* The vkgen runner: one file per subcommand. Each returns the process exit code
 * (0 ok, 1 bad graph/input, 2 usage, 3 device/runtime failure). */
#ifndef VKG_CLI_H
#define VKG_CLI_H

int vkg_cli_run(int argc, char **argv);      /* vkgen run GRAPH [--set N.P=V]... */
int vkg_cli_validate(int argc, char **argv); /* vkgen validate GRAPH */
int vkg_cli_plugins(int argc, char **argv);  /* vkgen plugins [--json] */
int vkg_cli_devices(int argc, char **argv);  /* vkgen devices */
int vkg_cli_bench(int argc, char **argv);    /* vkgen bench [...]   (bench.c) */

#endif
