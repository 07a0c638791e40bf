/* vkgen — the plugin registry.
 *
 * Plugins are found, in order, in the install/build plugin folder, each folder of
 * VKGEN_PLUGIN_PATH (colon-separated) and each --plugin-path. A file that is not a vkgen
 * plugin, one built for another ABI major or a newer minor (plugin.h, "ABI versions") or
 * one whose ops are taken already is refused with a warning naming the file; the others
 * keep working.
 */
#ifndef VKGEN_REGISTRY_H
#define VKGEN_REGISTRY_H

#include <stdio.h>

#include "plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct vkg_registry vkg_registry;

VKG_EXPORT vkg_status vkg_registry_create(vkg_ctx *ctx, vkg_registry **out);
/* dlclose()s the plugins: destroy graphs first. */
VKG_EXPORT void vkg_registry_destroy(vkg_registry *reg);

/* Loads one plugin file. A refusal returns VKG_E_PLUGIN with a message naming the file. */
VKG_EXPORT vkg_status vkg_registry_load_file(vkg_registry *reg, const char *path);
/* Loads every *.so of a folder (sorted by name); refusals become warnings. A missing
 * folder is not an error. */
VKG_EXPORT vkg_status vkg_registry_load_dir(vkg_registry *reg, const char *dir);
/* Default plugin folder, then VKGEN_PLUGIN_PATH, then extra (colon-separated, may be NULL). */
VKG_EXPORT vkg_status vkg_registry_load_default(vkg_registry *reg, const char *extra);
/* The folder libvkgen looks in first (build tree or install prefix). */
VKG_EXPORT const char *vkg_default_plugin_dir(void);
/* Registers a descriptor linked into the program (origin names it in messages). */
VKG_EXPORT vkg_status vkg_registry_add(vkg_registry *reg, const vkg_plugin_desc *desc, const char *origin);

/* Looks up "plugin.type"; NULL if absent. *plugin (optional) receives its plugin. */
VKG_EXPORT const vkg_node_type *vkg_registry_find(const vkg_registry *reg, const char *op,
                                                  const vkg_plugin_desc **plugin);
/* The known op closest to op by edit distance (NULL if nothing is close). */
VKG_EXPORT const char *vkg_registry_suggest(const vkg_registry *reg, const char *op);

VKG_EXPORT int vkg_registry_plugin_count(const vkg_registry *reg);
VKG_EXPORT const vkg_plugin_desc *vkg_registry_plugin(const vkg_registry *reg, int i);
VKG_EXPORT const char *vkg_registry_plugin_origin(const vkg_registry *reg, int i); /* file path */

/* Every node type with ports, dtypes, params, defaults and docs: as text or JSON. */
VKG_EXPORT vkg_status vkg_registry_describe(const vkg_registry *reg, FILE *out, int json);

#ifdef __cplusplus
}
#endif
#endif
