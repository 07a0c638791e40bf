/* ar plugin internals: the PixelCNN network, its per-pixel evaluation (full image or a
 * band of rows), and the two small shaders the kernel library does not cover. */
#ifndef VKG_AR_INTERNAL_H
#define VKG_AR_INTERNAL_H

#include <vkgen/kernels.h>
#include <vkgen/model.h>
#include <vkgen/plugin.h>

/* One MaskedConv2d + BatchNorm2d (folded into the conv) + ReLU. */
typedef struct vkg_ar_layer {
  int64_t cin, cout;
  vkg_tensor *w;    /* masked, BatchNorm-scaled, rows [0, kh_used) of the kernel */
  vkg_tensor *bias; /* BatchNorm shift (+ conv bias if any) */
} vkg_ar_layer;

/* jzbontar/pixelcnn-pytorch: Sequential of MaskedConv2d (A, then B) + BatchNorm2d + ReLU at
 * keys 0, 3, 6, ..., then Conv2d(fm, levels, 1) at key 3L. */
typedef struct vkg_pixelcnn {
  int nlayers;      /* masked layers L */
  int k;            /* kernel size (square, odd) */
  int kh_used;      /* kernel rows kept: k/2 + 1 when every mask zeroes the rows below the centre */
  int causal;       /* every mask zeroes the rows below the centre: band evaluation is exact */
  int reach;        /* rows above (and columns either side) a pixel can see: L * (k / 2) */
  int64_t in_channels, levels, hidden;
  vkg_ar_layer *layers;
  vkg_tensor *head_w, *head_b; /* [levels, hidden, 1, 1], [levels] */
  /* Cache mode (cache.c, shaders/ar/ar_pixel.comp): one position per layer and pixel. */
  int cache_ok;     /* causal, every layer hidden wide, no layer after the first reads right of the centre */
  int ncc0, ncc;    /* centre-row columns kept: layer 0; the widest of the later layers */
  int64_t cp, levels_p;          /* hidden and levels rounded up to 8 */
  vkg_tensor *pk_w, *pk_b;       /* per layer [cin, kh_used, k, cp]; [L, cp] */
  vkg_tensor *pk_hw, *pk_hb;     /* head [hidden, levels_p]; [levels_p] */
  int uploaded;
} vkg_pixelcnn;

/* Reads the architecture from the weight shapes (host only). */
vkg_status vkg_pixelcnn_open(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net);
/* Applies masks, folds BatchNorm, uploads. */
vkg_status vkg_pixelcnn_upload(vkg_ctx *ctx, vkg_model *m, vkg_pixelcnn *net);
void vkg_pixelcnn_free(vkg_pixelcnn *net);
/* A window of an image: rows r0 .. r0 + h - 1, columns c0 .. c0 + w - 1 (a buffer holding
 * a window stores [B, C, h, w]). */
typedef struct vkg_ar_win {
  int64_t r0, c0, h, w;
} vkg_ar_win;

/* Masked layer l (0-based; conv + folded BatchNorm + ReLU) on images img_h x img_w: reads
 * window xw of the layer's input from x, writes window yw of its output to y. */
vkg_status vkg_pixelcnn_layer(vkg_ctx *ctx, const vkg_pixelcnn *net, int l, int64_t B, int64_t img_h, int64_t img_w,
                              const vkg_tensor *x, vkg_ar_win xw, vkg_tensor *y, vkg_ar_win yw);
/* The 1x1 head: window hw of the last hidden layer → window yw of the logits [B, levels, ...]. */
vkg_status vkg_pixelcnn_head(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t img_h, int64_t img_w,
                             const vkg_tensor *h, vkg_ar_win hw, vkg_tensor *y, vkg_ar_win yw);

/* ---- shaders ------------------------------------------------------------------------- */
/* Direct windowed conv (shaders/ar/ar_conv.comp): see vkg_pixelcnn_layer. */
vkg_status vkg_ar_conv(vkg_ctx *ctx, int64_t B, int64_t cin, int64_t cout, int kh, int kw, int pad, int64_t img_h,
                       int64_t img_w, const vkg_tensor *x, vkg_ar_win xw, const vkg_tensor *w, const vkg_tensor *bias,
                       vkg_tensor *y, vkg_ar_win yw, int relu);
/* y (f32, same numel) = pixels / 255 for pixels f32, i32, i64 or u8. */
vkg_status vkg_ar_to_unit(vkg_ctx *ctx, const vkg_tensor *pixels, vkg_tensor *y);
/* dst [B, C, H, W] at flat position pos = r * W + c gets src [B, C] (mode 0: 32-bit copy;
 * mode 1: i32 pixel → f32 pixel / 255). */
vkg_status vkg_ar_put(vkg_ctx *ctx, const vkg_tensor *src, vkg_tensor *dst, int64_t pos, int mode);

/* ---- per-pixel evaluation --------------------------------------------------------------- */
typedef enum vkg_ar_mode { VKG_AR_FULL = 0, VKG_AR_BAND = 1, VKG_AR_CACHE = 2 } vkg_ar_mode;

