/* Model folders: config.json + safetensors weights, uploaded on demand (see model.h). */
#include "vkgen/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vkgen/json.h"

#define VKG_MODEL_NAME_MAX 512

struct vkg_model {
  char *folder;
  char *config_path;
  char *weights_path;
  json_t *config;
  vkg_safetensors *st;
  unsigned char *used; /* one flag per weight entry, in vkg_safetensors_entry order */
};

static char *path_join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", a, b);
  return p;
}

static int is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

vkg_status vkg_model_open(vkg_ctx *ctx, const char *folder, const char *const *weight_files,
                          const char *expected_class, vkg_model **out) {
  static const char *const default_files[] = {"diffusion_pytorch_model.safetensors", "model.safetensors", NULL};
  *out = NULL;
  struct stat sb;
  if (stat(folder, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return vkg_error(ctx, VKG_E_INPUT, "model folder '%s' does not exist or is not a folder", folder);
  vkg_model *m = calloc(1, sizeof *m);
  if (!m) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = VKG_OK;
  m->folder = strdup(folder);
  m->config_path = path_join(folder, "config.json");
  if (!m->folder || !m->config_path) {
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    goto fail;
  }
  if (!is_file(m->config_path)) {
    st = vkg_error(ctx, VKG_E_INPUT, "model folder '%s' has no config.json", folder);
    goto fail;
  }
  if ((st = vkg_json_load(ctx, m->config_path, &m->config)) != VKG_OK) goto fail;
  if (expected_class) {
    const char *cls = vkg_model_class(m);
    if (strcmp(cls, expected_class) != 0) {
      st = vkg_error(ctx, VKG_E_INPUT, "%s: _class_name is '%s', expected '%s'", m->config_path,
                     cls[0] ? cls : "(missing)", expected_class);
      goto fail;
    }
  }
  const char *const *files = weight_files ? weight_files : default_files;
  for (int i = 0; files[i] && !m->weights_path; i++) {
    char *p = path_join(folder, files[i]);
    if (!p) {
      st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
      goto fail;
    }
    if (is_file(p))
      m->weights_path = p;
    else
      free(p);
  }
  if (!m->weights_path) {
    char names[512] = "";
    for (int i = 0; files[i]; i++) {
      size_t len = strlen(names);
      snprintf(names + len, sizeof names - len, "%s%s", i ? " or " : "", files[i]);
    }
    st = vkg_error(ctx, VKG_E_INPUT, "model folder '%s' has no weights file (%s)", folder, names);
    goto fail;
  }
  if ((st = vkg_safetensors_open(ctx, m->weights_path, &m->st)) != VKG_OK) goto fail;
  m->used = calloc((size_t)vkg_safetensors_count(m->st) + 1, 1);
  if (!m->used) {
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    goto fail;
  }
  *out = m;
  return VKG_OK;
fail:
  vkg_model_close(m);
  return st;
}

void vkg_model_close(vkg_model *m) {
  if (!m) return;
  vkg_safetensors_close(m->st);
  if (m->config) json_decref(m->config);
  free(m->used);
  free(m->weights_path);
  free(m->config_path);
  free(m->folder);
  free(m);
}

const char *vkg_model_folder(const vkg_model *m) { return m->folder; }
const char *vkg_model_config_path(const vkg_model *m) { return m->config_path; }
const char *vkg_model_weights_path(const vkg_model *m) { return m->weights_path; }
const json_t *vkg_model_config(const vkg_model *m) { return m->config; }
const vkg_safetensors *vkg_model_weights(const vkg_model *m) { return m->st; }

const char *vkg_model_class(const vkg_model *m) {
  const json_t *v = json_object_get(m->config, "_class_name");
  return json_is_string(v) ? json_string_value(v) : "";
}

static int entry_index(const vkg_model *m, const vkg_st_entry *e) {
  int n = vkg_safetensors_count(m->st);
  for (int i = 0; i < n; i++)
    if (vkg_safetensors_entry(m->st, i) == e) return i;
  return -1;
}

static void mark(vkg_model *m, const vkg_st_entry *e) {
  int i = entry_index(m, e);
  if (i >= 0) m->used[i] = 1;
}

void vkg_model_mark_used(vkg_model *m, const char *name) {
  const vkg_st_entry *e = vkg_safetensors_find(m->st, name);
  if (e) mark(m, e);
}

static int format_name(char *buf, size_t n, const char *fmt, va_list ap) {
  int len = vsnprintf(buf, n, fmt, ap);
  return len >= 0 && (size_t)len < n;
}

const vkg_st_entry *vkg_model_find(const vkg_model *m, const char *fmt, ...) {
  char name[VKG_MODEL_NAME_MAX];
  va_list ap;
  va_start(ap, fmt);
  int ok = format_name(name, sizeof name, fmt, ap);
  va_end(ap);
  return ok ? vkg_safetensors_find(m->st, name) : NULL;
}

/* Finds and shape-checks a weight; *e NULL with VKG_OK when absent and optional. */
static vkg_status lookup(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, int optional, const char *name,
                         const vkg_st_entry **e) {
  *e = vkg_safetensors_find(m->st, name);
  if (!*e) {
    if (optional) return VKG_OK;
    return vkg_error(ctx, VKG_E_INPUT, "missing tensor '%s' in %s", name, m->weights_path);
  }
  if (ndim >= 0) {
    vkg_status st = vkg_safetensors_expect(ctx, m->st, name, ndim, dims, e);
    if (st != VKG_OK) return st;
  }
  if (!((*e)->has_dtype && ((*e)->dtype == VKG_F32 || (*e)->dtype == VKG_F16)) &&
      strcmp((*e)->st_dtype, "BF16") != 0 && strcmp((*e)->st_dtype, "F64") != 0)
    return vkg_error(ctx, VKG_E_INPUT, "tensor '%s' in %s: dtype %s is not a floating-point weight", name,
                     m->weights_path, (*e)->st_dtype);
  mark(m, *e);
  return VKG_OK;
}

static vkg_status read_host(vkg_ctx *ctx, vkg_model *m, const vkg_st_entry *e, float **out) {
  size_t n = (size_t)vkg_shape_numel(&e->shape);
  float *buf = malloc((n ? n : 1) * sizeof *buf);
  if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory reading '%s' (%zu floats)", e->name, n);
  vkg_status st = vkg_safetensors_read_f32(ctx, m->st, e, buf);
  if (st != VKG_OK) {
    free(buf);
    return st;
  }
  *out = buf;
  return VKG_OK;
}

static vkg_status load_v(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, vkg_tensor **out, int optional,
                         const char *fmt, va_list ap) {
  *out = NULL;
  char name[VKG_MODEL_NAME_MAX];
  if (!format_name(name, sizeof name, fmt, ap))
    return vkg_error(ctx, VKG_E_INPUT, "tensor name too long in %s", m->weights_path);
  const vkg_st_entry *e;
  vkg_status st = lookup(ctx, m, ndim, dims, optional, name, &e);
  if (st != VKG_OK || !e) return st;
  if (e->has_dtype && e->dtype == VKG_F32) /* upload straight from the mapping */
    return vkg_tensor_create_from(ctx, VKG_F32, &e->shape, e->data, out);
  float *host;
  if ((st = read_host(ctx, m, e, &host)) != VKG_OK) return st;
  st = vkg_tensor_create_from(ctx, VKG_F32, &e->shape, host, out);
  free(host);
  return st;
}

vkg_status vkg_model_load(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, vkg_tensor **out,
                          const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkg_status st = load_v(ctx, m, ndim, dims, out, 0, fmt, ap);
  va_end(ap);
  return st;
}

vkg_status vkg_model_load_opt(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, vkg_tensor **out,
                              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkg_status st = load_v(ctx, m, ndim, dims, out, 1, fmt, ap);
  va_end(ap);
  return st;
}

vkg_status vkg_model_read(vkg_ctx *ctx, vkg_model *m, int ndim, const int64_t *dims, float **out, vkg_shape *shape,
                          const char *fmt, ...) {
  *out = NULL;
  char name[VKG_MODEL_NAME_MAX];
  va_list ap;
  va_start(ap, fmt);
  int ok = format_name(name, sizeof name, fmt, ap);
  va_end(ap);
  if (!ok) return vkg_error(ctx, VKG_E_INPUT, "tensor name too long in %s", m->weights_path);
  const vkg_st_entry *e;
  vkg_status st = lookup(ctx, m, ndim, dims, 0, name, &e);
  if (st != VKG_OK) return st;
  if (shape) *shape = e->shape;
  return read_host(ctx, m, e, out);
}

int vkg_model_unused(vkg_ctx *ctx, const vkg_model *m, int warn) {
  int n = vkg_safetensors_count(m->st), unused = 0;
  static const char suffix[] = "num_batches_tracked";
  for (int i = 0; i < n; i++) {
    const vkg_st_entry *e = vkg_safetensors_entry(m->st, i);
    size_t len = strlen(e->name);
    if (m->used[i] || (len >= sizeof suffix - 1 && strcmp(e->name + len - (sizeof suffix - 1), suffix) == 0))
      continue;
    if (warn && unused < 5) vkg_warn(ctx, "%s: tensor '%s' is not used by the model", m->weights_path, e->name);
    unused++;
  }
  if (warn && unused > 5) vkg_warn(ctx, "%s: %d more unused tensors", m->weights_path, unused - 5);
  return unused;
}

vkg_status vkg_model_cfg_int(vkg_ctx *ctx, const vkg_model *m, const char *key, int required, int64_t *out) {
  return vkg_json_int(ctx, m->config, m->config_path, key, required, out);
}
vkg_status vkg_model_cfg_float(vkg_ctx *ctx, const vkg_model *m, const char *key, int required, double *out) {
  return vkg_json_float(ctx, m->config, m->config_path, key, required, out);
}
vkg_status vkg_model_cfg_bool(vkg_ctx *ctx, const vkg_model *m, const char *key, int required, int *out) {
  return vkg_json_bool(ctx, m->config, m->config_path, key, required, out);
}
vkg_status vkg_model_cfg_string(vkg_ctx *ctx, const vkg_model *m, const char *key, int required,
                                const char **out) {
  return vkg_json_string(ctx, m->config, m->config_path, key, required, out);
}
