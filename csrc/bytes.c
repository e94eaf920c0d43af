/*
 * bytes.c - float pixels to bytes and back (see bytes.h).
 */
#include "bytes.h"

#include <math.h>

int64_t lg_bytes_from_floats(const float *x, int64_t n, float lo, float hi,
                             uint8_t *out)
{
  double scale = 255.0 / ((double)hi - (double)lo);
  int64_t i;

  for (i = 0; i < n; i++) {
    double v = ((double)x[i] - lo) * scale;

    if (isnan(v))
      return i;
    if (v <= 0.0)
      out[i] = 0;
    else if (v >= 255.0)
      out[i] = 255;
    else
      out[i] = (uint8_t)(v + 0.5);
  }
  return -1;
}

void lg_floats_from_bytes(const uint8_t *b, int64_t n, float lo, float hi,
                          float *out)
{
  float table[256];
  int64_t i;
  int k;

  /* In double, k = 255 gives exactly hi. */
  for (k = 0; k < 256; k++)
    table[k] = (float)((double)k / 255.0 * ((double)hi - lo) + lo);
  for (i = 0; i < n; i++)
    out[i] = table[b[i]];
}
