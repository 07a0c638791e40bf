/* concat / slice / permute through one strided word-copy shader. 8-byte dtypes get an extra
 * innermost axis of 2 words, which is why the shader has 7 axes. */
#include <stdio.h>
#include <string.h>

#include "klib_internal.h"
#include "spv/kl_strided_copy.h"
#include "vkgen/kernels/layout.h"

#define NAX 7

typedef struct copy_push {
  uint32_t n, in_off, out_off;
  uint32_t shape[NAX], si[NAX], so[NAX];
  uint32_t first; /* axes below it have shape 1: the shader walks first..NAX-1 only */
} copy_push;

/* Row-major element strides of a shape. */
static void strides_of(const vkg_shape *s, int64_t *st) {
  int64_t acc = 1;
  for (int i = s->ndim - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= s->d[i];
  }
}

/* Fills pc from an iteration shape (ndim dims) with input/output element strides, scaled to
 * words (w = 1 or 2) and right-aligned into the 7 axes. Axes of size 1 are dropped and an axis
 * is merged into the next inner one where both sides step through them as one (a channel
 * concat of NCHW becomes [N, C*H*W]): every axis costs the shader an integer division and a
 * remainder per element, which lavapipe does lane by lane. */
static void fill_push(copy_push *pc, int ndim, const int64_t *shape, const int64_t *si, const int64_t *so,
                      int64_t in_off, int64_t out_off, int w) {
  int64_t sh[NAX], ai[NAX], ao[NAX], n = 1;
  int k = 0; /* merged axes, outermost first */
  for (int i = 0; i <= ndim; i++) {
    int64_t d = i < ndim ? shape[i] : w, a = i < ndim ? si[i] * w : 1, b = i < ndim ? so[i] * w : 1;
    if (i == ndim && w == 1) break;
    n *= d;
    if (d == 1) continue;
    if (k > 0 && ai[k - 1] == a * d && ao[k - 1] == b * d) {
      sh[k - 1] *= d;
      ai[k - 1] = a;
      ao[k - 1] = b;
      continue;
    }
    sh[k] = d, ai[k] = a, ao[k] = b, k++;
  }
  memset(pc, 0, sizeof *pc);
  for (int i = 0; i < NAX; i++) pc->shape[i] = 1;
  for (int i = 0; i < k; i++) {
    int a = NAX - k + i;
    pc->shape[a] = (uint32_t)sh[i];
    pc->si[a] = (uint32_t)ai[i];
    pc->so[a] = (uint32_t)ao[i];
  }
  pc->first = (uint32_t)(NAX - k);
  pc->n = (uint32_t)n;
  pc->in_off = (uint32_t)(in_off * w);
  pc->out_off = (uint32_t)(out_off * w);
}

static vkg_status run_copy(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const copy_push *pc) {
  const vkg_tensor *t[2] = {x, y};
  return VKG_K_LAUNCH(ctx, kl_strided_copy, t, 2, pc, pc->n);
}

static vkg_status check_word(vkg_ctx *ctx, const char *k, const char *what, const vkg_tensor *t, int *w) {
  if (!t) return vkg_error(ctx, VKG_E_INPUT, "%s: %s is NULL", k, what);
  size_t es = vkg_dtype_size(vkg_tensor_dtype(t));
  if (es != 4 && es != 8)
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s dtype %s is not supported (4- or 8-byte dtypes only)", k, what,
                     vkg_dtype_name(vkg_tensor_dtype(t)));
  if ((uint64_t)vkg_tensor_numel(t) * es / 4 >= ((uint64_t)1 << 31))
    return vkg_error(ctx, VKG_E_INPUT, "%s: %s is too large", k, what);
  *w = (int)(es / 4);
  return VKG_OK;
}

/* Each input of a concat is, per index of the axes before `axis` (outer), one contiguous run in
 * the input and one in y. Few and long runs go as buffer copies (a memcpy on CPU devices, a copy
 * engine or copy shader on GPUs) instead of the strided-copy shader, which pays an integer
 * division per element and per-lane loads and stores on lavapipe: the UNet's skip concats
 * (outer = batch) and any concat along axis 0. Thresholds: at most 256 copies per input and
 * at least 1024 elements per run (below that the per-command cost dominates). */
static int copies_pay(const vkg_tensor *const *xs, int n, int axis, int64_t outer) {
  if (outer > 256) return 0;
  for (int i = 0; i < n; i++) {
    const vkg_shape *s = vkg_tensor_shape(xs[i]);
    int64_t run = 1;
    for (int d = axis; d < s->ndim; d++) run *= s->d[d];
    if (run > 0 && run < 1024) return 0;
  }
  return 1;
}

