/* Atomic output files: write a temp file beside the target, fsync, rename over it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_internal.h"

vkg_status vkg_make_parent_dirs(vkg_ctx *ctx, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash || slash == path) return VKG_OK; /* current folder or "/" */
  size_t n = (size_t)(slash - path);
  char *dir = malloc(n + 1);
  if (!dir) return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  memcpy(dir, path, n);
  dir[n] = '\0';
  vkg_status st = VKG_OK;
  /* Walk each prefix ending before a '/', then the whole folder. */
  for (size_t i = 1; i <= n; i++) {
    if (i < n && dir[i] != '/') continue;
    if (i < n && dir[i - 1] == '/') continue; /* "a//b" */
    char saved = dir[i];
    dir[i] = '\0';
    if (mkdir(dir, 0777) != 0) {
      int e = errno;
      struct stat sb;
      if (e == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        /* fine: it is there already */
      } else {
        if (e == EEXIST) e = ENOTDIR;
        st = vkg_error(ctx, VKG_E_IO, "cannot write '%s': cannot create folder '%s': %s", path, dir, strerror(e));
        dir[i] = saved;
        break;
      }
    }
    dir[i] = saved;
  }
  free(dir);
  return st;
}

static const char *file_kind(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

vkg_status vkg_output_target_check(vkg_ctx *ctx, const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0 || S_ISREG(sb.st_mode)) return VKG_OK; /* new file, or one to replace */
  return vkg_error(ctx, VKG_E_INPUT,
                   "cannot write '%s': it exists and is %s; output files are written to a temp file and renamed "
                   "over the target, so only a regular file (or a symlink to one) may be replaced",
                   path, file_kind(sb.st_mode));
}

vkg_status vkg_outfile_open(vkg_ctx *ctx, const char *path, vkg_outfile *out) {
  memset(out, 0, sizeof *out);
  if (!path || !path[0]) return vkg_error(ctx, VKG_E_INPUT, "cannot write a file with an empty path");
  vkg_status st = vkg_output_target_check(ctx, path);
  if (st == VKG_OK) st = vkg_make_parent_dirs(ctx, path);
  if (st != VKG_OK) return st;
  size_t n = strlen(path);
  out->path = malloc(n + 1);
  out->tmp_path = malloc(n + sizeof ".tmp-XXXXXX");
  if (!out->path || !out->tmp_path) {
    vkg_outfile_abort(out);
    return vkg_error(ctx, VKG_E_NOMEM, "cannot write '%s': out of memory", path);
  }
  memcpy(out->path, path, n + 1);
  memcpy(out->tmp_path, path, n);
  memcpy(out->tmp_path + n, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
  int fd = mkstemp(out->tmp_path);
  if (fd < 0) {
    int e = errno;
    free(out->tmp_path);
    out->tmp_path = NULL; /* nothing was created */
    vkg_outfile_abort(out);
    return vkg_error(ctx, VKG_E_IO, "cannot write '%s': %s", path, strerror(e));
  }
  /* mkstemp makes 0600; a replaced file keeps its mode, a new one gets the usual 0644. */
  struct stat sb;
  mode_t mode = (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) ? (sb.st_mode & 07777) : 0644;
  (void)fchmod(fd, mode);
  out->f = fdopen(fd, "wb");
  if (!out->f) {
    int e = errno;
    close(fd);
    vkg_outfile_abort(out);
    return vkg_error(ctx, VKG_E_IO, "cannot write '%s': %s", path, strerror(e));
  }
  return VKG_OK;
}

static void sync_parent_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = NULL;
  if (!slash) {
    dir = strdup(".");
  } else if (slash == path) {
    dir = strdup("/");
  } else {
    dir = strndup(path, (size_t)(slash - path));
  }
  if (!dir) return;
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd); /* best effort: the rename is durable on most file systems anyway */
    close(fd);
  }
  free(dir);
}

vkg_status vkg_outfile_commit(vkg_ctx *ctx, vkg_outfile *o) {
  if (!o->f || !o->tmp_path || !o->path) {
    vkg_outfile_abort(o);
    return vkg_error(ctx, VKG_E_INTERNAL, "vkg_outfile_commit on a file that is not open");
  }
  int e = 0;
  if (fflush(o->f) != 0) e = errno ? errno : EIO;
  if (!e && ferror(o->f)) e = EIO;
  if (!e && fsync(fileno(o->f)) != 0) e = errno;
  int rc = fclose(o->f);
  o->f = NULL;
  if (!e && rc != 0) e = errno ? errno : EIO;
  if (!e && rename(o->tmp_path, o->path) != 0) e = errno;
  if (e) {
    vkg_status st = vkg_error(ctx, VKG_E_IO, "cannot write '%s': %s", o->path, strerror(e));
    vkg_outfile_abort(o);
    return st;
  }
  sync_parent_dir(o->path);
  free(o->tmp_path);
  free(o->path);
  o->tmp_path = NULL;
  o->path = NULL;
  return VKG_OK;
}

void vkg_outfile_abort(vkg_outfile *o) {
  if (!o) return;
  if (o->f) fclose(o->f);
  if (o->tmp_path) unlink(o->tmp_path);
  free(o->tmp_path);
  free(o->path);
  o->f = NULL;
  o->tmp_path = NULL;
  o->path = NULL;
}
