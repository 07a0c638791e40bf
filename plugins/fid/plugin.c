/* The fid plugin: fid.score, the Frechet Inception Distance of two streams of features
 * (or of stats files standing in for either side). Accumulation runs on the device
 * (vkg_stats_acc: sum and sum of outer products); the distance on the host in double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vkgen/kernels/stats.h>
#include <vkgen/plugin.h>
#include <vkgen/version.h>

#include "fid_internal.h"
#include "fid_math.h"

enum { REAL = 0, FAKE = 1 };
static const char *const side_name[2] = {"real", "fake"};
static const char *const load_param[2] = {"load_stats", "load_fake_stats"};
static const char *const save_param[2] = {"save_stats", "save_fake_stats"};

static const vkg_port_desc fid_inputs[2] = {
    {"real", "f32", "reference features [B, D] (e.g. inception.features' pool); optional with load_stats", 1},
    {"fake", "f32", "generated features [B, D]; optional with load_fake_stats", 1},
};
static const vkg_port_desc fid_outputs[1] = {
    {"fid", "f32", "Frechet distance [1] (NaN in stats-only mode: no fake side)", 0},
};
#define FID_NPARAMS 5
static const vkg_param_desc fid_params[FID_NPARAMS] = {
    {"eps", VKG_PARAM_FLOAT, "1e-6", "added to both covariances' diagonals when the square root is not finite",
     NULL, 0, 1},
    {"load_stats", VKG_PARAM_PATH, "none",
     "real-side stats file (from save_stats); streamed 'real' features, if connected, are added to it", NULL, 0, 0},
    {"save_stats", VKG_PARAM_PATH, "none",
     "write the real side's stats (loaded + streamed) here after the last batch; files merge exactly", NULL, 0, 0},
    {"load_fake_stats", VKG_PARAM_PATH, "none", "fake-side stats file, as load_stats", NULL, 0, 0},
    {"save_fake_stats", VKG_PARAM_PATH, "none", "write the fake side's stats here, as save_stats", NULL, 0, 0},
};

static void fid_destroy(void *state) {
  fid_state *s = state;
  if (!s) return;
  for (int k = 0; k < 2; k++) {
    vkg_fid_stats_free(&s->side[k].loaded);
    vkg_fid_stats_free(&s->side[k].merged);
    vkg_stats_acc_destroy(s->side[k].acc);
  }
  free(s);
}

static const char *path_param(vkg_node *node, const char *name) {
  const char *p = NULL;
  if (!vkg_node_param_given(node, name) || vkg_node_param_string(node, name, &p) || !p || !p[0]) return NULL;
  return p;
}

static vkg_status fid_create(vkg_node *node, void **state) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  fid_state *s = calloc(1, sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  s->eps = 1e-6;
  vkg_node_param_float(node, "eps", &s->eps);
  for (int k = 0; k < 2; k++) {
    fid_side *sd = &s->side[k];
    sd->load_path = path_param(node, load_param[k]);
    sd->save_path = path_param(node, save_param[k]);
    /* A stats file that does not exist yet may be written by an earlier graph (the reference
     * stats of graphs/fashion-mnist-stats.yaml): validation passes and it is read before the
     * first batch. A file that exists is checked now. */
    if (sd->load_path && access(sd->load_path, F_OK) != 0) {
      sd->deferred = 1;
      continue;
    }
    vkg_status st = sd->load_path ? vkg_fid_stats_load(ctx, sd->load_path, &sd->loaded) : VKG_OK;
    if (st) {
      fid_destroy(s);
      return vkg_node_rethrow(node, load_param[k]);
    }
  }
  *state = s;
  return VKG_OK;
}

/* Dims disagree: name the stats file when one side's size comes only from a file. */
static vkg_status dims_disagree(vkg_node *node, fid_state *s) {
  for (int k = 0; k < 2; k++)
    if (!s->side[k].connected && s->side[k].load_path)
      return vkg_node_error(node, VKG_E_INPUT, load_param[k],
                            "feature dims disagree: stats file '%s' holds %lld-dim %s features, the %s side has %lld",
                            s->side[k].load_path, (long long)s->side[k].dim, side_name[k], side_name[1 - k],
                            (long long)s->side[1 - k].dim);
  return vkg_node_error(node, VKG_E_INPUT, NULL, "feature dims of real (%lld) and fake (%lld) disagree",
                        (long long)s->side[REAL].dim, (long long)s->side[FAKE].dim);
}

