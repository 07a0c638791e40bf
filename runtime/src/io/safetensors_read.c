/* safetensors reader. Files come from the internet: every length, offset and count is
 * checked before it is used, and every message names the file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io/io_internal.h"

#define VKG_ST_MAX_HEADER ((uint64_t)100 << 20)

struct vkg_safetensors {
  char *path;
  void *map; /* when we mmapped the file */
  size_t map_size;
  const uint8_t *data; /* the data area (after the header) */
  size_t data_size;
  json_t *header; /* owns the name and dtype strings the entries point to */
  json_t *metadata;
  int n;
  vkg_st_entry *entries; /* sorted by name */
};

typedef struct st_dtype_info {
  const char *name;
  size_t size;
  int has_dtype;
  vkg_dtype dtype;
} st_dtype_info;

static const st_dtype_info st_dtypes[] = {
    {"F64", 8, 0, VKG_F32}, {"F32", 4, 1, VKG_F32}, {"F16", 2, 1, VKG_F16}, {"BF16", 2, 0, VKG_F32},
    {"I64", 8, 1, VKG_I64}, {"I32", 4, 1, VKG_I32}, {"I16", 2, 0, VKG_F32}, {"I8", 1, 0, VKG_F32},
    {"U8", 1, 1, VKG_U8},   {"BOOL", 1, 0, VKG_F32},
};

static const st_dtype_info *st_dtype_lookup(const char *s) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
    if (strcmp(st_dtypes[i].name, s) == 0) return &st_dtypes[i];
  return NULL;
}

static int cmp_entry_name(const void *a, const void *b) {
  return strcmp(((const vkg_st_entry *)a)->name, ((const vkg_st_entry *)b)->name);
}

typedef struct st_span {
  uint64_t begin, end;
  const char *name;
} st_span;

static int cmp_span(const void *a, const void *b) {
  const st_span *x = a, *y = b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return strcmp(x->name, y->name);
}

static vkg_status parse_metadata(vkg_ctx *ctx, const char *file, json_t *meta) {
  if (!json_is_object(meta))
    return vkg_error(ctx, VKG_E_INPUT, "%s: '__metadata__' must be an object of strings, got %s", file,
                     vkg_io_json_type_name(meta));
  const char *k;
  json_t *v;
  json_object_foreach(meta, k, v) {
    if (!json_is_string(v))
      return vkg_error(ctx, VKG_E_INPUT, "%s: '__metadata__' key '%s': expected a string, got %s", file, k,
                       vkg_io_json_type_name(v));
  }
  return VKG_OK;
}

