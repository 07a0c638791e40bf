/* JSON config files (config.json and friends) on jansson, with typed getters whose errors
 * name the file and the key. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "io/io_internal.h"
#include "vkgen/json.h"

#define VKG_JSON_MAX_BYTES ((size_t)64 << 20)

vkg_status vkg_json_parse(vkg_ctx *ctx, const char *name, const char *text, size_t len, json_t **out) {
  *out = NULL;
  json_error_t err;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
  if (!root) {
    vkg_loc loc = {name, err.line > 0 ? err.line : 0, err.column > 0 ? err.column : 0};
    return vkg_error_at(ctx, VKG_E_INPUT, &loc, "JSON error: %s", err.text);
  }
  if (!json_is_object(root)) {
    vkg_status st = vkg_error(ctx, VKG_E_INPUT, "%s: expected a JSON object at the top level, got %s", name,
                              vkg_io_json_type_name(root));
    json_decref(root);
    return st;
  }
  *out = root;
  return VKG_OK;
}

vkg_status vkg_json_load(vkg_ctx *ctx, const char *path, json_t **out) {
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  vkg_status st = vkg_read_file(ctx, path, VKG_JSON_MAX_BYTES, &text, &len);
  if (st != VKG_OK) return st;
  st = vkg_json_parse(ctx, path, text, len, out);
  free(text);
  return st;
}

/* The value at key, NULL when absent or null; an error when obj is not an object or a
 * required key is absent. */
static vkg_status lookup(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                         json_t **v) {
  *v = NULL;
  if (!json_is_object(obj))
    return vkg_error(ctx, VKG_E_INPUT, "%s: expected a JSON object holding key '%s', got %s", file, key,
                     vkg_io_json_type_name(obj));
  json_t *x = json_object_get(obj, key);
  if (x && json_is_null(x)) x = NULL;
  if (!x && required) return vkg_error(ctx, VKG_E_INPUT, "%s: missing required key '%s'", file, key);
  *v = x;
  return VKG_OK;
}

static vkg_status wrong_type(vkg_ctx *ctx, const char *file, const char *key, const char *want, const json_t *v) {
  return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': expected %s, got %s", file, key, want,
                   vkg_io_json_type_name(v));
}

/* Integers written as 2.0 by some tools are accepted; 2.5 is not. */
static int as_int(const json_t *v, int64_t *out) {
  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return 1;
  }
  if (json_is_real(v)) {
    double d = json_real_value(v);
    if (isfinite(d) && d == floor(d) && d >= -9.2e18 && d <= 9.2e18) {
      *out = (int64_t)d;
      return 1;
    }
  }
  return 0;
}

vkg_status vkg_json_int(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                        int64_t *out) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  int64_t x;
  if (!as_int(v, &x)) {
    if (json_is_real(v))
      return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': expected an integer, got real %g", file, key,
                       json_real_value(v));
    return wrong_type(ctx, file, key, "an integer", v);
  }
  *out = x;
  return VKG_OK;
}

vkg_status vkg_json_float(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                          double *out) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  if (!json_is_number(v)) return wrong_type(ctx, file, key, "a number", v);
  *out = json_number_value(v);
  return VKG_OK;
}

vkg_status vkg_json_bool(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                         int *out) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  if (!json_is_boolean(v)) return wrong_type(ctx, file, key, "a boolean", v);
  *out = json_is_true(v) ? 1 : 0;
  return VKG_OK;
}

vkg_status vkg_json_string(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                           const char **out) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  if (!json_is_string(v)) return wrong_type(ctx, file, key, "a string", v);
  *out = json_string_value(v);
  return VKG_OK;
}

vkg_status vkg_json_int_array(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key, int required,
                              int64_t **vals, int *n) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  if (!json_is_array(v)) return wrong_type(ctx, file, key, "an array of integers", v);
  size_t len = json_array_size(v);
  if (len > (size_t)1 << 28) return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': array too long", file, key);
  int64_t *a = malloc((len ? len : 1) * sizeof *a);
  if (!a) return vkg_error(ctx, VKG_E_NOMEM, "%s: key '%s': out of memory", file, key);
  for (size_t i = 0; i < len; i++) {
    const json_t *e = json_array_get(v, i);
    if (!as_int(e, &a[i])) {
      free(a);
      return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': element %zu: expected an integer, got %s", file, key, i,
                       vkg_io_json_type_name(e));
    }
  }
  *vals = a;
  *n = (int)len;
  return VKG_OK;
}

vkg_status vkg_json_string_array(vkg_ctx *ctx, const json_t *obj, const char *file, const char *key,
                                 int required, const char ***vals, int *n) {
  json_t *v;
  vkg_status st = lookup(ctx, obj, file, key, required, &v);
  if (st != VKG_OK || !v) return st;
  if (!json_is_array(v)) return wrong_type(ctx, file, key, "an array of strings", v);
  size_t len = json_array_size(v);
  if (len > (size_t)1 << 28) return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': array too long", file, key);
  const char **a = malloc((len ? len : 1) * sizeof *a);
  if (!a) return vkg_error(ctx, VKG_E_NOMEM, "%s: key '%s': out of memory", file, key);
  for (size_t i = 0; i < len; i++) {
    const json_t *e = json_array_get(v, i);
    if (!json_is_string(e)) {
      free(a);
      return vkg_error(ctx, VKG_E_INPUT, "%s: key '%s': element %zu: expected a string, got %s", file, key, i,
                       vkg_io_json_type_name(e));
    }
    a[i] = json_string_value(e);
  }
  *vals = a;
  *n = (int)len;
  return VKG_OK;
}
