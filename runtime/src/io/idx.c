/* IDX files (MNIST, Fashion-MNIST), plain or gzip'd. The payload is decompressed into a
 * buffer that grows as data actually arrives, so a header that claims a huge size cannot
 * make us allocate it from a tiny file. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "io/io_internal.h"

#define VKG_IDX_MAX_BYTES ((uint64_t)2 << 30)

/* A byte source: plain memory, gzip'd memory (inflate) or a file through gzread (which
 * reads plain and gzip'd files alike). */
typedef struct idx_src {
  const char *name;
  const uint8_t *mem;
  size_t size, pos;
  int inflating;
  int stream_end;
  z_stream zs;
  gzFile gz;
} idx_src;

/* Reads up to n bytes; *got < n only at the end of the data. */
static vkg_status src_read(vkg_ctx *ctx, idx_src *s, void *buf, size_t n, size_t *got) {
  *got = 0;
  if (s->gz) {
    uint8_t *p = buf;
    while (*got < n) {
      size_t want = n - *got;
      if (want > ((size_t)1 << 30)) want = (size_t)1 << 30;
      int r = gzread(s->gz, p + *got, (unsigned)want);
      if (r < 0) {
        int zerr = 0;
        const char *m = gzerror(s->gz, &zerr);
        if (zerr == Z_ERRNO)
          return vkg_error(ctx, VKG_E_IO, "cannot read '%s': %s", s->name, strerror(errno));
        return vkg_error(ctx, VKG_E_INPUT, "%s: bad gzip data: %s", s->name, m);
      }
      if (r == 0) {
        int zerr = 0;
        const char *m = gzerror(s->gz, &zerr);
        if (zerr != Z_OK) return vkg_error(ctx, VKG_E_INPUT, "%s: bad gzip data: %s", s->name, m);
        break;
      }
      *got += (size_t)r;
    }
    return VKG_OK;
  }
  if (!s->inflating) {
    size_t k = s->size - s->pos < n ? s->size - s->pos : n;
    if (k) memcpy(buf, s->mem + s->pos, k);
    s->pos += k;
    *got = k;
    return VKG_OK;
  }
  uint8_t *p = buf;
  while (*got < n && !s->stream_end) {
    size_t want = n - *got;
    if (want > ((size_t)1 << 30)) want = (size_t)1 << 30;
    s->zs.next_out = p + *got;
    s->zs.avail_out = (uInt)want;
    uInt before = s->zs.avail_out;
    int r = inflate(&s->zs, Z_NO_FLUSH);
    *got += before - s->zs.avail_out;
    if (r == Z_STREAM_END) {
      /* gzip allows several members back to back; anything else after one is garbage. */
      if (s->zs.avail_in >= 2 && s->zs.next_in[0] == 0x1f && s->zs.next_in[1] == 0x8b) {
        if (inflateReset(&s->zs) != Z_OK)
          return vkg_error(ctx, VKG_E_INPUT, "%s: bad gzip data", s->name);
        continue;
      }
      if (s->zs.avail_in != 0)
        return vkg_error(ctx, VKG_E_INPUT, "%s: %u bytes of trailing garbage after the gzip data", s->name,
                         (unsigned)s->zs.avail_in);
      s->stream_end = 1;
    } else if (r == Z_BUF_ERROR) {
      if (s->zs.avail_in == 0)
        return vkg_error(ctx, VKG_E_INPUT, "%s: truncated gzip data (the stream ends early)", s->name);
      return vkg_error(ctx, VKG_E_INPUT, "%s: bad gzip data (no progress)", s->name);
    } else if (r == Z_MEM_ERROR) {
      return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory while decompressing", s->name);
    } else if (r != Z_OK) {
      return vkg_error(ctx, VKG_E_INPUT, "%s: bad gzip data: %s", s->name, s->zs.msg ? s->zs.msg : "inflate error");
    }
  }
  return VKG_OK;
}

