/* The diffusers UNet2DModel against PyTorch fixtures (tools/ref/diffusers_ref.py): new and
 * old attention keys, and the google/ddpm-cifar10-32 conventions on a tiny model. The plugin's
 * model code is compiled into this test so the UNet runs without a graph. */
#include "test_ddpm_util.h"

#include "../../plugins/ddpm/unet.c"
#include "../../plugins/ddpm/unet_config.c"

static void check_fixture(const char *name, double rtol) {
  vkg_ctx *ctx = vkg_test_ctx();
  char folder[512], io[600];
  snprintf(folder, sizeof folder, "%s/%s", DDPM_FIX, name);
  snprintf(io, sizeof io, "%s/io.safetensors", folder);
  vkg_ddpm_unet *u = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_unet_open(ctx, folder, &u));
  VKG_CHECK_OK(ctx, vkg_ddpm_unet_load(ctx, u));
  ck_assert_int_eq(vkg_model_unused(ctx, vkg_ddpm_unet_model(u), 0), 0);
  vkg_shape xs, ts, ys;
  float *x = fx_read(ctx, io, "sample", &xs), *t = fx_read(ctx, io, "timestep", &ts);
  float *want = fx_read(ctx, io, "noise_pred", &ys);
  vkg_tensor *xt = fx_upload(ctx, x, &xs), *tt = fx_upload(ctx, t, &ts), *y = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_unet_forward(ctx, u, xt, tt, &y));
  ck_assert(vkg_shape_equal(vkg_tensor_shape(y), &ys));
  float *got = fx_download(ctx, y);
  char what[600];
  snprintf(what, sizeof what, "%s noise_pred", name);
  fx_expect_close(what, got, want, (size_t)vkg_shape_numel(&ys), 1e-5, rtol);
  /* Batch independence: sample 1 alone gives the same result. */
  vkg_shape one = xs;
  one.d[0] = 1;
  size_t per = (size_t)vkg_shape_numel(&one);
  vkg_shape t1 = vkg_shape_make(1, (int64_t[]){1});
  vkg_tensor *x1 = fx_upload(ctx, x + per, &one), *tt1 = fx_upload(ctx, t + 1, &t1), *y1 = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_unet_forward(ctx, u, x1, tt1, &y1));
  float *got1 = fx_download(ctx, y1);
  fx_expect_close("batch of one", got1, want + per, per, 1e-5, rtol);
  free(x), free(t), free(want), free(got), free(got1);
  vkg_tensor_unref(xt), vkg_tensor_unref(tt), vkg_tensor_unref(y);
  vkg_tensor_unref(x1), vkg_tensor_unref(tt1), vkg_tensor_unref(y1);
  vkg_ddpm_unet_destroy(u);
  vkg_test_ctx_destroy(ctx);
}

START_TEST(test_unet_tiny) { check_fixture("unet_tiny", 1e-4); }
END_TEST
START_TEST(test_unet_tiny_oldkeys) { check_fixture("unet_tiny_oldkeys", 1e-4); }
END_TEST
START_TEST(test_unet_tiny_cifarstyle) { check_fixture("unet_tiny_cifarstyle", 1e-4); }
END_TEST

START_TEST(test_unet_config_values) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  vkg_ddpm_unet *u = NULL;
  VKG_CHECK_OK(ctx, vkg_ddpm_unet_open(ctx, DDPM_FIX "/unet_tiny_cifarstyle", &u));
  const vkg_ddpm_unet_cfg *c = vkg_ddpm_unet_config(u);
  ck_assert_int_eq(c->downsample_padding, 0);
  ck_assert_int_eq(c->flip_sin_to_cos, 0);
  ck_assert(c->freq_shift == 1.0);
  ck_assert(c->norm_eps == 1e-6);
  ck_assert_int_eq(c->attention_head_dim, 0);
  ck_assert_int_eq(c->time_embedding_dim, 64);
  ck_assert_int_eq(c->nblocks, 2);
  ck_assert_int_eq(c->down_attn[1], 1);
  ck_assert_int_eq(c->up_attn[0], 1);
  vkg_ddpm_unet_destroy(u);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ddpm_unet");
  TCase *tc = tcase_create("unet");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_unet_config_values);
  tcase_add_test(tc, test_unet_tiny);
  tcase_add_test(tc, test_unet_tiny_oldkeys);
  tcase_add_test(tc, test_unet_tiny_cifarstyle);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
