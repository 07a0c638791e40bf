/* A node type without infer: refused. */
#include <vkgen/plugin.h>

__attribute__((unused)) static vkg_status infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  out[0].dtype = VKG_F32;
  out[0].shape.ndim = 1;
  out[0].shape.d[0] = 4;
  return VKG_OK;
}

static vkg_status run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)node;
  (void)state;
  (void)in;
  (void)out;
  return VKG_OK;
}

static const vkg_port_desc outs[] = {{"out", "f32", "four floats", 0}};
static const vkg_param_desc params[] = {{"count", VKG_PARAM_INT, "4", "how many", NULL, 1, 64}};
static const vkg_node_type types[] = {
    {.name = "make", .doc = "makes a tensor", .flags = VKG_NODE_SOURCE, .noutputs = 1, .outputs = outs, .nparams = 1,
     .params = params, .run = run},
};
static const vkg_plugin_desc desc = {
    VKG_PLUGIN_ABI,
    .name = "tpnoinfer", .version = "0.1", .doc = "test plugin", .ntypes = 1, .types = types,
};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &desc; }
