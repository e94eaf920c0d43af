/*
 * tmpfile.h - replacing a file safely: write a temporary file beside the
 * target, then rename it over the target only once it is complete.  A
 * failure at any point leaves the target as it was and removes the
 * temporary file.
 *
 * Use:
 *
 *   lg_tmpfile f;
 *   if (lg_tmpfile_open(&f, path, e) < 0)
 *     return -1;
 *   ... write to f.fd ...
 *   if (failed) {
 *     lg_tmpfile_abort(&f);
 *     return -1;
 *   }
 *   return lg_tmpfile_commit(&f, e);
 *
 * A writer that wraps the descriptor (gzdopen, fdopen) should wrap a dup()
 * of f.fd and close its wrapper before commit, which then flushes f.fd to
 * disk, closes it and renames.
 *
 * The new file gets the umask's permissions (0666 less the umask), not
 * those of the file it replaces, and a symbolic link at path is replaced
 * by a file rather than written through.
 */
#ifndef LGAN_TMPFILE_H
#define LGAN_TMPFILE_H

#include <stddef.h>

#include "error.h"

#define LG_PATH_MAX 4096

typedef struct lg_tmpfile {
  /* Open for writing, or -1 once closed. */
  int fd;
  /* The target, as given to lg_tmpfile_open (not copied). */
  const char *path;
  /* "path.tmp-XXXXXX", created with the umask's permissions. */
  char tmp[LG_PATH_MAX];
} lg_tmpfile;

/* Creates a new, empty temporary file in path's directory.  Returns 0, or
 * -1 with "path: reason" in e (missing directory, no permission, ...). */
int lg_tmpfile_open(lg_tmpfile *f, const char *path, lg_err *e);

/* Writes n bytes to f->fd, retrying short writes.  Returns 0, or -1 with
 * "path: reason" in e; the file stays open (call lg_tmpfile_abort). */
int lg_tmpfile_write(lg_tmpfile *f, const void *buf, size_t n, lg_err *e);

/* Syncs and closes f->fd, then renames the temporary file over the
 * target.  Returns 0, or -1 with a message in e after removing the
 * temporary file; the target is untouched then. */
int lg_tmpfile_commit(lg_tmpfile *f, lg_err *e);

/* Closes f->fd if open and removes the temporary file.  Idempotent. */
void lg_tmpfile_abort(lg_tmpfile *f);

#endif
