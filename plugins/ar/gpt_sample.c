/* ar.gpt_sample: codes from the GPT prior, decoded on the device with a KV cache.
 *
 * The sequence [first token, code 0, code 1, ...] lives in one i64 device tensor. The first token
 * is the class label (class-conditional models: the class input or the class_labels param) or
 * the config's sos_token. Step t feeds token t (position t) through every layer, attending to the
 * cached keys and values of positions 0..t (O(t) per step, not a re-run of the prefix), samples
 * code t from logits / temperature with top-k / top-p (vkg_sample_logits, keyed by seed, the
 * global sample index and t) and writes it into column t + 1. Nothing is read back during
 * decoding; the stream submits in chunks by itself and the batch ends with one flush. */
#include <stdlib.h>
#include <string.h>

#include "ar_internal.h"
#include "gpt_node.h"

const vkg_port_desc vkg_gpt_sample_inputs[1] = {
    {"class", "i32|i64", "class labels [B] (class-conditional models; optional: else the class_labels param)", 1},
};
const vkg_port_desc vkg_gpt_sample_outputs[1] = {
    {"indices", "i64", "sampled codes [B, h, w] in [0, vocab_size), raster order (for vqvae.decode_indices)", 0},
};
const vkg_param_desc vkg_gpt_sample_params[VKG_GPT_SAMPLE_NPARAMS] = {
    {"model", VKG_PARAM_PATH, NULL, "model folder (config.json + model.safetensors, _class_name GPT)", NULL, 0, 0},
    {"batch", VKG_PARAM_INT, "16", "samples per batch (without a class input)", NULL, 1, 65536},
    {"grid", VKG_PARAM_INT_LIST, "[]", "code grid [h, w]; [] takes the config's latent_shape", NULL, 1, 8192},
    {"class_labels", VKG_PARAM_INT_LIST, "[]",
     "class of sample i of a batch: class_labels[i % n] (class-conditional models without a class input)", NULL, 0,
     32767},
    {"seed", VKG_PARAM_INT, "0", "random seed; sample k of the run depends only on (seed, k)", NULL, 0, 0},
    {"temperature", VKG_PARAM_FLOAT, "1.0", "softmax temperature; 0 takes the most likely code (greedy)", NULL, 0, 0},
    {"top_k", VKG_PARAM_INT, "0", "keep the k most likely codes (ties with the k-th kept); 0: all", NULL, 0, 32768},
    {"top_p", VKG_PARAM_FLOAT, "1.0", "nucleus: keep the most likely codes up to this probability mass; 1: all", NULL, 0,
     1},
};

typedef struct sample_state {
  vkg_gpt_model gm;
  int64_t batch, h, w;
  const int64_t *labels;
  int nlabels;
  uint64_t seed;
  float temperature, top_p;
  int64_t top_k;
  vkg_gpt_decoder dec;
  int dec_ready;
  vkg_tensor *idx; /* [B] i32 */
} sample_state;

