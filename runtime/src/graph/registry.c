/* The plugin registry: dlopen'd plugins and descriptors linked into the program. */
#define _GNU_SOURCE /* dladdr */
#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph_internal.h"

typedef struct vkg_reg_plugin {
  const vkg_plugin_desc *desc;
  char *origin;
  void *handle; /* NULL for vkg_registry_add */
} vkg_reg_plugin;

typedef struct vkg_reg_op {
  char *op;
  const vkg_node_type *type;
  int plugin;
} vkg_reg_op;

struct vkg_registry {
  vkg_ctx *ctx;
  vkg_reg_plugin *plugins;
  int nplugins, cplugins;
  vkg_reg_op *ops;
  int nops, cops;
};

vkg_status vkg_registry_create(vkg_ctx *ctx, vkg_registry **out) {
  *out = calloc(1, sizeof **out);
  if (!*out) return vkg_error(ctx, VKG_E_NOMEM, "out of host memory creating the plugin registry");
  (*out)->ctx = ctx;
  return VKG_OK;
}

void vkg_registry_destroy(vkg_registry *reg) {
  if (!reg) return;
  for (int i = 0; i < reg->nops; i++) free(reg->ops[i].op);
  free(reg->ops);
  for (int i = 0; i < reg->nplugins; i++) {
    if (reg->plugins[i].handle) dlclose(reg->plugins[i].handle);
    free(reg->plugins[i].origin);
  }
  free(reg->plugins);
  free(reg);
}

vkg_ctx *vkg_registry_ctx(const vkg_registry *reg) { return reg->ctx; }

static int valid_name(const char *s) {
  if (!s || !(s[0] >= 'a' && s[0] <= 'z')) return 0;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
  return 1;
}

/* The port flags each minor of this major knows: 4.0 had VKG_PORT_OPTIONAL, 4.1 added
 * VKG_PORT_VARIADIC. A plugin's flags must be ones its own minor knew. */
static int known_port_flags(uint32_t minor) {
  return minor >= 1 ? VKG_PORT_OPTIONAL | VKG_PORT_VARIADIC : VKG_PORT_OPTIONAL;
}

static vkg_status check_ports(vkg_registry *reg, const vkg_plugin_desc *d, const char *origin,
                              const vkg_node_type *t, int inputs) {
  const char *what = inputs ? "input" : "output";
  int n = inputs ? t->ninputs : t->noutputs;
  const vkg_port_desc *ports = inputs ? t->inputs : t->outputs;
  if (n < 0 || (n > 0 && !ports))
    return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: op '%s': bad %s table", origin, t->name, what);
  for (int i = 0; i < n; i++) {
    if (!ports[i].name || !ports[i].name[0] || strchr(ports[i].name, '.'))
      return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: op '%s': %s %d has a bad name", origin, t->name, what, i);
    if (!ports[i].dtypes)
      return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: op '%s': %s '%s' lists no dtypes", origin, t->name, what,
                       ports[i].name);
    int known = inputs ? known_port_flags(d->abi_minor) : 0;
    if (ports[i].flags & ~known)
      return vkg_error(reg->ctx, VKG_E_PLUGIN,
                       "plugin %s: op '%s': %s '%s' has flags 0x%x, unknown to %s ports of plugin ABI %u.%u "
                       "(the ABI it declares)",
                       origin, t->name, what, ports[i].name, (unsigned)(ports[i].flags & ~known), what, d->abi_major,
                       d->abi_minor);
    if ((ports[i].flags & VKG_PORT_VARIADIC) && i != n - 1)
      return vkg_error(reg->ctx, VKG_E_PLUGIN,
                       "plugin %s: op '%s': variadic input '%s' must be the last input port (only one per op)",
                       origin, t->name, ports[i].name);
  }
  return VKG_OK;
}

static int all_zero(void *const *slots, int n) {
  for (int i = 0; i < n; i++)
    if (slots[i]) return 0;
  return 1;
}

/* Plugins of ABI 1-3 had one uint32 abi_version where abi_major is now. */
static void abi_text(const vkg_plugin_desc *d, char *buf, size_t n) {
  if (d->abi_major < 4) snprintf(buf, n, "%u", d->abi_major);
  else snprintf(buf, n, "%u.%u", d->abi_major, d->abi_minor);
}

/* Loads when the major is ours and the minor at most ours; nothing else of the descriptor
 * is read before that holds. */
