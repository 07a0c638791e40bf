/* Status names, exit codes and error message formatting. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_names_and_exit_codes) {
  ck_assert_str_eq(vkg_status_name(VKG_OK), "VKG_OK");
  ck_assert_str_eq(vkg_status_name(VKG_E_NOMEM), "VKG_E_NOMEM");
  ck_assert_str_eq(vkg_status_name(VKG_E_INTERNAL), "VKG_E_INTERNAL");
  ck_assert_str_eq(vkg_status_name((vkg_status)99), "VKG_E_UNKNOWN");
  ck_assert_int_eq(vkg_status_exit_code(VKG_OK), 0);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_INPUT), 1);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_IO), 1);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_USAGE), 2);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_DEVICE), 3);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_NOMEM), 3);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_PLUGIN), 3);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_INTERRUPTED), 3);
  ck_assert_int_eq(vkg_status_exit_code(VKG_E_INTERNAL), 3);
  ck_assert_int_eq(vkg_status_exit_code((vkg_status)99), 3);
  ck_assert_str_eq(vkg_status_meaning(VKG_E_USAGE), "bad command line");
  /* every listed status has a distinct VKG_ name, a meaning and an exit code in 0..3 */
  for (int i = 0; i < VKG_STATUS_COUNT; i++) {
    ck_assert(strncmp(vkg_status_name((vkg_status)i), "VKG_", 4) == 0);
    ck_assert(strlen(vkg_status_meaning((vkg_status)i)) > 0);
    ck_assert(vkg_status_exit_code((vkg_status)i) >= 0 && vkg_status_exit_code((vkg_status)i) <= 3);
    for (int j = 0; j < i; j++) ck_assert_str_ne(vkg_status_name((vkg_status)i), vkg_status_name((vkg_status)j));
  }
}
END_TEST

START_TEST(test_error_formatting) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  ck_assert_str_eq(vkg_error_message(ctx), "");
  ck_assert_int_eq(vkg_error_code(ctx), VKG_OK);
  ck_assert_int_eq(vkg_error(ctx, VKG_E_INPUT, "bad %s %d", "thing", 3), VKG_E_INPUT);
  ck_assert_str_eq(vkg_error_message(ctx), "bad thing 3");
  ck_assert_int_eq(vkg_error_prefix(ctx, "node '%s': ", "sample"), VKG_E_INPUT);
  ck_assert_str_eq(vkg_error_message(ctx), "node 'sample': bad thing 3");
  vkg_loc loc = {"graph.yaml", 12, 5};
  ck_assert_int_eq(vkg_error_at(ctx, VKG_E_INPUT, &loc, "param '%s': must be in [1, 1000], got %d", "steps", 0),
                   VKG_E_INPUT);
  ck_assert_str_eq(vkg_error_message(ctx), "graph.yaml:12:5: param 'steps': must be in [1, 1000], got 0");
  vkg_loc noc = {"g.yaml", 7, 0};
  vkg_error_at(ctx, VKG_E_IO, &noc, "x");
  ck_assert_str_eq(vkg_error_message(ctx), "g.yaml:7: x");
  vkg_loc file_only = {"g.yaml", 0, 0};
  vkg_error_at(ctx, VKG_E_IO, &file_only, "x");
  ck_assert_str_eq(vkg_error_message(ctx), "g.yaml: x");
  vkg_error_at(ctx, VKG_E_IO, NULL, "y");
  ck_assert_str_eq(vkg_error_message(ctx), "y");
  ck_assert_int_eq(vkg_error_code(ctx), VKG_E_IO);
  vkg_error_clear(ctx);
  ck_assert_str_eq(vkg_error_message(ctx), "");
  ck_assert_int_eq(vkg_error_code(ctx), VKG_OK);
  /* prefix with no error yet: internal */
  ck_assert_int_eq(vkg_error_prefix(ctx, "ctx: "), VKG_E_INTERNAL);
  ck_assert_str_eq(vkg_error_message(ctx), "ctx: ");
  /* very long messages are truncated, not overflowed */
  char big[10000];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  vkg_error(ctx, VKG_E_INPUT, "%s", big);
  vkg_error_prefix(ctx, "%s", big);
  ck_assert_uint_lt(strlen(vkg_error_message(ctx)), sizeof big);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_log_sink) {
  vkg_ctx_options o;
  vkg_ctx_options_init(&o);
  ck_assert_int_eq(o.device_index, -1);
  ck_assert_int_eq(o.validate, -1);
  ck_assert_ptr_null(o.cache_dir);
  o.verbose = 0;
  vkg_ctx *ctx = vkg_ctx_create(&o);
  ck_assert_ptr_eq(vkg_ctx_log(ctx), stderr);
  FILE *f = tmpfile();
  vkg_ctx_set_log(ctx, f);
  ck_assert_ptr_eq(vkg_ctx_log(ctx), f);
  vkg_warn(ctx, "disk %d%% full", 93);
  vkg_info(ctx, "hidden when not verbose");
  char buf[256] = {0};
  rewind(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  ck_assert_str_eq(buf, "warning: disk 93% full\n");
  fclose(f);
  vkg_ctx_set_log(ctx, NULL);
  volatile sig_atomic_t flag = 0;
  ck_assert_int_eq(vkg_interrupted(ctx), 0);
  vkg_ctx_set_interrupt_flag(ctx, &flag);
  ck_assert_int_eq(vkg_interrupted(ctx), 0);
  flag = 1;
  ck_assert_int_eq(vkg_interrupted(ctx), 1);
  ck_assert_int_eq(vkg_ctx_device_open(ctx), 0);
  ck_assert_ptr_null(vkg_ctx_device_info(ctx));
  vkg_ctx_destroy(ctx);
  vkg_ctx_destroy(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("status");
  TCase *tc = tcase_create("status");
  tcase_add_test(tc, test_names_and_exit_codes);
  tcase_add_test(tc, test_error_formatting);
  tcase_add_test(tc, test_log_sink);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
