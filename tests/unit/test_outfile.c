/* Atomic output files: commit replaces the target, abort and failures leave nothing. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "testutil.h"

static const char *tmp_path(const char *name) {
  static char buf[4][512];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, 512, "%s/%s", vkg_test_tmpdir(), name);
  return b;
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static char *slurp(const char *path) {
  char *d = NULL;
  size_t n;
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  VKG_CHECK_OK(ctx, vkg_read_file(ctx, path, 1 << 20, &d, &n));
  vkg_ctx_destroy(ctx);
  return d;
}

START_TEST(commit_and_abort) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *path = tmp_path("a/b/c/out.txt");
  vkg_outfile o;
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, path, &o));
  ck_assert_str_eq(o.path, path);
  ck_assert_ptr_nonnull(strstr(o.tmp_path, "out.txt.tmp-"));
  fputs("first", o.f);
  ck_assert_int_ne(access(path, F_OK), 0); /* not visible before commit */
  VKG_CHECK_OK(ctx, vkg_outfile_commit(ctx, &o));
  ck_assert_ptr_null(o.f);
  char *d = slurp(path);
  ck_assert_str_eq(d, "first");
  free(d);
  ck_assert_int_eq(count_entries(tmp_path("a/b/c")), 1);

  /* Replace, keeping the existing file's mode. */
  chmod(path, 0600);
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, path, &o));
  fputs("second", o.f);
  VKG_CHECK_OK(ctx, vkg_outfile_commit(ctx, &o));
  d = slurp(path);
  ck_assert_str_eq(d, "second");
  free(d);
  struct stat sb;
  stat(path, &sb);
  ck_assert_uint_eq(sb.st_mode & 0777, 0600);

  /* Abort leaves the old content and no temp file. */
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, path, &o));
  fputs("third", o.f);
  vkg_outfile_abort(&o);
  vkg_outfile_abort(&o); /* twice is harmless */
  d = slurp(path);
  ck_assert_str_eq(d, "second");
  free(d);
  ck_assert_int_eq(count_entries(tmp_path("a/b/c")), 1);

  /* A bare file name writes into the current folder. */
  char cwd[512];
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
  ck_assert_int_eq(chdir(vkg_test_tmpdir()), 0);
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, "bare.txt", &o));
  VKG_CHECK_OK(ctx, vkg_outfile_commit(ctx, &o));
  ck_assert_int_eq(access("bare.txt", F_OK), 0);
  ck_assert_int_eq(chdir(cwd), 0);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(failures_leave_nothing) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  const char *dir = tmp_path("fail");
  mkdir(dir, 0777);
  const char *file = tmp_path("fail/regular");
  FILE *f = fopen(file, "w");
  fclose(f);
  char bad[700];
  snprintf(bad, sizeof bad, "%s/x/y.png", file);
  vkg_outfile o;
  char want[800];
  snprintf(want, sizeof want, "cannot write '%s': cannot create folder '%s': Not a directory", bad, file);
  VKG_CHECK_FAILS(ctx, vkg_outfile_open(ctx, bad, &o), VKG_E_IO, want);
  ck_assert_ptr_null(o.f);
  ck_assert_ptr_null(o.tmp_path);
  VKG_CHECK_FAILS(ctx, vkg_make_parent_dirs(ctx, bad), VKG_E_IO, "Not a directory");
  /* The rename fails (the target became a folder after open): the temp goes. */
  const char *target = tmp_path("fail/isdir");
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, target, &o));
  mkdir(target, 0777);
  mkdir(tmp_path("fail/isdir/inner"), 0777);
  fputs("data", o.f);
  snprintf(want, sizeof want, "cannot write '%s': ", target);
  VKG_CHECK_FAILS(ctx, vkg_outfile_commit(ctx, &o), VKG_E_IO, want);
  ck_assert_ptr_null(o.f);
  ck_assert_ptr_null(o.tmp_path);
  ck_assert_int_eq(count_entries(dir), 2); /* regular, isdir: no temp file */
  /* A folder as the file's parent that is a file path with a trailing component. */
  VKG_CHECK_FAILS(ctx, vkg_outfile_open(ctx, "", &o), VKG_E_INPUT, "empty path");
  /* Unwritable folder (only meaningful when not root). */
  if (geteuid() != 0) {
    const char *ro = tmp_path("fail/ro");
    mkdir(ro, 0500);
    snprintf(bad, sizeof bad, "%s/out.bin", ro);
    VKG_CHECK_FAILS(ctx, vkg_outfile_open(ctx, bad, &o), VKG_E_IO, "Permission denied");
    ck_assert_int_eq(count_entries(ro), 0);
  }
  vkg_ctx_destroy(ctx);
}
END_TEST

