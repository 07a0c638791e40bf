/* The plugin registry: loading real .so files, each way a plugin is refused (with the file
 * named), folders, the default search path, and descriptors linked into the program. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#ifndef VKG_TEST_PLUGIN_SO_DIR
#error "VKG_TEST_PLUGIN_SO_DIR must be set by tests/plugins/CMakeLists.txt"
#endif
#define SO(name) VKG_TEST_PLUGIN_SO_DIR "/" name ".so"

static vkg_ctx *ctx;
static vkg_registry *reg;
static char *logbuf;
static size_t loglen;
static FILE *logf_;

static void setup(void) {
  ctx = vkg_test_ctx_nodevice();
  logbuf = NULL;
  logf_ = open_memstream(&logbuf, &loglen);
  vkg_ctx_set_log(ctx, logf_);
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
}

static void teardown(void) {
  vkg_registry_destroy(reg);
  vkg_ctx_destroy(ctx);
  fclose(logf_);
  free(logbuf);
}

static const char *log_text(void) {
  fflush(logf_);
  return logbuf ? logbuf : "";
}

START_TEST(test_load_good) {
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, SO("tp_good")));
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 1);
  ck_assert_str_eq(vkg_registry_plugin(reg, 0)->name, "tp");
  ck_assert_str_eq(vkg_registry_plugin_origin(reg, 0), SO("tp_good"));
  const vkg_plugin_desc *p = NULL;
  const vkg_node_type *t = vkg_registry_find(reg, "tp.make", &p);
  ck_assert_ptr_nonnull(t);
  ck_assert_str_eq(t->name, "make");
  ck_assert_ptr_eq(p, vkg_registry_plugin(reg, 0));
  ck_assert_ptr_null(vkg_registry_find(reg, "tp.nope", NULL));
  ck_assert_ptr_null(vkg_registry_find(reg, "make", NULL));
  ck_assert_str_eq(vkg_registry_suggest(reg, "tp.mkae"), "tp.make");
  ck_assert_str_eq(vkg_registry_suggest(reg, "make"), "tp.make");
  ck_assert_ptr_null(vkg_registry_suggest(reg, "something.else"));
}
END_TEST

START_TEST(test_refusals) {
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, SO("tp_good")));
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_dup")), VKG_E_PLUGIN,
                  "op 'tp.make' already provided by " SO("tp_good"));
  ck_assert(strstr(vkg_error_message(ctx), SO("tp_dup")));
  char abi_msg[96];
  snprintf(abi_msg, sizeof abi_msg, "built for plugin ABI 3, this vkgen has ABI %u.%u", VKG_ABI_MAJOR, VKG_ABI_MINOR);
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_badabi")), VKG_E_PLUGIN, abi_msg);
  ck_assert(strstr(vkg_error_message(ctx), SO("tp_badabi")));
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_noentry")), VKG_E_PLUGIN, "not a vkgen plugin");
  ck_assert(strstr(vkg_error_message(ctx), SO("tp_noentry")));
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_noinfer")), VKG_E_PLUGIN, "lacks its infer callback");
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_SO_DIR "/absent.so"), VKG_E_PLUGIN,
                  VKG_TEST_PLUGIN_SO_DIR "/absent.so: cannot load");
  /* a text file with a .so name: dlopen's own reason is passed on */
  char path[512];
  snprintf(path, sizeof path, "%s/text.so", vkg_test_tmpdir());
  FILE *f = fopen(path, "w");
  fputs("not an ELF file\n", f);
  fclose(f);
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, path), VKG_E_PLUGIN, "cannot load");
  ck_assert(strstr(vkg_error_message(ctx), path));
  /* the registry stays usable */
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 1);
  ck_assert_ptr_nonnull(vkg_registry_find(reg, "tp.make", NULL));
}
END_TEST

static void link_as(const char *dir, const char *target, const char *name) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  unlink(p);
  ck_assert_int_eq(symlink(target, p), 0);
}

START_TEST(test_load_dir) {
  char dir[512];
  snprintf(dir, sizeof dir, "%s/plugdir", vkg_test_tmpdir());
  mkdir(dir, 0755);
  /* name order decides who wins a duplicate: 1dup.so before 2good.so */
  link_as(dir, SO("tp_dup"), "1dup.so");
  link_as(dir, SO("tp_good"), "2good.so");
  link_as(dir, SO("tp_badabi"), "3badabi.so");
  link_as(dir, SO("tp_noentry"), "4noentry.so");
  link_as(dir, SO("tp_good"), "notaplugin.txt");
  VKG_CHECK_OK(ctx, vkg_registry_load_dir(reg, dir));
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 1);
  ck_assert(strstr(vkg_registry_plugin_origin(reg, 0), "1dup.so"));
  const char *log = log_text();
  ck_assert_msg(strstr(log, "2good.so") && strstr(log, "already provided by"), "%s", log);
  ck_assert_msg(strstr(log, "3badabi.so") && strstr(log, "ABI 3,"), "%s", log);
  ck_assert_msg(strstr(log, "4noentry.so") && strstr(log, "not a vkgen plugin"), "%s", log);
  ck_assert_msg(!strstr(log, "notaplugin"), "%s", log);
  /* a missing folder is fine */
  VKG_CHECK_OK(ctx, vkg_registry_load_dir(reg, "/nonexistent/vkgen/plugins"));
}
END_TEST

