/* concat / slice / permute: exact against tests/ref and direct index arithmetic, f32 and i64. */
#include "ref_kl.h"
#include "ref_kl_tensor.h"

static void permute_case(vkg_ctx *ctx, int nd, const int64_t *shape, const int *perm) {
  float *hx;
  int64_t ys[6];
  for (int i = 0; i < nd; i++) ys[i] = shape[perm[i]];
  vkg_tensor *x = kt_rand(ctx, nd, shape, 70, -1, 1, &hx), *y = kt_new(ctx, nd, ys, NULL);
  VKG_CHECK_OK(ctx, vkg_permute(ctx, x, y, perm));
  size_t n = (size_t)vkg_tensor_numel(x);
  float *got = kt_get(ctx, y), *want = malloc(n * sizeof *want);
  ref_permute(hx, shape, nd, perm, want);
  ck_assert_msg(memcmp(got, want, n * sizeof *got) == 0, "permute rank %d differs", nd);
  free(got), free(want), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
}

START_TEST(test_permute) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t s1[1] = {1}, s2[2] = {7, 13}, s4[4] = {2, 3, 5, 7}, s6[6] = {2, 3, 1, 5, 4, 3}, sb[4] = {4, 64, 33, 31};
  int p1[1] = {0}, p2[2] = {1, 0}, p4[4] = {0, 2, 3, 1}, p6[6] = {5, 3, 0, 4, 2, 1}, pb[4] = {0, 3, 1, 2};
  permute_case(ctx, 1, s1, p1);
  permute_case(ctx, 2, s2, p2);
  permute_case(ctx, 4, s4, p4);
  permute_case(ctx, 6, s6, p6);
  permute_case(ctx, 4, sb, pb);
  /* i64 */
  int64_t hx[6] = {1, -2, 3, (int64_t)1 << 40, 5, -((int64_t)1 << 50)}, xs[2] = {2, 3}, ys[2] = {3, 2}, got[6];
  vkg_tensor *x = kt_newt(ctx, VKG_I64, 2, xs, hx), *y = kt_newt(ctx, VKG_I64, 2, ys, NULL);
  VKG_CHECK_OK(ctx, vkg_permute(ctx, x, y, p2));
  VKG_CHECK_OK(ctx, vkg_tensor_download(ctx, y, got, sizeof got));
  int64_t want[6] = {1, (int64_t)1 << 40, -2, 5, 3, -((int64_t)1 << 50)};
  ck_assert(memcmp(got, want, sizeof want) == 0);
  vkg_tensor_unref(x), vkg_tensor_unref(y);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_concat) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t a[4] = {2, 3, 5, 7}, b[4] = {2, 1, 5, 7}, c[4] = {2, 4, 5, 7}, y4[4] = {2, 8, 5, 7};
  float *ha, *hb, *hc;
  const vkg_tensor *xs[3] = {kt_rand(ctx, 4, a, 71, 0, 1, &ha), kt_rand(ctx, 4, b, 72, 0, 1, &hb),
                             kt_rand(ctx, 4, c, 73, 0, 1, &hc)};
  vkg_tensor *y = kt_new(ctx, 4, y4, NULL);
  VKG_CHECK_OK(ctx, vkg_concat(ctx, xs, 3, 1, y));
  float *got = kt_get(ctx, y);
  for (int n = 0; n < 2; n++)
    for (int ch = 0; ch < 8; ch++)
      for (int i = 0; i < 35; i++) {
        float w = ch < 3 ? ha[(n * 3 + ch) * 35 + i] : ch < 4 ? hb[n * 35 + i] : hc[(n * 4 + ch - 4) * 35 + i];
        ck_assert_msg(got[(n * 8 + ch) * 35 + i] == w, "concat axis 1 at %d %d %d", n, ch, i);
      }
  free(got);
  /* last axis, negative */
  int64_t l1[2] = {3, 2}, l2[2] = {3, 5}, ly[2] = {3, 7};
  float h1[6] = {1, 2, 3, 4, 5, 6}, h2[15];
  for (int i = 0; i < 15; i++) h2[i] = 10 + i;
  const vkg_tensor *ls[2] = {kt_new(ctx, 2, l1, h1), kt_new(ctx, 2, l2, h2)};
  vkg_tensor *lyt = kt_new(ctx, 2, ly, NULL);
  VKG_CHECK_OK(ctx, vkg_concat(ctx, ls, 2, -1, lyt));
  got = kt_get(ctx, lyt);
  for (int r = 0; r < 3; r++)
    for (int j = 0; j < 7; j++) ck_assert(got[r * 7 + j] == (j < 2 ? h1[r * 2 + j] : h2[r * 5 + j - 2]));
  free(got), free(ha), free(hb), free(hc);
  for (int i = 0; i < 3; i++) vkg_tensor_unref((vkg_tensor *)xs[i]);
  for (int i = 0; i < 2; i++) vkg_tensor_unref((vkg_tensor *)ls[i]);
  vkg_tensor_unref(y), vkg_tensor_unref(lyt);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_slice) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t xs[3] = {4, 9, 11}, ys[3] = {2, 3, 4}, st[3] = {1, 2, 3}, sp[3] = {2, 3, 2};
  float *hx;
  vkg_tensor *x = kt_rand(ctx, 3, xs, 74, -1, 1, &hx), *y = kt_new(ctx, 3, ys, NULL);
  VKG_CHECK_OK(ctx, vkg_slice(ctx, x, y, st, sp));
  float *got = kt_get(ctx, y);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        ck_assert(got[(a * 3 + b) * 4 + c] == hx[((1 + 2 * a) * 9 + (2 + 3 * b)) * 11 + (3 + 2 * c)]);
  free(got);
  /* steps NULL: a contiguous window */
  int64_t zs[3] = {4, 2, 11}, st2[3] = {0, 7, 0};
  vkg_tensor *z = kt_new(ctx, 3, zs, NULL);
  VKG_CHECK_OK(ctx, vkg_slice(ctx, x, z, st2, NULL));
  got = kt_get(ctx, z);
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 11; c++) ck_assert(got[(a * 2 + b) * 11 + c] == hx[(a * 9 + 7 + b) * 11 + c]);
  free(got), free(hx);
  vkg_tensor_unref(x), vkg_tensor_unref(y), vkg_tensor_unref(z);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_layout_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t a[2] = {2, 3}, b[2] = {3, 3}, y[2] = {2, 6};
  vkg_tensor *ta = kt_new(ctx, 2, a, NULL), *tb = kt_new(ctx, 2, b, NULL), *ty = kt_new(ctx, 2, y, NULL);
  const vkg_tensor *xs[2] = {ta, tb};
  VKG_CHECK_FAILS(ctx, vkg_concat(ctx, xs, 2, 1, ty), VKG_E_INPUT,
                  "concat: input 1 shape [3, 3] does not fit y shape [2, 6] along axis 1");
  const vkg_tensor *xs2[2] = {ta, ta};
  VKG_CHECK_FAILS(ctx, vkg_concat(ctx, xs2, 2, 0, ty), VKG_E_INPUT, "concat: input 0 shape [2, 3] does not fit");
  int p[2] = {1, 0}, bad[2] = {0, 0};
  VKG_CHECK_FAILS(ctx, vkg_permute(ctx, ta, ty, p), VKG_E_INPUT, "permute: y shape [2, 6] is not x shape [2, 3]");
  VKG_CHECK_FAILS(ctx, vkg_permute(ctx, ta, tb, bad), VKG_E_INPUT, "not a permutation");
  int64_t st[2] = {1, 0};
  VKG_CHECK_FAILS(ctx, vkg_slice(ctx, ta, ta, st, NULL), VKG_E_INPUT, "slice: axis 0: start 1");
  vkg_tensor_unref(ta), vkg_tensor_unref(tb), vkg_tensor_unref(ty);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_layout");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_permute);
  tcase_add_test(tc, test_concat);
  tcase_add_test(tc, test_slice);
  tcase_add_test(tc, test_layout_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
