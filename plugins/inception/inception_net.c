/* FID Inception v3 forward (see inception_net.h). The block structure mirrors
 * torchvision's inception.py with pytorch-fid's FIDInceptionA/C/E_1/E_2 changes: average
 * pools exclude padding, Mixed_7c pools with max. */
#include "inception_net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every conv of the network: key prefix, stride, whether it pads to keep the size ("same":
 * padding = kernel / 2 along each axis, as torchvision sets it for the 1x7, 7x1, 1x3, 3x1,
 * 3x3 and 5x5 convs that keep the size). */
typedef struct conv_spec {
  const char *name;
  int stride, same;
} conv_spec;

#define A_BLOCK(m)                                                                                              \
  {m ".branch1x1", 1, 1}, {m ".branch5x5_1", 1, 1}, {m ".branch5x5_2", 1, 1}, {m ".branch3x3dbl_1", 1, 1},   \
      {m ".branch3x3dbl_2", 1, 1}, {m ".branch3x3dbl_3", 1, 1}, {m ".branch_pool", 1, 1}
#define C_BLOCK(m)                                                                                              \
  {m ".branch1x1", 1, 1}, {m ".branch7x7_1", 1, 1}, {m ".branch7x7_2", 1, 1}, {m ".branch7x7_3", 1, 1},       \
      {m ".branch7x7dbl_1", 1, 1}, {m ".branch7x7dbl_2", 1, 1}, {m ".branch7x7dbl_3", 1, 1},                    \
      {m ".branch7x7dbl_4", 1, 1}, {m ".branch7x7dbl_5", 1, 1}, {m ".branch_pool", 1, 1}
#define E_BLOCK(m)                                                                                              \
  {m ".branch1x1", 1, 1}, {m ".branch3x3_1", 1, 1}, {m ".branch3x3_2a", 1, 1}, {m ".branch3x3_2b", 1, 1},     \
      {m ".branch3x3dbl_1", 1, 1}, {m ".branch3x3dbl_2", 1, 1}, {m ".branch3x3dbl_3a", 1, 1},                   \
      {m ".branch3x3dbl_3b", 1, 1}, {m ".branch_pool", 1, 1}

static const conv_spec specs[] = {
    {"Conv2d_1a_3x3", 2, 0}, {"Conv2d_2a_3x3", 1, 0}, {"Conv2d_2b_3x3", 1, 1}, {"Conv2d_3b_1x1", 1, 1},
    {"Conv2d_4a_3x3", 1, 0},
    A_BLOCK("Mixed_5b"), A_BLOCK("Mixed_5c"), A_BLOCK("Mixed_5d"),
    {"Mixed_6a.branch3x3", 2, 0}, {"Mixed_6a.branch3x3dbl_1", 1, 1}, {"Mixed_6a.branch3x3dbl_2", 1, 1},
    {"Mixed_6a.branch3x3dbl_3", 2, 0},
    C_BLOCK("Mixed_6b"), C_BLOCK("Mixed_6c"), C_BLOCK("Mixed_6d"), C_BLOCK("Mixed_6e"),
    {"Mixed_7a.branch3x3_1", 1, 1}, {"Mixed_7a.branch3x3_2", 2, 0}, {"Mixed_7a.branch7x7x3_1", 1, 1},
    {"Mixed_7a.branch7x7x3_2", 1, 1}, {"Mixed_7a.branch7x7x3_3", 1, 1}, {"Mixed_7a.branch7x7x3_4", 2, 0},
    E_BLOCK("Mixed_7b"), E_BLOCK("Mixed_7c"),
};
#define NSPECS ((int)(sizeof specs / sizeof specs[0]))

#define BN_EPS 1e-3

/* The stem's input scaling x -> 2x - 1 folded into its (BN-folded, unpadded) w and bias, in
 * place: conv(2x - 1) = conv(x; 2w) + b - sum(w). */
static void fold_stem(const vkg_inc_conv *c, float *w, float *bias) {
  const int64_t per = c->cin * c->kh * c->kw;
  for (int64_t o = 0; o < c->cout; o++) {
    double sum = 0;
    for (int64_t i = 0; i < per; i++) sum += (double)w[o * per + i];
    bias[o] = (float)((double)bias[o] - sum);
  }
  for (int64_t i = 0; i < c->cout * per; i++) w[i] *= 2.0f;
}

