/* vkgen devices [--json]: the Vulkan devices, without opening one, with the feature mask and
 * driver quirks that pick kernel variants. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/vkgen.h>

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

static const char *kind_key(vkg_device_kind k) {
  switch (k) {
  case VKG_DEVICE_DISCRETE: return "discrete";
  case VKG_DEVICE_INTEGRATED: return "integrated";
  case VKG_DEVICE_VIRTUAL: return "virtual";
  case VKG_DEVICE_CPU: return "cpu";
  default: return "other";
  }
}

/* names of the set bits, separated by sep (text) or as JSON strings */
static void bit_names(FILE *f, uint32_t mask, int nbits, const char *(*name)(uint32_t), int json) {
  int first = 1;
  for (int b = 0; b < nbits; b++) {
    uint32_t bit = 1u << b;
    if (!(mask & bit) || !name(bit)) continue;
    if (!first) fputs(json ? ", " : " ", f);
    if (json) vkg_cli_json_str(f, name(bit));
    else fputs(name(bit), f);
    first = 0;
  }
  if (first && !json) fputs("none", f);
}

static void print_text(const vkg_device_info *d, int def) {
  const vkg_device_caps *c = &d->caps;
  printf("%c %d: %s (%s, Vulkan %u.%u.%u, %.1f GiB, subgroup %u%s%s)\n", d->index == def ? '*' : ' ', d->index,
         d->name, kind_name(d->kind), (d->api_version >> 22) & 0x7fu, (d->api_version >> 12) & 0x3ffu,
         d->api_version & 0xfffu, (double)d->device_local_bytes / (1024.0 * 1024.0 * 1024.0), d->subgroup_size,
         d->has_float16 ? ", f16" : "", d->has_cooperative_matrix ? ", coopmat" : "");
  if (d->driver[0]) printf("    driver: %s (id %u, version 0x%x)\n", d->driver, c->driver_id, c->driver_version);
  printf("    features:");
  fputc(' ', stdout);
  bit_names(stdout, c->features, VKG_FEAT_COUNT, vkg_device_feature_name, 0);
  printf("\n    subgroup size %u (min %u, max %u), shared memory %u bytes, workgroup %u invocations\n",
         c->subgroup_size, c->min_subgroup_size, c->max_subgroup_size, c->max_shared_memory,
         c->max_workgroup_invocations);
  printf("    quirks: ");
  bit_names(stdout, c->quirks, VKG_QUIRK_COUNT, vkg_device_quirk_name, 0);
  printf("\n    kernel variant: %s\n", vkg_kernel_variant_name(vkg_kernel_variant_select(c, d->kind)));
}

static void print_json(const vkg_device_info *d, int def, int last) {
  const vkg_device_caps *c = &d->caps;
  printf("  {\"index\": %d, \"default\": %s, \"name\": ", d->index, d->index == def ? "true" : "false");
  vkg_cli_json_str(stdout, d->name);
  printf(", \"kind\": \"%s\", \"api_version\": \"%u.%u.%u\", \"driver\": ", kind_key(d->kind),
         (d->api_version >> 22) & 0x7fu, (d->api_version >> 12) & 0x3ffu, d->api_version & 0xfffu);
  vkg_cli_json_str(stdout, d->driver);
  printf(", \"driver_id\": %u, \"driver_version\": %u, \"device_local_bytes\": %" PRIu64 ",\n", c->driver_id,
         c->driver_version, d->device_local_bytes);
  printf("   \"subgroup_size\": %u, \"min_subgroup_size\": %u, \"max_subgroup_size\": %u, \"max_shared_memory\": %u, "
         "\"max_workgroup_invocations\": %u,\n",
         c->subgroup_size, c->min_subgroup_size, c->max_subgroup_size, c->max_shared_memory,
         c->max_workgroup_invocations);
  printf("   \"features\": [");
  bit_names(stdout, c->features, VKG_FEAT_COUNT, vkg_device_feature_name, 1);
  printf("],\n   \"quirks\": [");
  bit_names(stdout, c->quirks, VKG_QUIRK_COUNT, vkg_device_quirk_name, 1);
  printf("],\n   \"kernel_variant\": \"%s\"}%s\n",
         vkg_kernel_variant_select(c, d->kind) == VKG_VARIANT_TEXEL ? "cpu" : "gpu", last ? "" : ",");
}

int vkg_cli_devices(int argc, char **argv) {
  int json = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else return vkg_cli_usage("devices", "unexpected argument '%s'", argv[i]);
  }
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
    if (json) printf("[\n");
    for (int i = 0; i < n; i++) {
      if (json) print_json(&devs[i], def, i + 1 == n);
      else print_text(&devs[i], def);
    }
    if (json) printf("]\n");
  }
  free(devs);
  vkg_ctx_destroy(ctx);
  return rc;
}