START_TEST(test_load_default) {
  const char *d = vkg_default_plugin_dir();
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq(d, VKG_TEST_PLUGIN_DIR);
  char dir[512];
  snprintf(dir, sizeof dir, "%s/envdir", vkg_test_tmpdir());
  mkdir(dir, 0755);
  link_as(dir, SO("tp_good"), "good.so");
  char extra[512];
  snprintf(extra, sizeof extra, "%s/extradir", vkg_test_tmpdir());
  mkdir(extra, 0755);
  link_as(extra, SO("tp_dup"), "dup.so");
  char env[1100];
  snprintf(env, sizeof env, "/nonexistent:%s", dir);
  setenv("VKGEN_PLUGIN_PATH", env, 1);
  VKG_CHECK_OK(ctx, vkg_registry_load_default(reg, extra));
  unsetenv("VKGEN_PLUGIN_PATH");
  ck_assert_ptr_nonnull(vkg_registry_find(reg, "tp.make", NULL));
  /* VKGEN_PLUGIN_PATH comes before --plugin-path: the extra dup is refused */
  const char *origin = NULL;
  for (int i = 0; i < vkg_registry_plugin_count(reg); i++)
    if (!strcmp(vkg_registry_plugin(reg, i)->name, "tp")) origin = vkg_registry_plugin_origin(reg, i);
  ck_assert_ptr_nonnull(origin);
  ck_assert_msg(strstr(origin, "envdir/good.so"), "%s", origin);
  ck_assert_msg(strstr(log_text(), "extradir/dup.so"), "%s", log_text());
}
END_TEST

static vkg_status t_infer(vkg_node *n, void *s, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)n;
  (void)s;
  (void)in;
  (void)out;
  return VKG_OK;
}
static vkg_status t_run(vkg_node *n, void *s, vkg_tensor *const *in, vkg_tensor **out) {
  (void)n;
  (void)s;
  (void)in;
  (void)out;
  return VKG_OK;
}

START_TEST(test_add_checks) {
  static const vkg_port_desc ports[] = {{"x", "f32", NULL, 0}};
  static const vkg_param_desc enum_bad[] = {{"mode", VKG_PARAM_ENUM, "a", NULL, NULL, 0, 0}};
  vkg_node_type acc = {.name = "acc", .flags = VKG_NODE_ACCUMULATOR, .ninputs = 1, .inputs = ports, .noutputs = 1,
                       .outputs = ports, .infer = t_infer, .run = t_run};
  vkg_plugin_desc d = {VKG_PLUGIN_ABI, .name = "mine", .version = "1", .ntypes = 1, .types = &acc};
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "accumulator without a finish callback");
  ck_assert(strstr(vkg_error_message(ctx), "builtin"));
  acc.flags = 0;
  acc.run = NULL;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "lacks its run callback");
  acc.run = t_run;
  d.name = "Bad-Name";
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "bad plugin name 'Bad-Name'");
  d.name = "mine";
  acc.nparams = 1;
  acc.params = enum_bad;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "enum param 'mode' lists no choices");
  acc.nparams = 0;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, NULL, "builtin"), VKG_E_PLUGIN, "no descriptor");
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 0);
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &d, "builtin"));
  ck_assert_ptr_nonnull(vkg_registry_find(reg, "mine.acc", NULL));
  ck_assert_str_eq(vkg_registry_plugin_origin(reg, 0), "builtin");
}
END_TEST

/* A plugin built for the previous minor loads (license "unknown"); the next minor and
 * another major are refused, naming both versions and the file. */
START_TEST(test_abi_versions) {
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, SO("tp_abi_prev")));
  const vkg_plugin_desc *p = NULL;
  ck_assert_ptr_nonnull(vkg_registry_find(reg, "tpold.make", &p));
  ck_assert_uint_eq(p->abi_major, VKG_ABI_MAJOR);
  ck_assert_uint_eq(p->abi_minor, VKG_ABI_MINOR ? VKG_ABI_MINOR - 1 : 0);
  ck_assert_str_eq(vkg_plugin_license(p), "unknown");

  char want[160];
  snprintf(want, sizeof want, SO("tp_abi_next") ": built for plugin ABI %u.%u, newer than this vkgen's ABI %u.%u",
           VKG_ABI_MAJOR, VKG_ABI_MINOR + 1, VKG_ABI_MAJOR, VKG_ABI_MINOR);
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_abi_next")), VKG_E_PLUGIN, want);
  snprintf(want, sizeof want, SO("tp_abi_major") ": built for plugin ABI %u.%u, this vkgen has ABI %u.%u",
           VKG_ABI_MAJOR + 1, VKG_ABI_MINOR, VKG_ABI_MAJOR, VKG_ABI_MINOR);
  VKG_CHECK_FAILS(ctx, vkg_registry_load_file(reg, SO("tp_abi_major")), VKG_E_PLUGIN, want);
  ck_assert(strstr(vkg_error_message(ctx), "another major"));
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 1);
}
END_TEST

