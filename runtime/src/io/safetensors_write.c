/* safetensors writer: header sorted by name, contiguous data, header padded with spaces to
 * a multiple of 8 (as the Python library does), written atomically through vkg_outfile. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "io/io_internal.h"

typedef struct wr_item {
  const char *name;
  const char *st_dtype;
  vkg_shape shape;
  const void *data;
  size_t bytes;
} wr_item;

static int cmp_item(const void *a, const void *b) {
  return strcmp(((const wr_item *)a)->name, ((const wr_item *)b)->name);
}

static const char *st_name_of(vkg_dtype t) {
  switch (t) {
  case VKG_F32: return "F32";
  case VKG_F16: return "F16";
  case VKG_I32: return "I32";
  case VKG_I64: return "I64";
  case VKG_U8: return "U8";
  default: return NULL;
  }
}

static size_t st_size_of(vkg_dtype t) {
  switch (t) {
  case VKG_F32:
  case VKG_I32: return 4;
  case VKG_F16: return 2;
  case VKG_I64: return 8;
  case VKG_U8: return 1;
  default: return 0;
  }
}

static vkg_status check_new_entry(vkg_ctx *ctx, const char *path, const vkg_st_write_entry *e, size_t *bytes) {
  if (!e->name || !e->name[0])
    return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': a tensor has an empty name", path);
  if (strcmp(e->name, "__metadata__") == 0)
    return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': '__metadata__' is not a valid tensor name", path);
  const char *dn = st_name_of(e->dtype);
  if (!dn) return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': tensor '%s': bad dtype %d", path, e->name,
                            (int)e->dtype);
  if (e->shape.ndim < 0 || e->shape.ndim > VKG_MAX_DIMS)
    return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': tensor '%s': %d dimensions (0..%d allowed)", path,
                     e->name, e->shape.ndim, VKG_MAX_DIMS);
  uint64_t n = st_size_of(e->dtype);
  for (int i = 0; i < e->shape.ndim; i++) {
    if (e->shape.d[i] < 0 || __builtin_mul_overflow(n, (uint64_t)e->shape.d[i], &n) || n > (uint64_t)SIZE_MAX) {
      char sb[160];
      return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': tensor '%s': bad shape %s", path, e->name,
                       vkg_io_format_dims(e->shape.ndim, e->shape.d, sb, sizeof sb));
    }
  }
  if (n && !e->data)
    return vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': tensor '%s' has no data", path, e->name);
  *bytes = (size_t)n;
  return VKG_OK;
}

static json_t *shape_json(const vkg_shape *s) {
  json_t *a = json_array();
  for (int i = 0; a && i < s->ndim; i++) json_array_append_new(a, json_integer((json_int_t)s->d[i]));
  return a;
}

/* The header as JSON text padded with spaces so 8 + its length is a multiple of 8. */
static vkg_status build_header(vkg_ctx *ctx, const char *path, const wr_item *items, int n, json_t *meta,
                               char **text, size_t *len) {
  json_t *root = json_object();
  if (!root) return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  int bad = 0;
  if (meta && json_object_size(meta) > 0) bad |= json_object_set(root, "__metadata__", meta);
  uint64_t off = 0;
  for (int i = 0; i < n; i++) {
    json_t *d = json_pack("{s:s, s:o, s:[I, I]}", "dtype", items[i].st_dtype, "shape", shape_json(&items[i].shape),
                          "data_offsets", (json_int_t)off, (json_int_t)(off + items[i].bytes));
    off += items[i].bytes;
    bad |= !d || json_object_set_new(root, items[i].name, d);
  }
  char *s = bad ? NULL : json_dumps(root, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(root);
  if (!s) return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': cannot build the header", path);
  size_t l = strlen(s), padded = (l + 7) & ~(size_t)7;
  char *p = realloc(s, padded + 1);
  if (!p) {
    free(s);
    return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  }
  memset(p + l, ' ', padded - l);
  p[padded] = '\0';
  *text = p;
  *len = padded;
  return VKG_OK;
}

static vkg_status write_file(vkg_ctx *ctx, const char *path, const wr_item *items, int n, json_t *meta) {
  char *header = NULL;
  size_t hlen = 0;
  vkg_status st = build_header(ctx, path, items, n, meta, &header, &hlen);
  if (st != VKG_OK) return st;
  vkg_outfile o;
  st = vkg_outfile_open(ctx, path, &o);
  if (st != VKG_OK) {
    free(header);
    return st;
  }
  uint8_t lenbuf[8];
  for (int i = 0; i < 8; i++) lenbuf[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
  st = vkg_io_write_all(ctx, path, o.f, lenbuf, 8);
  if (st == VKG_OK) st = vkg_io_write_all(ctx, path, o.f, header, hlen);
  for (int i = 0; st == VKG_OK && i < n; i++) st = vkg_io_write_all(ctx, path, o.f, items[i].data, items[i].bytes);
  free(header);
  if (st != VKG_OK) {
    vkg_outfile_abort(&o);
    return st;
  }
  return vkg_outfile_commit(ctx, &o);
}

vkg_status vkg_safetensors_write(vkg_ctx *ctx, const char *path, const vkg_st_write_entry *entries, int n,
                                 const char *const *meta_kv, int nmeta, int append) {
  if (n < 0 || nmeta < 0 || (n > 0 && !entries) || (nmeta > 0 && !meta_kv))
    return vkg_error(ctx, VKG_E_INTERNAL, "vkg_safetensors_write: bad arguments for '%s'", path);
  vkg_safetensors *old = NULL;
  if (append) {
    struct stat sb;
    vkg_status ts = vkg_output_target_check(ctx, path); /* before reading it: a FIFO would block */
    if (ts != VKG_OK) return ts;
    if (stat(path, &sb) == 0) {
      vkg_status s = vkg_safetensors_open(ctx, path, &old);
      if (s != VKG_OK) return vkg_error_prefix(ctx, "cannot append to '%s': ", path);
    } else if (errno != ENOENT) {
      return vkg_error(ctx, VKG_E_IO, "cannot append to '%s': %s", path, strerror(errno));
    }
  }
  int nold = old ? vkg_safetensors_count(old) : 0;
  wr_item *items = calloc((size_t)n + (size_t)nold + 1, sizeof *items);
  json_t *meta = json_object();
  vkg_status st = VKG_OK;
  if (!items || !meta) st = vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  int m = 0;
  for (int i = 0; st == VKG_OK && i < n; i++) {
    size_t bytes = 0;
    st = check_new_entry(ctx, path, &entries[i], &bytes);
    for (int j = 0; st == VKG_OK && j < i; j++)
      if (strcmp(entries[j].name, entries[i].name) == 0)
        st = vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': tensor '%s' is given twice", path, entries[i].name);
    if (st != VKG_OK) break;
    items[m++] = (wr_item){entries[i].name, st_name_of(entries[i].dtype), entries[i].shape, entries[i].data, bytes};
  }
  /* Kept entries: those of the old file that no new entry replaces. */
  for (int i = 0; st == VKG_OK && i < nold; i++) {
    const vkg_st_entry *e = vkg_safetensors_entry(old, i);
    int replaced = 0;
    for (int j = 0; j < n && !replaced; j++) replaced = strcmp(entries[j].name, e->name) == 0;
    if (!replaced) items[m++] = (wr_item){e->name, e->st_dtype, e->shape, e->data, e->bytes};
  }
  if (st == VKG_OK && old) {
    /* Old metadata first so new pairs override it. */
    const json_t *om = vkg_safetensors_metadata_object(old);
    if (om && json_object_update(meta, (json_t *)om) != 0)
      st = vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  }
  for (int i = 0; st == VKG_OK && i < nmeta; i++) {
    const char *k = meta_kv[2 * i], *v = meta_kv[2 * i + 1];
    if (!k || !v) {
      st = vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': metadata pair %d has a NULL key or value", path, i);
      break;
    }
    if (json_object_set_new(meta, k, json_string(v)) != 0)
      st = vkg_error(ctx, VKG_E_INPUT, "cannot write '%s': metadata '%s' is not valid UTF-8", path, k);
  }
  if (st == VKG_OK) {
    qsort(items, (size_t)m, sizeof *items, cmp_item);
    st = write_file(ctx, path, items, m, meta);
  }
  json_decref(meta);
  free(items);
  vkg_safetensors_close(old);
  return st;
}