static vkg_status check_abi(vkg_registry *reg, const vkg_plugin_desc *d, const char *origin) {
  char theirs[32];
  abi_text(d, theirs, sizeof theirs);
  if (d->abi_major != VKG_ABI_MAJOR)
    return vkg_error(reg->ctx, VKG_E_PLUGIN,
                     "plugin %s: built for plugin ABI %s, this vkgen has ABI %u.%u (another major: rebuild the plugin "
                     "against this vkgen's headers)",
                     origin, theirs, VKG_ABI_MAJOR, VKG_ABI_MINOR);
  if (d->abi_minor > VKG_ABI_MINOR)
    return vkg_error(reg->ctx, VKG_E_PLUGIN,
                     "plugin %s: built for plugin ABI %s, newer than this vkgen's ABI %u.%u (it may rely on what "
                     "this vkgen lacks: update vkgen, or rebuild the plugin against these headers)",
                     origin, theirs, VKG_ABI_MAJOR, VKG_ABI_MINOR);
  /* In 4.0 the license slot was the first reserved slot: zero like the others. */
  if (!all_zero(d->reserved, VKG_PLUGIN_DESC_RESERVED) || (d->abi_minor < 1 && d->license))
    return vkg_error(reg->ctx, VKG_E_PLUGIN,
                     "plugin %s: the reserved fields at the end of its descriptor are not zero (ABI %s leaves them "
                     "zero; initialize the descriptor with designated initializers)",
                     origin, theirs);
  return VKG_OK;
}

/* Everything that would make a graph using this plugin misbehave is refused up front. */
static vkg_status check_desc(vkg_registry *reg, const vkg_plugin_desc *d, const char *origin) {
  vkg_ctx *ctx = reg->ctx;
  vkg_status st = check_abi(reg, d, origin);
  if (st) return st;
  if (d->license && !d->license[0])
    return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: empty license (an SPDX expression such as \"MIT\", or NULL)",
                     origin);
  if (!valid_name(d->name))
    return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: bad plugin name '%s' (want [a-z][a-z0-9_]*)", origin,
                     d->name ? d->name : "(null)");
  if (d->ntypes < 0 || (d->ntypes > 0 && !d->types))
    return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: bad node type table", origin);
  for (int i = 0; i < d->ntypes; i++) {
    const vkg_node_type *t = &d->types[i];
    if (!valid_name(t->name))
      return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: node type %d has a bad name '%s'", origin, i,
                       t->name ? t->name : "(null)");
    if (!t->infer || !t->run)
      return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s' lacks its %s callback", origin, d->name, t->name,
                       !t->infer ? "infer" : "run");
    if ((t->flags & VKG_NODE_ACCUMULATOR) && !t->finish)
      return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s' is an accumulator without a finish callback",
                       origin, d->name, t->name);
    if (!all_zero(t->reserved, VKG_NODE_TYPE_RESERVED))
      return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s': the reserved fields of its node type are not zero",
                       origin, d->name, t->name);
    st = check_ports(reg, d, origin, t, 1);
    if (!st) st = check_ports(reg, d, origin, t, 0);
    if (st) return st;
    if (t->nparams < 0 || (t->nparams > 0 && !t->params))
      return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s': bad param table", origin, d->name, t->name);
    for (int p = 0; p < t->nparams; p++) {
      const vkg_param_desc *pd = &t->params[p];
      if (!pd->name || !pd->name[0] || (unsigned)pd->type > VKG_PARAM_FLOAT_LIST)
        return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s': param %d is malformed", origin, d->name,
                         t->name, p);
      if (pd->type == VKG_PARAM_ENUM && (!pd->choices || !pd->choices[0]))
        return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s': enum param '%s' lists no choices", origin,
                         d->name, t->name, pd->name);
    }
    for (int j = 0; j < i; j++)
      if (!strcmp(d->types[j].name, t->name))
        return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s.%s' is defined twice", origin, d->name, t->name);
  }
  for (int i = 0; i < d->ntypes; i++)
    for (int j = 0; j < reg->nops; j++) {
      const char *op = reg->ops[j].op;
      size_t pl = strlen(d->name);
      if (!strncmp(op, d->name, pl) && op[pl] == '.' && !strcmp(op + pl + 1, d->types[i].name))
        return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: op '%s' already provided by %s", origin, op,
                         reg->plugins[reg->ops[j].plugin].origin);
    }
  return VKG_OK;
}