static vkg_status concat_by_copies(vkg_ctx *ctx, const vkg_tensor *const *xs, int n, int axis, int64_t outer,
                                   int64_t inner, vkg_tensor *y) {
  const size_t es = vkg_dtype_size(vkg_tensor_dtype(y));
  const int64_t ylen = vkg_tensor_shape(y)->d[axis];
  vkg_status st = VKG_OK;
  int64_t off = 0;
  for (int i = 0; i < n && !st; i++) {
    const int64_t len = vkg_tensor_shape(xs[i])->d[axis], run = len * inner;
    vkg_shape s1 = vkg_shape_make(1, (int64_t[]){run});
    for (int64_t o = 0; o < outer && run > 0 && !st; o++) {
      vkg_tensor *src = NULL, *dst = NULL; /* src: a read-only view of the const input */
      st = vkg_tensor_view(ctx, (vkg_tensor *)xs[i], vkg_tensor_dtype(y), &s1, (size_t)(o * run) * es, &src);
      if (!st) st = vkg_tensor_view(ctx, y, vkg_tensor_dtype(y), &s1, (size_t)((o * ylen + off) * inner) * es, &dst);
      if (!st) st = vkg_tensor_copy(ctx, src, dst);
      vkg_tensor_unref(src);
      vkg_tensor_unref(dst);
    }
    off += len;
  }
  return st;
}

vkg_status vkg_concat(vkg_ctx *ctx, const vkg_tensor *const *xs, int n, int axis, vkg_tensor *y) {
  const char *k = "concat";
  int w = 1;
  vkg_status st = check_word(ctx, k, "y", y, &w);
  if (st != VKG_OK) return st;
  if (n < 1 || !xs) return vkg_error(ctx, VKG_E_INPUT, "%s: needs at least one input", k);
  const vkg_shape *ys = vkg_tensor_shape(y);
  int nd = ys->ndim;
  if (axis < 0) axis += nd;
  if (axis < 0 || axis >= nd)
    return vkg_error(ctx, VKG_E_INPUT, "%s: axis %d out of range for y of rank %d", k, axis, nd);
  char s1[64], s2[64];
  int64_t total = 0;
  for (int i = 0; i < n; i++) {
    if (!xs[i]) return vkg_error(ctx, VKG_E_INPUT, "%s: input %d is NULL", k, i);
    if (xs[i] == y) return vkg_error(ctx, VKG_E_INPUT, "%s: y must not alias input %d", k, i);
    if (vkg_tensor_dtype(xs[i]) != vkg_tensor_dtype(y))
      return vkg_error(ctx, VKG_E_INPUT, "%s: input %d dtype %s differs from y dtype %s", k, i,
                       vkg_dtype_name(vkg_tensor_dtype(xs[i])), vkg_dtype_name(vkg_tensor_dtype(y)));
    const vkg_shape *xsh = vkg_tensor_shape(xs[i]);
    int ok = xsh->ndim == nd;
    for (int d = 0; ok && d < nd; d++) ok = d == axis || xsh->d[d] == ys->d[d];
    if (!ok)
      return vkg_error(ctx, VKG_E_INPUT, "%s: input %d shape %s does not fit y shape %s along axis %d", k, i,
                       vkg_k_shape(xs[i], s1, sizeof s1), vkg_k_shape(y, s2, sizeof s2), axis);
    total += xsh->d[axis];
  }
  if (total != ys->d[axis])
    return vkg_error(ctx, VKG_E_INPUT, "%s: inputs sum to %lld along axis %d, y shape %s has %lld", k,
                     (long long)total, axis, vkg_k_shape(y, s1, sizeof s1), (long long)ys->d[axis]);
  int64_t so[VKG_MAX_DIMS], si[VKG_MAX_DIMS];
  strides_of(ys, so);
  int64_t outer = 1;
  for (int d = 0; d < axis; d++) outer *= ys->d[d];
  if (copies_pay(xs, n, axis, outer)) return concat_by_copies(ctx, xs, n, axis, outer, so[axis], y);
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    const vkg_shape *xsh = vkg_tensor_shape(xs[i]);
    strides_of(xsh, si);
    copy_push pc;
    fill_push(&pc, nd, xsh->d, si, so, 0, off * so[axis], w);
    if (vkg_shape_numel(xsh) > 0 && (st = run_copy(ctx, xs[i], y, &pc)) != VKG_OK) return st;
    off += xsh->d[axis];
  }
  return VKG_OK;
}

