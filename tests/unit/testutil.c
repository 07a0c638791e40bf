#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

vkg_ctx *vkg_test_ctx_nodevice(void) {
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  ck_assert_ptr_nonnull(ctx);
  return ctx;
}

vkg_ctx *vkg_test_ctx(void) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  VKG_CHECK_OK(ctx, vkg_ctx_open_device(ctx));
  return ctx;
}

void vkg_test_ctx_destroy(vkg_ctx *ctx) {
  if (!ctx) return;
  uint64_t nval = vkg_ctx_validation_errors(ctx);
  vkg_ctx_destroy(ctx);
  ck_assert_msg(nval == 0, "validation layer reported %llu errors", (unsigned long long)nval);
}

void vkg_test_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi) {
  uint64_t s = 0x9E3779B97F4A7C15ull * (seed + 1);
  for (size_t i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x[i] = lo + (hi - lo) * (float)((s >> 40) * (1.0 / 16777216.0));
  }
}

double vkg_test_rel_err(const float *a, const float *b, size_t n, double atol, double rtol, size_t *worst) {
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

int vkg_test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  if (!getenv("CK_FORK")) srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

const char *vkg_test_tmpdir(void) {
  static char dir[256]; /* test-process only, not library state */
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "%s/vkgen-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) ck_abort_msg("mkdtemp failed");
  }
  return dir;
}