static vkg_status add_desc(vkg_registry *reg, const vkg_plugin_desc *desc, const char *origin, void *handle) {
  if (!desc) return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: no descriptor", origin);
  vkg_status st = check_desc(reg, desc, origin);
  if (st) return st;
  if (reg->nplugins == reg->cplugins) {
    int c = reg->cplugins ? reg->cplugins * 2 : 8;
    vkg_reg_plugin *p = realloc(reg->plugins, sizeof *p * (size_t)c);
    if (!p) return vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
    reg->plugins = p;
    reg->cplugins = c;
  }
  if (reg->nops + desc->ntypes > reg->cops) {
    int c = reg->cops ? reg->cops : 16;
    while (c < reg->nops + desc->ntypes) c *= 2;
    vkg_reg_op *o = realloc(reg->ops, sizeof *o * (size_t)c);
    if (!o) return vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
    reg->ops = o;
    reg->cops = c;
  }
  char *org = strdup(origin);
  if (!org) return vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
  int pi = reg->nplugins;
  for (int i = 0; i < desc->ntypes; i++) {
    size_t n = strlen(desc->name) + strlen(desc->types[i].name) + 2;
    char *op = malloc(n);
    if (!op) {
      for (int j = 0; j < i; j++) free(reg->ops[reg->nops + j].op);
      free(org);
      return vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
    }
    snprintf(op, n, "%s.%s", desc->name, desc->types[i].name);
    reg->ops[reg->nops + i] = (vkg_reg_op){op, &desc->types[i], pi};
  }
  reg->nops += desc->ntypes;
  reg->plugins[pi] = (vkg_reg_plugin){desc, org, handle};
  reg->nplugins++;
  return VKG_OK;
}

vkg_status vkg_registry_add(vkg_registry *reg, const vkg_plugin_desc *desc, const char *origin) {
  return add_desc(reg, desc, origin ? origin : "(built in)", NULL);
}

vkg_status vkg_registry_load_file(vkg_registry *reg, const char *path) {
  vkg_status cst = vkg_elf_check(reg->ctx, path);
  if (cst) return cst;
  dlerror();
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: cannot load: %s", path, e ? e : "dlopen failed");
  }
  vkg_plugin_entry_fn entry;
  /* the POSIX-sanctioned way to turn a dlsym result into a function pointer */
  *(void **)(&entry) = dlsym(h, VKG_PLUGIN_ENTRY_SYMBOL);
  if (!entry) {
    dlclose(h);
    return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: not a vkgen plugin (no %s symbol)", path,
                     VKG_PLUGIN_ENTRY_SYMBOL);
  }
  const vkg_plugin_desc *d = entry();
  if (!d) {
    dlclose(h);
    return vkg_error(reg->ctx, VKG_E_PLUGIN, "plugin %s: %s() returned no descriptor", path,
                     VKG_PLUGIN_ENTRY_SYMBOL);
  }
  vkg_status st = add_desc(reg, d, path, h);
  if (st) dlclose(h);
  return st;
}

/* A plugin that cannot be loaded is a warning naming it; the others still load. */
static vkg_status load_file_or_warn(vkg_registry *reg, const char *path) {
  vkg_status s = vkg_registry_load_file(reg, path);
  if (s == VKG_E_NOMEM) return s;
  if (s) {
    vkg_warn(reg->ctx, "%s", vkg_error_message(reg->ctx));
    vkg_error_clear(reg->ctx);
  }
  return VKG_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

vkg_status vkg_registry_load_dir(vkg_registry *reg, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return VKG_OK;
  char **names = NULL;
  int n = 0, c = 0;
  vkg_status st = VKG_OK;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l < 4 || strcmp(e->d_name + l - 3, ".so")) continue;
    if (n == c) {
      c = c ? c * 2 : 16;
      char **nn = realloc(names, sizeof *nn * (size_t)c);
      if (!nn) {
        st = vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
        break;
      }
      names = nn;
    }
    names[n] = strdup(e->d_name);
    if (!names[n]) {
      st = vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
      break;
    }
    n++;
  }
  closedir(d);
  if (!st && n) qsort(names, (size_t)n, sizeof *names, cmp_str);
  for (int i = 0; i < n && !st; i++) {
    size_t l = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(l);
    if (!path) {
      st = vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
      break;
    }
    snprintf(path, l, "%s/%s", dir, names[i]);
    st = load_file_or_warn(reg, path);
    free(path);
  }
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  return st;
}

/* One plugin path entry: a folder of plugins, or one plugin .so file. A folder that does
 * not exist is skipped quietly (paths often list optional places). */
