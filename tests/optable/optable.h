/* The kernel op table: every "kernel against its plain C reference over shapes" case of the
 * kernel library as one row (op, shapes and parameters, reference, error bound), run in a check
 * mode by ctest (tests/optable/check_ops.c, one ctest entry per family) and in a perf mode by
 * `vkgen bench --ops [FILTER]` (the same rows, timed; GFLOPS / GB/s where the row states its work).
 *
 * A row's run function builds its inputs, runs the kernel through OT_RUN and compares with the
 * reference through ot_expect / ot_expect_exact. Everything it allocates through the ot_* helpers
 * is owned by the harness and released after the row, also when a check fails (failures longjmp
 * back to the harness with a message).
 *
 * Adding a kernel: write a run function and rows in a rows_FAMILY.c, declare its table below, add
 * it to the family list in optable.c (and, for a new family, one name to VKG_OPTABLE_FAMILIES in
 * tests/CMakeLists.txt). No Check dependency: the perf mode runs inside the vkgen binary. */
#ifndef VKG_OPTABLE_H
#define VKG_OPTABLE_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <vkgen/vkgen.h>

typedef enum vkg_op_mode {
  VKG_OP_CHECK = 0, /* run once, compare with the reference */
  VKG_OP_PERF = 1,  /* warm up, then time reps runs; no reference */
  VKG_OP_LIST = 2   /* only the description (stops at ot_desc) */
} vkg_op_mode;

typedef struct vkg_op_h vkg_op_h;

typedef struct vkg_op_row {
  const char *family;      /* ctest entry test_kernel_ops_<family> */
  const char *op;          /* the kernel, e.g. "matmul" */
  void (*run)(vkg_op_h *h);
  /* error bound: |got - want| <= atol + atol_sqrtk * sqrt(K + 1) + rtol * |want| (K: the row's
   * reduction length where the op has one); exact (bitwise) when all three are 0 */
  double atol, atol_sqrtk, rtol;
  double aux_tol;          /* a second bound some ops check (documented at the op's run function) */
  const char *variant;     /* "cpu" / "gpu": VKGEN_KERNEL_VARIANT for this row; NULL: the device's */
  const char *gemm_tile;   /* VKGEN_GEMM_TILE for this row, or NULL */
  int64_t i[20];           /* integer shape/params, meaning per run function */
  double f[8];             /* float params */
} vkg_op_row;

/* A family: its rows (static) or a builder for generated sweeps. */
typedef struct vkg_op_family {
  const char *name;
  const vkg_op_row *rows;
  size_t nrows;
  /* generated rows (e.g. the GEMM odd-shape sweep): writes up to cap rows into out, returns the count */
  size_t (*generate)(vkg_op_row *out, size_t cap);
} vkg_op_family;

/* The whole table, in family order; *out malloc'd (free()). */
int vkg_op_table(vkg_op_row **out, size_t *n);
/* Family names, NULL-terminated. */
const char *const *vkg_op_family_names(void);

typedef struct vkg_op_result {
  int ok;                 /* check passed (or, perf/list: ran) */
  char desc[256];         /* "matmul[cpu] M=7 N=13 K=61 ta=1 tb=0" */
  char msg[1024];         /* why it failed */
  double worst;           /* largest error / bound over the row's checks (0 when exact) */
  int checks;             /* comparisons made */
  double seconds;         /* perf: seconds per execution of the timed kernel calls, summed */
  double flops, bytes;    /* perf: work of the timed calls as the row states it (0: unknown) */
  int timed;              /* perf: timed kernel calls per repetition */
} vkg_op_result;

/* Runs one row. reps: perf-mode repetitions after one warm-up (ignored otherwise). */
void vkg_op_run(vkg_ctx *ctx, const vkg_op_row *row, vkg_op_mode mode, int reps, vkg_op_result *res);

/* ---- for run functions ---------------------------------------------------------------- */
#define OT_MAX_OWNED 96

struct vkg_op_h {
  vkg_ctx *ctx;
  const vkg_op_row *row;
  vkg_op_mode mode;
  int reps;
  jmp_buf fail;
  vkg_op_result *res;
  void *mem[OT_MAX_OWNED];
  int nmem;
  vkg_tensor *tensors[OT_MAX_OWNED];
  int ntensors;
  void (*destroy[8])(void *);
  void *objects[8];
  int nobjects;
  double work_flops, work_bytes; /* of the next OT_RUN */
};

