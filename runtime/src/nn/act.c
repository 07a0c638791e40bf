/* act_fn names as diffusers' get_activation knows them. */
#include <string.h>

#include "nn_internal.h"

static const struct {
  const char *name;
  vkg_act act;
} acts[] = {
    {"silu", VKG_ACT_SILU},         {"swish", VKG_ACT_SILU}, {"gelu", VKG_ACT_GELU}, {"relu", VKG_ACT_RELU},
    {"identity", VKG_ACT_IDENTITY}, {"tanh", VKG_ACT_TANH},  {"sigmoid", VKG_ACT_SIGMOID},
};

vkg_status vkg_nn_act_parse(vkg_ctx *ctx, const char *what, const char *name, vkg_act *out) {
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
    if (name && strcmp(name, acts[i].name) == 0) {
      *out = acts[i].act;
      return VKG_OK;
    }
  return vkg_error(ctx, VKG_E_INPUT, "%s: unsupported activation '%s' (known: silu, swish, gelu, relu)",
                   what ? what : "act_fn", name ? name : "(null)");
}
