/* vkg_attention_flash (fused attention with an online softmax) and vkg_attention (which runs the
 * fused kernel up to D 49152) against tests/ref ref_attention (double), over odd shapes: Lq != Lk,
 * D and Dv not multiples of 4, Dv over one 64-wide output block, large logits, and key sequences
 * split into several chunks whose partials a second kernel merges.
 * Bounds: atol 1e-5 rtol 1e-4; the vkg_attention row also checks it is bitwise equal to
 * vkg_attention_flash, and the attention_flash row checks (check mode only, no kernel) that
 * ref_attention_online, the plain C version of the online chunked algorithm, with chunks of 1, 4
 * and 7 keys is ref_attention within atol 1e-6 rtol 1e-5.
 * Was tests/unit/test_kernel_attention_flash.c: 10 shapes (8 + 2 chunked) x (vkg_attention_flash
 * vs the reference, vkg_attention vs vkg_attention_flash) = 20 cases. Its error tests and the
 * VKG_BENCH_ATTENTION timing of the attention paths stay there. */
#include <math.h>
#include <stdio.h>

#include "optable.h"
#include "ref_kl.h"

/* i: b h lq lk d dv flash; f: scale (0: 1/sqrt(d)), range of q and k */
static void run_attention(vkg_op_h *h) {
  const int64_t *a = h->row->i;
  const int64_t b = a[0], hh = a[1], lq = a[2], lk = a[3], dd = a[4], dv = a[5];
  const int flash = (int)a[6];
  const float scale = (float)h->row->f[0], range = (float)h->row->f[1];
  ot_desc(h, "%s [%lld, %lld, %lld, %lld] x %lld keys, dv %lld, scale %g, q/k in [-%g, %g)",
          flash ? "attention_flash" : "attention", (long long)b, (long long)hh, (long long)lq, (long long)dd,
          (long long)lk, (long long)dv, scale, range, range);
  int64_t sq[4] = {b, hh, lq, dd}, sk[4] = {b, hh, lk, dd}, sv[4] = {b, hh, lk, dv}, so[4] = {b, hh, lq, dv};
  float *hq, *hk, *hv;
  vkg_tensor *q = ot_rand_t(h, 4, sq, 41, -range, range, &hq), *k = ot_rand_t(h, 4, sk, 42, -range, range, &hk),
             *v = ot_rand_t(h, 4, sv, 43, -2, 2, &hv), *o = ot_f32(h, 4, so, NULL);
  ot_work(h, 2.0 * (double)(b * hh * lq * lk) * (double)(dd + dv),
          4.0 * (double)(b * hh) * (double)(lq * dd + lk * dd + lk * dv + lq * dv));
  if (flash) OT_RUN(h, vkg_attention_flash(h->ctx, q, k, v, o, scale));
  else OT_RUN(h, vkg_attention(h->ctx, q, k, v, o, scale));
  if (!ot_checking(h)) return;
  size_t total = (size_t)(b * hh * lq * dv);
  float *got = ot_get(h, o), *want = ot_alloc(h, total * sizeof *want);
  const float sc = scale > 0 ? scale : (float)(1 / sqrt((double)dd));
  ref_attention(hq, hk, hv, want, b * hh, lq, lk, dd, dv, sc);
  ot_expect_row(h, got, want, total, 0, flash ? "attention_flash" : "attention");
  if (!flash) {
    vkg_tensor *of = ot_f32(h, 4, so, NULL);
    OT_OK(h, vkg_attention_flash(h->ctx, q, k, v, of, scale));
    ot_expect_exact(h, got, ot_get(h, of), total * sizeof *got, "vkg_attention vs vkg_attention_flash");
    return;
  }
  /* the online algorithm itself, with chunks of 1, 4 and 7 keys, is the softmax */
  float *online = ot_alloc(h, total * sizeof *online);
  for (int64_t chunk = 1; chunk <= 7; chunk += 3) {
    OT_ASSERT(h, ref_attention_online(hq, hk, hv, online, b * hh, lq, lk, dd, dv, sc, chunk) == 0,
              "ref_attention_online: out of host memory");
    char what[64];
    snprintf(what, sizeof what, "plain C online softmax, chunks of %lld keys", (long long)chunk);
    ot_expect(h, online, want, total, 1e-6, 1e-5, what);
  }
}

#define FL(name, flash, s, r, ...) \
  {.family = "attention", .op = name, .run = run_attention, .atol = 1e-5, .rtol = 1e-4, .i = {__VA_ARGS__, flash}, .f = {s, r}}
/* each shape: the fused kernel, and vkg_attention */
#define FL2(s, r, ...) FL("attention_flash", 1, s, r, __VA_ARGS__), FL("attention", 0, s, r, __VA_ARGS__)

static const vkg_op_row rows[] = {
    /* i: b h lq lk d dv; f: scale, range */
    FL2(0, 1, 1, 1, 1, 1, 1, 1),
    FL2(0, 1, 1, 1, 3, 2, 3, 1),        /* fewer keys than one block of 4 */
    FL2(0, 1, 2, 3, 7, 11, 5, 5),       /* odd everything */
    FL2(0, 1, 1, 8, 64, 77, 40, 40),    /* cross attention, Lq != Lk */
    FL2(0.7, 1, 2, 2, 13, 3, 8, 6),     /* explicit scale, Dv != D */
    FL2(0, 1, 1, 2, 9, 33, 7, 130),     /* Dv over two 64-wide output blocks, plus 2 */
    FL2(0, 12, 1, 1, 5, 19, 16, 64),    /* large logits: needs the running max */
    FL2(0, 1, 2, 1, 64, 64, 128, 128),  /* UNet-like: one head over an 8x8 map */
    /* D = 4000 leaves room for 236 keys per invocation (4001 with Dv 67: 220): 601 and 500 keys
     * take 3 chunks whose partial sums are merged by a second kernel */
    FL2(0, 1, 1, 1, 5, 601, 4000, 3),
    FL2(0, 1, 1, 2, 3, 500, 4001, 67),
};

const vkg_op_family vkg_op_family_attention = {"attention", OT_ROWS(rows), NULL};