/* Fills e from the JSON description of one tensor; span gets its data_offsets. */
static vkg_status parse_entry(vkg_ctx *ctx, const char *file, const char *name, json_t *desc,
                              const uint8_t *base, uint64_t data_size, vkg_st_entry *e, st_span *span) {
  if (!json_is_object(desc))
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': expected an object, got %s", file, name,
                     vkg_io_json_type_name(desc));
  json_t *jd = json_object_get(desc, "dtype");
  json_t *js = json_object_get(desc, "shape");
  json_t *jo = json_object_get(desc, "data_offsets");
  if (!jd) return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': missing 'dtype'", file, name);
  if (!js) return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': missing 'shape'", file, name);
  if (!jo) return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': missing 'data_offsets'", file, name);
  if (!json_is_string(jd))
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': 'dtype' must be a string, got %s", file, name,
                     vkg_io_json_type_name(jd));
  const st_dtype_info *dt = st_dtype_lookup(json_string_value(jd));
  if (!dt)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': unknown dtype '%s' (known: F64, F32, F16, BF16, I64, "
                     "I32, I16, I8, U8, BOOL)", file, name, json_string_value(jd));
  if (!json_is_array(js))
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': 'shape' must be an array of integers, got %s", file, name,
                     vkg_io_json_type_name(js));
  size_t ndim = json_array_size(js);
  if (ndim > VKG_MAX_DIMS)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': shape has %zu dimensions, at most %d are supported", file,
                     name, ndim, VKG_MAX_DIMS);
  memset(e, 0, sizeof *e);
  e->shape.ndim = (int)ndim;
  for (size_t i = 0; i < ndim; i++) {
    json_t *d = json_array_get(js, i);
    if (!json_is_integer(d) || json_integer_value(d) < 0)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': shape element %zu must be an integer >= 0, got %s",
                       file, name, i, json_is_integer(d) ? "a negative integer" : vkg_io_json_type_name(d));
    e->shape.d[i] = (int64_t)json_integer_value(d);
  }
  if (!json_is_array(jo) || json_array_size(jo) != 2 || !json_is_integer(json_array_get(jo, 0)) ||
      !json_is_integer(json_array_get(jo, 1)))
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': 'data_offsets' must be [begin, end] integers", file, name);
  json_int_t b = json_integer_value(json_array_get(jo, 0)), en = json_integer_value(json_array_get(jo, 1));
  if (b < 0 || en < b)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': bad data_offsets [%" JSON_INTEGER_FORMAT ", %"
                     JSON_INTEGER_FORMAT "]", file, name, b, en);
  if ((uint64_t)en > data_size)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': data_offsets [%" JSON_INTEGER_FORMAT ", %"
                     JSON_INTEGER_FORMAT "] run past the end of the data area (%" PRIu64 " bytes)", file, name, b,
                     en, data_size);
  char sbuf[160];
  uint64_t numel = 1, need;
  int overflow = 0;
  for (int i = 0; i < e->shape.ndim; i++) overflow |= __builtin_mul_overflow(numel, (uint64_t)e->shape.d[i], &numel);
  overflow |= __builtin_mul_overflow(numel, (uint64_t)dt->size, &need);
  uint64_t have = (uint64_t)(en - b);
  if (overflow)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': shape %s of %s is too large (size overflows), "
                     "data_offsets give %" PRIu64 " bytes", file, name,
                     vkg_io_format_dims(e->shape.ndim, e->shape.d, sbuf, sizeof sbuf), dt->name, have);
  if (need != have)
    return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s': shape %s of %s needs %" PRIu64 " bytes, data_offsets "
                     "give %" PRIu64, file, name, vkg_io_format_dims(e->shape.ndim, e->shape.d, sbuf, sizeof sbuf),
                     dt->name, need, have);
  e->name = name;
  e->st_dtype = dt->name;
  e->has_dtype = dt->has_dtype;
  e->dtype = dt->dtype;
  e->elem_size = dt->size;
  e->bytes = (size_t)have;
  e->data = base + (size_t)b;
  span->begin = (uint64_t)b;
  span->end = (uint64_t)en;
  span->name = name;
  return VKG_OK;
}

/* Tensors must tile the data area exactly: sorted by offset, each begins where the one
 * before ended, and the last ends at the end of the file. */
static vkg_status check_layout(vkg_ctx *ctx, const char *file, st_span *spans, int n, uint64_t data_size) {
  qsort(spans, (size_t)n, sizeof *spans, cmp_span);
  uint64_t pos = 0;
  for (int i = 0; i < n; i++) {
    if (spans[i].begin < pos)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensors '%s' [%" PRIu64 ", %" PRIu64 "] and '%s' [%" PRIu64
                       ", %" PRIu64 "] overlap", file, spans[i - 1].name, spans[i - 1].begin, spans[i - 1].end,
                       spans[i].name, spans[i].begin, spans[i].end);
    if (spans[i].begin > pos) {
      if (i == 0)
        return vkg_error(ctx, VKG_E_INPUT, "%s: gap in the data area: bytes [0, %" PRIu64 ") before tensor '%s' "
                         "belong to no tensor", file, spans[i].begin, spans[i].name);
      return vkg_error(ctx, VKG_E_INPUT, "%s: gap in the data area: bytes [%" PRIu64 ", %" PRIu64 ") between "
                       "tensors '%s' and '%s' belong to no tensor", file, pos, spans[i].begin, spans[i - 1].name,
                       spans[i].name);
    }
    pos = spans[i].end;
  }
  if (pos != data_size)
    return vkg_error(ctx, VKG_E_INPUT, "%s: the data area has %" PRIu64 " bytes but the tensors cover %" PRIu64
                     " (trailing bytes after the last tensor)", file, data_size, pos);
  return VKG_OK;
}

