/* Internal layout of vkg_ctx: everything mutable in libvkgen hangs off it. */
#ifndef VKG_CTX_INTERNAL_H
#define VKG_CTX_INTERNAL_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "vkgen/context.h"
#include "vkgen/status.h"

#define VKG_ERRMSG_MAX 4096

struct vkg_gpu;  /* gpu/gpu_internal.h */
struct vkg_comm; /* dist/comm_internal.h */

struct vkg_ctx {
  vkg_status err_code;
  char err_msg[VKG_ERRMSG_MAX];
  FILE *log;
  const volatile sig_atomic_t *interrupt_flag;
  vkg_ctx_options opts; /* resolved at create: validate is 0/1 */
  char *cache_dir;      /* resolved; NULL when caching is off */
  uint64_t mem_limit;   /* 0: device heap size */
  uint64_t validation_errors;
  int64_t live_tensors;
  struct vkg_gpu *gpu; /* NULL until vkg_ctx_open_device */
  struct vkg_comm *comm; /* NULL until vkg_ctx_open_comm (a group of one) */
};

/* gpu/device.c */
void vkg_gpu_close(vkg_ctx *ctx);
/* dist/comm.c */
void vkg_comm_destroy(struct vkg_comm *c);

#endif
