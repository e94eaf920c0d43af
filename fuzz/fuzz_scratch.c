/*
 * fuzz_scratch.c - the file through which fuzz inputs reach readers that
 * take a path (see fuzz_scratch.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "fuzz_scratch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_path[4096];
static int scratch_fd = -1;

static void remove_scratch(void)
{
  if (scratch_fd >= 0)
    unlink(scratch_path);
}

static void open_scratch(void)
{
  const char *dir = getenv("TMPDIR");

  if (dir == NULL || dir[0] == '\0')
    dir = "/tmp";
  snprintf(scratch_path, sizeof scratch_path, "%s/lgan-fuzz-XXXXXX", dir);
  scratch_fd = mkstemp(scratch_path);
  if (scratch_fd < 0) {
    fprintf(stderr, "fuzz: cannot make a scratch file in %s: %s\n", dir,
            strerror(errno));
    abort();
  }
  atexit(remove_scratch);
}

const char *fz_scratch(const uint8_t *data, size_t n)
{
  size_t done = 0;

  if (scratch_fd < 0)
    open_scratch();
  if (ftruncate(scratch_fd, 0) < 0)
    goto fail;
  while (done < n) {
    ssize_t k = pwrite(scratch_fd, data + done, n - done, (off_t)done);

    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      goto fail;
    done += (size_t)k;
  }
  return scratch_path;

fail:
  fprintf(stderr, "fuzz: cannot write %s: %s\n", scratch_path,
          strerror(errno));
  abort();
}
