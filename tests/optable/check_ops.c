/* The op table's check mode (ctest: test_kernel_ops_<family>): every row of the chosen families
 * against its reference, one line per row, exit 1 when a row fails or the validation layer
 * (VKGEN_VALIDATE=1) reported an error.
 *   test_kernel_ops [--family NAME]... [--filter TEXT] [--list] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optable.h"

static int family_known(const char *name) {
  for (const char *const *f = vkg_op_family_names(); *f; f++)
    if (!strcmp(*f, name)) return 1;
  return 0;
}

int main(int argc, char **argv) {
  const char *fams[32];
  int nfam = 0, list = 0;
  const char *filter = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--family") && i + 1 < argc && nfam < 32) {
      fams[nfam] = argv[++i];
      if (!family_known(fams[nfam])) {
        fprintf(stderr, "test_kernel_ops: unknown family '%s'\n", fams[nfam]);
        return 2;
      }
      nfam++;
    } else if (!strcmp(argv[i], "--filter") && i + 1 < argc) {
      filter = argv[++i];
    } else if (!strcmp(argv[i], "--list")) {
      list = 1;
    } else {
      fprintf(stderr, "usage: test_kernel_ops [--family NAME]... [--filter TEXT] [--list]\n");
      return 2;
    }
  }
  vkg_op_row *rows = NULL;
  size_t n = 0;
  if (vkg_op_table(&rows, &n) != 0) {
    fprintf(stderr, "test_kernel_ops: out of memory\n");
    return 1;
  }
  vkg_ctx *ctx = vkg_ctx_create(NULL);
  if (!ctx || vkg_ctx_open_device(ctx) != VKG_OK) {
    fprintf(stderr, "test_kernel_ops: no device: %s\n", ctx ? vkg_error_message(ctx) : "out of memory");
    vkg_ctx_destroy(ctx);
    free(rows);
    return 1;
  }
  int ran = 0, failed = 0, checks = 0;
  for (size_t r = 0; r < n; r++) {
    int want = nfam == 0;
    for (int f = 0; f < nfam; f++) want |= !strcmp(rows[r].family, fams[f]);
    if (!want) continue;
    vkg_op_result res;
    if (filter) {
      vkg_op_run(ctx, &rows[r], VKG_OP_LIST, 1, &res);
      if (!strstr(res.desc, filter)) continue;
    }
    vkg_op_run(ctx, &rows[r], list ? VKG_OP_LIST : VKG_OP_CHECK, 1, &res);
    ran++;
    checks += res.checks;
    if (list) {
      printf("%s/%s: %s\n", rows[r].family, rows[r].op, res.desc);
    } else if (res.ok) {
      printf("ok   %s/%s: %s (worst %.3g of the bound)\n", rows[r].family, rows[r].op, res.desc, res.worst);
    } else {
      failed++;
      printf("FAIL %s/%s: %s: %s\n", rows[r].family, rows[r].op, res.desc, res.msg);
    }
    fflush(stdout);
  }
  uint64_t nval = vkg_ctx_validation_errors(ctx);
  vkg_ctx_destroy(ctx);
  free(rows);
  if (!list) printf("%d rows, %d checks, %d failed\n", ran, checks, failed);
  if (nval) printf("FAIL: the validation layer reported %llu errors\n", (unsigned long long)nval);
  if (ran == 0) {
    printf("FAIL: no row matched\n");
    return 1;
  }
  return failed || nval ? 1 : 0;
}