vkg_status vkg_slice(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int64_t *starts, const int64_t *steps) {
  const char *k = "slice";
  int w = 1, w2 = 1;
  vkg_status st = check_word(ctx, k, "x", x, &w);
  if (st == VKG_OK) st = check_word(ctx, k, "y", y, &w2);
  if (st != VKG_OK) return st;
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  char s1[64], s2[64];
  if (vkg_tensor_dtype(x) != vkg_tensor_dtype(y) || xs->ndim != ys->ndim)
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s %s and y %s %s must have the same dtype and rank", k,
                     vkg_dtype_name(vkg_tensor_dtype(x)), vkg_k_shape(x, s1, sizeof s1),
                     vkg_dtype_name(vkg_tensor_dtype(y)), vkg_k_shape(y, s2, sizeof s2));
  if (!starts) return vkg_error(ctx, VKG_E_INPUT, "%s: starts is NULL", k);
  int64_t si[VKG_MAX_DIMS], so[VKG_MAX_DIMS], in_off = 0;
  strides_of(xs, si);
  strides_of(ys, so);
  for (int d = 0; d < xs->ndim; d++) {
    int64_t step = steps ? steps[d] : 1;
    if (step < 1 || starts[d] < 0 || (ys->d[d] > 0 && starts[d] + (ys->d[d] - 1) * step >= xs->d[d]))
      return vkg_error(ctx, VKG_E_INPUT,
                       "%s: axis %d: start %lld step %lld count %lld does not fit x shape %s (y shape %s)", k, d,
                       (long long)starts[d], (long long)step, (long long)ys->d[d], vkg_k_shape(x, s1, sizeof s1),
                       vkg_k_shape(y, s2, sizeof s2));
    in_off += starts[d] * si[d];
    si[d] *= step;
  }
  if (vkg_tensor_numel(y) == 0) return VKG_OK;
  copy_push pc;
  fill_push(&pc, xs->ndim, ys->d, si, so, in_off, 0, w);
  return run_copy(ctx, x, y, &pc);
}

vkg_status vkg_permute(vkg_ctx *ctx, const vkg_tensor *x, vkg_tensor *y, const int *perm) {
  const char *k = "permute";
  int w = 1, w2 = 1;
  vkg_status st = check_word(ctx, k, "x", x, &w);
  if (st == VKG_OK) st = check_word(ctx, k, "y", y, &w2);
  if (st != VKG_OK) return st;
  if (x == y) return vkg_error(ctx, VKG_E_INPUT, "%s: y must not alias x", k);
  const vkg_shape *xs = vkg_tensor_shape(x), *ys = vkg_tensor_shape(y);
  char s1[64], s2[64];
  if (vkg_tensor_dtype(x) != vkg_tensor_dtype(y) || xs->ndim != ys->ndim || !perm)
    return vkg_error(ctx, VKG_E_INPUT, "%s: x %s %s and y %s %s must have the same dtype and rank", k,
                     vkg_dtype_name(vkg_tensor_dtype(x)), vkg_k_shape(x, s1, sizeof s1),
                     vkg_dtype_name(vkg_tensor_dtype(y)), vkg_k_shape(y, s2, sizeof s2));
  int seen[VKG_MAX_DIMS] = {0};
  int64_t sx[VKG_MAX_DIMS], si[VKG_MAX_DIMS], so[VKG_MAX_DIMS];
  strides_of(xs, sx);
  strides_of(ys, so);
  for (int d = 0; d < xs->ndim; d++) {
    int p = perm[d];
    if (p < 0 || p >= xs->ndim || seen[p])
      return vkg_error(ctx, VKG_E_INPUT, "%s: perm is not a permutation of 0..%d", k, xs->ndim - 1);
    seen[p] = 1;
  }
  for (int d = 0; d < xs->ndim; d++) {
    int p = perm[d];
    if (ys->d[d] != xs->d[p])
      return vkg_error(ctx, VKG_E_INPUT, "%s: y shape %s is not x shape %s permuted (axis %d)", k,
                       vkg_k_shape(y, s2, sizeof s2), vkg_k_shape(x, s1, sizeof s1), d);
    si[d] = sx[p];
  }
  if (vkg_tensor_numel(y) == 0) return VKG_OK;
  copy_push pc;
  fill_push(&pc, xs->ndim, ys->d, si, so, 0, 0, w);
  return run_copy(ctx, x, y, &pc);
}
