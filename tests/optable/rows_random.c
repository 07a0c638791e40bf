/* rand_uniform / randn (Philox4x32-10 + Box-Muller) against ref_rand: uniforms exact, normals within
 * atol 2e-5 rtol 1e-5 (device log/sqrt vs double). The statistical and batch-independence tests and
 * categorical sampling's chi-square tests stay in tests/unit/test_kernel_random.c (not reference
 * comparisons). Was tests/unit/test_kernel_random.c test_rand_reference: 4 shapes x 2 = 8 cases. */
#include "optable.h"
#include "ref_kl.h"

/* i: samples per seed first stream normal */
static void run_rand(vkg_op_h *h) {
  const int64_t *c = h->row->i;
  int64_t d[2] = {c[0], c[1]};
  const uint64_t seed = (uint64_t)c[2], first = (uint64_t)c[3];
  const uint32_t stream = (uint32_t)c[4];
  const int normal = (int)c[5];
  ot_desc(h, "%s [%lld, %lld] seed %llu first %llu stream %u", normal ? "randn" : "rand_uniform", (long long)d[0],
          (long long)d[1], (unsigned long long)seed, (unsigned long long)first, stream);
  vkg_tensor *t = ot_f32(h, 2, d, NULL);
  size_t n = (size_t)(d[0] * d[1]);
  ot_work(h, 0, 4.0 * (double)n);
  OT_RUN(h, normal ? vkg_randn(h->ctx, t, seed, first, stream) : vkg_rand_uniform(h->ctx, t, seed, first, stream));
  if (!ot_checking(h)) return;
  float *got = ot_get(h, t), *want = ot_alloc(h, n * sizeof *want);
  ref_rand(want, d[0], d[1], seed, first, stream, normal);
  ot_expect_row(h, got, want, n, 0, normal ? "randn" : "rand_uniform");
}

#define U(...) {.family = "random", .op = "rand_uniform", .run = run_rand, .i = {__VA_ARGS__, 0}}
#define N(...) {.family = "random", .op = "randn", .run = run_rand, .atol = 2e-5, .rtol = 1e-5, .i = {__VA_ARGS__, 1}}

static const vkg_op_row rows[] = {
    U(1, 1, 0, 0, 0),
    U(3, 7, 42, 5, 1),
    U(16, 3 * 32 * 32, 0x123456789abcdefll, ((int64_t)1 << 32) - 3, 7), /* the sample index carries */
    U(2, 100003, 9, 0, 0),
    N(1, 1, 0, 0, 0),
    N(3, 7, 42, 5, 1),
    N(16, 3 * 32 * 32, 0x123456789abcdefll, ((int64_t)1 << 32) - 3, 7),
    N(2, 100003, 9, 0, 0),
};

const vkg_op_family vkg_op_family_random = {"random", OT_ROWS(rows), NULL};
