/* nn layers on their own: Downsample2D's asymmetric padding against a host conv, shape and
 * name errors on load, activation names. */
#include "test_ddpm_util.h"

#include <vkgen/nn.h>

/* Host conv2d, stride 2, 3x3, pads (top, left) = 0 and (bottom, right) = 1. */
static void ref_down(const float *x, const float *w, const float *b, float *y, int c, int h, int wd) {
  int oh = (h + 1 - 3) / 2 + 1, ow = (wd + 1 - 3) / 2 + 1;
  for (int o = 0; o < c; o++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++) {
        double s = b[o];
        for (int ci = 0; ci < c; ci++)
          for (int ki = 0; ki < 3; ki++)
            for (int kj = 0; kj < 3; kj++) {
              int yy = 2 * i + ki, xx = 2 * j + kj;
              if (yy < h && xx < wd) s += (double)w[((o * c + ci) * 3 + ki) * 3 + kj] * x[(ci * h + yy) * wd + xx];
            }
        y[(o * oh + i) * ow + j] = (float)s;
      }
}

START_TEST(test_downsample_asymmetric_pad) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_model *m = NULL;
  VKG_CHECK_OK(ctx, vkg_model_open(ctx, DDPM_FIX "/unet_tiny_cifarstyle", NULL, "UNet2DModel", &m));
  vkg_nn_conv2d d = {0};
  VKG_CHECK_OK(ctx, vkg_nn_downsample_load(ctx, m, "down_blocks.0.downsamplers.0", 16, 16, 0, &d));
  float *w = NULL, *b = NULL;
  VKG_CHECK_OK(ctx, vkg_model_read(ctx, m, -1, NULL, &w, NULL, "down_blocks.0.downsamplers.0.conv.weight"));
  VKG_CHECK_OK(ctx, vkg_model_read(ctx, m, -1, NULL, &b, NULL, "down_blocks.0.downsamplers.0.conv.bias"));
  const int C = 16, H = 8, W = 6;
  float x[16 * 8 * 6], want[16 * 4 * 3];
  vkg_test_fill_uniform(x, sizeof x / sizeof x[0], 3, -1, 1);
  ref_down(x, w, b, want, C, H, W);
  vkg_shape xs = vkg_shape_4d(1, C, H, W);
  vkg_tensor *xt = fx_upload(ctx, x, &xs), *y = NULL;
  VKG_CHECK_OK(ctx, vkg_nn_conv2d_forward(ctx, &d, xt, &y));
  const vkg_shape *ys = vkg_tensor_shape(y);
  ck_assert(ys->d[2] == 4 && ys->d[3] == 3);
  float *got = fx_download(ctx, y);
  fx_expect_close("downsample pad (0,1,0,1)", got, want, sizeof want / sizeof want[0], 1e-5, 1e-4);
  free(got), free(w), free(b);
  vkg_tensor_unref(xt), vkg_tensor_unref(y);
  vkg_nn_conv2d_free(&d);
  vkg_model_close(m);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_load_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  vkg_model *m = NULL;
  VKG_CHECK_OK(ctx, vkg_model_open(ctx, DDPM_FIX "/unet_tiny", NULL, NULL, &m));
  vkg_nn_conv2d c = {0};
  VKG_CHECK_FAILS(ctx, vkg_nn_conv2d_load(ctx, m, "conv_in", 4, 16, 3, 1, 1, 1, &c), VKG_E_INPUT,
                  "'conv_in.weight'");
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "[16, 4, 3, 3]"));
  ck_assert_ptr_nonnull(strstr(vkg_error_message(ctx), "[16, 3, 3, 3]"));
  VKG_CHECK_FAILS(ctx, vkg_nn_conv2d_load(ctx, m, "conv_nope", -1, -1, 3, 1, 1, 1, &c), VKG_E_INPUT,
                  "conv_nope.weight");
  vkg_nn_attention a = {0};
  VKG_CHECK_FAILS(ctx, vkg_nn_attention_load(ctx, m, "mid_block.attentions.0", 32, 5, 4, 1e-5f, 1.0f, &a),
                  VKG_E_INPUT, "heads of 5");
  VKG_CHECK_OK(ctx, vkg_nn_attention_load(ctx, m, "mid_block.attentions.0", 32, 8, 4, 1e-5f, 1.0f, &a));
  ck_assert_int_eq(a.heads, 4);
  ck_assert_int_eq(a.old_keys, 0);
  vkg_nn_attention_free(&a);
  vkg_nn_group_norm g = {0};
  VKG_CHECK_FAILS(ctx, vkg_nn_group_norm_load(ctx, m, "conv_norm_out", 16, 3, 1e-5f, &g), VKG_E_INPUT,
                  "do not split into 3 groups");
  vkg_act act;
  VKG_CHECK_OK(ctx, vkg_nn_act_parse(ctx, "act_fn", "swish", &act));
  ck_assert_int_eq(act, VKG_ACT_SILU);
  VKG_CHECK_FAILS(ctx, vkg_nn_act_parse(ctx, "config.json: act_fn", "softsign", &act), VKG_E_INPUT,
                  "config.json: act_fn: unsupported activation 'softsign'");
  vkg_model_close(m);
  VKG_CHECK_OK(ctx, vkg_model_open(ctx, DDPM_FIX "/unet_tiny_oldkeys", NULL, NULL, &m));
  VKG_CHECK_OK(ctx, vkg_nn_attention_load(ctx, m, "mid_block.attentions.0", 32, 8, 4, 1e-5f, 1.0f, &a));
  ck_assert_int_eq(a.old_keys, 1);
  vkg_nn_attention_free(&a);
  vkg_model_close(m);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("nn_layers");
  TCase *tc = tcase_create("nn");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_downsample_asymmetric_pad);
  tcase_add_test(tc, test_load_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
