/*
 * idx.h - the IDX format that MNIST uses: two zero bytes, a type code, the
 * number of dimensions, one big-endian uint32 per dimension, then the
 * elements in row-major order.  Only unsigned bytes (type 0x08) are
 * supported; that is what MNIST images and labels are.
 *
 * Reading goes through zlib, so plain and gzip-compressed files are read
 * alike, and comes in two steps so that the core allocates nothing: open
 * the file and read its header, then read the payload into a buffer the
 * caller sized from the header.
 */
#ifndef LGAN_IDX_H
#define LGAN_IDX_H

#include <stdint.h>

#include "error.h"
#include "tensor.h"

/* The one supported element type: unsigned byte. */
#define LG_IDX_UBYTE 0x08

struct gzFile_s;

/* An IDX file opened for reading, header read and checked. */
typedef struct lg_idx {
  /* The zlib stream, or NULL once closed. */
  struct gzFile_s *gz;
  /* As given to lg_idx_open (not copied); named in messages. */
  const char *path;
  int type;
  int ndim;
  int64_t size[LG_MAX_DIMS];
  /* Product of the sizes: the payload's length in bytes. */
  int64_t numel;
} lg_idx;

/*
 * Opens path and reads its header into r.  Checks that the first two
 * bytes are zero, that the type is 0x08, that there are 1 to 4
 * dimensions each at least 1 and at most LG_MAX_NUMEL elements in all,
 * and, for a plain file, that its size matches the header (a gzip file's
 * length is only known once read, so lg_idx_read checks that).  Returns
 * 0 with r open, or -1 with "path: problem" in e and r closed.
 */
int lg_idx_open(lg_idx *r, const char *path, lg_err *e);

/*
 * Reads the r->numel bytes of payload into out and closes r.  Returns 0,
 * or -1 with "path: problem" in e when the file holds fewer or more bytes
 * than its header says, or the compressed data is damaged.
 */
int lg_idx_read(lg_idx *r, uint8_t *out, lg_err *e);

/* Closes r without reading; idempotent, and safe after lg_idx_read. */
void lg_idx_close(lg_idx *r);

/*
 * Writes an IDX file of unsigned bytes with ndim (1 to 4) dimensions of the
 * given sizes and their product of bytes from data.  A path ending in
 * ".gz" is written gzip-compressed.  The file is written beside path under
 * a temporary name and renamed over path only once complete, so on failure
 * (-1, "path: problem" in e) an existing file is left as it was.
 */
int lg_idx_write(const char *path, int ndim, const int64_t *sizes,
                 const uint8_t *data, lg_err *e);

#endif