/* The stream must end exactly here (no trailing bytes in the payload, gzip intact). */
static vkg_status src_expect_end(vkg_ctx *ctx, idx_src *s, uint64_t expected) {
  uint8_t extra[64];
  size_t got = 0;
  vkg_status st = src_read(ctx, s, extra, sizeof extra, &got);
  if (st != VKG_OK) return st;
  if (got) {
    /* Count the rest for a useful message, within reason. */
    uint64_t more = got;
    for (int i = 0; i < 1024 && got == sizeof extra; i++) {
      st = src_read(ctx, s, extra, sizeof extra, &got);
      if (st != VKG_OK) return st;
      more += got;
    }
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s%" PRIu64 " trailing bytes after the %" PRIu64 " bytes of data the "
                     "header describes", s->name, got == sizeof extra ? "more than " : "", more, expected);
  }
  if (s->inflating && !s->stream_end)
    return vkg_error(ctx, VKG_E_INPUT, "%s: truncated gzip data (the stream ends early)", s->name);
  return VKG_OK;
}

static size_t idx_elem_size(int type) {
  switch (type) {
  case 0x08:
  case 0x09: return 1;
  case 0x0B: return 2;
  case 0x0C:
  case 0x0D: return 4;
  case 0x0E: return 8;
  default: return 0;
  }
}

static void swap_to_native(uint8_t *p, size_t bytes, size_t es) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  (void)p;
  (void)bytes;
  (void)es;
#else
  if (es < 2) return;
  for (size_t i = 0; i + es <= bytes; i += es)
    for (size_t a = 0, b = es - 1; a < b; a++, b--) {
      uint8_t t = p[i + a];
      p[i + a] = p[i + b];
      p[i + b] = t;
    }
#endif
}

static vkg_status idx_load(vkg_ctx *ctx, idx_src *s, int64_t known_plain_size, vkg_idx *out) {
  uint8_t head[4 + 4 * VKG_MAX_DIMS];
  size_t got = 0;
  vkg_status st = src_read(ctx, s, head, 4, &got);
  if (st != VKG_OK) return st;
  if (got == 0) return vkg_error(ctx, VKG_E_INPUT, "%s: empty file, not an IDX file", s->name);
  if (got < 4) return vkg_error(ctx, VKG_E_INPUT, "%s: truncated IDX header", s->name);
  if (head[0] != 0 || head[1] != 0)
    return vkg_error(ctx, VKG_E_INPUT, "%s: bad magic %02x %02x %02x %02x, not an IDX file (expected 00 00 TYPE "
                     "NDIM)", s->name, head[0], head[1], head[2], head[3]);
  int type = head[2], ndim = head[3];
  size_t es = idx_elem_size(type);
  if (!es)
    return vkg_error(ctx, VKG_E_INPUT, "%s: unknown IDX element type 0x%02x (0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E "
                     "expected)", s->name, type);
  if (ndim < 1 || ndim > VKG_MAX_DIMS)
    return vkg_error(ctx, VKG_E_INPUT, "%s: IDX file has %d dimensions; 1 to %d are supported", s->name, ndim,
                     VKG_MAX_DIMS);
  st = src_read(ctx, s, head + 4, 4 * (size_t)ndim, &got);
  if (st != VKG_OK) return st;
  if (got < 4 * (size_t)ndim) return vkg_error(ctx, VKG_E_INPUT, "%s: truncated IDX header", s->name);
  uint64_t bytes = es;
  int overflow = 0;
  for (int i = 0; i < ndim; i++) {
    const uint8_t *d = head + 4 + 4 * i;
    out->dims[i] = (int64_t)(((uint32_t)d[0] << 24) | ((uint32_t)d[1] << 16) | ((uint32_t)d[2] << 8) | d[3]);
    overflow |= __builtin_mul_overflow(bytes, (uint64_t)out->dims[i], &bytes);
  }
  out->ndim = ndim;
  out->type = type;
  char sb[160];
  if (overflow || bytes > VKG_IDX_MAX_BYTES)
    return vkg_error(ctx, VKG_E_INPUT, "%s: IDX dims %s need more than the 2 GiB limit", s->name,
                     vkg_io_format_dims(ndim, out->dims, sb, sizeof sb));
  uint64_t header = 4 + 4 * (uint64_t)ndim;
  if (known_plain_size >= 0 && (uint64_t)known_plain_size != header + bytes)
    return vkg_error(ctx, VKG_E_INPUT, "%s: IDX dims %s need %" PRIu64 " bytes of data, the file has %" PRIu64
                     " (%s)", s->name, vkg_io_format_dims(ndim, out->dims, sb, sizeof sb), bytes,
                     (uint64_t)known_plain_size - header,
                     (uint64_t)known_plain_size < header + bytes ? "truncated" : "trailing bytes");
  /* Grow as data arrives: capacity doubles from 1 MiB up to the size the header claims. */
  size_t cap = bytes < ((size_t)1 << 20) ? (size_t)bytes : ((size_t)1 << 20), len = 0;
  uint8_t *buf = malloc(cap ? cap : 1);
  if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory", s->name);
  while (len < bytes) {
    if (len == cap) {
      size_t ncap = cap * 2 < bytes ? cap * 2 : (size_t)bytes;
      uint8_t *nb = realloc(buf, ncap);
      if (!nb) {
        free(buf);
        return vkg_error(ctx, VKG_E_NOMEM, "%s: out of memory for %zu bytes", s->name, ncap);
      }
      buf = nb;
      cap = ncap;
    }
    st = src_read(ctx, s, buf + len, cap - len, &got);
    if (st != VKG_OK) {
      free(buf);
      return st;
    }
    len += got;
    if (len < cap) {
      free(buf);
      return vkg_error(ctx, VKG_E_INPUT, "%s: truncated: IDX dims %s need %" PRIu64 " bytes of data, the file has %zu",
                       s->name, vkg_io_format_dims(ndim, out->dims, sb, sizeof sb), bytes, len);
    }
  }
  st = src_expect_end(ctx, s, bytes);
  if (st != VKG_OK) {
    free(buf);
    return st;
  }
  swap_to_native(buf, len, es);
  out->data = buf;
  out->bytes = len;
  return VKG_OK;
}

