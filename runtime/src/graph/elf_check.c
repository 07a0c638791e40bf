/* Checks a plugin file against its own ELF headers before dlopen: a truncated or
 * half-copied shared object would otherwise be mapped past its end and fault (SIGBUS)
 * the first time the loader touches a missing page. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph_internal.h"

#if UINTPTR_MAX > 0xffffffffu
typedef Elf64_Ehdr vkg_ehdr;
typedef Elf64_Phdr vkg_phdr;
#define VKG_ELFCLASS ELFCLASS64
#else
typedef Elf32_Ehdr vkg_ehdr;
typedef Elf32_Phdr vkg_phdr;
#define VKG_ELFCLASS ELFCLASS32
#endif

/* off + len <= size without overflow. */
static int fits(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

static vkg_status damaged(vkg_ctx *ctx, const char *path, const char *what, uint64_t need, uint64_t size) {
  return vkg_error(ctx, VKG_E_PLUGIN,
                   "plugin %s: damaged or truncated shared object (%s needs %llu bytes, the file has %llu); "
                   "skipped",
                   path, what, (unsigned long long)need, (unsigned long long)size);
}

static vkg_status check_fd(vkg_ctx *ctx, const char *path, int fd) {
  struct stat sb;
  if (fstat(fd, &sb) != 0) return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: cannot stat: %s", path, strerror(errno));
  if (!S_ISREG(sb.st_mode)) return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: not a regular file", path);
  uint64_t size = (uint64_t)sb.st_size;
  vkg_ehdr eh;
  ssize_t got = pread(fd, &eh, sizeof eh, 0);
  if (got < (ssize_t)EI_NIDENT || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: cannot load: not an ELF shared object", path);
  if (eh.e_ident[EI_CLASS] != VKG_ELFCLASS) return VKG_OK; /* dlopen refuses the wrong class cleanly */
  if (got < (ssize_t)sizeof eh) return damaged(ctx, path, "the ELF header", sizeof eh, size);
  if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(vkg_phdr))
    return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: damaged shared object (bad program header table)", path);
  uint64_t phlen = (uint64_t)eh.e_phnum * sizeof(vkg_phdr);
  if (!fits(eh.e_phoff, phlen, size)) return damaged(ctx, path, "the program headers", eh.e_phoff + phlen, size);
  if (eh.e_shoff && !fits(eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize, size))
    return damaged(ctx, path, "the section headers", eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize, size);
  for (int i = 0; i < eh.e_phnum; i++) {
    vkg_phdr ph;
    if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * sizeof ph)) != (ssize_t)sizeof ph)
      return damaged(ctx, path, "the program headers", eh.e_phoff + phlen, size);
    if (ph.p_type == PT_NULL || ph.p_filesz == 0) continue;
    if (!fits(ph.p_offset, ph.p_filesz, size)) {
      char what[64];
      snprintf(what, sizeof what, "segment %d", i);
      return damaged(ctx, path, what, (uint64_t)ph.p_offset + ph.p_filesz, size);
    }
  }
  return VKG_OK;
}

vkg_status vkg_elf_check(vkg_ctx *ctx, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return vkg_error(ctx, VKG_E_PLUGIN, "plugin %s: cannot load: %s", path, strerror(errno));
  vkg_status st = check_fd(ctx, path, fd);
  close(fd);
  return st;
}
