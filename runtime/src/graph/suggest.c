/* Close-name suggestions ("did you mean 'steps'?") by edit distance, with adjacent
 * transpositions counting as one edit (the commonest typo). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph_internal.h"

#define VKG_SUGGEST_MAXLEN 128

int vkg_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > VKG_SUGGEST_MAXLEN || lb > VKG_SUGGEST_MAXLEN) return 1 << 20;
  /* three rows of the optimal-string-alignment table */
  int rows[3][VKG_SUGGEST_MAXLEN + 1];
  int *pp = rows[0], *prev = rows[1], *cur = rows[2];
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      int cost = ca == cb ? 0 : 1;
      int v = prev[j] + 1;
      if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
      if (prev[j - 1] + cost < v) v = prev[j - 1] + cost;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) && tolower((unsigned char)a[i - 2]) == cb &&
          pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      cur[j] = v;
    }
    int *t = pp;
    pp = prev;
    prev = cur;
    cur = t;
  }
  return prev[lb];
}

const char *vkg_suggest(const char *name, const char *const *cands, int n) {
  if (!name) return NULL;
  size_t len = strlen(name);
  int limit = (int)(len + 2) / 3;
  if (limit < 1) limit = 1;
  if (limit > 3) limit = 3;
  const char *best = NULL;
  int bestd = limit + 1;
  for (int i = 0; i < n; i++) {
    if (!cands[i]) continue;
    int d = vkg_edit_distance(name, cands[i]);
    if (d < bestd) {
      bestd = d;
      best = cands[i];
    }
  }
  return best;
}

const char *vkg_suggest_hint(const char *name, const char *const *cands, int n, char *buf, size_t size) {
  const char *s = vkg_suggest(name, cands, n);
  if (s)
    snprintf(buf, size, " (did you mean '%s'?)", s);
  else if (size)
    buf[0] = 0;
  return buf;
}
