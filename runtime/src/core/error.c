/* Status names, the context's error message, warnings and info lines. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ctx_internal.h"

static const struct {
  const char *name, *meaning;
  int exit_code;
} status_table[VKG_STATUS_COUNT] = {
#define VKG_STATUS_ROW(name, exit_code, meaning) {#name, meaning, exit_code},
    VKG_STATUS_LIST(VKG_STATUS_ROW)
#undef VKG_STATUS_ROW
};

static void concat(char *dst, const char *a, const char *b);

const char *vkg_status_name(vkg_status s) {
  return (unsigned)s < VKG_STATUS_COUNT ? status_table[s].name : "VKG_E_UNKNOWN";
}

const char *vkg_status_meaning(vkg_status s) {
  return (unsigned)s < VKG_STATUS_COUNT ? status_table[s].meaning : "unknown status";
}

int vkg_status_exit_code(vkg_status s) { return (unsigned)s < VKG_STATUS_COUNT ? status_table[s].exit_code : 3; }

vkg_status vkg_verror(vkg_ctx *ctx, vkg_status code, const char *fmt, va_list ap) {
  if (!ctx) return code;
  ctx->err_code = code;
  vsnprintf(ctx->err_msg, sizeof ctx->err_msg, fmt, ap);
  return code;
}

vkg_status vkg_error(vkg_ctx *ctx, vkg_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkg_verror(ctx, code, fmt, ap);
  va_end(ap);
  return code;
}

vkg_status vkg_error_at(vkg_ctx *ctx, vkg_status code, const vkg_loc *loc, const char *fmt, ...) {
  if (!ctx) return code;
  char prefix[1024] = "";
  if (loc && loc->file && loc->file[0]) {
    if (loc->line > 0 && loc->col > 0)
      snprintf(prefix, sizeof prefix, "%s:%d:%d: ", loc->file, loc->line, loc->col);
    else if (loc->line > 0)
      snprintf(prefix, sizeof prefix, "%s:%d: ", loc->file, loc->line);
    else
      snprintf(prefix, sizeof prefix, "%s: ", loc->file);
  } else if (loc && loc->line > 0) {
    if (loc->col > 0)
      snprintf(prefix, sizeof prefix, "%d:%d: ", loc->line, loc->col);
    else
      snprintf(prefix, sizeof prefix, "%d: ", loc->line);
  }
  char body[VKG_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  ctx->err_code = code;
  concat(ctx->err_msg, prefix, body);
  return code;
}

vkg_status vkg_error_prefix(vkg_ctx *ctx, const char *fmt, ...) {
  if (!ctx) return VKG_E_INTERNAL;
  if (ctx->err_code == VKG_OK) ctx->err_code = VKG_E_INTERNAL;
  char prefix[VKG_ERRMSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  char old[VKG_ERRMSG_MAX];
  memcpy(old, ctx->err_msg, sizeof old);
  concat(ctx->err_msg, prefix, old);
  return ctx->err_code;
}

const char *vkg_error_message(const vkg_ctx *ctx) { return ctx ? ctx->err_msg : ""; }

vkg_status vkg_error_code(const vkg_ctx *ctx) { return ctx ? ctx->err_code : VKG_E_INTERNAL; }

void vkg_error_clear(vkg_ctx *ctx) {
  if (!ctx) return;
  ctx->err_code = VKG_OK;
  ctx->err_msg[0] = 0;
}

/* dst = a + b, truncated to the message size (snprintf would warn about truncation). */
static void concat(char *dst, const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > VKG_ERRMSG_MAX - 1) la = VKG_ERRMSG_MAX - 1;
  if (la + lb > VKG_ERRMSG_MAX - 1) lb = VKG_ERRMSG_MAX - 1 - la;
  memmove(dst + la, b, lb);
  memmove(dst, a, la);
  dst[la + lb] = 0;
}

static void vlog(vkg_ctx *ctx, const char *prefix, const char *fmt, va_list ap) {
  FILE *f = ctx && ctx->log ? ctx->log : stderr;
  char buf[VKG_ERRMSG_MAX];
  vsnprintf(buf, sizeof buf, fmt, ap);
  fprintf(f, "%s%s\n", prefix, buf);
  fflush(f);
}

void vkg_warn(vkg_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog(ctx, "warning: ", fmt, ap);
  va_end(ap);
}

void vkg_info(vkg_ctx *ctx, const char *fmt, ...) {
  if (ctx && !ctx->opts.verbose) return;
  va_list ap;
  va_start(ap, fmt);
  vlog(ctx, "", fmt, ap);
  va_end(ap);
}
