/* Internal helpers shared by the file-format readers and writers in runtime/src/io. */
#ifndef VKG_IO_INTERNAL_H
#define VKG_IO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vkgen/io.h"

/* "[3, 4]"; dims < 0 print as "*" (a wildcard in vkg_safetensors_expect). Returns buf. */
const char *vkg_io_format_dims(int ndim, const int64_t *dims, char *buf, size_t n);

/* Human name of a JSON value's type for messages ("integer", "string", ...). */
const char *vkg_io_json_type_name(const void *json_value);

/* Writes all of buf to f; VKG_E_IO naming path on failure. */
vkg_status vkg_io_write_all(vkg_ctx *ctx, const char *path, FILE *f, const void *buf, size_t n);

/* The "__metadata__" object of an open file (NULL when it has none); owned by st. */
const void *vkg_safetensors_metadata_object(const vkg_safetensors *st);

#endif
