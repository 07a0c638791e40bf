/* Internal helpers of the nn layers (runtime/src/nn). */
#ifndef VKG_NN_INTERNAL_H
#define VKG_NN_INTERNAL_H

#include <stdio.h>

#include "vkgen/nn.h"

/* "prefix.suffix" into buf (or just suffix for an empty prefix). */
static inline const char *vkg_nn_key(char *buf, size_t n, const char *prefix, const char *suffix) {
  if (!prefix || !*prefix)
    snprintf(buf, n, "%s", suffix);
  else
    snprintf(buf, n, "%s.%s", prefix, suffix);
  return buf;
}

#define VKG_NN_KEY_MAX 512

/* A new f32 tensor of the given 4-D shape. */
vkg_status vkg_nn_new4(vkg_ctx *ctx, int64_t n, int64_t c, int64_t h, int64_t w, vkg_tensor **out);

#endif
