#include "testutil.h"

#include "optable.h" /* the shared data generator and error measure */

#include <math.h>
#include <stdarg.h>
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
  vkg_op_fill_uniform(x, n, seed, lo, hi);
}

double vkg_test_rel_err(const float *a, const float *b, size_t n, double atol, double rtol, size_t *worst) {
  return vkg_op_rel_err(a, b, n, atol, rtol, worst);
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

vkg_registry *vkg_test_registry(vkg_ctx *ctx, ...) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  va_list ap;
  va_start(ap, ctx);
  for (const char *name; (name = va_arg(ap, const char *)) != NULL;) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.so", VKG_TEST_PLUGIN_DIR, name);
    VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, path));
  }
  va_end(ap);
  return reg;
}

vkg_status vkg_test_run_graph(vkg_ctx *ctx, vkg_registry *reg, const char *name, const char *text) {
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, name, text, strlen(text), NULL, 0, &g);
  if (st) return st;
  vkg_run_options ro = {0};
  st = vkg_graph_run(g, &ro);
  vkg_graph_destroy(g);
  return st;
}

uint32_t *vkg_test_compile_shader(const char *name, size_t *bytes) {
  char cmd[2048], spv[1024];
  snprintf(spv, sizeof spv, "%s/%s.spv", vkg_test_tmpdir(), name);
  snprintf(cmd, sizeof cmd, "glslangValidator --quiet -V --target-env vulkan1.1 -o '%s' '%s/shaders/%s.comp' >&2", spv,
           VKG_TEST_SOURCE_DIR, name);
  ck_assert_msg(system(cmd) == 0, "glslangValidator failed for %s", name);
  FILE *f = fopen(spv, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint32_t *w = malloc((size_t)n);
  ck_assert(fread(w, 1, (size_t)n, f) == (size_t)n);
  fclose(f);
  *bytes = (size_t)n;
  return w;
}

void *vkg_test_read_tensor(vkg_ctx *ctx, const char *path, const char *name, size_t *bytes) {
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, path, &st));
  const vkg_st_entry *e = vkg_safetensors_find(st, name);
  ck_assert_msg(e != NULL, "%s: no tensor %s", path, name);
  void *x = malloc(e->bytes ? e->bytes : 1);
  ck_assert_ptr_nonnull(x);
  memcpy(x, e->data, e->bytes);
  *bytes = e->bytes;
  vkg_safetensors_close(st);
  return x;
}
