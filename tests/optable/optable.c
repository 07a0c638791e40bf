/* The op-table harness: row execution with owned resources, checks, timing, the family list. */
#include "optable.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Family order: the table's order, the ctest entries' names. New families go here. */
static const vkg_op_family *const families[] = {
    &vkg_op_family_conv,   &vkg_op_family_gemm,     &vkg_op_family_gemm_sweep, &vkg_op_family_layout,
    &vkg_op_family_norm,   &vkg_op_family_pointwise, &vkg_op_family_random,    &vkg_op_family_reduce,
    &vkg_op_family_resample, &vkg_op_family_sequence, &vkg_op_family_stats,    &vkg_op_family_stylegan,
    &vkg_op_family_winograd, &vkg_op_family_attention,
};
#define NFAM (sizeof families / sizeof *families)

const char *const *vkg_op_family_names(void) {
  static const char *const names[] = {"conv",      "gemm",     "gemm_sweep", "layout", "norm",  "pointwise",
                                      "random",    "reduce",   "resample",   "sequence", "stats", "stylegan",
                                      "winograd",  "attention", NULL};
  return names;
}

int vkg_op_table(vkg_op_row **out, size_t *n) {
  size_t total = 0;
  for (size_t f = 0; f < NFAM; f++) total += families[f]->nrows + (families[f]->generate ? families[f]->generate(NULL, 0) : 0);
  vkg_op_row *rows = calloc(total ? total : 1, sizeof *rows);
  if (!rows) return -1;
  size_t k = 0;
  for (size_t f = 0; f < NFAM; f++) {
    for (size_t r = 0; r < families[f]->nrows; r++) rows[k++] = families[f]->rows[r];
    if (families[f]->generate) k += families[f]->generate(rows + k, total - k);
  }
  *out = rows;
  *n = k;
  return 0;
}

void vkg_op_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi) {
  uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x[i] = lo + (hi - lo) * (float)((s >> 40) * (1.0 / 16777216.0));
  }
}

double vkg_op_rel_err(const float *a, const float *b, size_t n, double atol, double rtol, size_t *worst) {
  double m = 0;
  size_t wi = 0;
  for (size_t i = 0; i < n; i++) {
    double e = fabs((double)a[i] - (double)b[i]) / (atol + rtol * fabs((double)b[i]));
    if (!(e <= m)) { /* catches NaN */
      m = isnan(e) ? INFINITY : e;
      wi = i;
    }
  }
  if (worst) *worst = wi;
  return m;
}

double ot_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void ot_timed(vkg_op_h *h, double t0, int n) {
  double dt = (ot_now() - t0) / (n > 0 ? n : 1);
  h->res->seconds += dt;
  h->res->flops += h->work_flops;
  h->res->bytes += h->work_bytes;
  h->res->timed++;
  h->work_flops = h->work_bytes = 0;
}

void ot_desc(vkg_op_h *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->res->desc, sizeof h->res->desc, fmt, ap);
  va_end(ap);
  if (h->mode == VKG_OP_LIST) longjmp(h->fail, 2);
}

void ot_fail(vkg_op_h *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(h->res->msg, sizeof h->res->msg, fmt, ap);
  va_end(ap);
  longjmp(h->fail, 1);
}

void ot_status(vkg_op_h *h, vkg_status st, const char *expr) {
  if (st != VKG_OK) ot_fail(h, "%s failed: %s: %s", expr, vkg_status_name(st), vkg_error_message(h->ctx));
}

void *ot_alloc(vkg_op_h *h, size_t bytes) {
  if (h->nmem >= OT_MAX_OWNED) ot_fail(h, "harness: more than %d host buffers in one row", OT_MAX_OWNED);
  void *p = calloc(1, bytes ? bytes : 1);
  if (!p) ot_fail(h, "harness: out of host memory (%zu bytes)", bytes);
  h->mem[h->nmem++] = p;
  return p;
}

float *ot_rand(vkg_op_h *h, size_t n, unsigned seed, float lo, float hi) {
  float *x = ot_alloc(h, n * sizeof *x);
  vkg_op_fill_uniform(x, n, seed, lo, hi);
  return x;
}

vkg_tensor *ot_tensor(vkg_op_h *h, vkg_dtype dt, int nd, const int64_t *dims, const void *host) {
  if (h->ntensors >= OT_MAX_OWNED) ot_fail(h, "harness: more than %d tensors in one row", OT_MAX_OWNED);
  vkg_shape s = vkg_shape_make(nd, dims);
  vkg_tensor *t = NULL;
  if (host) OT_OK(h, vkg_tensor_create_from(h->ctx, dt, &s, host, &t));
  else OT_OK(h, vkg_tensor_create(h->ctx, dt, &s, &t));
  h->tensors[h->ntensors++] = t;
  return t;
}

