/* Whole-file reading with a size cap, and small helpers shared by the format code. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io/io_internal.h"

const char *vkg_io_format_dims(int ndim, const int64_t *dims, char *buf, size_t n) {
  size_t used = 0;
  if (n == 0) return buf;
  buf[0] = '\0';
  int w = snprintf(buf, n, "[");
  used = w > 0 ? (size_t)w : 0;
  for (int i = 0; i < ndim && used < n; i++) {
    if (dims[i] < 0)
      w = snprintf(buf + used, n - used, "%s*", i ? ", " : "");
    else
      w = snprintf(buf + used, n - used, "%s%" PRId64, i ? ", " : "", dims[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
  if (used < n) snprintf(buf + used, n - used, "]");
  return buf;
}

const char *vkg_io_json_type_name(const void *json_value) {
  const json_t *v = json_value;
  if (!v) return "nothing";
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER: return "integer";
  case JSON_REAL: return "real";
  case JSON_TRUE:
  case JSON_FALSE: return "boolean";
  case JSON_NULL: return "null";
  }
  return "unknown";
}

vkg_status vkg_io_write_all(vkg_ctx *ctx, const char *path, FILE *f, const void *buf, size_t n) {
  if (n == 0) return VKG_OK;
  errno = 0;
  if (fwrite(buf, 1, n, f) != n)
    return vkg_error(ctx, VKG_E_IO, "cannot write '%s': %s", path, errno ? strerror(errno) : "write error");
  return VKG_OK;
}

vkg_status vkg_read_file(vkg_ctx *ctx, const char *path, size_t max_bytes, char **data, size_t *size) {
  *data = NULL;
  if (size) *size = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return vkg_error(ctx, VKG_E_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", path, strerror(e));
  }
  if (S_ISDIR(sb.st_mode)) {
    close(fd);
    return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", path, strerror(EISDIR));
  }
  if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > (uint64_t)max_bytes) {
    close(fd);
    return vkg_error(ctx, VKG_E_INPUT, "'%s' is too large: %" PRIu64 " bytes, at most %zu are read", path,
                     (uint64_t)sb.st_size, max_bytes);
  }
  /* Regular files are read in one allocation; pipes and such grow as they go. */
  size_t cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 65536;
  size_t len = 0;
  char *buf = malloc(cap);
  if (!buf) {
    close(fd);
    return vkg_error(ctx, VKG_E_NOMEM, "cannot read '%s': out of memory for %zu bytes", path, cap);
  }
  for (;;) {
    if (len + 1 >= cap) {
      /* A regular file is usually fully read here: probe for EOF before growing. */
      char probe;
      ssize_t pr = read(fd, &probe, 1);
      if (pr == 0) break;
      if (pr < 0 && errno == EINTR) continue;
      if (pr < 0) {
        int e = errno;
        free(buf);
        close(fd);
        return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", path, strerror(e));
      }
      size_t ncap = cap * 2;
      char *nb = realloc(buf, ncap);
      if (!nb) {
        free(buf);
        close(fd);
        return vkg_error(ctx, VKG_E_NOMEM, "cannot read '%s': out of memory for %zu bytes", path, ncap);
      }
      buf = nb;
      cap = ncap;
      buf[len++] = probe;
    } else {
      ssize_t r = read(fd, buf + len, cap - 1 - len);
      if (r < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        free(buf);
        close(fd);
        return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", path, strerror(e));
      }
      if (r == 0) break;
      len += (size_t)r;
    }
    if (len > max_bytes) {
      free(buf);
      close(fd);
      return vkg_error(ctx, VKG_E_INPUT, "'%s' is too large: more than %zu bytes, at most %zu are read", path,
                       max_bytes, max_bytes);
    }
  }
  close(fd);
  buf[len] = '\0';
  *data = buf;
  if (size) *size = len;
  return VKG_OK;
}