/* Describes the row (printf-style); in list mode it ends the run here. */
void ot_desc(vkg_op_h *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fails the row with a message (never returns). */
void ot_fail(vkg_op_h *h, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static inline int ot_checking(const vkg_op_h *h) { return h->mode == VKG_OP_CHECK; }
/* A kernel call and its failure message (with the context's). */
void ot_status(vkg_op_h *h, vkg_status st, const char *expr);
#define OT_OK(h, expr) ot_status((h), (expr), #expr)
#define OT_ASSERT(h, cond, ...)      \
  do {                               \
    if (!(cond)) ot_fail((h), __VA_ARGS__); \
  } while (0)
/* The work of the next OT_RUN (perf mode reports GFLOPS / GB/s from it). */
static inline void ot_work(vkg_op_h *h, double flops, double bytes) {
  h->work_flops = flops;
  h->work_bytes = bytes;
}
/* Runs the kernel call: once in check mode; in perf mode once to warm up, then reps times, timed. */
double ot_now(void);
void ot_timed(vkg_op_h *h, double t0, int n);
#define OT_RUN(h, expr)                                           \
  do {                                                            \
    OT_OK((h), (expr));                                           \
    if ((h)->mode == VKG_OP_PERF) {                               \
      OT_OK((h), vkg_flush((h)->ctx));                            \
      double t0_ = ot_now();                                      \
      for (int r_ = 0; r_ < (h)->reps; r_++) OT_OK((h), (expr));  \
      OT_OK((h), vkg_flush((h)->ctx));                            \
      ot_timed((h), t0_, (h)->reps);                              \
    }                                                             \
  } while (0)

/* Owned host memory and tensors (released after the row). */
void *ot_alloc(vkg_op_h *h, size_t bytes);
float *ot_rand(vkg_op_h *h, size_t n, unsigned seed, float lo, float hi);
vkg_tensor *ot_tensor(vkg_op_h *h, vkg_dtype dt, int nd, const int64_t *dims, const void *host);
static inline vkg_tensor *ot_f32(vkg_op_h *h, int nd, const int64_t *dims, const float *host) {
  return ot_tensor(h, VKG_F32, nd, dims, host);
}
/* A random f32 tensor in [lo, hi); its host copy in *host (owned). */
vkg_tensor *ot_rand_t(vkg_op_h *h, int nd, const int64_t *dims, unsigned seed, float lo, float hi, float **host);
/* Downloads a tensor (owned copy). */
void *ot_get(vkg_op_h *h, const vkg_tensor *t);
/* Releases a tensor / host buffer early (kv-cache steps); NULL-safe. */
void ot_release(vkg_op_h *h, vkg_tensor *t);
void ot_free(vkg_op_h *h, void *p);
/* Any other object the row owns: destroy(p) runs after the row, before tensors are released. */
void ot_own(vkg_op_h *h, void (*destroy)(void *), void *p);

/* Compare (check mode only; no-ops otherwise). */
void ot_expect(vkg_op_h *h, const float *got, const float *want, size_t n, double atol, double rtol, const char *what);
/* With the row's bound (k: reduction length for atol_sqrtk; exact when the row's bound is 0). */
void ot_expect_row(vkg_op_h *h, const float *got, const float *want, size_t n, double k, const char *what);
void ot_expect_exact(vkg_op_h *h, const void *got, const void *want, size_t bytes, const char *what);

/* Deterministic data: uniform in [lo, hi) (the generator the unit tests use, testutil.c). */
void vkg_op_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi);
/* max |a - b| / (atol + rtol |b|) over n (NaN counts as infinite); *worst its index. */
double vkg_op_rel_err(const float *a, const float *b, size_t n, double atol, double rtol, size_t *worst);

/* The families (rows_*.c). */
extern const vkg_op_family vkg_op_family_conv, vkg_op_family_gemm, vkg_op_family_gemm_sweep, vkg_op_family_layout,
    vkg_op_family_norm, vkg_op_family_pointwise, vkg_op_family_random, vkg_op_family_reduce,
    vkg_op_family_resample, vkg_op_family_sequence, vkg_op_family_stats, vkg_op_family_stylegan,
    vkg_op_family_winograd, vkg_op_family_attention;

#define OT_ROWS(arr) (arr), sizeof(arr) / sizeof *(arr)

#endif
