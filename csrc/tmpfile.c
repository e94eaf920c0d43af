/*
 * tmpfile.c - write beside, then rename over (see tmpfile.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "tmpfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Attempts at finding an unused temporary name before giving up. */
#define TMP_TRIES 100

int lg_tmpfile_open(lg_tmpfile *f, const char *path, lg_err *e)
{
  uint32_t x;
  int i, err = 0;

  f->fd = -1;
  f->path = path;
  f->tmp[0] = '\0';
  if (path == NULL || path[0] == '\0')
    return lg_fail(e, "empty file name");
  if (strlen(path) + 16 > sizeof f->tmp)
    return lg_fail(e, "%.64s...: path too long", path);

  /* The name only has to be unused, not secret: O_EXCL makes it safe. */
  x = (uint32_t)getpid() * 2654435761u ^ (uint32_t)time(NULL)
      ^ (uint32_t)(uintptr_t)f;
  for (i = 0; i < TMP_TRIES; i++) {
    x = x * 1664525u + 1013904223u;
    snprintf(f->tmp, sizeof f->tmp, "%s.tmp-%06x", path,
             (unsigned)(x >> 8));
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (f->fd >= 0)
      return 0;
    err = errno;
    if (err != EEXIST)
      break;
  }
  f->tmp[0] = '\0';
  return lg_fail(e, "%s: %s", path, strerror(err));
}

int lg_tmpfile_write(lg_tmpfile *f, const void *buf, size_t n, lg_err *e)
{
  const char *p = buf;

  while (n > 0) {
    ssize_t k = write(f->fd, p, n);

    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return lg_fail(e, "%s: %s", f->path,
                     k < 0 ? strerror(errno) : "write made no progress");
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

int lg_tmpfile_commit(lg_tmpfile *f, lg_err *e)
{
  int fd = f->fd;

  f->fd = -1;
  if (fd >= 0) {
    if (fsync(fd) < 0) {
      lg_fail(e, "%s: %s", f->path, strerror(errno));
      close(fd);
      lg_tmpfile_abort(f);
      return -1;
    }
    if (close(fd) < 0) {
      lg_fail(e, "%s: %s", f->path, strerror(errno));
      lg_tmpfile_abort(f);
      return -1;
    }
  }
  if (rename(f->tmp, f->path) < 0) {
    lg_fail(e, "%s: %s", f->path, strerror(errno));
    lg_tmpfile_abort(f);
    return -1;
  }
  f->tmp[0] = '\0';
  return 0;
}

void lg_tmpfile_abort(lg_tmpfile *f)
{
  if (f->fd >= 0) {
    close(f->fd);
    f->fd = -1;
  }
  if (f->tmp[0] != '\0') {
    unlink(f->tmp);
    f->tmp[0] = '\0';
  }
}
