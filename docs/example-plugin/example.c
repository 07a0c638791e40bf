/* An example vkgen plugin with one node type, example.scale: y = x * factor, computed by
 * the plugin's own compute shader (example_scale.comp, embedded at build time).
 *
 * The descriptor below is all vkgen needs: the registry dlopen()s example.so, calls
 * vkg_plugin_entry(), checks the ABI version and registers "example.scale". */
#include <stdint.h>
#include <stdlib.h>

#include <vkgen/gpu.h>
#include <vkgen/plugin.h>
#include <vkgen/tensor.h>

#include "spv/example_scale.h" /* static const uint32_t vkg_spv_example_scale[] */

typedef struct scale_state {
  float factor;
} scale_state;

/* create: read params, no GPU work. */
static vkg_status scale_create(vkg_node *node, void **state) {
  double f = 1.0;
  vkg_node_param_float(node, "factor", &f);
  scale_state *s = malloc(sizeof *s);
  if (!s) return vkg_node_error(node, VKG_E_NOMEM, NULL, "out of host memory");
  s->factor = (float)f;
  *state = s;
  return VKG_OK;
}

/* infer: the output has the input's shape; only f32 is accepted. */
static vkg_status scale_infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  if (in[0].dtype != VKG_F32)
    return vkg_node_input_error(node, VKG_E_INPUT, 0, "expected f32, got %s", vkg_dtype_name(in[0].dtype));
  out[0] = in[0];
  return VKG_OK;
}

/* run: once per batch; records one dispatch into the context's stream. */
static vkg_status scale_run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  scale_state *s = state;
  vkg_ctx *ctx = vkg_node_ctx(node);
  static const vkg_kernel_desc desc = {
      .name = "example_scale",
      .spirv = vkg_spv_example_scale,
      .spirv_bytes = sizeof vkg_spv_example_scale,
      .nbind = 2,
      .bind = {VKG_BIND_STORAGE, VKG_BIND_STORAGE},
      .push_bytes = 12,
  };
  vkg_pipeline *pipe = NULL;
  vkg_status st = vkg_pipeline_get(ctx, &desc, NULL, 0, &pipe);
  if (st) return st;
  vkg_tensor *y = NULL;
  st = vkg_tensor_create(ctx, VKG_F32, vkg_tensor_shape(in[0]), &y);
  if (st) return st;
  uint64_t n = (uint64_t)vkg_tensor_numel(in[0]);
  uint64_t groups = (n + 63) / 64;
  uint64_t gx = groups < 65535 ? (groups ? groups : 1) : 65535, gy = (groups + gx - 1) / gx;
  struct {
    uint32_t n, row;
    float factor;
  } push = {(uint32_t)n, (uint32_t)(gx * 64), s->factor};
  vkg_tensor *binds[2] = {in[0], y};
  st = vkg_dispatch_tensors(ctx, pipe, binds, 2, &push, sizeof push, (uint32_t)gx, (uint32_t)(gy ? gy : 1), 1);
  if (st) {
    vkg_tensor_unref(y);
    return st;
  }
  out[0] = y;
  return VKG_OK;
}

static void scale_destroy(void *state) { free(state); }

static const vkg_port_desc scale_inputs[] = {{"x", "f32", "any f32 tensor", 0}};
static const vkg_port_desc scale_outputs[] = {{"y", "f32", "x * factor", 0}};
static const vkg_param_desc scale_params[] = {
    {"factor", VKG_PARAM_FLOAT, "2.0", "multiplier", NULL, 0, 0},
};

static const vkg_node_type example_types[] = {{
    .name = "scale",
    .doc = "Multiplies a tensor by a constant on the GPU (an example of a plugin's own shader).",
    .ninputs = 1,
    .inputs = scale_inputs,
    .noutputs = 1,
    .outputs = scale_outputs,
    .nparams = 1,
    .params = scale_params,
    .create = scale_create,
    .infer = scale_infer,
    .run = scale_run,
    .destroy = scale_destroy,
}};

/* Designated initializers: fields a later minor ABI adds (in the reserved slots) stay zero,
 * so this file keeps compiling and loading as vkgen grows. */
static const vkg_plugin_desc example_plugin = {
    VKG_PLUGIN_ABI, /* the major.minor of the headers this is built with */
    .name = "example",
    .version = "1.0",
    /* SPDX expression of your plugin's license ("MIT", "Apache-2.0", ...). This example
     * carries vkgen's own, which has not been chosen yet. */
    .license = "NOASSERTION",
    .doc = "Out-of-tree example plugin.",
    .ntypes = 1,
    .types = example_types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &example_plugin; }
