/* vkg_registry_describe: every node type as text (vkgen plugins) or JSON (--json). */
#include <jansson.h>
#include <string.h>

#include "graph_internal.h"

static const char *const param_type_names[] = {"int", "float", "bool", "string", "path", "enum", "int list",
                                               "float list"};

static const char *ptype_name(vkg_param_type t) {
  return (unsigned)t <= VKG_PARAM_FLOAT_LIST ? param_type_names[t] : "?";
}

static int has_bounds(const vkg_param_desc *p) {
  return p->min < p->max && (p->type == VKG_PARAM_INT || p->type == VKG_PARAM_FLOAT ||
                             p->type == VKG_PARAM_INT_LIST || p->type == VKG_PARAM_FLOAT_LIST);
}

static void flags_text(unsigned f, char *buf, size_t n) {
  snprintf(buf, n, "%s%s%s", (f & VKG_NODE_SOURCE) ? " [source]" : "", (f & VKG_NODE_ACCUMULATOR) ? " [accumulator]" : "",
           (f & VKG_NODE_SINK) ? " [sink]" : "");
}

static void describe_text(const vkg_registry *reg, FILE *out) {
  for (int i = 0; i < vkg_registry_plugin_count(reg); i++) {
    const vkg_plugin_desc *d = vkg_registry_plugin(reg, i);
    fprintf(out, "%s %s (%s)\n  license %s, plugin ABI %u.%u\n", d->name, d->version ? d->version : "",
            vkg_registry_plugin_origin(reg, i), vkg_plugin_license(d), d->abi_major, d->abi_minor);
    if (d->doc && d->doc[0]) fprintf(out, "  %s\n", d->doc);
    for (int t = 0; t < d->ntypes; t++) {
      const vkg_node_type *nt = &d->types[t];
      char fl[64];
      flags_text(nt->flags, fl, sizeof fl);
      fprintf(out, "\n  %s.%s%s\n", d->name, nt->name, fl);
      if (nt->doc && nt->doc[0]) fprintf(out, "      %s\n", nt->doc);
      for (int k = 0; k < 2; k++) {
        int n = k ? nt->noutputs : nt->ninputs;
        const vkg_port_desc *ports = k ? nt->outputs : nt->inputs;
        if (!n) continue;
        fprintf(out, "    %s:\n", k ? "outputs" : "inputs");
        for (int p = 0; p < n; p++)
          fprintf(out, "      %-14s %-10s%s%s %s\n", ports[p].name, ports[p].dtypes,
                  (ports[p].flags & VKG_PORT_VARIADIC) ? " (variadic: a list)" : "",
                  (ports[p].flags & VKG_PORT_OPTIONAL) ? " (optional)" : "", ports[p].doc ? ports[p].doc : "");
      }
      if (nt->nparams) fprintf(out, "    params:\n");
      for (int p = 0; p < nt->nparams; p++) {
        const vkg_param_desc *pd = &nt->params[p];
        char extra[256] = "";
        size_t used = 0;
        if (pd->default_value)
          used += (size_t)snprintf(extra + used, sizeof extra - used, " = %s", pd->default_value);
        else
          used += (size_t)snprintf(extra + used, sizeof extra - used, " (required)");
        if (used < sizeof extra && pd->type == VKG_PARAM_ENUM && pd->choices)
          used += (size_t)snprintf(extra + used, sizeof extra - used, "  one of %s", pd->choices);
        if (used < sizeof extra && has_bounds(pd))
          snprintf(extra + used, sizeof extra - used, "  in [%g, %g]", pd->min, pd->max);
        fprintf(out, "      %-14s %-10s%s%s%s\n", pd->name, ptype_name(pd->type), extra, pd->doc ? "  " : "",
                pd->doc ? pd->doc : "");
      }
    }
    fprintf(out, "\n");
  }
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *ports_json(int n, const vkg_port_desc *ports, int inputs) {
  json_t *a = json_array();
  for (int p = 0; p < n; p++) {
    json_t *o = json_object();
    json_object_set_new(o, "name", jstr(ports[p].name));
    json_t *dt = json_array();
    char buf[128];
    snprintf(buf, sizeof buf, "%s", ports[p].dtypes);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
      json_array_append_new(dt, json_string(tok));
    json_object_set_new(o, "dtypes", dt);
    json_object_set_new(o, "doc", jstr(ports[p].doc));
    if (inputs) {
      json_object_set_new(o, "optional", json_boolean(ports[p].flags & VKG_PORT_OPTIONAL));
      /* a list of tensors: [port] .. [port + count - 1] of the node's inputs */
      json_object_set_new(o, "variadic", json_boolean(ports[p].flags & VKG_PORT_VARIADIC));
      if (ports[p].flags & VKG_PORT_VARIADIC)
        json_object_set_new(o, "min_count", json_integer((ports[p].flags & VKG_PORT_OPTIONAL) ? 0 : 1));
    }
    json_array_append_new(a, o);
  }
  return a;
}

static json_t *type_json(const vkg_plugin_desc *d, const vkg_node_type *nt) {
  json_t *o = json_object();
  char op[256];
  snprintf(op, sizeof op, "%s.%s", d->name, nt->name);
  json_object_set_new(o, "op", json_string(op));
  json_object_set_new(o, "doc", jstr(nt->doc));
  json_t *fl = json_array();
  if (nt->flags & VKG_NODE_SOURCE) json_array_append_new(fl, json_string("source"));
  if (nt->flags & VKG_NODE_ACCUMULATOR) json_array_append_new(fl, json_string("accumulator"));
  if (nt->flags & VKG_NODE_SINK) json_array_append_new(fl, json_string("sink"));
  json_object_set_new(o, "flags", fl);
  json_object_set_new(o, "inputs", ports_json(nt->ninputs, nt->inputs, 1));
  json_object_set_new(o, "outputs", ports_json(nt->noutputs, nt->outputs, 0));
  json_t *ps = json_array();
  for (int p = 0; p < nt->nparams; p++) {
    const vkg_param_desc *pd = &nt->params[p];
    json_t *po = json_object();
    json_object_set_new(po, "name", jstr(pd->name));
    json_object_set_new(po, "type", json_string(ptype_name(pd->type)));
    json_object_set_new(po, "default", jstr(pd->default_value));
    json_object_set_new(po, "required", json_boolean(pd->default_value == NULL));
    json_object_set_new(po, "doc", jstr(pd->doc));
    if (pd->type == VKG_PARAM_ENUM && pd->choices) {
      json_t *ch = json_array();
      char buf[512];
      snprintf(buf, sizeof buf, "%s", pd->choices);
      char *save = NULL;
      for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
        json_array_append_new(ch, json_string(tok));
      json_object_set_new(po, "choices", ch);
    }
    if (has_bounds(pd)) {
      json_object_set_new(po, "min", json_real(pd->min));
      json_object_set_new(po, "max", json_real(pd->max));
    }
    json_array_append_new(ps, po);
  }
  json_object_set_new(o, "params", ps);
  return o;
}

vkg_status vkg_registry_describe(const vkg_registry *reg, FILE *out, int json) {
  if (!json) {
    describe_text(reg, out);
    return ferror(out) ? vkg_error(vkg_registry_ctx(reg), VKG_E_IO, "cannot write the plugin list") : VKG_OK;
  }
  json_t *root = json_object();
  json_t *plugins = json_array();
  for (int i = 0; i < vkg_registry_plugin_count(reg); i++) {
    const vkg_plugin_desc *d = vkg_registry_plugin(reg, i);
    json_t *p = json_object();
    json_object_set_new(p, "name", jstr(d->name));
    json_object_set_new(p, "version", jstr(d->version));
    json_object_set_new(p, "license", json_string(vkg_plugin_license(d)));
    char abi[32];
    snprintf(abi, sizeof abi, "%u.%u", d->abi_major, d->abi_minor);
    json_object_set_new(p, "abi", json_string(abi));
    json_object_set_new(p, "doc", jstr(d->doc));
    json_object_set_new(p, "origin", jstr(vkg_registry_plugin_origin(reg, i)));
    json_t *types = json_array();
    for (int t = 0; t < d->ntypes; t++) json_array_append_new(types, type_json(d, &d->types[t]));
    json_object_set_new(p, "nodes", types);
    json_array_append_new(plugins, p);
  }
  json_object_set_new(root, "abi_major", json_integer(VKG_ABI_MAJOR));
  json_object_set_new(root, "abi_minor", json_integer(VKG_ABI_MINOR));
  json_object_set_new(root, "plugins", plugins);
  int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(root);
  fputc('\n', out);
  if (rc || ferror(out)) return vkg_error(vkg_registry_ctx(reg), VKG_E_IO, "cannot write the plugin list");
  return VKG_OK;
}