/* stem: the first conv (specs[0], unpadded), which takes the network input */
static vkg_status load_conv(vkg_ctx *ctx, vkg_model *m, const conv_spec *sp, int stem, vkg_inc_conv *c) {
  float *w = NULL, *g = NULL, *be = NULL, *mu = NULL, *var = NULL;
  vkg_shape ws, vs;
  vkg_status st = vkg_model_read(ctx, m, 4, (const int64_t[]){-1, -1, -1, -1}, &w, &ws, "%s.conv.weight", sp->name);
  if (st) return st;
  int64_t cout = ws.d[0], bn[1] = {cout};
  if ((st = vkg_model_read(ctx, m, 1, bn, &g, &vs, "%s.bn.weight", sp->name)) ||
      (st = vkg_model_read(ctx, m, 1, bn, &be, &vs, "%s.bn.bias", sp->name)) ||
      (st = vkg_model_read(ctx, m, 1, bn, &mu, &vs, "%s.bn.running_mean", sp->name)) ||
      (st = vkg_model_read(ctx, m, 1, bn, &var, &vs, "%s.bn.running_var", sp->name)))
    goto done;
  if (vkg_model_find(m, "%s.conv.bias", sp->name)) {
    st = vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s.conv.bias': FID Inception convs have no bias",
                   vkg_model_weights_path(m), sp->name);
    goto done;
  }
  char nbt[256];
  snprintf(nbt, sizeof nbt, "%s.bn.num_batches_tracked", sp->name);
  vkg_model_mark_used(m, nbt);
  c->name = sp->name;
  c->cout = cout;
  c->cin = ws.d[1];
  c->kh = (int)ws.d[2];
  c->kw = (int)ws.d[3];
  if (sp->same && (c->kh % 2 == 0 || c->kw % 2 == 0)) {
    st = vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s.conv.weight': kernel %dx%d must be odd", vkg_model_weights_path(m),
                   sp->name, c->kh, c->kw);
    goto done;
  }
  c->p = vkg_conv2d_params_default();
  c->p.stride_h = c->p.stride_w = sp->stride;
  if (sp->same) {
    c->p.pad_top = c->p.pad_bottom = c->kh / 2;
    c->p.pad_left = c->p.pad_right = c->kw / 2;
  }
  int64_t per = c->cin * c->kh * c->kw;
  float *bias = malloc(sizeof(float) * (size_t)cout);
  if (!bias) {
    st = vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
    goto done;
  }
  for (int64_t o = 0; o < cout; o++) {
    double s = (double)g[o] / sqrt((double)var[o] + BN_EPS);
    for (int64_t i = 0; i < per; i++) w[o * per + i] = (float)((double)w[o * per + i] * s);
    bias[o] = (float)((double)be[o] - (double)mu[o] * s);
  }
  if (stem) fold_stem(c, w, bias);
  st = vkg_tensor_create_from(ctx, VKG_F32, &ws, w, &c->w);
  if (!st) st = vkg_tensor_create_from(ctx, VKG_F32, &vs, bias, &c->b);
  free(bias);
done:
  free(w), free(g), free(be), free(mu), free(var);
  return st;
}

static const vkg_inc_conv *find(const vkg_inception_net *net, const char *block, const char *branch) {
  char name[128];
  snprintf(name, sizeof name, "%s%s%s", block, branch ? "." : "", branch ? branch : "");
  for (int i = 0; i < net->nconv; i++)
    if (strcmp(net->conv[i].name, name) == 0) return &net->conv[i];
  return NULL; /* not reached: every name used below is in specs */
}

/* ---- channel flow, checked at load --------------------------------------------------------- */

static vkg_status chain(vkg_ctx *ctx, const vkg_model *m, const vkg_inception_net *net, const char *block,
                        const char *const *branches, int n, int64_t cin, int64_t *cout) {
  for (int i = 0; i < n; i++) {
    const vkg_inc_conv *c = find(net, block, branches[i]);
    if (c->cin != cin)
      return vkg_error(ctx, VKG_E_INPUT, "%s: tensor '%s.conv.weight' takes %lld input channels, its input has %lld",
                       vkg_model_weights_path(m), c->name, (long long)c->cin, (long long)cin);
    cin = c->cout;
  }
  *cout = cin;
  return VKG_OK;
}