/* The reserved slots, the license and port flags each minor knows. */
START_TEST(test_abi_fields) {
  static const vkg_port_desc in_var[] = {{"a", "f32", NULL, 0}, {"rest", "f32", NULL, VKG_PORT_VARIADIC}};
  static const vkg_port_desc var_first[] = {{"rest", "f32", NULL, VKG_PORT_VARIADIC}, {"a", "f32", NULL, 0}};
  static const vkg_port_desc odd_flag[] = {{"a", "f32", NULL, 1 << 5}};
  static const vkg_port_desc out_var[] = {{"y", "f32", NULL, VKG_PORT_VARIADIC}};
  static int token;
  vkg_node_type t = {.name = "op", .ninputs = 2, .inputs = in_var, .noutputs = 1, .outputs = in_var,
                     .infer = t_infer, .run = t_run};
  vkg_plugin_desc d = {VKG_PLUGIN_ABI, .name = "mine", .version = "1", .license = "MIT", .ntypes = 1, .types = &t};

  d.reserved[3] = &token;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN,
                  "builtin: the reserved fields at the end of its descriptor are not zero");
  d.reserved[3] = NULL;
  t.reserved[7] = &token;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN,
                  "op 'mine.op': the reserved fields of its node type are not zero");
  t.reserved[7] = NULL;
  d.license = "";
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "empty license");
  d.license = "MIT";
  /* 4.0 had neither the license (its slot was reserved) nor variadic ports */
  d.abi_minor = 0;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "reserved fields at the end");
  d.license = NULL;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN,
                  "input 'rest' has flags 0x2, unknown to input ports of plugin ABI 4.0");
  d.abi_minor = VKG_ABI_MINOR;
  d.license = "MIT";
  t.inputs = odd_flag;
  t.ninputs = 1;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "input 'a' has flags 0x20, unknown");
  t.inputs = var_first;
  t.ninputs = 2;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN,
                  "variadic input 'rest' must be the last input port");
  t.inputs = in_var;
  t.outputs = out_var;
  VKG_CHECK_FAILS(ctx, vkg_registry_add(reg, &d, "builtin"), VKG_E_PLUGIN, "output 'y' has flags 0x2, unknown");
  t.outputs = in_var;
  ck_assert_int_eq(vkg_registry_plugin_count(reg), 0);
  VKG_CHECK_OK(ctx, vkg_registry_add(reg, &d, "builtin"));
  ck_assert_str_eq(vkg_plugin_license(vkg_registry_plugin(reg, 0)), "MIT");
}
END_TEST

START_TEST(test_describe_loaded) {
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, SO("tp_good")));
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  VKG_CHECK_OK(ctx, vkg_registry_describe(reg, f, 1));
  fclose(f);
  json_error_t je;
  json_t *root = json_loads(buf, 0, &je);
  ck_assert_msg(root != NULL, "%s", je.text);
  ck_assert_int_eq(json_integer_value(json_object_get(root, "abi_major")), VKG_ABI_MAJOR);
  ck_assert_int_eq(json_integer_value(json_object_get(root, "abi_minor")), VKG_ABI_MINOR);
  json_t *p = json_array_get(json_object_get(root, "plugins"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(p, "origin")), SO("tp_good"));
  ck_assert_str_eq(json_string_value(json_object_get(p, "license")), "MIT");
  ck_assert_str_eq(json_string_value(json_object_get(p, "version")), "0.1");
  json_t *node = json_array_get(json_object_get(p, "nodes"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(node, "op")), "tp.make");
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(node, "flags"), 0)), "source");
  json_t *param = json_array_get(json_object_get(node, "params"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(param, "name")), "count");
  ck_assert_str_eq(json_string_value(json_object_get(param, "default")), "4");
  ck_assert(json_real_value(json_object_get(param, "min")) == 1.0);
  ck_assert(json_real_value(json_object_get(param, "max")) == 64.0);
  json_t *out = json_array_get(json_object_get(node, "outputs"), 0);
  ck_assert_str_eq(json_string_value(json_array_get(json_object_get(out, "dtypes"), 0)), "f32");
  json_decref(root);
  free(buf);
}
END_TEST

int main(void) {
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("registry");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_load_good);
  tcase_add_test(tc, test_refusals);
  tcase_add_test(tc, test_load_dir);
  tcase_add_test(tc, test_load_default);
  tcase_add_test(tc, test_add_checks);
  tcase_add_test(tc, test_abi_versions);
  tcase_add_test(tc, test_abi_fields);
  tcase_add_test(tc, test_describe_loaded);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
