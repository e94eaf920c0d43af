/*
 * bytes.h - converting between float pixels in a stated range [lo, hi] and
 * bytes 0..255, the way image files and MNIST store them.
 */
#ifndef LGAN_BYTES_H
#define LGAN_BYTES_H

#include <stdint.h>

/*
 * out[i] = x[i] mapped from [lo, hi] to 0..255, that is
 * (x - lo) / (hi - lo) * 255, clamped to 0..255 and rounded to nearest
 * (halves up); infinities clamp.  Needs lo < hi.  Returns -1 when every
 * value was a number, otherwise the index of the first NaN, in which case
 * out is only partly written.  out must hold n bytes.
 */
int64_t lg_bytes_from_floats(const float *x, int64_t n, float lo, float hi,
                             uint8_t *out);

/*
 * out[i] = b[i] / 255 * (hi - lo) + lo: bytes back to floats in [lo, hi],
 * exact at both ends.  out must hold n floats.  Allocates nothing.
 */
void lg_floats_from_bytes(const uint8_t *b, int64_t n, float lo, float hi,
                          float *out);

#endif