vkg_status vkg_idx_parse(vkg_ctx *ctx, const char *name, const void *data, size_t size, vkg_idx *out) {
  memset(out, 0, sizeof *out);
  idx_src s;
  memset(&s, 0, sizeof s);
  s.name = name ? name : "<memory>";
  s.mem = data;
  s.size = data ? size : 0;
  int64_t plain = -1;
  if (s.size >= 2 && s.mem[0] == 0x1f && s.mem[1] == 0x8b) {
    /* 16 + MAX_WBITS: gzip wrapper only. */
    if (inflateInit2(&s.zs, 16 + MAX_WBITS) != Z_OK)
      return vkg_error(ctx, VKG_E_NOMEM, "%s: cannot start gzip decompression", s.name);
    s.inflating = 1;
    s.zs.next_in = (Bytef *)(uintptr_t)s.mem;
    /* zlib counts in uInt; inputs over 4 GiB are beyond the 2 GiB payload limit anyway. */
    s.zs.avail_in = s.size > UINT32_MAX ? UINT32_MAX : (uInt)s.size;
  } else {
    plain = (int64_t)s.size;
  }
  vkg_status st = idx_load(ctx, &s, plain, out);
  if (s.inflating) inflateEnd(&s.zs);
  if (st != VKG_OK) vkg_idx_free(out);
  return st;
}

vkg_status vkg_idx_read(vkg_ctx *ctx, const char *path, vkg_idx *out) {
  memset(out, 0, sizeof *out);
  idx_src s;
  memset(&s, 0, sizeof s);
  s.name = path;
  errno = 0;
  s.gz = gzopen(path, "rb");
  if (!s.gz) return vkg_error(ctx, VKG_E_IO, "cannot open '%s': %s", path, errno ? strerror(errno) : "gzopen failed");
  gzbuffer(s.gz, 1 << 17);
  vkg_status st = idx_load(ctx, &s, -1, out);
  gzclose(s.gz);
  if (st != VKG_OK) vkg_idx_free(out);
  return st;
}

void vkg_idx_free(vkg_idx *idx) {
  if (!idx) return;
  free(idx->data);
  idx->data = NULL;
  idx->bytes = 0;
}
