/* fid.score's state for checkpoints and for merging the ranks of a sharded run.
 *
 * Format (native byte order; a checkpoint is resumed on the machine type that wrote it):
 *   "VKGFID1\0", then per side (real, fake): int64 dim, has_acc, acc_n, merged_n;
 *   if has_acc: the accumulator's raw f32 pairs (vkg_stats_acc_export);
 *   if merged_n: f64 sum [dim] and outer [dim * dim] of shares merged earlier.
 * Merging into a side that has nothing yet restores it exactly (the raw device state);
 * otherwise the share is added in f64 (sums and cross-products add exactly as streams do). */
#include <stdlib.h>
#include <string.h>

#include "fid_internal.h"

static const char magic[8] = "VKGFID1";

typedef struct cursor {
  const unsigned char *p;
  size_t left;
} cursor;

static int take(cursor *c, void *out, size_t n) {
  if (c->left < n) return -1;
  if (out) memcpy(out, c->p, n);
  c->p += n;
  c->left -= n;
  return 0;
}

static size_t side_bytes(const fid_side *sd) {
  size_t n = 4 * sizeof(int64_t);
  if (sd->acc) n += sizeof(float) * vkg_stats_acc_raw_floats(sd->acc);
  if (sd->merged.dim) n += sizeof(double) * (size_t)(sd->dim + sd->dim * sd->dim);
  return n;
}

vkg_status vkg_fid_state_save(vkg_node *node, void *state, void **data, size_t *size) {
  fid_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  size_t n = sizeof magic + side_bytes(&s->side[0]) + side_bytes(&s->side[1]);
  unsigned char *buf = malloc(n), *p = buf;
  if (!buf) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory (%zu bytes of state)", n);
  memcpy(p, magic, sizeof magic);
  p += sizeof magic;
  for (int k = 0; k < 2; k++) {
    const fid_side *sd = &s->side[k];
    int64_t h[4] = {sd->dim, sd->acc != NULL, vkg_stats_acc_count(sd->acc), sd->merged.dim ? sd->merged.n : 0};
    memcpy(p, h, sizeof h);
    p += sizeof h;
    if (sd->acc) {
      if (vkg_stats_acc_export(ctx, sd->acc, (float *)(void *)p)) {
        free(buf);
        return vkg_node_rethrow(node, NULL);
      }
      p += sizeof(float) * vkg_stats_acc_raw_floats(sd->acc);
    }
    if (sd->merged.dim) {
      size_t d = (size_t)sd->dim;
      memcpy(p, sd->merged.sum, sizeof(double) * d);
      memcpy(p + sizeof(double) * d, sd->merged.outer, sizeof(double) * d * d);
      p += sizeof(double) * (d + d * d);
    }
  }
  *data = buf;
  *size = n;
  return VKG_OK;
}

/* Adds n samples of f64 sums (raw pairs folded to f64 when pairs is set) into merged. */
static vkg_status add_share(vkg_ctx *ctx, fid_side *sd, const void *src, int pairs, int64_t n) {
  int64_t d = sd->dim, m = d + d * d;
  if (!sd->merged.dim && vkg_fid_stats_alloc(ctx, d, &sd->merged)) return VKG_E_NOMEM;
  double *dst[2] = {sd->merged.sum, sd->merged.outer};
  for (int64_t i = 0; i < m; i++) {
    double v;
    if (pairs) {
      float f[2];
      memcpy(f, (const float *)src + 2 * i, sizeof f);
      v = (double)f[0] + (double)f[1];
    } else {
      memcpy(&v, (const double *)src + i, sizeof v);
    }
    if (i < d) dst[0][i] += v;
    else dst[1][i - d] += v;
  }
  sd->merged.n += n;
  return VKG_OK;
}

static vkg_status merge_side(vkg_node *node, fid_side *sd, cursor *c, const char *side) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  int64_t h[4];
  if (take(c, h, sizeof h)) return vkg_node_error(node, VKG_E_INPUT, NULL, "fid state is truncated");
  if (h[0] != sd->dim)
    return vkg_node_error(node, VKG_E_INPUT, NULL, "fid state holds %lld-dim %s features, this node has %lld",
                          (long long)h[0], side, (long long)sd->dim);
  int64_t d = h[0], m = d + d * d;
  int fresh = !sd->acc && !sd->merged.dim;
  if (h[1]) {
    const void *raw = c->p;
    if (take(c, NULL, sizeof(float) * 2 * (size_t)m))
      return vkg_node_error(node, VKG_E_INPUT, NULL, "fid state is truncated");
    if (fresh) {
      if (vkg_stats_acc_create(ctx, d, &sd->acc)) return vkg_node_rethrow(node, NULL);
      float *aligned = malloc(sizeof(float) * 2 * (size_t)m);
      if (!aligned) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
      memcpy(aligned, raw, sizeof(float) * 2 * (size_t)m);
      vkg_status st = vkg_stats_acc_import(ctx, sd->acc, aligned, h[2]);
      free(aligned);
      if (st) return vkg_node_rethrow(node, NULL);
    } else if (add_share(ctx, sd, raw, 1, h[2])) {
      return vkg_node_rethrow(node, NULL);
    }
  }
  if (h[3]) {
    const void *sums = c->p;
    if (take(c, NULL, sizeof(double) * (size_t)m))
      return vkg_node_error(node, VKG_E_INPUT, NULL, "fid state is truncated");
    if (add_share(ctx, sd, sums, 0, h[3])) return vkg_node_rethrow(node, NULL);
  }
  return VKG_OK;
}

vkg_status vkg_fid_state_merge(vkg_node *node, void *state, const void *data, size_t size) {
  fid_state *s = state;
  cursor c = {data, size};
  char m[8];
  if (take(&c, m, sizeof m) || memcmp(m, magic, sizeof magic))
    return vkg_node_error(node, VKG_E_INPUT, NULL, "not a fid.score state (bad magic)");
  static const char *const names[2] = {"real", "fake"};
  for (int k = 0; k < 2; k++) {
    vkg_status st = merge_side(node, &s->side[k], &c, names[k]);
    if (st) return st;
  }
  if (c.left) return vkg_node_error(node, VKG_E_INPUT, NULL, "fid state has %zu trailing bytes", c.left);
  return VKG_OK;
}
