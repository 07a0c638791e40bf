/* Progress: "batch 2/10" and a node's own progress. On a TTY one line redrawn with \r
 * (bar, percentage, rate); otherwise plain lines, at most about one a second, so logs of
 * long runs stay readable. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph_internal.h"

double vkg_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void vkg_progress_begin(vkg_graph *g, int mode) {
  vkg_progress *p = &g->prog;
  memset(p, 0, sizeof *p);
  p->out = vkg_ctx_log(g->ctx);
  if (!p->out) mode = 0;
  if (mode < 0) mode = isatty(fileno(p->out)) ? 2 : 1;
  p->mode = mode;
  p->batches = g->batches;
  p->t_start = vkg_now_s();
  p->last_print = -1e9;
}

static void clear_line(vkg_progress *p) {
  if (p->line_open) {
    fputs("\r\033[K", p->out);
    p->line_open = 0;
  }
}

void vkg_progress_batch(vkg_graph *g, int64_t b) {
  vkg_progress *p = &g->prog;
  p->batch = b;
  if (!p->mode || p->batches <= 1) return;
  double now = vkg_now_s();
  if (p->mode == 2) {
    clear_line(p);
    fprintf(p->out, "batch %lld/%lld", (long long)b + 1, (long long)p->batches);
    p->line_open = 1;
    fflush(p->out);
  } else if (now - p->last_print >= 1.0 || b + 1 == p->batches || b == 0) {
    fprintf(p->out, "batch %lld/%lld\n", (long long)b + 1, (long long)p->batches);
    p->last_print = now;
    fflush(p->out);
  }
}

void vkg_progress_node(vkg_graph *g, vkg_node *node, int64_t done, int64_t total, const char *unit) {
  vkg_progress *p = &g->prog;
  if (!p || !p->mode || total <= 0) return;
  double now = vkg_now_s();
  if (node->prog_last < 0 || done < node->prog_last) node->prog_t0 = now;
  node->prog_last = done;
  double dt = now - node->prog_t0;
  double rate = dt > 0 ? (double)done / dt : 0;
  double frac = (double)done / (double)total;
  if (frac > 1) frac = 1;
  if (frac < 0) frac = 0;
  char head[64] = "";
  if (p->batches > 1) snprintf(head, sizeof head, "batch %lld/%lld ", (long long)p->batch + 1, (long long)p->batches);
  unit = unit ? unit : "";
  if (p->mode == 2) {
    char bar[25];
    int fill = (int)(frac * 24 + 0.5);
    for (int i = 0; i < 24; i++) bar[i] = i < fill ? '#' : '.';
    bar[24] = 0;
    clear_line(p);
    fprintf(p->out, "%s%s [%s] %3.0f%% %lld/%lld %s", head, node->id, bar, frac * 100, (long long)done,
            (long long)total, unit);
    if (rate > 0) fprintf(p->out, " %.2f %s/s", rate, unit[0] ? unit : "it");
    p->line_open = 1;
    fflush(p->out);
  } else if (now - p->last_print >= 1.0 || done >= total) {
    fprintf(p->out, "%s%s: %lld/%lld %s (%.0f%%)", head, node->id, (long long)done, (long long)total, unit, frac * 100);
    if (rate > 0) fprintf(p->out, ", %.2f %s/s", rate, unit[0] ? unit : "it");
    fputc('\n', p->out);
    p->last_print = now;
    fflush(p->out);
  }
}

void vkg_progress_end(vkg_graph *g) {
  vkg_progress *p = &g->prog;
  if (p->mode == 2 && p->line_open) {
    fputc('\n', p->out);
    p->line_open = 0;
    fflush(p->out);
  }
}
