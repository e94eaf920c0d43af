/*
 * idx.c - reading and writing IDX files of unsigned bytes (see idx.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "idx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "tmpfile.h"

/* gzread and gzwrite take an unsigned count and return an int. */
#define GZ_CHUNK (1 << 30)

/* Bytes of the zlib input buffer: MNIST's 47 MB read in few calls. */
#define GZ_BUFFER (1 << 17)

/* The element types IDX defines, for naming a refused one. */
static const char *type_name(int type)
{
  switch (type) {
  case 0x08: return "unsigned byte";
  case 0x09: return "signed byte";
  case 0x0b: return "int16";
  case 0x0c: return "int32";
  case 0x0d: return "float32";
  case 0x0e: return "float64";
  default: return NULL;
  }
}

/* Reads up to n bytes; *got says how many came.  Returns -1 on a read
 * error (the stream's error state says which), 0 otherwise. */
static int read_full(gzFile gz, void *buf, int64_t n, int64_t *got)
{
  char *p = buf;

  *got = 0;
  while (*got < n) {
    int64_t left = n - *got;
    int k = gzread(gz, p + *got,
                   (unsigned)(left < GZ_CHUNK ? left : GZ_CHUNK));

    if (k < 0)
      return -1;
    if (k == 0)
      break;
    *got += k;
  }
  return 0;
}

/* zlib's message for gz's error, without the "<fd:3>: " that zlib puts
 * first for a stream opened on a descriptor; *code gets the error code. */
static const char *gz_message(gzFile gz, int *code)
{
  const char *msg = gzerror(gz, code);
  const char *colon = strstr(msg, ">: ");

  if (strncmp(msg, "<fd:", 4) == 0 && colon != NULL)
    return colon + 3;
  return msg;
}

/* The stream's error as a message; a gzip file cut short reads as
 * truncated.  Closes r and returns -1. */
static int read_error(lg_idx *r, lg_err *e)
{
  int code = Z_OK;
  const char *msg = gz_message(r->gz, &code);

  if (code == Z_ERRNO)
    lg_fail(e, "%s: %s", r->path, strerror(errno));
  else if (code == Z_BUF_ERROR)
    lg_fail(e, "%s: truncated: gzip data ends early", r->path);
  else
    lg_fail(e, "%s: damaged gzip data (%s)", r->path, msg);
  lg_idx_close(r);
  return -1;
}

/* Checks the four magic bytes into r->type and r->ndim. */
static int check_magic(lg_idx *r, const unsigned char *m, lg_err *e)
{
  const char *name = type_name(m[2]);

  if (m[0] != 0 || m[1] != 0 || name == NULL)
    return lg_fail(e, "%s: not an IDX file (magic bytes %02x %02x %02x "
                   "%02x)", r->path, m[0], m[1], m[2], m[3]);
  if (m[2] != LG_IDX_UBYTE)
    return lg_fail(e, "%s: IDX data type 0x%02x (%s) is not supported, "
                   "only 0x08 (unsigned byte)", r->path, m[2], name);
  if (m[3] < 1 || m[3] > LG_MAX_DIMS)
    return lg_fail(e, "%s: IDX header gives %d dimensions, lgan reads 1 "
                   "to %d", r->path, m[3], LG_MAX_DIMS);
  r->type = m[2];
  r->ndim = m[3];
  return 0;
}

/* Decodes the big-endian sizes into r->size and r->numel. */
static int check_sizes(lg_idx *r, const unsigned char *b, lg_err *e)
{
  int64_t n = 1;
  int d;

  for (d = 0; d < r->ndim; d++) {
    const unsigned char *p = b + 4 * d;
    int64_t s = (int64_t)p[0] << 24 | (int64_t)p[1] << 16
                | (int64_t)p[2] << 8 | (int64_t)p[3];

    if (s < 1)
      return lg_fail(e, "%s: IDX header gives size 0 for dimension %d",
                     r->path, d + 1);
    if (n > LG_MAX_NUMEL / s)
      return lg_fail(e, "%s: IDX header gives more than %ld elements, "
                     "lgan's limit", r->path, (long)LG_MAX_NUMEL);
    n *= s;
    r->size[d] = s;
  }
  r->numel = n;
  return 0;
}