static vkg_status fid_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  fid_state *s = state;
  char buf[96];
  for (int k = 0; k < 2; k++) {
    fid_side *sd = &s->side[k];
    sd->connected = in[k].shape.ndim != 0;
    sd->dim = sd->loaded.dim;
    if (!sd->connected) continue;
    if (in[k].shape.ndim != 2 || in[k].shape.d[1] < 1)
      return vkg_node_input_error(node, VKG_E_INPUT, k, "%s features must be [B, D], got %s", side_name[k],
                                  vkg_shape_format(&in[k].shape, buf, sizeof buf));
    int64_t d = in[k].shape.d[1];
    if (sd->loaded.dim && sd->loaded.dim != d)
      return vkg_node_error(node, VKG_E_INPUT, load_param[k],
                            "stats file '%s' holds %lld-dim features, the '%s' input has %lld", sd->load_path,
                            (long long)sd->loaded.dim, side_name[k], (long long)d);
    sd->dim = d;
  }
  /* A side known only from a file that does not exist yet takes the other side's size for now
   * (checked when the file is read). */
  for (int k = 0; k < 2; k++)
    if (!s->side[k].dim && s->side[k].deferred) s->side[k].dim = s->side[1 - k].dim ? s->side[1 - k].dim : -1;
  if (!s->side[REAL].dim)
    return vkg_node_error(node, VKG_E_INPUT, NULL, "no real side: connect input 'real' or set load_stats");
  if (!s->side[FAKE].dim && !s->side[REAL].save_path)
    return vkg_node_error(node, VKG_E_INPUT, NULL,
                          "no fake side: connect input 'fake' or set load_fake_stats (or set save_stats to only "
                          "write the real side's stats)");
  if (s->side[FAKE].dim && s->side[REAL].dim != s->side[FAKE].dim) return dims_disagree(node, s);
  out[0].dtype = VKG_F32;
  out[0].shape = vkg_shape_make(1, (const int64_t[]){1});
  return VKG_OK;
}

/* Reads stats files that did not exist at create (written by an earlier graph). */
static vkg_status load_deferred(vkg_node *node, fid_state *s) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  for (int k = 0; k < 2; k++) {
    fid_side *sd = &s->side[k];
    if (!sd->deferred) continue;
    vkg_status st = vkg_fid_stats_load(ctx, sd->load_path, &sd->loaded);
    if (st) return vkg_node_rethrow(node, load_param[k]);
    sd->deferred = 0;
    int64_t want = sd->connected ? sd->dim : s->side[1 - k].dim;
    if (want > 0 && sd->loaded.dim != want) {
      sd->dim = sd->loaded.dim;
      if (sd->connected)
        return vkg_node_error(node, VKG_E_INPUT, load_param[k],
                              "stats file '%s' holds %lld-dim features, the '%s' input has %lld", sd->load_path,
                              (long long)sd->loaded.dim, side_name[k], (long long)want);
      return dims_disagree(node, s);
    }
    sd->dim = sd->loaded.dim;
  }
  return VKG_OK;
}

static vkg_status fid_start(vkg_node *node, void *state) { return load_deferred(node, state); }

static vkg_status fid_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  fid_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  char buf[96];
  vkg_status lst = load_deferred(node, s);
  if (lst) return lst;
  for (int k = 0; k < 2; k++) {
    fid_side *sd = &s->side[k];
    if (!in[k]) continue;
    const vkg_shape *sh = vkg_tensor_shape(in[k]);
    if (sh->ndim != 2 || sh->d[1] != sd->dim || vkg_tensor_dtype(in[k]) != VKG_F32)
      return vkg_node_input_error(node, VKG_E_INPUT, k, "%s features must be f32 [B, %lld], got %s",
                                  side_name[k], (long long)sd->dim, vkg_shape_format(sh, buf, sizeof buf));
    if (!sd->acc && vkg_stats_acc_create(ctx, sd->dim, &sd->acc))
      return vkg_error_prefix(ctx, "node '%s': ", vkg_node_id(node));
    vkg_status st = vkg_stats_acc_add(ctx, sd->acc, in[k]);
    if (st) return vkg_error_prefix(ctx, "node '%s': %s features: ", vkg_node_id(node), side_name[k]);
  }
  return VKG_OK;
}