/* Buffers for evaluating the logits of one pixel at a time over a batch of B images H x W.
 * FULL runs every masked layer on the whole image for each pixel; BAND only on the window
 * of each layer's output that the pixel can still see (band.c explains why it is exact).
 * The head runs on the one pixel in both modes. */
typedef struct vkg_ar_eval {
  vkg_ar_mode mode;
  int64_t B, H, W;
  int nlayers;
  vkg_tensor **hidden; /* per layer, sized for its largest window */
  vkg_tensor *logits;  /* [B, levels, 1, 1] */
  vkg_tensor *logits2; /* view [B, levels] of logits */
} vkg_ar_eval;

vkg_status vkg_ar_eval_init(vkg_ctx *ctx, const vkg_pixelcnn *net, vkg_ar_mode mode, int64_t B, int64_t H, int64_t W,
                            vkg_ar_eval *ev);
void vkg_ar_eval_free(vkg_ar_eval *ev);
/* Records the logits of pixel (r, c) of x [B, cin, H, W] (f32 network input) into ev->logits. */
vkg_status vkg_ar_eval_pixel(vkg_ctx *ctx, const vkg_pixelcnn *net, vkg_ar_eval *ev, const vkg_tensor *x, int64_t r,
                             int64_t c);

/* ---- cache mode (cache.c) ---------------------------------------------------------------- */
/* lavapipe ends an invocation's loops after 65535 iterations in all (gallivm's loop limiter):
 * a cache-mode dispatch stays under this many, the network's loop iterations per pixel
 * (estimated from above) times the pixels it does. */
#define VKG_AR_CACHE_MAX_ITERS 50000
int64_t vkg_ar_cache_loop_iters(const vkg_pixelcnn *net);
/* Pixels one vkg_ar_cache_row call may cover (>= 1; cache_ok needs one pixel to fit). */
int64_t vkg_ar_cache_pixels_per_dispatch(const vkg_pixelcnn *net);
/* Every layer's map for B images H x W (f32 [L, B, hidden, H, W]), filled pixel by pixel. */
vkg_status vkg_ar_cache_hidden_create(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t H, int64_t W,
                                      vkg_tensor **hid);
/* Pixels c0 .. c1-1 of row r through the whole network in one dispatch (needs net->cache_ok
 * and every earlier pixel done). Sampling (pix != NULL): draws each pixel as vkg_categorical
 * with (temperature, seed, first_sample, stream = r * W + c) and writes it to pix (i32) and x
 * (f32, pixel / 255). Teacher forcing (logits != NULL): x is the given image, the logits of
 * each pixel go to logits [B, levels, H, W]. */
vkg_status vkg_ar_cache_row(vkg_ctx *ctx, const vkg_pixelcnn *net, int64_t B, int64_t H, int64_t W, vkg_tensor *x,
                            vkg_tensor *hid, int64_t r, int64_t c0, int64_t c1, vkg_tensor *pix, vkg_tensor *logits,
                            float temperature, uint64_t seed, uint64_t first_sample);

/* ---- shared node helpers ----------------------------------------------------------------- */
typedef struct vkg_ar_model {
  vkg_model *model;
  vkg_pixelcnn net;
} vkg_ar_model;

/* Opens the folder (class PixelCNN) and reads the architecture; errors carry the node. */
vkg_status vkg_ar_model_open(vkg_node *node, const char *param, vkg_ar_model *am);
vkg_status vkg_ar_model_upload(vkg_node *node, vkg_ar_model *am);
void vkg_ar_model_close(vkg_ar_model *am);
vkg_status vkg_ar_node_fail(vkg_node *node, vkg_status st, const char *param);
/* Monotonic seconds, for the samplers' throughput values (pixels_per_s, tokens_per_s). */
double vkg_ar_now_s(void);

/* ---- node types ---------------------------------------------------------------------------- */
extern const vkg_port_desc vkg_ar_logits_inputs[1];
extern const vkg_port_desc vkg_ar_logits_outputs[1];
#define VKG_AR_LOGITS_NPARAMS 2
extern const vkg_param_desc vkg_ar_logits_params[VKG_AR_LOGITS_NPARAMS];
vkg_status vkg_ar_logits_create(vkg_node *node, void **state);
vkg_status vkg_ar_logits_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_ar_logits_start(vkg_node *node, void *state);
vkg_status vkg_ar_logits_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_ar_logits_destroy(void *state);

extern const vkg_port_desc vkg_ar_sample_outputs[2];
#define VKG_AR_SAMPLE_NPARAMS 6
extern const vkg_param_desc vkg_ar_sample_params[VKG_AR_SAMPLE_NPARAMS];
vkg_status vkg_ar_sample_create(vkg_node *node, void **state);
vkg_status vkg_ar_sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out);
vkg_status vkg_ar_sample_start(vkg_node *node, void *state);
vkg_status vkg_ar_sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out);
void vkg_ar_sample_destroy(void *state);

#endif
