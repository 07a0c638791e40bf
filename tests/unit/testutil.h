/* Helpers shared by the Check unit tests. */
#ifndef VKG_TESTUTIL_H
#define VKG_TESTUTIL_H

#include <check.h>
#include <vkgen/vkgen.h>

/* A context with the device opened (lavapipe on CI); fails the test on error. Also checks,
 * at destroy, that the validation layer (when VKGEN_VALIDATE=1) reported nothing. */
vkg_ctx *vkg_test_ctx(void);
void vkg_test_ctx_destroy(vkg_ctx *ctx);
/* A context that does not touch the device. */
vkg_ctx *vkg_test_ctx_nodevice(void);

/* Asserts st == VKG_OK, printing the context's message otherwise. */
#define VKG_CHECK_OK(ctx, expr)                                                                  \
  do {                                                                                           \
    vkg_status st_ = (expr);                                                                     \
    ck_assert_msg(st_ == VKG_OK, "%s failed: %s: %s", #expr, vkg_status_name(st_),               \
                  vkg_error_message(ctx));                                                       \
  } while (0)
/* Asserts the call fails with code and its message contains substr. */
#define VKG_CHECK_FAILS(ctx, expr, code, substr)                                                 \
  do {                                                                                           \
    vkg_status st_ = (expr);                                                                     \
    ck_assert_msg(st_ == (code), "%s: expected %s, got %s (%s)", #expr, vkg_status_name(code),   \
                  vkg_status_name(st_), vkg_error_message(ctx));                                 \
    ck_assert_msg(strstr(vkg_error_message(ctx), (substr)) != NULL,                             \
                  "%s: message '%s' lacks '%s'", #expr, vkg_error_message(ctx), (substr));        \
  } while (0)

/* A registry with the in-tree core plugin and the named plugins ("vae", "ddpm", ...; NULL
 * terminated) loaded from the build's plugin folder; fails the test on error. */
vkg_registry *vkg_test_registry(vkg_ctx *ctx, ...);
/* Loads graph text (named name.yaml in messages) and runs it; returns the first failure. */
vkg_status vkg_test_run_graph(vkg_ctx *ctx, vkg_registry *reg, const char *name, const char *text);
/* Tensor name of a .safetensors file as raw bytes (malloc'd); *bytes gets the size. Fails the test
 * when the file or the tensor is missing. */
void *vkg_test_read_tensor(vkg_ctx *ctx, const char *path, const char *name, size_t *bytes);
/* Compiles shaders/NAME.comp with glslangValidator at run time (test binaries do not see the
 * library's generated SPIR-V headers); malloc'd words, *bytes their size. */
uint32_t *vkg_test_compile_shader(const char *name, size_t *bytes);

/* Deterministic test data: uniform in [lo, hi). */
void vkg_test_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi);
/* Max |a-b| / (atol + rtol*|b|) over n; <= 1 passes. Reports the worst index. */
double vkg_test_rel_err(const float *a, const float *b, size_t n, double atol, double rtol, size_t *worst);
/* Runs a suite with CK_NOFORK when CK_FORK is unset (Vulkan does not survive fork). */
int vkg_test_run_suite(Suite *s);
/* A temp folder for the test (removed by the OS/ctest); returned path is static per process. */
const char *vkg_test_tmpdir(void);

#endif
