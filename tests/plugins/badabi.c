/* A plugin as ABI 3 built them: one uint32 abi_version (3) where abi_major is now, no
 * reserved slots. Refused as "ABI 3". The struct is spelled out here, as ABI 3's header had
 * it, so that this test does not depend on today's layout. */
#include <stdint.h>

#include <vkgen/plugin.h>

typedef struct abi3_node_type {
  const char *name, *doc;
  unsigned flags;
  int ninputs;
  const vkg_port_desc *inputs;
  int noutputs;
  const vkg_port_desc *outputs;
  int nparams;
  const vkg_param_desc *params;
  void *callbacks[8]; /* create .. state_merge */
} abi3_node_type;

typedef struct abi3_plugin_desc {
  uint32_t abi_version;
  const char *name, *version, *doc;
  int ntypes;
  const abi3_node_type *types;
} abi3_plugin_desc;

static const vkg_port_desc outs[] = {{"out", "f32", "four floats", 0}};
static const abi3_node_type types[] = {{"make", "makes a tensor", VKG_NODE_SOURCE, 0, NULL, 1, outs, 0, NULL, {0}}};
static const abi3_plugin_desc desc = {3u, "tpabi", "0.1", "test plugin", 1, types};

VKG_PLUGIN_EXPORT const abi3_plugin_desc *vkg_plugin_entry(void);
VKG_PLUGIN_EXPORT const abi3_plugin_desc *vkg_plugin_entry(void) { return &desc; }
