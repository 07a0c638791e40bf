/* vkg_ctx: creation, options resolved from the environment, log sink, interrupt flag. */
#include <stdlib.h>
#include <string.h>

#include "core/ctx_internal.h"

void vkg_ctx_options_init(vkg_ctx_options *opts) {
  if (!opts) return;
  opts->device_index = -1;
  opts->validate = -1;
  opts->cache_dir = NULL;
  opts->verbose = 0;
}

static char *resolve_cache_dir(const char *opt) {
  if (opt) return opt[0] ? strdup(opt) : NULL;
  const char *env = getenv("VKGEN_CACHE_DIR");
  if (env) return env[0] ? strdup(env) : NULL;
  const char *base = getenv("XDG_CACHE_HOME");
  const char *suffix = "/vkgen";
  if (!base || !base[0]) {
    base = getenv("HOME");
    suffix = "/.cache/vkgen";
  }
  if (!base || !base[0]) return NULL;
  size_t n = strlen(base) + strlen(suffix) + 1;
  char *s = malloc(n);
  if (s) snprintf(s, n, "%s%s", base, suffix);
  return s;
}

vkg_ctx *vkg_ctx_create(const vkg_ctx_options *opts) {
  vkg_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  if (opts)
    ctx->opts = *opts;
  else
    vkg_ctx_options_init(&ctx->opts);
  if (ctx->opts.validate < 0) {
    const char *v = getenv("VKGEN_VALIDATE");
    ctx->opts.validate = v && v[0] && strcmp(v, "0") != 0;
  }
  ctx->cache_dir = resolve_cache_dir(ctx->opts.cache_dir);
  ctx->opts.cache_dir = ctx->cache_dir ? ctx->cache_dir : "";
  const char *lim = getenv("VKGEN_MEM_LIMIT");
  if (lim && lim[0]) {
    char *end = NULL;
    unsigned long long v = strtoull(lim, &end, 10);
    if (end && *end == 0 && v > 0) ctx->mem_limit = v;
  }
  return ctx;
}

void vkg_ctx_destroy(vkg_ctx *ctx) {
  if (!ctx) return;
  vkg_gpu_close(ctx);
  vkg_comm_destroy(ctx->comm);
  free(ctx->cache_dir);
  free(ctx);
}

void vkg_ctx_set_device_index(vkg_ctx *ctx, int index) {
  if (ctx && !ctx->gpu) ctx->opts.device_index = index;
}

void vkg_ctx_set_log(vkg_ctx *ctx, FILE *f) {
  if (ctx) ctx->log = f;
}

FILE *vkg_ctx_log(const vkg_ctx *ctx) { return ctx && ctx->log ? ctx->log : stderr; }

void vkg_ctx_set_interrupt_flag(vkg_ctx *ctx, const volatile sig_atomic_t *flag) {
  if (ctx) ctx->interrupt_flag = flag;
}

int vkg_interrupted(const vkg_ctx *ctx) { return ctx && ctx->interrupt_flag && *ctx->interrupt_flag; }

uint64_t vkg_ctx_validation_errors(const vkg_ctx *ctx) { return ctx ? ctx->validation_errors : 0; }