/* Reads and checks the params against the model (create time, no GPU work). */
static vkg_status read_params(vkg_node *node, sample_state *s) {
  const vkg_gpt *net = &s->gm.net;
  const int64_t *grid = NULL;
  int ngrid = 0;
  int64_t seed = 0;
  double temp = 1, top_p = 1;
  vkg_node_param_int(node, "batch", &s->batch);
  vkg_node_param_int_list(node, "grid", &grid, &ngrid);
  vkg_node_param_int_list(node, "class_labels", &s->labels, &s->nlabels);
  vkg_node_param_int(node, "seed", &seed);
  vkg_node_param_float(node, "temperature", &temp);
  vkg_node_param_int(node, "top_k", &s->top_k);
  vkg_node_param_float(node, "top_p", &top_p);
  s->seed = (uint64_t)seed;
  s->temperature = (float)temp;
  s->top_p = (float)top_p;
  if (!(temp >= 0)) return vkg_node_error(node, VKG_E_INPUT, "temperature", "temperature must be >= 0, got %g", temp);
  if (ngrid == 0) {
    if (!net->latent_h)
      return vkg_node_error(node, VKG_E_INPUT, "grid",
                            "the model's config has no latent_shape: give the code grid as grid: [h, w]");
    s->h = net->latent_h, s->w = net->latent_w;
  } else if (ngrid != 2) {
    return vkg_node_error(node, VKG_E_INPUT, "grid", "grid must be [h, w], got %d values", ngrid);
  } else {
    s->h = grid[0], s->w = grid[1];
  }
  if (s->h * s->w > net->block_size)
    return vkg_node_error(node, VKG_E_INPUT, ngrid ? "grid" : "model",
                          "a %lldx%lld grid is %lld codes, more than the model's block_size %lld",
                          (long long)s->h, (long long)s->w, (long long)(s->h * s->w), (long long)net->block_size);
  for (int i = 0; i < s->nlabels; i++)
    if (!net->n_classes || s->labels[i] >= net->n_classes)
      return vkg_node_error(node, VKG_E_INPUT, "class_labels",
                            net->n_classes ? "class %lld is out of range: the model has %lld classes"
                                           : "class %lld given, but the model is unconditional (%lld classes)",
                            (long long)s->labels[i], (long long)net->n_classes);
  return VKG_OK;
}

vkg_status vkg_gpt_sample_create(vkg_node *node, void **state) {
  sample_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  vkg_status st = vkg_gpt_model_open(node, "model", &s->gm);
  if (st) {
    free(s);
    return st;
  }
  if ((st = read_params(node, s))) {
    vkg_gpt_sample_destroy(s); /* a failed create cleans up itself */
    return st;
  }
  *state = s;
  return VKG_OK;
}

vkg_status vkg_gpt_sample_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  sample_state *s = state;
  const vkg_gpt *net = &s->gm.net;
  int64_t B = s->batch;
  if (in[0].shape.ndim) {
    char b[96];
    if (in[0].shape.ndim != 1)
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "class labels must be [B], got %s",
                                  vkg_shape_format(&in[0].shape, b, sizeof b));
    if (!net->n_classes)
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "the model is unconditional: it takes no class input");
    if (in[0].index_limit > net->n_classes)
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "its labels take %lld values, the model has %lld classes",
                                  (long long)in[0].index_limit, (long long)net->n_classes);
    B = in[0].shape.d[0];
  } else if (net->n_classes && !s->nlabels) {
    return vkg_node_error(node, VKG_E_INPUT, "class_labels",
                          "the model is class-conditional (%lld classes): connect a class input or give class_labels",
                          (long long)net->n_classes);
  }
  out[0].dtype = VKG_I64;
  int64_t d[3] = {B, s->h, s->w};
  out[0].shape = vkg_shape_make(3, d);
  out[0].index_limit = net->vocab;
  return VKG_OK;
}

vkg_status vkg_gpt_sample_start(vkg_node *node, void *state) {
  sample_state *s = state;
  return vkg_gpt_model_upload(node, &s->gm);
}

/* The host copy of the sequence's first column: class labels (checked) or the sos token. */
static vkg_status first_tokens(vkg_node *node, sample_state *s, const vkg_tensor *cls, int64_t B, int64_t L,
                               int64_t **out) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  int64_t *seq = calloc((size_t)(B * L), sizeof *seq), *labels = cls ? malloc((size_t)B * sizeof *labels) : NULL;
  if (!seq || (cls && !labels)) {
    free(seq), free(labels);
    return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  }
  if (cls && vkg_tensor_download_ids(ctx, cls, labels)) {
    free(seq), free(labels);
    return vkg_node_rethrow(node, NULL);
  }
  for (int64_t b = 0; b < B; b++) {
    int64_t c = labels ? labels[b] : s->nlabels ? s->labels[b % s->nlabels] : s->gm.net.sos_token;
    if ((labels || s->nlabels) && (c < 0 || c >= s->gm.net.n_classes)) {
      free(seq), free(labels);
      return vkg_node_input_error(node, VKG_E_INPUT, 0, "class label %lld of sample %lld is outside [0, %lld)",
                                  (long long)c, (long long)b, (long long)s->gm.net.n_classes);
    }
    seq[b * L] = c;
  }
  free(labels);
  *out = seq;
  return VKG_OK;
}