/* Every existing target that is not a regular file is refused before anything is written:
 * the rename would replace a device node, FIFO, socket or folder with a regular file. */
START_TEST(special_targets_refused) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  char dir[512], fifo[512], sock[512];
  snprintf(dir, sizeof dir, "%s", tmp_path("special"));
  mkdir(dir, 0777);
  snprintf(fifo, sizeof fifo, "%s", tmp_path("special/fifo"));
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char folder[512];
  snprintf(folder, sizeof folder, "%s", tmp_path("special/folder"));
  mkdir(folder, 0777);
  snprintf(sock, sizeof sock, "%s", tmp_path("special/sock"));
  int sfd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  ck_assert_uint_lt(strlen(sock), sizeof sa.sun_path);
  memcpy(sa.sun_path, sock, strlen(sock) + 1);
  ck_assert_int_eq(bind(sfd, (struct sockaddr *)&sa, sizeof sa), 0);
  char link_fifo[512];
  snprintf(link_fifo, sizeof link_fifo, "%s", tmp_path("special/link-to-fifo"));
  ck_assert_int_eq(symlink(fifo, link_fifo), 0);
  struct {
    const char *path, *kind;
  } cases[] = {{"/dev/null", "a character device"}, {"/dev/full", "a character device"},
               {fifo, "a FIFO"},                  {sock, "a socket"},
               {folder, "a folder"},              {link_fifo, "a FIFO"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vkg_outfile o;
    char want[800];
    snprintf(want, sizeof want, "cannot write '%s': it exists and is %s", cases[i].path, cases[i].kind);
    VKG_CHECK_FAILS(ctx, vkg_outfile_open(ctx, cases[i].path, &o), VKG_E_INPUT, want);
    ck_assert_ptr_null(o.f);
    ck_assert_ptr_null(o.tmp_path);
    /* Appending to a safetensors file checks before reading (a FIFO would block). */
    float x = 1;
    vkg_st_write_entry e = {"x", VKG_F32, {1, {1}}, &x};
    VKG_CHECK_FAILS(ctx, vkg_safetensors_write(ctx, cases[i].path, &e, 1, NULL, 0, 1), VKG_E_INPUT, want);
  }
  struct stat sb;
  ck_assert_int_eq(stat(fifo, &sb), 0);
  ck_assert(S_ISFIFO(sb.st_mode)); /* untouched */
  ck_assert_int_eq(count_entries(dir), 4); /* fifo, folder, sock, link: no temp file */
  /* A symlink to a regular file is replaced by the new file; the file it named is kept. */
  char reg[512];
  snprintf(reg, sizeof reg, "%s", tmp_path("special/regular"));
  FILE *f = fopen(reg, "w");
  fputs("old", f);
  fclose(f);
  const char *link_reg = tmp_path("special/link-to-regular");
  ck_assert_int_eq(symlink(reg, link_reg), 0);
  vkg_outfile o;
  VKG_CHECK_OK(ctx, vkg_outfile_open(ctx, link_reg, &o));
  fputs("new", o.f);
  VKG_CHECK_OK(ctx, vkg_outfile_commit(ctx, &o));
  ck_assert_int_eq(lstat(link_reg, &sb), 0);
  ck_assert(S_ISREG(sb.st_mode));
  char *d = slurp(reg);
  ck_assert_str_eq(d, "old");
  free(d);
  close(sfd);
  vkg_ctx_destroy(ctx);
}
END_TEST

START_TEST(make_parent_dirs) {
  vkg_ctx *ctx = vkg_test_ctx_nodevice();
  VKG_CHECK_OK(ctx, vkg_make_parent_dirs(ctx, tmp_path("p//q/r/file")));
  struct stat sb;
  ck_assert_int_eq(stat(tmp_path("p/q/r"), &sb), 0);
  ck_assert(S_ISDIR(sb.st_mode));
  VKG_CHECK_OK(ctx, vkg_make_parent_dirs(ctx, tmp_path("p/q/r/file"))); /* exists already */
  VKG_CHECK_OK(ctx, vkg_make_parent_dirs(ctx, "plain"));
  VKG_CHECK_OK(ctx, vkg_make_parent_dirs(ctx, "/rootfile"));
  vkg_ctx_destroy(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("outfile");
  TCase *tc = tcase_create("outfile");
  tcase_add_test(tc, commit_and_abort);
  tcase_add_test(tc, failures_leave_nothing);
  tcase_add_test(tc, special_targets_refused);
  tcase_add_test(tc, make_parent_dirs);
  suite_add_tcase(s, tc);
  return vkg_test_run_suite(s);
}