static vkg_status parse_into(vkg_ctx *ctx, vkg_safetensors *st, const char *file, const uint8_t *p, size_t size) {
  if (size == 0) return vkg_error(ctx, VKG_E_INPUT, "%s: empty file, not a safetensors file", file);
  if (size < 8)
    return vkg_error(ctx, VKG_E_INPUT, "%s: file of %zu bytes is too short for a safetensors header", file, size);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | p[i];
  if (hlen == 0) return vkg_error(ctx, VKG_E_INPUT, "%s: header length is 0, not a safetensors file", file);
  if (hlen > VKG_ST_MAX_HEADER)
    return vkg_error(ctx, VKG_E_INPUT, "%s: header length %" PRIu64 " exceeds the 100 MiB limit (not a "
                     "safetensors file?)", file, hlen);
  if (hlen > (uint64_t)size - 8)
    return vkg_error(ctx, VKG_E_INPUT, "%s: header length %" PRIu64 " runs past the end of the file (%zu bytes)",
                     file, hlen, size);
  json_error_t jerr;
  json_t *root = json_loadb((const char *)p + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
  if (!root)
    return vkg_error(ctx, VKG_E_INPUT, "%s: header is not valid JSON: %s (header byte %d, line %d, column %d)",
                     file, jerr.text, jerr.position, jerr.line, jerr.column);
  st->header = root;
  if (!json_is_object(root))
    return vkg_error(ctx, VKG_E_INPUT, "%s: header must be a JSON object, got %s", file,
                     vkg_io_json_type_name(root));
  st->data = p + 8 + hlen;
  st->data_size = size - 8 - (size_t)hlen;
  size_t count = json_object_size(root);
  json_t *meta = json_object_get(root, "__metadata__");
  if (meta) {
    vkg_status s = parse_metadata(ctx, file, meta);
    if (s != VKG_OK) return s;
    st->metadata = meta;
    count--;
  }
  st->entries = calloc(count ? count : 1, sizeof *st->entries);
  st_span *spans = calloc(count ? count : 1, sizeof *spans);
  if (!st->entries || !spans) {
    free(spans);
    return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory for %zu tensor entries", file, count);
  }
  const char *key;
  json_t *desc;
  int n = 0;
  json_object_foreach(root, key, desc) {
    if (strcmp(key, "__metadata__") == 0) continue;
    vkg_status s = parse_entry(ctx, file, key, desc, st->data, st->data_size, &st->entries[n], &spans[n]);
    if (s != VKG_OK) {
      free(spans);
      return s;
    }
    n++;
  }
  vkg_status s = check_layout(ctx, file, spans, n, st->data_size);
  free(spans);
  if (s != VKG_OK) return s;
  st->n = n;
  qsort(st->entries, (size_t)n, sizeof *st->entries, cmp_entry_name);
  return VKG_OK;
}

static vkg_safetensors *st_alloc(const char *name) {
  vkg_safetensors *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->path = strdup(name ? name : "<memory>");
  if (!st->path) {
    free(st);
    return NULL;
  }
  return st;
}

vkg_status vkg_safetensors_parse(vkg_ctx *ctx, const char *name, const void *data, size_t size,
                                 vkg_safetensors **out) {
  *out = NULL;
  if (!name) name = "<memory>";
  if (!data && size) return vkg_error(ctx, VKG_E_INTERNAL, "%s: NULL data", name);
  vkg_safetensors *st = st_alloc(name);
  if (!st) return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory", name);
  vkg_status s = parse_into(ctx, st, st->path, data, size);
  if (s != VKG_OK) {
    vkg_safetensors_close(st);
    return s;
  }
  *out = st;
  return VKG_OK;
}

vkg_status vkg_safetensors_open(vkg_ctx *ctx, const char *path, vkg_safetensors **out) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return vkg_error(ctx, VKG_E_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return vkg_error(ctx, VKG_E_IO, "cannot read '%s': not a regular file", path);
  }
  if (sb.st_size == 0) {
    close(fd);
    return vkg_error(ctx, VKG_E_INPUT, "%s: empty file, not a safetensors file", path);
  }
  vkg_safetensors *st = st_alloc(path);
  if (!st) {
    close(fd);
    return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory", path);
  }
  size_t size = (size_t)sb.st_size;
  void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (map == MAP_FAILED) {
    vkg_safetensors_close(st);
    return vkg_error(ctx, VKG_E_IO, "cannot map '%s': %s", path, strerror(e));
  }
  st->map = map;
  st->map_size = size;
  vkg_status s = parse_into(ctx, st, st->path, map, size);
  if (s != VKG_OK) {
    vkg_safetensors_close(st);
    return s;
  }
  *out = st;
  return VKG_OK;
}

