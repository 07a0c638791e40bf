/* One test plugin built for several plugin ABIs (tests/plugins/CMakeLists.txt sets
 * TP_ABI_MAJOR, TP_ABI_MINOR and TP_NAME): the previous minor (loads and runs, license
 * shown as "unknown"), the next minor and another major (both refused). Its op "make" yields
 * a f32 [4] tensor filled with param value. */
#include <vkgen/plugin.h>

static vkg_status infer(vkg_node *node, void *state, const vkg_tensor_info *in, vkg_tensor_info *out) {
  (void)node;
  (void)state;
  (void)in;
  out[0].dtype = VKG_F32;
  out[0].shape.ndim = 1;
  out[0].shape.d[0] = 4;
  return VKG_OK;
}

static vkg_status run(vkg_node *node, void *state, vkg_tensor *const *in, vkg_tensor **out) {
  (void)state;
  (void)in;
  vkg_ctx *ctx = vkg_node_ctx(node);
  double v = 0;
  vkg_node_param_float(node, "value", &v);
  float host[4] = {(float)v, (float)v, (float)v, (float)v};
  vkg_shape shape = vkg_shape_make(1, (const int64_t[]){4});
  vkg_tensor *t = NULL;
  vkg_status st = vkg_tensor_create(ctx, VKG_F32, &shape, &t);
  if (!st) st = vkg_tensor_upload(ctx, t, host, sizeof host);
  if (st) {
    vkg_tensor_unref(t);
    return vkg_node_rethrow(node, NULL);
  }
  out[0] = t;
  return VKG_OK;
}

static const vkg_port_desc outs[] = {{"out", "f32", "four copies of value", 0}};
static const vkg_param_desc params[] = {{"value", VKG_PARAM_FLOAT, "1", "the value", NULL, 0, 0}};
static const vkg_node_type types[] = {{.name = "make",
                                       .doc = "makes a tensor",
                                       .flags = VKG_NODE_SOURCE,
                                       .noutputs = 1,
                                       .outputs = outs,
                                       .nparams = 1,
                                       .params = params,
                                       .infer = infer,
                                       .run = run}};
/* No license: a 4.0 plugin has none (its slot was reserved), and the others never get far
 * enough for it to matter. */
static const vkg_plugin_desc desc = {.abi_major = TP_ABI_MAJOR,
                                     .abi_minor = TP_ABI_MINOR,
                                     .name = TP_NAME,
                                     .version = "0.1",
                                     .doc = "ABI test plugin",
                                     .ntypes = 1,
                                     .types = types};

VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const vkg_plugin_desc *vkg_plugin_entry(void) { return &desc; }
