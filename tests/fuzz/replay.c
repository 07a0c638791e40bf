/* Runs every file of the given folders (or the given files) through LLVMFuzzerTestOneInput,
 * so CI replays the committed corpus without libFuzzer. A crash fails the test. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return -1;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    if (r == 0) break;
    n += r;
  }
  fclose(f);
  /* An exact-size copy, so ASan sees reads past the end of the input. */
  uint8_t *exact = malloc(n ? n : 1);
  memcpy(exact, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(exact, n);
  free(exact);
  return 0;
}

int main(int argc, char **argv) {
  int files = 0, bad = 0;
  for (int a = 1; a < argc; a++) {
    struct stat sb;
    if (stat(argv[a], &sb) != 0) {
      fprintf(stderr, "replay: %s does not exist\n", argv[a]);
      bad++;
      continue;
    }
    if (!S_ISDIR(sb.st_mode)) {
      bad += run_file(argv[a]) != 0;
      files++;
      continue;
    }
    struct dirent **list = NULL;
    int n = scandir(argv[a], &list, NULL, alphasort);
    if (n < 0) {
      fprintf(stderr, "replay: cannot list %s\n", argv[a]);
      bad++;
      continue;
    }
    for (int i = 0; i < n; i++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", argv[a], list[i]->d_name);
      if (list[i]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
        bad += run_file(path) != 0;
        files++;
      }
      free(list[i]);
    }
    free(list);
  }
  printf("replay: %d inputs, %d problems\n", files, bad);
  return bad || files == 0 ? 1 : 0;
}
