/* Bad input to the ddpm plugin: each error names what is wrong (status + message). */
#include <sys/stat.h>

#include "test_ddpm_util.h"

static vkg_registry *ddpm_registry(vkg_ctx *ctx) {
  vkg_registry *reg = NULL;
  VKG_CHECK_OK(ctx, vkg_registry_create(ctx, &reg));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/core.so"));
  VKG_CHECK_OK(ctx, vkg_registry_load_file(reg, VKG_TEST_PLUGIN_DIR "/ddpm.so"));
  return reg;
}

/* A copy of unet_tiny in tmp/name with key set to value (JSON text; NULL deletes the key) and
 * the weights rewritten: tensor drop left out, tensor reshape given shape [2, 2]. */
static const char *make_model(vkg_ctx *ctx, const char *name, const char *key, const char *value, const char *drop,
                              const char *reshape) {
  static char folder[512];
  char path[640];
  snprintf(folder, sizeof folder, "%s/%s", vkg_test_tmpdir(), name);
  mkdir(folder, 0755);
  json_error_t je;
  json_t *cfg = json_load_file(DDPM_FIX "/unet_tiny/config.json", 0, &je);
  ck_assert_ptr_nonnull(cfg);
  if (key && value) {
    json_t *v = json_loads(value, JSON_DECODE_ANY, &je);
    ck_assert_ptr_nonnull(v);
    json_object_set_new(cfg, key, v);
  } else if (key) {
    json_object_del(cfg, key);
  }
  snprintf(path, sizeof path, "%s/config.json", folder);
  ck_assert_int_eq(json_dump_file(cfg, path, JSON_INDENT(2)), 0);
  json_decref(cfg);
  vkg_safetensors *st = NULL;
  VKG_CHECK_OK(ctx, vkg_safetensors_open(ctx, DDPM_FIX "/unet_tiny/diffusion_pytorch_model.safetensors", &st));
  int n = vkg_safetensors_count(st), k = 0;
  vkg_st_write_entry *es = calloc((size_t)n, sizeof *es);
  static const float four[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; i++) {
    const vkg_st_entry *e = vkg_safetensors_entry(st, i);
    if (drop && strcmp(e->name, drop) == 0) continue;
    es[k].name = e->name;
    es[k].dtype = e->dtype;
    es[k].shape = e->shape;
    es[k].data = e->data;
    if (reshape && strcmp(e->name, reshape) == 0) {
      es[k].shape = vkg_shape_make(2, (int64_t[]){2, 2});
      es[k].data = four;
    }
    k++;
  }
  snprintf(path, sizeof path, "%s/diffusion_pytorch_model.safetensors", folder);
  VKG_CHECK_OK(ctx, vkg_safetensors_write(ctx, path, es, k, NULL, 0, 0));
  free(es);
  vkg_safetensors_close(st);
  return folder;
}

static vkg_status load_graph(vkg_ctx *ctx, vkg_registry *reg, const char *folder, const char *params, int run) {
  char text[2048];
  snprintf(text, sizeof text,
           "vkgen: 1\nnodes:\n"
           "  noise: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
           "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: %s%s}}\n",
           folder, params);
  vkg_graph *g = NULL;
  vkg_status st = vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g);
  if (!st && run) {
    vkg_run_options ro = {0};
    st = vkg_graph_run(g, &ro);
  }
  vkg_graph_destroy(g);
  return st;
}

START_TEST(test_unknown_block_type) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = make_model(ctx, "badblock", "down_block_types", "[\"DownBlock2D\", \"CrossAttnDownBlock2D\"]", NULL,
                             NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, "", 0), VKG_E_INPUT, "unsupported block type 'CrossAttnDownBlock2D'");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "down_block_types[1]"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "config.json"));
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_missing_class_name) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = make_model(ctx, "noclass", "_class_name", NULL, NULL, NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, "", 0), VKG_E_INPUT, "_class_name");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "UNet2DModel"));
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_block_count_mismatch) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = make_model(ctx, "badcount", "block_out_channels", "[16, 32, 64]", NULL, NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, "", 0), VKG_E_INPUT, "must have the same length");
  f = make_model(ctx, "badtype", "layers_per_block", "\"two\"", NULL, NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, "", 0), VKG_E_INPUT, "layers_per_block");
  f = make_model(ctx, "badact", "act_fn", "\"mish\"", NULL, NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, "", 0), VKG_E_INPUT, "unsupported activation 'mish'");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_missing_tensor) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = make_model(ctx, "notensor", NULL, NULL, "mid_block.attentions.0.to_k.weight", NULL);
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", steps: 1", 1), VKG_E_INPUT,
                  "missing tensor 'mid_block.attentions.0.to_k.weight'");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_wrong_shape) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = make_model(ctx, "badshape", NULL, NULL, NULL, "down_blocks.1.resnets.0.conv1.weight");
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", steps: 1", 1), VKG_E_INPUT,
                  "'down_blocks.1.resnets.0.conv1.weight'");
  /* caught from the header at load (validate), against the config's width */
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "block_out_channels[1] = 32"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "[2, 2]"));
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_bad_steps) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *f = DDPM_FIX "/unet_tiny";
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", steps: 0", 0), VKG_E_INPUT, "steps must be in [1, 1000]");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "got 0"));
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", steps: 1001", 0), VKG_E_INPUT, "steps must be in [1, 1000]");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "'steps'"));
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", scheduler: ddim, steps: 1001", 0), VKG_E_INPUT, "got 1001");
  VKG_CHECK_FAILS(ctx, load_graph(ctx, reg, f, ", eta: -1", 0), VKG_E_INPUT, "eta");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_bad_input_shape) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_registry *reg = ddpm_registry(ctx);
  const char *text =
      "vkgen: 1\nnodes:\n"
      "  noise: {op: core.randn, params: {shape: [1, 4, 8, 8]}}\n"
      "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: " DDPM_FIX "/unet_tiny}}\n";
  vkg_graph *g = NULL;
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text, strlen(text), NULL, 0, &g), VKG_E_INPUT,
                  "in_channels");
  const char *text2 =
      "vkgen: 1\nnodes:\n"
      "  noise: {op: core.randn, params: {shape: [1, 3, 9, 8]}}\n"
      "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: " DDPM_FIX "/unet_tiny}}\n";
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text2, strlen(text2), NULL, 0, &g), VKG_E_INPUT,
                  "multiples of 2");
  const char *text3 = "vkgen: 1\nnodes:\n"
                      "  noise: {op: core.randn, params: {shape: [1, 3, 8, 8]}}\n"
                      "  sample: {op: ddpm.sample, inputs: {noise: noise}, params: {model: /nonexistent/model}}\n";
  VKG_CHECK_FAILS(ctx, vkg_graph_load_string(ctx, reg, "bad.yaml", text3, strlen(text3), NULL, 0, &g), VKG_E_INPUT,
                  "/nonexistent/model");
  vkg_registry_destroy(reg);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ddpm_errors");
  TCase *tc = tcase_create("errors");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_unknown_block_type);
  tcase_add_test(tc, test_missing_class_name);
  tcase_add_test(tc, test_block_count_mismatch);
  tcase_add_test(tc, test_missing_tensor);
  tcase_add_test(tc, test_wrong_shape);
  tcase_add_test(tc, test_bad_steps);
  tcase_add_test(tc, test_bad_input_shape);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
