/* Sequence kernels: token writes (exact, by construction) and input errors. Causal attention,
 * embedding, KV-cache decoding attention and filtered sampling against tests/ref over shapes
 * (24 cases) are rows of the op table: tests/optable/rows_sequence.c. */
#include "ref_kl_tensor.h"

START_TEST(test_attention_causal_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  /* bad: more queries than keys, negative prefix */
  int64_t qs[3] = {1, 4, 2}, ks[3] = {1, 3, 2};
  vkg_tensor *q = kt_new(ctx, 3, qs, NULL), *k = kt_new(ctx, 3, ks, NULL), *o = kt_new(ctx, 3, qs, NULL),
             *o2 = kt_new(ctx, 3, ks, NULL);
  ck_assert_int_eq(vkg_attention_causal(ctx, q, k, k, o, 0, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_causal(ctx, k, k, k, o2, 0, -1), VKG_E_INPUT);
  vkg_tensor_unref(q), vkg_tensor_unref(k), vkg_tensor_unref(o), vkg_tensor_unref(o2);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_embedding_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  /* bad: window past the ids, pos rows past the table */
  int64_t is[2] = {2, 4}, es[2] = {5, 3}, ys[3] = {2, 3, 3};
  vkg_tensor *ti = kt_newt(ctx, VKG_I32, 2, is, NULL), *tok = kt_new(ctx, 2, es, NULL), *y = kt_new(ctx, 3, ys, NULL);
  ck_assert_int_eq(vkg_embedding(ctx, ti, 2, tok, NULL, 0, y), VKG_E_INPUT);
  ck_assert_int_eq(vkg_embedding(ctx, ti, 0, tok, tok, 3, y), VKG_E_INPUT);
  ck_assert_int_eq(vkg_embedding(ctx, tok, 0, tok, NULL, 0, y), VKG_E_INPUT); /* f32 ids */
  vkg_tensor_unref(ti), vkg_tensor_unref(tok), vkg_tensor_unref(y);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_kv_cache_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  /* bad: n past the cache, q with two tokens */
  int64_t cs[4] = {1, 2, 4, 3}, qs[3] = {1, 1, 6}, q2[3] = {1, 2, 6};
  vkg_tensor *kc = kt_new(ctx, 4, cs, NULL), *q = kt_new(ctx, 3, qs, NULL), *y = kt_new(ctx, 3, qs, NULL),
             *qq = kt_new(ctx, 3, q2, NULL);
  ck_assert_int_eq(vkg_attention_cached(ctx, q, kc, kc, 5, y, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_cached(ctx, q, kc, kc, 0, y, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_attention_cached(ctx, qq, kc, kc, 1, qq, 0), VKG_E_INPUT);
  ck_assert_int_eq(vkg_kv_append(ctx, qq, qq, kc, kc, 3), VKG_E_INPUT); /* 2 tokens at 3 of 4 */
  vkg_tensor_unref(kc), vkg_tensor_unref(q), vkg_tensor_unref(y), vkg_tensor_unref(qq);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_put_tokens) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t n = 5, ss[2] = {5, 7};
  int32_t h[5] = {3, 0, 63, 17, 1};
  vkg_tensor *idx = kt_newt(ctx, VKG_I32, 1, &n, h);
  for (int is64 = 0; is64 < 2; is64++) {
    vkg_tensor *seq = kt_newt(ctx, is64 ? VKG_I64 : VKG_I32, 2, ss, NULL);
    VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, seq, 0xffffffffu));
    VKG_CHECK_OK(ctx, vkg_put_tokens(ctx, idx, seq, 6));
    VKG_CHECK_OK(ctx, vkg_put_tokens(ctx, idx, seq, 0));
    if (is64) {
      int64_t *got = kt_get(ctx, seq);
      for (int r = 0; r < 5; r++) {
        ck_assert_int_eq(got[r * 7], h[r]);
        ck_assert_int_eq(got[r * 7 + 6], h[r]);
        ck_assert_int_eq(got[r * 7 + 3], -1);
      }
      free(got);
    } else {
      int32_t *got = kt_get(ctx, seq);
      for (int r = 0; r < 5; r++) {
        ck_assert_int_eq(got[r * 7 + 6], h[r]);
        ck_assert_int_eq(got[r * 7 + 2], -1);
      }
      free(got);
    }
    ck_assert_int_eq(vkg_put_tokens(ctx, idx, seq, 7), VKG_E_INPUT);
    vkg_tensor_unref(seq);
  }
  vkg_tensor_unref(idx);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_sample_logits_errors) {
  vkg_ctx *ctx = vkg_test_ctx();
  int64_t d[2] = {9, 13}, n = 9;
  vkg_tensor *l = kt_new(ctx, 2, d, NULL), *a = kt_newt(ctx, VKG_I32, 1, &n, NULL);
  VKG_CHECK_OK(ctx, vkg_tensor_fill_u32(ctx, l, 0));
  ck_assert_int_eq(vkg_sample_logits(ctx, l, a, 1.0f, 3, -0.5f, 0, 0, 0), VKG_E_INPUT); /* negative top_p */
  vkg_tensor_unref(l), vkg_tensor_unref(a);
  vkg_test_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("kernel_sequence");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 600);
  tcase_add_test(tc, test_attention_causal_errors);
  tcase_add_test(tc, test_embedding_errors);
  tcase_add_test(tc, test_kv_cache_errors);
  tcase_add_test(tc, test_put_tokens);
  tcase_add_test(tc, test_sample_logits_errors);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