vkg_tensor *ot_rand_t(vkg_op_h *h, int nd, const int64_t *dims, unsigned seed, float lo, float hi, float **host) {
  vkg_shape s = vkg_shape_make(nd, dims);
  float *x = ot_rand(h, (size_t)vkg_shape_numel(&s), seed, lo, hi);
  if (host) *host = x;
  return ot_f32(h, nd, dims, x);
}

void *ot_get(vkg_op_h *h, const vkg_tensor *t) {
  size_t b = vkg_tensor_bytes(t);
  void *x = ot_alloc(h, b);
  OT_OK(h, vkg_tensor_download(h->ctx, t, x, b));
  return x;
}

void ot_release(vkg_op_h *h, vkg_tensor *t) {
  if (!t) return;
  for (int i = 0; i < h->ntensors; i++)
    if (h->tensors[i] == t) {
      h->tensors[i] = h->tensors[--h->ntensors];
      vkg_tensor_unref(t);
      return;
    }
}

void ot_own(vkg_op_h *h, void (*destroy)(void *), void *p) {
  if (h->nobjects >= 8) {
    destroy(p);
    ot_fail(h, "harness: more than 8 owned objects in one row");
  }
  h->destroy[h->nobjects] = destroy;
  h->objects[h->nobjects++] = p;
}

void ot_free(vkg_op_h *h, void *p) {
  if (!p) return;
  for (int i = 0; i < h->nmem; i++)
    if (h->mem[i] == p) {
      h->mem[i] = h->mem[--h->nmem];
      free(p);
      return;
    }
}

void ot_expect(vkg_op_h *h, const float *got, const float *want, size_t n, double atol, double rtol, const char *what) {
  if (!ot_checking(h)) return;
  size_t wi = 0;
  double e = vkg_op_rel_err(got, want, n, atol, rtol, &wi);
  h->res->checks++;
  if (e > h->res->worst) h->res->worst = e;
  if (!(e <= 1.0))
    ot_fail(h, "%s: error %.3g x the bound (atol %g rtol %g) at %zu: got %.9g want %.9g", what, e, atol, rtol, wi,
            n ? (double)got[wi] : 0.0, n ? (double)want[wi] : 0.0);
}

void ot_expect_exact(vkg_op_h *h, const void *got, const void *want, size_t bytes, const char *what) {
  if (!ot_checking(h)) return;
  h->res->checks++;
  if (memcmp(got, want, bytes) != 0) {
    size_t i = 0;
    while (i < bytes && ((const unsigned char *)got)[i] == ((const unsigned char *)want)[i]) i++;
    ot_fail(h, "%s: not bitwise equal to the reference (first differing byte %zu of %zu)", what, i, bytes);
  }
}

void ot_expect_row(vkg_op_h *h, const float *got, const float *want, size_t n, double k, const char *what) {
  const vkg_op_row *r = h->row;
  if (r->atol == 0 && r->atol_sqrtk == 0 && r->rtol == 0) ot_expect_exact(h, got, want, n * sizeof *got, what);
  else ot_expect(h, got, want, n, r->atol + r->atol_sqrtk * sqrt(k + 1), r->rtol, what);
}

/* env for the row, restored after */
typedef struct saved_env {
  const char *name;
  char *value; /* NULL: was unset */
} saved_env;

static void env_set(saved_env *s, const char *name, const char *value) {
  s->name = name;
  const char *v = getenv(name);
  s->value = v ? strdup(v) : NULL;
  if (value) setenv(name, value, 1);
}

static void env_restore(saved_env *s) {
  if (s->value) setenv(s->name, s->value, 1);
  else unsetenv(s->name);
  free(s->value);
}

/* setjmp in a frame of its own: nothing here changes after it */
static void run_guarded(vkg_op_h *h) {
  int jr = setjmp(h->fail);
  if (jr == 0) {
    h->row->run(h);
    h->res->ok = 1;
  } else {
    h->res->ok = jr == 2; /* 2: list mode stopped at the description */
  }
}

void vkg_op_run(vkg_ctx *ctx, const vkg_op_row *row, vkg_op_mode mode, int reps, vkg_op_result *res) {
  memset(res, 0, sizeof *res);
  vkg_op_h *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(res->msg, sizeof res->msg, "harness: out of host memory");
    return;
  }
  h->ctx = ctx;
  h->row = row;
  h->mode = mode;
  h->reps = reps > 0 ? reps : 1;
  h->res = res;
  saved_env ev = {0}, et = {0};
  int has_ev = row->variant != NULL, has_et = row->gemm_tile != NULL;
  if (has_ev) env_set(&ev, "VKGEN_KERNEL_VARIANT", row->variant);
  if (has_et) env_set(&et, "VKGEN_GEMM_TILE", row->gemm_tile);
  run_guarded(h);
  for (int i = h->nobjects - 1; i >= 0; i--) h->destroy[i](h->objects[i]);
  for (int i = 0; i < h->ntensors; i++) vkg_tensor_unref(h->tensors[i]);
  for (int i = 0; i < h->nmem; i++) free(h->mem[i]);
  if (has_ev) env_restore(&ev);
  if (has_et) env_restore(&et);
  free(h);
}