vkg_status vkg_gpt_sample_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  sample_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  const vkg_gpt *net = &s->gm.net;
  vkg_status st = vkg_gpt_model_upload(node, &s->gm);
  if (st) return st;
  const int64_t B = in[0] ? vkg_tensor_shape(in[0])->d[0] : s->batch, N = s->h * s->w, L = N + 1;
  if (!s->dec_ready || s->dec.batch != B) {
    vkg_gpt_decoder_free(&s->dec);
    vkg_tensor_unref(s->idx);
    s->idx = NULL;
    s->dec_ready = 0;
    vkg_shape is = vkg_shape_make(1, &B);
    if (vkg_gpt_decoder_init(ctx, net, B, &s->dec) || vkg_tensor_create(ctx, VKG_I32, &is, &s->idx))
      return vkg_node_rethrow(node, NULL);
    s->dec_ready = 1;
  }
  vkg_gpt_decoder_reset(&s->dec);
  int64_t *host = NULL;
  if ((st = first_tokens(node, s, in[0], B, L, &host))) return st;
  const double t0 = vkg_ar_now_s();
  const uint64_t first = (uint64_t)vkg_node_batch_index(node) * (uint64_t)B;
  int64_t sd[2] = {B, L};
  vkg_shape ss = vkg_shape_make(2, sd);
  vkg_tensor *seq = NULL, *codes = NULL;
  st = vkg_tensor_create_from(ctx, VKG_I64, &ss, host, &seq);
  free(host);
  for (int64_t t = 0; t < N && !st; t++) {
    if (vkg_interrupted(ctx)) {
      st = vkg_error(ctx, VKG_E_INTERRUPTED, "interrupted at code %lld of %lld", (long long)t, (long long)N);
      break;
    }
    vkg_tensor *logits = NULL;
    st = vkg_gpt_decoder_step(ctx, net, &s->dec, seq, t, &logits);
    if (!st) st = vkg_sample_logits(ctx, logits, s->idx, s->temperature, s->top_k, s->top_p, s->seed, first, (uint32_t)t);
    if (!st) st = vkg_put_tokens(ctx, s->idx, seq, t + 1);
    vkg_tensor_unref(logits);
    if ((t + 1) % s->w == 0) vkg_node_progress(node, (t + 1) / s->w, s->h, "rows");
  }
  int64_t cd[2] = {B, N}, starts[2] = {0, 1};
  vkg_shape cs = vkg_shape_make(2, cd), os = vkg_shape_make(3, (int64_t[]){B, s->h, s->w});
  if (!st) st = vkg_tensor_create(ctx, VKG_I64, &cs, &codes);
  if (!st) st = vkg_slice(ctx, seq, codes, starts, NULL);
  if (!st) st = vkg_flush(ctx);
  if (!st) st = vkg_nn_reshape(ctx, codes, &os, &out[0]);
  vkg_tensor_unref(seq);
  vkg_tensor_unref(codes);
  if (st) return vkg_node_rethrow(node, NULL);
  const double dt = vkg_ar_now_s() - t0;
  if (dt > 0) vkg_node_report_value(node, "tokens_per_s", (double)(B * N) / dt);
  return VKG_OK;
}

void vkg_gpt_sample_destroy(void *state) {
  sample_state *s = state;
  if (!s) return;
  if (s->dec_ready) vkg_gpt_decoder_free(&s->dec);
  vkg_tensor_unref(s->idx);
  vkg_gpt_model_close(&s->gm);
  free(s);
}
