/* vkgen devices: the Vulkan devices, without opening one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char *kind_name(vkg_device_kind k) {
  switch (k) {
  case VKG_DEVICE_DISCRETE: return "discrete GPU";
  case VKG_DEVICE_INTEGRATED: return "integrated GPU";
  case VKG_DEVICE_VIRTUAL: return "virtual GPU";
  case VKG_DEVICE_CPU: return "CPU";
  default: return "other";
  }
}

int vkg_cli_devices(int argc, char **argv) {
  if (argc > 1) return vkg_cli_usage("devices", "unexpected argument '%s'", argv[1]);
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx) {
    vkg_cli_error("out of memory");
    return 3;
  }
  vkg_device_info *devs = NULL;
  int n = 0, def = -1;
  vkg_status st = vkg_list_devices(ctx, &devs, &n, &def);
  int rc = 0;
  if (st) rc = vkg_cli_fail(ctx, st);
  else if (n == 0) {
    vkg_cli_error("no Vulkan device found (install mesa-vulkan-drivers for the CPU device lavapipe)");
    rc = 3;
  } else {
    for (int i = 0; i < n; i++) {
      const vkg_device_info *d = &devs[i];
      printf("%c %d: %s (%s, Vulkan %u.%u.%u, %.1f GiB, subgroup %u%s%s)\n", d->index == def ? '*' : ' ',
             d->index, d->name, kind_name(d->kind), (d->api_version >> 22) & 0x7fu, (d->api_version >> 12) & 0x3ffu,
             d->api_version & 0xfffu, (double)d->device_local_bytes / (1024.0 * 1024.0 * 1024.0), d->subgroup_size,
             d->has_float16 ? ", f16" : "", d->has_cooperative_matrix ? ", coopmat" : "");
      if (d->driver[0]) printf("    driver: %s\n", d->driver);
    }
  }
  free(devs);
  vkg_ctx_destroy(ctx);
  return rc;
}
