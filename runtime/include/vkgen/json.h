/* vkgen — JSON config files (config.json, scheduler_config.json) on top of jansson.
 * Model plugins include this (and link jansson through libvkgen's pkg-config Requires). */
#ifndef VKGEN_JSON_H
#define VKGEN_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads a JSON object; errors carry file:line:col. *out is a new reference (json_decref). */
VKG_EXPORT vkg_status vkg_json_load(vkg_ctx *ctx, const char *path, json_t **out);
VKG_EXPORT vkg_status vkg_json_parse(vkg_ctx *ctx, const char *name, const char *text, size_t len, json_t **out);

/* Typed getters for a config object. `file` names the config in messages. A missing key
 * with required=1 is an error naming key and file; with required=0, *out keeps its value
 * (set it to the default before the call). A value of the wrong type is always an error.
 * JSON null counts as missing. */
VKG_EXPORT vkg_status vkg_json_int(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                   int required, int64_t *out);
VKG_EXPORT vkg_status vkg_json_float(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                     int required, double *out);
VKG_EXPORT vkg_status vkg_json_bool(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                    int required, int *out);
/* *out points into obj (valid while obj lives). */
VKG_EXPORT vkg_status vkg_json_string(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                      int required, const char **out);
/* Array of ints: *vals malloc'd (free()), *n its length. */
VKG_EXPORT vkg_status vkg_json_int_array(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                         int required, int64_t **vals, int *n);
/* Array of strings: *vals malloc'd array of pointers into obj (free() the array only). */
VKG_EXPORT vkg_status vkg_json_string_array(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                            int required, const char ***vals, int *n);

#ifdef __cplusplus
}
#endif
#endif
