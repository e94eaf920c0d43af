/*
 * fuzz_scratch.h - the fuzz targets' way into readers that take a path.
 */
#ifndef LGAN_FUZZ_SCRATCH_H
#define LGAN_FUZZ_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes the n bytes at data over this process's scratch file, made on
 * first use in $TMPDIR (or /tmp) and removed at exit, and returns its
 * path.  Aborts when the file cannot be written: the run is useless.
 */
const char *fz_scratch(const uint8_t *data, size_t n);

#endif
