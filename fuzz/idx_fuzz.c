/*
 * idx_fuzz.c - libFuzzer target for the IDX reader (csrc/idx.c).
 *
 * The first byte of an input chooses how the rest reaches the reader:
 * an even byte writes the rest as it is (a plain IDX file, or a gzip
 * file when it starts with gzip's magic), an odd one gzip-compresses it
 * first, so that mutations of the IDX inside a well-formed gzip stream
 * are tried as well as damaged gzip data.  The reader opens the file by
 * path, reads the header and, when the payload is small enough to
 * allocate, reads it.  Any return is fine; a sanitizer report is not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fuzz_scratch.h"
#include "idx.h"

/* The largest payload read; a header may claim up to LG_MAX_NUMEL
 * bytes, which lgan allocates before reading, but the fuzzer need not. */
#define MAX_PAYLOAD ((int64_t)16 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data[0, n) gzip-compressed into a new buffer (*out, *out_n); returns
 * 0, or -1 when zlib fails (out of memory). */
static int gzip(const uint8_t *data, size_t n, uint8_t **out,
                size_t *out_n)
{
  z_stream z;
  uLong cap;
  int rc;

  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    return -1;
  cap = deflateBound(&z, (uLong)n) + 32;
  *out = malloc(cap);
  if (*out == NULL) {
    deflateEnd(&z);
    return -1;
  }
  z.next_in = (Bytef *)(uintptr_t)data;
  z.avail_in = (uInt)n;
  z.next_out = *out;
  z.avail_out = (uInt)cap;
  rc = deflate(&z, Z_FINISH);
  *out_n = cap - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(*out);
    return -1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t *packed = NULL, *payload;
  const char *path;
  size_t packed_n;
  lg_idx r;
  lg_err e;

  if (size < 1)
    return 0;
  if (data[0] & 1) {
    if (gzip(data + 1, size - 1, &packed, &packed_n) < 0)
      return 0;
    path = fz_scratch(packed, packed_n);
    free(packed);
  } else {
    path = fz_scratch(data + 1, size - 1);
  }

  if (lg_idx_open(&r, path, &e) < 0)
    return 0;
  if (r.numel > MAX_PAYLOAD) {
    lg_idx_close(&r);
    return 0;
  }
  payload = malloc((size_t)r.numel);
  if (payload == NULL) {
    lg_idx_close(&r);
    return 0;
  }
  lg_idx_read(&r, payload, &e);
  lg_idx_close(&r);
  free(payload);
  return 0;
}