static vkg_status load_path_entry(vkg_registry *reg, const char *p) {
  struct stat sb;
  if (stat(p, &sb) != 0 || S_ISDIR(sb.st_mode)) return vkg_registry_load_dir(reg, p);
  size_t l = strlen(p);
  if (S_ISREG(sb.st_mode) && l > 3 && !strcmp(p + l - 3, ".so")) return load_file_or_warn(reg, p);
  vkg_warn(reg->ctx, "plugin path '%s' is neither a folder nor a plugin .so file; ignored", p);
  return VKG_OK;
}

static vkg_status load_path_list(vkg_registry *reg, const char *list) {
  if (!list) return VKG_OK;
  char *copy = strdup(list);
  if (!copy) return vkg_error(reg->ctx, VKG_E_NOMEM, "out of host memory");
  vkg_status st = VKG_OK;
  char *save = NULL;
  for (char *p = strtok_r(copy, ":", &save); p && !st; p = strtok_r(NULL, ":", &save))
    if (p[0]) st = load_path_entry(reg, p);
  free(copy);
  return st;
}

/* Computed once from where libvkgen.so itself lives, then never changes. */
static pthread_once_t default_dir_once = PTHREAD_ONCE_INIT;
static char default_dir[4096];

static void find_default_dir(void) {
  Dl_info info;
  if (dladdr((void *)(uintptr_t)&vkg_default_plugin_dir, &info) && info.dli_fname && info.dli_fname[0] == '/') {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", info.dli_fname);
    snprintf(default_dir, sizeof default_dir, "%s/%s", dirname(tmp), VKG_PLUGIN_SUBDIR);
  } else {
    snprintf(default_dir, sizeof default_dir, "%s", VKG_PLUGIN_SUBDIR);
  }
}

const char *vkg_default_plugin_dir(void) {
  pthread_once(&default_dir_once, find_default_dir);
  return default_dir;
}

vkg_status vkg_registry_load_default(vkg_registry *reg, const char *extra) {
  vkg_status st = vkg_registry_load_dir(reg, vkg_default_plugin_dir());
  if (!st) st = load_path_list(reg, getenv("VKGEN_PLUGIN_PATH"));
  if (!st) st = load_path_list(reg, extra);
  return st;
}

const vkg_node_type *vkg_registry_find(const vkg_registry *reg, const char *op, const vkg_plugin_desc **plugin) {
  if (plugin) *plugin = NULL;
  if (!reg || !op) return NULL;
  for (int i = 0; i < reg->nops; i++)
    if (!strcmp(reg->ops[i].op, op)) {
      if (plugin) *plugin = reg->plugins[reg->ops[i].plugin].desc;
      return reg->ops[i].type;
    }
  return NULL;
}

const char *vkg_registry_suggest(const vkg_registry *reg, const char *op) {
  if (!reg || !op) return NULL;
  const char *best = NULL;
  int bestd = 1 << 30;
  for (int i = 0; i < reg->nops; i++) {
    const char *cands[1] = {reg->ops[i].op};
    if (vkg_suggest(op, cands, 1)) {
      int d = vkg_edit_distance(op, reg->ops[i].op);
      if (d < bestd) {
        bestd = d;
        best = reg->ops[i].op;
      }
    }
  }
  if (best) return best;
  /* "randn" for "core.randn": the plugin prefix was left out */
  for (int i = 0; i < reg->nops; i++)
    if (!strcmp(reg->ops[i].type->name, op)) return reg->ops[i].op;
  return NULL;
}

const char *vkg_plugin_license(const vkg_plugin_desc *plugin) {
  /* 4.0 had no license field (its slot was reserved) */
  if (!plugin || plugin->abi_minor < 1 || !plugin->license) return "unknown";
  return plugin->license;
}

int vkg_registry_plugin_count(const vkg_registry *reg) { return reg ? reg->nplugins : 0; }

const vkg_plugin_desc *vkg_registry_plugin(const vkg_registry *reg, int i) {
  return reg && i >= 0 && i < reg->nplugins ? reg->plugins[i].desc : NULL;
}

const char *vkg_registry_plugin_origin(const vkg_registry *reg, int i) {
  return reg && i >= 0 && i < reg->nplugins ? reg->plugins[i].origin : NULL;
}

const char *vkg_registry_origin_of(const vkg_registry *reg, const vkg_plugin_desc *plugin) {
  for (int i = 0; reg && i < reg->nplugins; i++)
    if (reg->plugins[i].desc == plugin) return reg->plugins[i].origin;
  return "(unknown plugin)";
}
