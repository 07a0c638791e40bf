/* Sanitizer builds only: keep the Vulkan driver and layer libraries loaded until exit.
 *
 * The Vulkan loader dlclose()s the driver (lavapipe's libvulkan_lvp.so) when the instance is
 * destroyed. Allocations the driver never frees are then reported by LeakSanitizer at exit from an
 * "<unknown module>", which the suppressions in tools/lsan.supp (matched by module name) cannot
 * match, so every test that opens a device would fail. Marking the loaded driver and layer objects
 * RTLD_NODELETE keeps their names resolvable. Release builds compile this to nothing. */
#if defined(VKG_SANITIZE_BUILD)
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NODELETE */
#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "gpu_internal.h"

static int pin_one(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size, (void)data;
  const char *name = info->dlpi_name;
  if (name && (strstr(name, "libvulkan_") || strstr(name, "libVkLayer_"))) {
    void *h = dlopen(name, RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
    if (h) dlclose(h); /* drops the reference just taken; NODELETE stays */
  }
  return 0;
}

void vkg_pin_driver_libraries(void) { dl_iterate_phdr(pin_one, NULL); }
#else
#include "gpu_internal.h"
void vkg_pin_driver_libraries(void) {}
#endif
