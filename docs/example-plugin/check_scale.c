/* check_scale FILE FACTOR: checks that entry "scaled" of FILE equals FACTOR * entry "noise"
 * (and that the noise is not all zeros). Built against the installed libvkgen through
 * pkg-config by tests/cli/test_example_plugin.sh. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vkgen/context.h>
#include <vkgen/io.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: check_scale FILE FACTOR\n");
    return 2;
  }
  double factor = atof(argv[2]);
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  vkg_safetensors *st = NULL;
  if (!ctx || vkg_safetensors_open(ctx, argv[1], &st) != VKG_OK) {
    fprintf(stderr, "check_scale: %s\n", ctx ? vkg_error_message(ctx) : "no context");
    return 1;
  }
  const vkg_st_entry *a = vkg_safetensors_find(st, "noise"), *b = vkg_safetensors_find(st, "scaled");
  int rc = 0;
  if (!a || !b || a->dtype != VKG_F32 || b->dtype != VKG_F32 || !vkg_shape_equal(&a->shape, &b->shape)) {
    fprintf(stderr, "check_scale: entries noise/scaled missing or different\n");
    rc = 1;
  } else {
    const float *x = a->data, *y = b->data;
    size_t n = a->bytes / sizeof(float), nonzero = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
      if (x[i] != 0.0f) nonzero++;
      if (fabs(y[i] - factor * x[i]) > 1e-5 * (1 + fabs(factor * x[i]))) {
        fprintf(stderr, "check_scale: element %zu: %g != %g * %g\n", i, y[i], factor, x[i]);
        rc = 1;
      }
    }
    if (rc == 0 && nonzero < n / 2) {
      fprintf(stderr, "check_scale: noise is mostly zeros\n");
      rc = 1;
    }
    if (rc == 0) printf("check_scale: %zu elements of shape [%lld, ...] ok\n", n, (long long)a->shape.d[0]);
  }
  vkg_safetensors_close(st);
  vkg_ctx_destroy(ctx);
  return rc;
}
