/* Reads pytorch-fid's statistics (.npz from np.savez / np.savez_compressed: a zip of mu.npy and
 * sigma.npy) into moments. Only what numpy writes is supported: stored or deflated members,
 * zip64 size fields, little-endian f8/f4 arrays in C order. Every size is checked. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <vkgen/io.h>

#include "fid_internal.h"

static uint32_t rd16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const unsigned char *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Member name's bytes, uncompressed (malloc'd). */
static vkg_status member(vkg_ctx *ctx, const char *path, const unsigned char *z, size_t size, const char *want,
                         unsigned char **out, size_t *out_len) {
  *out = NULL;
  if (size < 22) return vkg_error(ctx, VKG_E_INPUT, "%s: not a zip (.npz) file", path);
  size_t eocd = size - 22;
  while (eocd > 0 && rd32(z + eocd) != 0x06054b50u && size - eocd < 22 + 65535) eocd--;
  if (rd32(z + eocd) != 0x06054b50u) return vkg_error(ctx, VKG_E_INPUT, "%s: not a zip (.npz) file", path);
  uint64_t count = rd16(z + eocd + 10), cd = rd32(z + eocd + 16);
  if (cd == 0xFFFFFFFFu || count == 0xFFFFu) {
    /* zip64 end record, found through its locator just before the classic one. */
    if (eocd < 20 || rd32(z + eocd - 20) != 0x07064b50u) return vkg_error(ctx, VKG_E_INPUT, "%s: bad zip64 file", path);
    uint64_t e64 = rd64(z + eocd - 20 + 8);
    if (e64 > size - 56 || rd32(z + e64) != 0x06064b50u) return vkg_error(ctx, VKG_E_INPUT, "%s: bad zip64 file", path);
    count = rd64(z + e64 + 32);
    cd = rd64(z + e64 + 48);
  }
  size_t p = (size_t)cd;
  for (uint64_t i = 0; i < count; i++) {
    if (p > size - 46 || rd32(z + p) != 0x02014b50u) break;
    uint32_t method = rd16(z + p + 10), nlen = rd16(z + p + 28), xlen = rd16(z + p + 30), clen = rd16(z + p + 32);
    uint64_t csize = rd32(z + p + 20), usize = rd32(z + p + 24), off = rd32(z + p + 42);
    if (p + 46 + (size_t)nlen + xlen + clen > size) break;
    const unsigned char *name = z + p + 46;
    /* zip64 extra: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order. */
    for (size_t x = 0; x + 4 <= xlen;) {
      uint32_t id = rd16(name + nlen + x), len = rd16(name + nlen + x + 2);
      const unsigned char *d = name + nlen + x + 4;
      if (x + 4 + len > xlen) break;
      if (id == 1) {
        size_t k = 0;
        if (usize == 0xFFFFFFFFu && k + 8 <= len) usize = rd64(d + k), k += 8;
        if (csize == 0xFFFFFFFFu && k + 8 <= len) csize = rd64(d + k), k += 8;
        if (off == 0xFFFFFFFFu && k + 8 <= len) off = rd64(d + k), k += 8;
      }
      x += 4 + len;
    }
    if (nlen == strlen(want) && memcmp(name, want, nlen) == 0) {
      if (off > size - 30 || rd32(z + off) != 0x04034b50u) break;
      uint64_t data = off + 30 + rd16(z + off + 26) + rd16(z + off + 28);
      if (data > size || csize > size - data || usize > ((uint64_t)1 << 34)) break;
      unsigned char *buf = malloc(usize ? (size_t)usize : 1);
      if (!buf) return vkg_error(ctx, VKG_E_NOMEM, "%s: out of host memory", path);
      if (method == 0 && csize == usize) {
        memcpy(buf, z + data, (size_t)usize);
      } else if (method == 8) {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (inflateInit2(&s, -15) != Z_OK) {
          free(buf);
          return vkg_error(ctx, VKG_E_INTERNAL, "%s: zlib init failed", path);
        }
        s.next_in = (unsigned char *)(z + data);
        s.avail_in = (uInt)csize;
        s.next_out = buf;
        s.avail_out = (uInt)usize;
        int r = inflate(&s, Z_FINISH);
        inflateEnd(&s);
        if (r != Z_STREAM_END || s.total_out != usize) {
          free(buf);
          return vkg_error(ctx, VKG_E_INPUT, "%s: member '%s' is corrupt", path, want);
        }
      } else {
        free(buf);
        return vkg_error(ctx, VKG_E_INPUT, "%s: member '%s' uses zip method %u (stored or deflate expected)", path,
                         want, method);
      }
      *out = buf;
      *out_len = (size_t)usize;
      return VKG_OK;
    }
    p += 46 + (size_t)nlen + xlen + clen;
  }
  return vkg_error(ctx, VKG_E_INPUT, "%s: no '%s' in the .npz file (pytorch-fid stats hold mu and sigma)", path, want);
}