int lg_idx_open(lg_idx *r, const char *path, lg_err *e)
{
  unsigned char head[4 + 4 * LG_MAX_DIMS];
  struct stat st;
  int64_t got, want;
  int fd;

  memset(r, 0, sizeof *r);
  r->path = path;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return lg_fail(e, "%s: %s", path, strerror(errno));
  if (fstat(fd, &st) < 0) {
    int err = errno;

    close(fd);
    return lg_fail(e, "%s: %s", path, strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return lg_fail(e, "%s: %s", path, strerror(EISDIR));
  }
  r->gz = gzdopen(fd, "rb");
  if (r->gz == NULL) {
    close(fd);
    return lg_fail(e, "%s: out of memory opening a zlib stream", path);
  }
  gzbuffer(r->gz, GZ_BUFFER);

  if (read_full(r->gz, head, 4, &got) < 0)
    return read_error(r, e);
  if (got == 0) {
    lg_idx_close(r);
    return lg_fail(e, "%s: empty file", path);
  }
  if (got < 4) {
    lg_idx_close(r);
    return lg_fail(e, "%s: not an IDX file (%d bytes long)", path,
                   (int)got);
  }
  if (check_magic(r, head, e) < 0) {
    lg_idx_close(r);
    return -1;
  }

  want = 4 * r->ndim;
  if (read_full(r->gz, head + 4, want, &got) < 0)
    return read_error(r, e);
  if (got < want) {
    lg_idx_close(r);
    return lg_fail(e, "%s: truncated: header ends after %d of %d bytes",
                   path, 4 + (int)got, 4 + (int)want);
  }
  if (check_sizes(r, head + 4, e) < 0) {
    lg_idx_close(r);
    return -1;
  }

  /* A plain file's size is known now; a gzip file's only once read. */
  if (gzdirect(r->gz) && S_ISREG(st.st_mode)) {
    int64_t have = (int64_t)st.st_size - 4 - want;

    if (have != r->numel) {
      lg_idx_close(r);
      return lg_fail(e, "%s: %s: header says %lld bytes of data, file "
                     "has %lld", path,
                     have < r->numel ? "truncated" : "trailing data",
                     (long long)r->numel, (long long)have);
    }
  }
  return 0;
}

int lg_idx_read(lg_idx *r, uint8_t *out, lg_err *e)
{
  unsigned char extra;
  int64_t got;

  if (r->gz == NULL)
    return lg_fail(e, "%s: IDX file is not open", r->path);
  if (read_full(r->gz, out, r->numel, &got) < 0)
    return read_error(r, e);
  if (got < r->numel) {
    lg_idx_close(r);
    return lg_fail(e, "%s: truncated: header says %lld bytes of data, "
                   "file has %lld", r->path, (long long)r->numel,
                   (long long)got);
  }

  /* Reading past the end also makes zlib check the gzip trailer. */
  if (read_full(r->gz, &extra, 1, &got) < 0)
    return read_error(r, e);
  if (got > 0) {
    lg_idx_close(r);
    return lg_fail(e, "%s: trailing data: header says %lld bytes of "
                   "data, file has more", r->path, (long long)r->numel);
  }
  lg_idx_close(r);
  return 0;
}

void lg_idx_close(lg_idx *r)
{
  if (r->gz != NULL) {
    gzclose_r(r->gz);
    r->gz = NULL;
  }
}

/* Whether path names a gzip file by its suffix. */
static int ends_gz(const char *path)
{
  size_t n = strlen(path);

  return n >= 3 && strcmp(path + n - 3, ".gz") == 0;
}

/* Closes gz after a failed write, with zlib's reason in e. */
static int gz_write_error(gzFile gz, const char *path, lg_err *e)
{
  int code = Z_OK;
  const char *msg = gz_message(gz, &code);

  lg_fail(e, "%s: %s", path, code == Z_ERRNO ? strerror(errno) : msg);
  gzclose_w(gz);
  return -1;
}

/* Writes head and data through zlib onto a dup of f's descriptor. */
static int write_gz(lg_tmpfile *f, const unsigned char *head, int nhead,
                    const uint8_t *data, int64_t n, lg_err *e)
{
  int fd = dup(f->fd);
  gzFile gz;
  int64_t done = 0;
  int rc;

  if (fd < 0)
    return lg_fail(e, "%s: %s", f->path, strerror(errno));
  gz = gzdopen(fd, "wb");
  if (gz == NULL) {
    close(fd);
    return lg_fail(e, "%s: out of memory opening a zlib stream",
                   f->path);
  }
  if (gzwrite(gz, head, (unsigned)nhead) != nhead)
    return gz_write_error(gz, f->path, e);
  while (done < n) {
    int64_t left = n - done;
    unsigned k = (unsigned)(left < GZ_CHUNK ? left : GZ_CHUNK);

    if (gzwrite(gz, data + done, k) != (int)k)
      return gz_write_error(gz, f->path, e);
    done += k;
  }
  rc = gzclose_w(gz);
  if (rc != Z_OK)
    return lg_fail(e, "%s: %s", f->path,
                   rc == Z_ERRNO ? strerror(errno) : zError(rc));
  return 0;
}

int lg_idx_write(const char *path, int ndim, const int64_t *sizes,
                 const uint8_t *data, lg_err *e)
{
  unsigned char head[4 + 4 * LG_MAX_DIMS];
  lg_tmpfile f;
  int64_t n = 1;
  int d, rc;

  if (ndim < 1 || ndim > LG_MAX_DIMS)
    return lg_fail(e, "%s: %d dimensions, IDX files here have 1 to %d",
                   path, ndim, LG_MAX_DIMS);
  head[0] = 0;
  head[1] = 0;
  head[2] = LG_IDX_UBYTE;
  head[3] = (unsigned char)ndim;
  for (d = 0; d < ndim; d++) {
    int64_t s = sizes[d];
    unsigned char *p = head + 4 + 4 * d;

    if (s < 1 || n > LG_MAX_NUMEL / s)
      return lg_fail(e, "%s: bad size %lld for dimension %d", path,
                     (long long)s, d + 1);
    n *= s;
    p[0] = (unsigned char)(s >> 24);
    p[1] = (unsigned char)(s >> 16);
    p[2] = (unsigned char)(s >> 8);
    p[3] = (unsigned char)s;
  }

  if (lg_tmpfile_open(&f, path, e) < 0)
    return -1;
  if (ends_gz(path))
    rc = write_gz(&f, head, 4 + 4 * ndim, data, n, e);
  else if (lg_tmpfile_write(&f, head, (size_t)(4 + 4 * ndim), e) < 0)
    rc = -1;
  else
    rc = lg_tmpfile_write(&f, data, (size_t)n, e);
  if (rc < 0) {
    lg_tmpfile_abort(&f);
    return -1;
  }
  return lg_tmpfile_commit(&f, e);
}
