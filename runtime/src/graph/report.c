/* After a run: reported values for stdout and the JSON report (--report FILE.json). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"

/* An interrupted run still reports its statistics over the batches it ran, marked partial. */
static int partial(const vkg_graph *g) { return g->ran && g->batches_run < g->batches; }

void vkg_graph_print_values(const vkg_graph *g, FILE *out) {
  for (int i = 0; i < g->nvalues; i++) {
    fprintf(out, "%s.%s = %.6g", g->values[i].node, g->values[i].key, g->values[i].value);
    if (partial(g))
      fprintf(out, " (partial: %lld of %lld batches)", (long long)g->batches_run, (long long)g->batches);
    fputc('\n', out);
  }
  fflush(out);
}

static vkg_status write_failed(const vkg_graph *g, FILE *out) {
  if (fflush(out) == 0 && !ferror(out)) return VKG_OK;
  return vkg_error(g->ctx, VKG_E_IO, "%s", strerror(errno ? errno : EIO));
}

static json_t *num(double x) { return x == x ? json_real(x) : json_null(); }

vkg_status vkg_graph_write_report(const vkg_graph *g, FILE *out) {
  json_t *r = json_object();
  json_object_set_new(r, "graph", json_string(g->name));
  json_object_set_new(r, "file", json_string(g->file));
  const vkg_device_info *di = vkg_ctx_device_open(g->ctx) ? vkg_ctx_device_info(g->ctx) : NULL;
  json_object_set_new(r, "device", di ? json_string(di->name) : json_null());
  json_object_set_new(r, "batches", json_integer(g->batches));
  json_object_set_new(r, "batches_run", json_integer(g->batches_run));
  json_object_set_new(r, "partial", json_boolean(partial(g)));
  json_object_set_new(r, "wall_ms", num(g->wall_ms));
  json_object_set_new(r, "peak_device_bytes", json_integer((json_int_t)g->peak_bytes));
  json_object_set_new(r, "submits", json_integer((json_int_t)g->submits));
  /* several ranks: node times above are totals over ranks; each rank's share here */
  json_object_set_new(r, "ranks", json_integer(g->nranks > 1 ? g->nranks : 1));
  if (g->nranks > 1 && g->rank_batches) {
    json_t *pr = json_array();
    for (int k = 0; k < g->nranks; k++) {
      json_t *o = json_object();
      json_object_set_new(o, "rank", json_integer(k));
      json_object_set_new(o, "batches", json_integer(g->rank_batches[k]));
      json_object_set_new(o, "wall_ms", num(g->rank_wall_ms[k]));
      json_array_append_new(pr, o);
    }
    json_object_set_new(r, "per_rank", pr);
  }
  json_t *nodes = json_array();
  for (int i = 0; i < g->nnodes; i++) {
    const vkg_node *v = g->nodes[i];
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(v->id));
    json_object_set_new(o, "op", json_string(v->op));
    json_object_set_new(o, "gpu_ms", num(v->gpu_ns * 1e-6));
    json_object_set_new(o, "cpu_ms", num(v->cpu_ns * 1e-6));
    json_t *outs = json_array();
    for (int p = 0; p < v->type->noutputs; p++) {
      json_t *po = json_object();
      json_object_set_new(po, "port", json_string(v->type->outputs[p].name));
      json_object_set_new(po, "dtype", json_string(vkg_dtype_name(v->out_info[p].dtype)));
      json_t *sh = json_array();
      for (int d = 0; d < v->out_info[p].shape.ndim; d++) json_array_append_new(sh, json_integer(v->out_info[p].shape.d[d]));
      json_object_set_new(po, "shape", sh);
      json_array_append_new(outs, po);
    }
    json_object_set_new(o, "outputs", outs);
    json_array_append_new(nodes, o);
  }
  json_object_set_new(r, "nodes", nodes);
  json_t *vals = json_object();
  for (int i = 0; i < g->nvalues; i++) {
    char key[512];
    snprintf(key, sizeof key, "%s.%s", g->values[i].node, g->values[i].key);
    json_object_set_new(vals, key, num(g->values[i].value));
  }
  json_object_set_new(r, "values", vals);
  errno = 0;
  int rc = json_dumpf(r, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  json_decref(r);
  fputc('\n', out);
  if (rc) return vkg_error(g->ctx, VKG_E_IO, "%s", strerror(errno ? errno : EIO));
  return write_failed(g, out);
}

