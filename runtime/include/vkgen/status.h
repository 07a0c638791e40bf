/* vkgen — status codes and error reporting.
 *
 * Every fallible function returns a vkg_status. On failure it leaves a message in the
 * context (vkg_ctx) that says what went wrong with as much context as the caller had:
 * "graph.yaml:12:5: node 'sample': param 'steps': must be in [1, 1000], got 0".
 * Callers that add context use vkg_error_prefix() on the way up.
 */
#ifndef VKGEN_STATUS_H
#define VKGEN_STATUS_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define VKG_EXPORT __attribute__((visibility("default")))
#define VKG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VKG_NODISCARD __attribute__((warn_unused_result))
#else
#define VKG_EXPORT
#define VKG_PRINTF(f, a)
#define VKG_NODISCARD
#endif

/* The one list of statuses: X(name, runner exit code, meaning). The enum, vkg_status_name,
 * vkg_status_exit_code and vkg_status_meaning are generated from it, so they cannot
 * drift apart (as libuv's UV_ERRNO_MAP). New codes go at the end (the values are ABI). */
#define VKG_STATUS_LIST(X)                                                                      \
  X(VKG_OK, 0, "success")                                                                       \
  X(VKG_E_INPUT, 1, "bad graph, parameter, model or data file")                                 \
  X(VKG_E_USAGE, 2, "bad command line")                                                         \
  X(VKG_E_IO, 1, "a file could not be read or written")                                         \
  X(VKG_E_DEVICE, 3, "Vulkan or driver failure")                                                \
  X(VKG_E_NOMEM, 3, "host or device memory exhausted")                                          \
  X(VKG_E_PLUGIN, 3, "a plugin could not be loaded or a callback failed")                       \
  X(VKG_E_INTERRUPTED, 3, "stopped by SIGINT")                                                  \
  X(VKG_E_INTERNAL, 3, "a bug in vkgen")

typedef enum vkg_status {
#define VKG_STATUS_ENUM(name, exit_code, meaning) name,
  VKG_STATUS_LIST(VKG_STATUS_ENUM)
#undef VKG_STATUS_ENUM
  VKG_STATUS_COUNT
} vkg_status;

typedef struct vkg_ctx vkg_ctx;

/* A position in a source file (graph YAML, JSON); line and col are 1-based, 0 = unknown. */
typedef struct vkg_loc {
  const char *file;
  int line;
  int col;
} vkg_loc;

VKG_EXPORT const char *vkg_status_name(vkg_status s); /* "VKG_E_INPUT"; "VKG_E_UNKNOWN" past the list */
/* The meaning of a status in words ("bad command line"), from the list. */
VKG_EXPORT const char *vkg_status_meaning(vkg_status s);
/* Process exit code for a status, as documented for the runner: 0, 1, 2 or 3. */
VKG_EXPORT int vkg_status_exit_code(vkg_status s);

/* Record an error in ctx (replacing any earlier one) and return code. */
VKG_EXPORT vkg_status vkg_error(vkg_ctx *ctx, vkg_status code, const char *fmt, ...) VKG_PRINTF(3, 4);
VKG_EXPORT vkg_status vkg_verror(vkg_ctx *ctx, vkg_status code, const char *fmt, va_list ap);
/* Same, with "file:line:col: " in front (parts that are unknown are left out). */
VKG_EXPORT vkg_status vkg_error_at(vkg_ctx *ctx, vkg_status code, const vkg_loc *loc, const char *fmt, ...)
    VKG_PRINTF(4, 5);
/* Put context in front of the current message; returns the current code (VKG_E_INTERNAL if none). */
VKG_EXPORT vkg_status vkg_error_prefix(vkg_ctx *ctx, const char *fmt, ...) VKG_PRINTF(2, 3);
VKG_EXPORT const char *vkg_error_message(const vkg_ctx *ctx); /* "" when no error */
VKG_EXPORT vkg_status vkg_error_code(const vkg_ctx *ctx);
VKG_EXPORT void vkg_error_clear(vkg_ctx *ctx);

/* Diagnostics that do not stop anything ("warning: ..." on the log sink, stderr by default). */
VKG_EXPORT void vkg_warn(vkg_ctx *ctx, const char *fmt, ...) VKG_PRINTF(2, 3);
VKG_EXPORT void vkg_info(vkg_ctx *ctx, const char *fmt, ...) VKG_PRINTF(2, 3);

#ifdef __cplusplus
}
#endif
#endif