/* The side's totals: loaded file + streamed features. */
static vkg_status side_totals(vkg_node *node, fid_side *sd, vkg_fid_stats *t) {
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_status st = vkg_fid_stats_alloc(ctx, sd->dim, t);
  if (st) return st;
  if (sd->acc) {
    if ((st = vkg_stats_acc_read(ctx, sd->acc, t->sum, t->outer))) return st;
    t->n = vkg_stats_acc_count(sd->acc);
  }
  if (sd->loaded.dim) st = vkg_fid_stats_merge(ctx, t, &sd->loaded, "fid stats");
  if (!st && sd->merged.dim) st = vkg_fid_stats_merge(ctx, t, &sd->merged, "fid state of another rank");
  return st;
}

static vkg_status fid_finish(vkg_node *node, void *state, vkg_tensor **out) {
  fid_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  vkg_fid_stats tot[2];
  memset(tot, 0, sizeof tot);
  double *mom = NULL, fid = NAN;
  vkg_status st = load_deferred(node, s);
  if (st) return st;
  int nsides = s->side[FAKE].dim ? 2 : 1;
  for (int k = 0; k < nsides && !st; k++) {
    if ((st = side_totals(node, &s->side[k], &tot[k]))) break;
    if (s->side[k].save_path && tot[k].moments_only) {
      st = vkg_node_error(node, VKG_E_INPUT, save_param[k],
                          "statistics from a pytorch-fid .npz have no sample count; they cannot be saved as a "
                          "mergeable stats file");
      break;
    }
    if (s->side[k].save_path && (st = vkg_fid_stats_save(ctx, s->side[k].save_path, &tot[k]))) {
      st = vkg_node_rethrow(node, save_param[k]);
      break;
    }
  }
  if (st) goto done;
  if (nsides == 2) {
    int64_t d = tot[REAL].dim;
    for (int k = 0; k < 2; k++) {
      if (tot[k].n < 2) {
        st = vkg_node_error(node, VKG_E_INPUT, NULL, "%s side has %lld samples; FID needs at least 2",
                            side_name[k], (long long)tot[k].n);
        goto done;
      }
      if (tot[k].n < d && !tot[k].moments_only)
        vkg_node_warn(node,
                      "%s side has %lld samples for %lld feature dims: its covariance is singular and the FID is "
                      "biased (use at least %lld samples, ideally 10000+)",
                      side_name[k], (long long)tot[k].n, (long long)d, (long long)d);
    }
    mom = malloc(sizeof(double) * (size_t)(2 * (d + d * d)));
    if (!mom) {
      st = vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
      goto done;
    }
    double *mu1 = mom, *s1 = mu1 + d, *mu2 = s1 + d * d, *s2 = mu2 + d;
    int used_eps = 0;
    if ((st = vkg_fid_stats_mean_cov(ctx, &tot[REAL], mu1, s1)) ||
        (st = vkg_fid_stats_mean_cov(ctx, &tot[FAKE], mu2, s2)) ||
        (st = vkg_fid_frechet_distance(ctx, mu1, s1, mu2, s2, d, s->eps, &fid, &used_eps))) {
      st = vkg_node_rethrow(node, NULL);
      goto done;
    }
    if (used_eps)
      vkg_node_warn(node, "fid calculation produced a singular product; added %g to the covariance diagonals",
                    s->eps);
    vkg_node_report_value(node, "fid", fid);
  }
  float f = (float)fid;
  vkg_shape one = vkg_shape_make(1, (const int64_t[]){1});
  st = vkg_tensor_create_from(ctx, VKG_F32, &one, &f, &out[0]);
done:
  free(mom);
  vkg_fid_stats_free(&tot[0]);
  vkg_fid_stats_free(&tot[1]);
  return st;
}

static const vkg_node_type fid_types[1] = {
    {.name = "score",
     .doc = "Frechet Inception Distance between real and fake features (pytorch-fid's formula in float64; mean and "
         "covariance accumulate across batches, memory independent of the sample count). Stats files stand in for "
         "either side and merge exactly.",
     .flags = VKG_NODE_ACCUMULATOR, .ninputs = 2, .inputs = fid_inputs, .noutputs = 1, .outputs = fid_outputs,
     .nparams = FID_NPARAMS, .params = fid_params, .create = fid_create, .infer = fid_infer, .start = fid_start,
     .run = fid_run, .finish = fid_finish, .destroy = fid_destroy, .state_save = vkg_fid_state_save,
     .state_merge = vkg_fid_state_merge},
};

static const vkg_plugin_desc fid_plugin = {
    VKG_PLUGIN_ABI,
    .name = "fid", .version = VKG_VERSION_STRING, .license = VKG_PROJECT_LICENSE,
    .doc = "Frechet Inception Distance (pytorch-fid formulation).", .ntypes = 1, .types = fid_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &fid_plugin; }