/* Markdown: table cells must not break the table, so '|' and newlines in names are escaped. */
static void md_cell(FILE *out, const char *s) {
  for (; s && *s; s++) {
    if (*s == '|') fputs("\\|", out);
    else if (*s == '\n' || *s == '\r') fputc(' ', out);
    else fputc(*s, out);
  }
}

static void md_num(FILE *out, double x, const char *fmt) {
  if (x == x) fprintf(out, fmt, x);
  else fputs("n/a", out);
}

vkg_status vkg_graph_write_report_markdown(const vkg_graph *g, FILE *out) {
  errno = 0;
  const vkg_device_info *di = vkg_ctx_device_open(g->ctx) ? vkg_ctx_device_info(g->ctx) : NULL;
  fputs("## Run report: ", out);
  md_cell(out, g->name);
  fputs("\n\n| | |\n|---|---|\n| graph file | ", out);
  md_cell(out, g->file);
  fputs(" |\n| device | ", out);
  md_cell(out, di ? di->name : "(none opened)");
  fprintf(out, " |\n| batches | %lld of %lld%s |\n| wall time | ", (long long)g->batches_run, (long long)g->batches,
          partial(g) ? " (interrupted: values are partial)" : "");
  md_num(out, g->wall_ms * 1e-3, "%.2f s");
  fprintf(out, " |\n| peak device memory | %.1f MiB |\n| submits | %llu |\n\n", (double)g->peak_bytes / 1048576.0,
          (unsigned long long)g->submits);
  if (g->nranks > 1 && g->rank_batches) {
    fputs("### Ranks (node times below are totals over ranks)\n\n| rank | batches | wall time |\n|---:|---:|---:|\n", out);
    for (int k = 0; k < g->nranks; k++) {
      fprintf(out, "| %d | %lld | ", k, (long long)g->rank_batches[k]);
      md_num(out, g->rank_wall_ms[k] * 1e-3, "%.2f s");
      fputs(" |\n", out);
    }
    fputs("\n", out);
  }
  if (g->nvalues > 0) {
    fputs("### Values\n\n| node | key | value |\n|---|---|---:|\n", out);
    for (int i = 0; i < g->nvalues; i++) {
      fputs("| ", out);
      md_cell(out, g->values[i].node);
      fputs(" | ", out);
      md_cell(out, g->values[i].key);
      fputs(" | ", out);
      md_num(out, g->values[i].value, "%.6g");
      fputs(" |\n", out);
    }
    fputc('\n', out);
  }
  fputs("### Nodes\n\n| node | op | outputs | CPU ms | GPU ms |\n|---|---|---|---:|---:|\n", out);
  for (int i = 0; i < g->nnodes; i++) {
    const vkg_node *v = g->nodes[i];
    fputs("| ", out);
    md_cell(out, v->id);
    fputs(" | ", out);
    md_cell(out, v->op);
    fputs(" | ", out);
    for (int p = 0; p < v->type->noutputs; p++) {
      fprintf(out, "%s", p ? ", " : "");
      md_cell(out, v->type->outputs[p].name);
      fprintf(out, " %s [", vkg_dtype_name(v->out_info[p].dtype));
      for (int d = 0; d < v->out_info[p].shape.ndim; d++)
        fprintf(out, "%s%lld", d ? "," : "", (long long)v->out_info[p].shape.d[d]);
      fputc(']', out);
    }
    fputs(" | ", out);
    md_num(out, v->cpu_ns * 1e-6, "%.1f");
    fputs(" | ", out);
    md_num(out, v->gpu_ns * 1e-6, "%.1f");
    fputs(" |\n", out);
  }
  fputc('\n', out);
  return write_failed(g, out);
}