void vkg_safetensors_close(vkg_safetensors *st) {
  if (!st) return;
  if (st->map) munmap(st->map, st->map_size);
  json_decref(st->header);
  free(st->entries);
  free(st->path);
  free(st);
}

const char *vkg_safetensors_path(const vkg_safetensors *st) { return st->path; }

int vkg_safetensors_count(const vkg_safetensors *st) { return st->n; }

const vkg_st_entry *vkg_safetensors_entry(const vkg_safetensors *st, int i) {
  if (i < 0 || i >= st->n) return NULL;
  return &st->entries[i];
}

const vkg_st_entry *vkg_safetensors_find(const vkg_safetensors *st, const char *name) {
  if (!name || st->n == 0) return NULL;
  vkg_st_entry key;
  memset(&key, 0, sizeof key);
  key.name = name;
  return bsearch(&key, st->entries, (size_t)st->n, sizeof *st->entries, cmp_entry_name);
}

const char *vkg_safetensors_metadata(const vkg_safetensors *st, const char *key) {
  if (!st->metadata || !key) return NULL;
  return json_string_value(json_object_get(st->metadata, key));
}

const void *vkg_safetensors_metadata_object(const vkg_safetensors *st) { return st->metadata; }

static float bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

vkg_status vkg_safetensors_read_f32(vkg_ctx *ctx, const vkg_safetensors *st, const vkg_st_entry *e, float *out) {
  size_t n = e->elem_size ? e->bytes / e->elem_size : 0;
  const uint8_t *src = e->data;
  /* The data area need not be aligned, so every element goes through memcpy. */
  if (strcmp(e->st_dtype, "F32") == 0) {
    if (n) memcpy(out, src, n * sizeof(float));
  } else if (strcmp(e->st_dtype, "F16") == 0) {
    for (size_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, src + 2 * i, 2);
      out[i] = vkg_f16_to_f32(h);
    }
  } else if (strcmp(e->st_dtype, "BF16") == 0) {
    for (size_t i = 0; i < n; i++) {
      uint16_t h;
      memcpy(&h, src + 2 * i, 2);
      out[i] = bf16_to_f32(h);
    }
  } else if (strcmp(e->st_dtype, "F64") == 0) {
    for (size_t i = 0; i < n; i++) {
      double d;
      memcpy(&d, src + 8 * i, 8);
      out[i] = (float)d;
    }
  } else {
    return vkg_error(ctx, VKG_E_INPUT, "tensor '%s' in %s: dtype %s cannot be read as floats (F32, F16, BF16 or "
                     "F64 expected)", e->name, st->path, e->st_dtype);
  }
  return VKG_OK;
}

vkg_status vkg_safetensors_expect(vkg_ctx *ctx, const vkg_safetensors *st, const char *name, int ndim,
                                  const int64_t *dims, const vkg_st_entry **out) {
  if (out) *out = NULL;
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  if (!e) return vkg_error(ctx, VKG_E_INPUT, "missing tensor '%s' in %s", name, st->path);
  int ok = e->shape.ndim == ndim;
  for (int i = 0; ok && i < ndim; i++)
    if (dims[i] >= 0 && dims[i] != e->shape.d[i]) ok = 0;
  if (!ok) {
    char want[160], got[160];
    return vkg_error(ctx, VKG_E_INPUT, "tensor '%s' in %s: expected shape %s, got %s", name, st->path,
                     vkg_io_format_dims(ndim, dims, want, sizeof want),
                     vkg_io_format_dims(e->shape.ndim, e->shape.d, got, sizeof got));
  }
  if (out) *out = e;
  return VKG_OK;
}