/* A .npy array of ndim dims (all equal to *d, or setting it when 0) into doubles. */
static vkg_status npy(vkg_ctx *ctx, const char *path, const char *what, const unsigned char *b, size_t n, int ndim,
                      int64_t *d, double **out) {
  *out = NULL;
  if (n < 10 || memcmp(b, "\x93NUMPY", 6) != 0) return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' is not a .npy array", path, what);
  size_t hl = b[6] == 1 ? rd16(b + 8) : rd32(b + 8), h0 = b[6] == 1 ? 10 : 12;
  if (h0 + hl > n || hl > 4096) return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' has a bad .npy header", path, what);
  char hdr[4100];
  memcpy(hdr, b + h0, hl);
  hdr[hl] = 0;
  int f8 = strstr(hdr, "'<f8'") != NULL, f4 = strstr(hdr, "'<f4'") != NULL;
  const char *sh = strstr(hdr, "'shape':");
  if ((!f8 && !f4) || strstr(hdr, "'fortran_order': True") || !sh)
    return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' must be a little-endian float64/float32 C-order array (%s)", path,
                     what, hdr);
  sh = strchr(sh, '(');
  int64_t dims[2] = {0, 0};
  int k = 0;
  while (sh && k < 3) {
    while (*sh == '(' || *sh == ' ' || *sh == ',') sh++;
    if (*sh < '0' || *sh > '9') break;
    if (k < 2) dims[k] = strtoll(sh, NULL, 10);
    k++;
    while (*sh >= '0' && *sh <= '9') sh++;
  }
  if (k != ndim || (ndim == 2 && dims[0] != dims[1]) || dims[0] < 1 || (*d && dims[0] != *d))
    return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' has shape %s, expected %s", path, what, strchr(strstr(hdr, "'shape':"), '('),
                     ndim == 1 ? "(D,)" : "(D, D) matching mu");
  *d = dims[0];
  size_t count = (size_t)(ndim == 1 ? dims[0] : dims[0] * dims[0]), es = f8 ? 8 : 4;
  if (n - h0 - hl != count * es) return vkg_error(ctx, VKG_E_INPUT, "%s: '%s' data size disagrees with its shape", path, what);
  double *v = malloc(count * sizeof(double));
  if (!v) return vkg_error(ctx, VKG_E_NOMEM, "%s: out of host memory", path);
  const unsigned char *src = b + h0 + hl;
  for (size_t i = 0; i < count; i++) {
    if (f8) {
      memcpy(&v[i], src + 8 * i, 8);
    } else {
      float f;
      memcpy(&f, src + 4 * i, 4);
      v[i] = f;
    }
  }
  *out = v;
  return VKG_OK;
}

vkg_status vkg_fid_npz_read(vkg_ctx *ctx, const char *path, int64_t *dim, double **mu, double **sigma) {
  char *z = NULL;
  size_t size = 0;
  unsigned char *m = NULL, *s = NULL;
  size_t ml = 0, sl = 0;
  *mu = *sigma = NULL;
  *dim = 0;
  vkg_status st = vkg_read_file(ctx, path, (size_t)1 << 33, &z, &size);
  if (!st) st = member(ctx, path, (const unsigned char *)z, size, "mu.npy", &m, &ml);
  if (!st) st = member(ctx, path, (const unsigned char *)z, size, "sigma.npy", &s, &sl);
  if (!st) st = npy(ctx, path, "mu", m, ml, 1, dim, mu);
  if (!st) st = npy(ctx, path, "sigma", s, sl, 2, dim, sigma);
  if (st) {
    free(*mu);
    *mu = NULL;
  }
  free(z), free(m), free(s);
  return st;
}