#define CHAIN(block, cin, out, ...)                                                                         \
  do {                                                                                                       \
    static const char *const br_[] = {__VA_ARGS__};                                                          \
    vkg_status s_ = chain(ctx, m, net, block, br_, (int)(sizeof br_ / sizeof br_[0]), cin, out);             \
    if (s_) return s_;                                                                                       \
  } while (0)

static vkg_status check_flow(vkg_ctx *ctx, const vkg_model *m, const vkg_inception_net *net, int64_t *out) {
  int64_t c = 0, a = 0, b = 0, d = 0, e = 0, f = 0;
  CHAIN("Conv2d_1a_3x3", 3, &c, NULL);
  CHAIN("Conv2d_2a_3x3", c, &c, NULL);
  CHAIN("Conv2d_2b_3x3", c, &c, NULL);
  CHAIN("Conv2d_3b_1x1", c, &c, NULL);
  CHAIN("Conv2d_4a_3x3", c, &c, NULL);
  static const char *const ablk[] = {"Mixed_5b", "Mixed_5c", "Mixed_5d"};
  for (int i = 0; i < 3; i++) {
    CHAIN(ablk[i], c, &a, "branch1x1");
    CHAIN(ablk[i], c, &b, "branch5x5_1", "branch5x5_2");
    CHAIN(ablk[i], c, &d, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3");
    CHAIN(ablk[i], c, &e, "branch_pool");
    c = a + b + d + e;
  }
  CHAIN("Mixed_6a", c, &a, "branch3x3");
  CHAIN("Mixed_6a", c, &b, "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3");
  c = a + b + c;
  static const char *const cblk[] = {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"};
  for (int i = 0; i < 4; i++) {
    CHAIN(cblk[i], c, &a, "branch1x1");
    CHAIN(cblk[i], c, &b, "branch7x7_1", "branch7x7_2", "branch7x7_3");
    CHAIN(cblk[i], c, &d, "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5");
    CHAIN(cblk[i], c, &e, "branch_pool");
    c = a + b + d + e;
  }
  CHAIN("Mixed_7a", c, &a, "branch3x3_1", "branch3x3_2");
  CHAIN("Mixed_7a", c, &b, "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4");
  c = a + b + c;
  static const char *const eblk[] = {"Mixed_7b", "Mixed_7c"};
  for (int i = 0; i < 2; i++) {
    int64_t t = 0;
    CHAIN(eblk[i], c, &a, "branch1x1");
    CHAIN(eblk[i], c, &t, "branch3x3_1");
    CHAIN(eblk[i], t, &b, "branch3x3_2a");
    CHAIN(eblk[i], t, &d, "branch3x3_2b");
    CHAIN(eblk[i], c, &t, "branch3x3dbl_1", "branch3x3dbl_2");
    CHAIN(eblk[i], t, &e, "branch3x3dbl_3a");
    CHAIN(eblk[i], t, &f, "branch3x3dbl_3b");
    CHAIN(eblk[i], c, &t, "branch_pool");
    c = a + b + d + e + f + t;
  }
  *out = c;
  return VKG_OK;
}

vkg_status vkg_inception_load(vkg_ctx *ctx, vkg_model *m, vkg_inception_net *net) {
  memset(net, 0, sizeof *net);
  net->conv = calloc(NSPECS, sizeof *net->conv);
  if (!net->conv) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = VKG_OK;
  for (int i = 0; i < NSPECS && !st; i++) {
    st = load_conv(ctx, m, &specs[i], i == 0, &net->conv[i]);
    if (!st) net->nconv = i + 1;
  }
  int64_t c = 0;
  if (!st) st = check_flow(ctx, m, net, &c);
  if (!st) st = vkg_model_load(ctx, m, 2, (const int64_t[]){-1, c}, &net->fc_w, "fc.weight");
  if (!st) {
    net->features = c;
    net->classes = vkg_tensor_shape(net->fc_w)->d[0];
    st = vkg_model_load(ctx, m, 1, (const int64_t[]){net->classes}, &net->fc_b, "fc.bias");
  }
  if (st) vkg_inception_free(net);
  return st;
}

void vkg_inception_free(vkg_inception_net *net) {
  for (int i = 0; i < net->nconv; i++) {
    vkg_tensor_unref(net->conv[i].w);
    vkg_tensor_unref(net->conv[i].b);
  }
  free(net->conv);
  vkg_tensor_unref(net->fc_w);
  vkg_tensor_unref(net->fc_b);
  memset(net, 0, sizeof *net);
}

/* ---- forward ------------------------------------------------------------------------------ */

static vkg_status new4(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, vkg_tensor **out) {
  vkg_shape s = vkg_shape_4d(n, c, h, w);
  return vkg_tensor_create(ctx, VKG_F32, &s, out);
}

/* relu(conv(x) + b): a new tensor. A 1-channel x into a conv taking more channels is a grayscale
 * image replicated to them (vkg_conv2d_act_repeat: without writing the copy on CPU devices). */
static vkg_status conv(vkg_ctx *ctx, const vkg_inc_conv *c, const vkg_tensor *x, vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(x);
  int64_t oh = vkg_conv_out_size(s->d[2], c->kh, c->p.stride_h, c->p.pad_top, c->p.pad_bottom, 1);
  int64_t ow = vkg_conv_out_size(s->d[3], c->kw, c->p.stride_w, c->p.pad_left, c->p.pad_right, 1);
  if (oh < 1 || ow < 1)
    return vkg_error(ctx, VKG_E_INPUT, "inception: '%s' input %lldx%lld is too small (use resize)", c->name,
                     (long long)s->d[2], (long long)s->d[3]);
  vkg_tensor *y = NULL;
  vkg_status st = new4(ctx, s->d[0], c->cout, oh, ow, &y);
  if (!st && s->d[1] == 1 && c->cin > 1) st = vkg_conv2d_act_repeat(ctx, x, c->w, c->b, y, &c->p, VKG_ACT_RELU, 0.0f);
  else if (!st) st = vkg_conv2d_act(ctx, x, c->w, c->b, y, &c->p, VKG_ACT_RELU, 0.0f); /* BN folded at load */
  if (st) {
    vkg_tensor_unref(y);
    return vkg_error_prefix(ctx, "inception '%s': ", c->name);
  }
  *out = y;
  return VKG_OK;
}

/* Chained convs of block.branch[0], branch[1], ... */
static vkg_status convs(vkg_ctx *ctx, const vkg_inception_net *net, const char *block, const char *const *br, int n,
                        const vkg_tensor *x, vkg_tensor **out) {
  vkg_tensor *cur = NULL;
  for (int i = 0; i < n; i++) {
    vkg_tensor *next = NULL;
    vkg_status st = conv(ctx, find(net, block, br[i]), cur ? cur : x, &next);
    vkg_tensor_unref(cur);
    if (st) return st;
    cur = next;
  }
  *out = cur;
  return VKG_OK;
}

#define CONVS(block, x, out, ...)                                                                          \
  do {                                                                                                       \
    static const char *const br_[] = {__VA_ARGS__};                                                          \
    if (!st) st = convs(ctx, net, block, br_, (int)(sizeof br_ / sizeof br_[0]), x, out);                    \
  } while (0)

/* k x k pool; avg excludes padding (count_include_pad=False). */
static vkg_status pool(vkg_ctx *ctx, const vkg_tensor *x, int max, int k, int stride, int pad, vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(x);
  vkg_pool2d_params p = {k, k, stride, stride, pad, pad, 0};
  int64_t oh = vkg_pool_out_size(s->d[2], k, stride, pad), ow = vkg_pool_out_size(s->d[3], k, stride, pad);
  if (oh < 1 || ow < 1) return vkg_error(ctx, VKG_E_INPUT, "inception: feature map too small to pool");
  vkg_status st = new4(ctx, s->d[0], s->d[1], oh, ow, out);
  if (!st) st = max ? vkg_max_pool2d(ctx, x, *out, &p) : vkg_avg_pool2d(ctx, x, *out, &p);
  return st;
}

/* Concatenates parts along channels into a new tensor, dropping the parts. */
static vkg_status cat(vkg_ctx *ctx, vkg_tensor **parts, int n, vkg_status st, vkg_tensor **out) {
  if (!st) {
    const vkg_shape *s = vkg_tensor_shape(parts[0]);
    int64_t c = 0;
    for (int i = 0; i < n; i++) c += vkg_tensor_shape(parts[i])->d[1];
    st = new4(ctx, s->d[0], c, s->d[2], s->d[3], out);
    if (!st) st = vkg_concat(ctx, (const vkg_tensor *const *)parts, n, 1, *out);
  }
  for (int i = 0; i < n; i++) vkg_tensor_unref(parts[i]);
  return st;
}

static vkg_status block_a(vkg_ctx *ctx, const vkg_inception_net *net, const char *b, const vkg_tensor *x,
                          vkg_tensor **out) {
  vkg_tensor *p[4] = {0}, *ap = NULL;
  vkg_status st = VKG_OK;
  CONVS(b, x, &p[0], "branch1x1");
  CONVS(b, x, &p[1], "branch5x5_1", "branch5x5_2");
  CONVS(b, x, &p[2], "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3");
  if (!st) st = pool(ctx, x, 0, 3, 1, 1, &ap);
  CONVS(b, ap, &p[3], "branch_pool");
  vkg_tensor_unref(ap);
  return cat(ctx, p, 4, st, out);
}

static vkg_status block_b(vkg_ctx *ctx, const vkg_inception_net *net, const char *b, const vkg_tensor *x,
                          vkg_tensor **out) {
  vkg_tensor *p[3] = {0};
  vkg_status st = VKG_OK;
  CONVS(b, x, &p[0], "branch3x3");
  CONVS(b, x, &p[1], "branch3x3dbl_1", "branch3x3dbl_2", "branch3x3dbl_3");
  if (!st) st = pool(ctx, x, 1, 3, 2, 0, &p[2]);
  return cat(ctx, p, 3, st, out);
}

static vkg_status block_c(vkg_ctx *ctx, const vkg_inception_net *net, const char *b, const vkg_tensor *x,
                          vkg_tensor **out) {
  vkg_tensor *p[4] = {0}, *ap = NULL;
  vkg_status st = VKG_OK;
  CONVS(b, x, &p[0], "branch1x1");
  CONVS(b, x, &p[1], "branch7x7_1", "branch7x7_2", "branch7x7_3");
  CONVS(b, x, &p[2], "branch7x7dbl_1", "branch7x7dbl_2", "branch7x7dbl_3", "branch7x7dbl_4", "branch7x7dbl_5");
  if (!st) st = pool(ctx, x, 0, 3, 1, 1, &ap);
  CONVS(b, ap, &p[3], "branch_pool");
  vkg_tensor_unref(ap);
  return cat(ctx, p, 4, st, out);
}

static vkg_status block_d(vkg_ctx *ctx, const vkg_inception_net *net, const char *b, const vkg_tensor *x,
                          vkg_tensor **out) {
  vkg_tensor *p[3] = {0};
  vkg_status st = VKG_OK;
  CONVS(b, x, &p[0], "branch3x3_1", "branch3x3_2");
  CONVS(b, x, &p[1], "branch7x7x3_1", "branch7x7x3_2", "branch7x7x3_3", "branch7x7x3_4");
  if (!st) st = pool(ctx, x, 1, 3, 2, 0, &p[2]);
  return cat(ctx, p, 3, st, out);
}

static vkg_status block_e(vkg_ctx *ctx, const vkg_inception_net *net, const char *b, int max_pool,
                          const vkg_tensor *x, vkg_tensor **out) {
  vkg_tensor *p[6] = {0}, *t = NULL, *ap = NULL;
  vkg_status st = VKG_OK;
  CONVS(b, x, &p[0], "branch1x1");
  CONVS(b, x, &t, "branch3x3_1");
  CONVS(b, t, &p[1], "branch3x3_2a");
  CONVS(b, t, &p[2], "branch3x3_2b");
  vkg_tensor_unref(t);
  t = NULL;
  CONVS(b, x, &t, "branch3x3dbl_1", "branch3x3dbl_2");
  CONVS(b, t, &p[3], "branch3x3dbl_3a");
  CONVS(b, t, &p[4], "branch3x3dbl_3b");
  vkg_tensor_unref(t);
  if (!st) st = pool(ctx, x, max_pool, 3, 1, 1, &ap);
  CONVS(b, ap, &p[5], "branch_pool");
  vkg_tensor_unref(ap);
  return cat(ctx, p, 6, st, out);
}

/* Steps that replace *x by f(*x). */
#define STEP(call)                                                                                           \
  do {                                                                                                       \
    vkg_tensor *n_ = NULL;                                                                                   \
    if (!st) st = (call);                                                                                    \
    vkg_tensor_unref(x);                                                                                     \
    x = n_;                                                                                                  \
  } while (0)

/* Resize (bilinear, align_corners=False) when asked and the size differs; NULL *out: the images
 * go into the stem as they are. 2x - 1 is in the stem's weights (inception_net.h), grayscale
 * images are replicated to 3 channels by the stem's conv (conv above). */
static vkg_status preprocess(vkg_ctx *ctx, const vkg_tensor *images, int resize, vkg_tensor **out) {
  const vkg_shape *s = vkg_tensor_shape(images);
  *out = NULL;
  if (!resize || (s->d[2] == 299 && s->d[3] == 299)) return VKG_OK;
  vkg_tensor *x = NULL;
  vkg_status st = new4(ctx, s->d[0], s->d[1], 299, 299, &x);
  if (!st) st = vkg_resize_bilinear(ctx, images, x);
  if (st) {
    vkg_tensor_unref(x);
    return st;
  }
  *out = x;
  return VKG_OK;
}

vkg_status vkg_inception_forward(vkg_ctx *ctx, const vkg_inception_net *net, const vkg_tensor *images, int resize,
                                 vkg_tensor **pool_out, vkg_tensor **logits, vkg_tensor **logits_unbiased) {
  vkg_tensor *x = NULL;
  vkg_status st = preprocess(ctx, images, resize, &x);
  if (st) return st;
  STEP(conv(ctx, find(net, "Conv2d_1a_3x3", NULL), x ? x : images, &n_));
  STEP(conv(ctx, find(net, "Conv2d_2a_3x3", NULL), x, &n_));
  STEP(conv(ctx, find(net, "Conv2d_2b_3x3", NULL), x, &n_));
  STEP(pool(ctx, x, 1, 3, 2, 0, &n_));
  STEP(conv(ctx, find(net, "Conv2d_3b_1x1", NULL), x, &n_));
  STEP(conv(ctx, find(net, "Conv2d_4a_3x3", NULL), x, &n_));
  STEP(pool(ctx, x, 1, 3, 2, 0, &n_));
  STEP(block_a(ctx, net, "Mixed_5b", x, &n_));
  STEP(block_a(ctx, net, "Mixed_5c", x, &n_));
  STEP(block_a(ctx, net, "Mixed_5d", x, &n_));
  STEP(block_b(ctx, net, "Mixed_6a", x, &n_));
  STEP(block_c(ctx, net, "Mixed_6b", x, &n_));
  STEP(block_c(ctx, net, "Mixed_6c", x, &n_));
  STEP(block_c(ctx, net, "Mixed_6d", x, &n_));
  STEP(block_c(ctx, net, "Mixed_6e", x, &n_));
  STEP(block_d(ctx, net, "Mixed_7a", x, &n_));
  STEP(block_e(ctx, net, "Mixed_7b", 0, x, &n_));
  STEP(block_e(ctx, net, "Mixed_7c", 1, x, &n_));
  if (st) return st;
  int64_t b = vkg_tensor_shape(x)->d[0];
  vkg_tensor *g = NULL, *pv = NULL, *l = NULL, *lu = NULL;
  vkg_shape ps = vkg_shape_make(2, (const int64_t[]){b, net->features});
  vkg_shape ls = vkg_shape_make(2, (const int64_t[]){b, net->classes});
  st = new4(ctx, b, net->features, 1, 1, &g);
  if (!st) st = vkg_adaptive_avg_pool2d(ctx, x, g);
  vkg_tensor_unref(x);
  if (!st) st = vkg_tensor_view(ctx, g, VKG_F32, &ps, 0, &pv);
  vkg_tensor_unref(g);
  if (!st && logits && !(st = vkg_tensor_create(ctx, VKG_F32, &ls, &l))) st = vkg_linear(ctx, pv, net->fc_w, net->fc_b, l);
  if (!st && logits_unbiased && !(st = vkg_tensor_create(ctx, VKG_F32, &ls, &lu)))
    st = vkg_linear(ctx, pv, net->fc_w, NULL, lu);
  if (st) {
    vkg_tensor_unref(pv), vkg_tensor_unref(l), vkg_tensor_unref(lu);
    return st;
  }
  if (pool_out)
    *pool_out = pv;
  else
    vkg_tensor_unref(pv);
  if (logits) *logits = l;
  if (logits_unbiased) *logits_unbiased = lu;
  return VKG_OK;
}
