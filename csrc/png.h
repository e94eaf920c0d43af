/*
 * png.h - sample grids: many small grayscale images laid out as tiles of
 * one picture, and that picture written as a PNG file (via stb).
 */
#ifndef LGAN_PNG_H
#define LGAN_PNG_H

#include <stdint.h>

#include "error.h"

/* The largest grid, in pixels, that lg_grid_size accepts. */
#define LG_GRID_MAX_PIXELS (1L << 28)

/* How to lay out a grid.  All fields are the caller's to fill. */
typedef struct lg_grid {
  /* Tiles down and across. */
  int rows, cols;
  /* One image's size in pixels. */
  int height, width;
  /* Pixels between neighbouring tiles and around the grid's edge. */
  int pad;
  /* Grey level of the padding and of unused tiles, 0..255. */
  int pad_value;
  /* The value range: lo maps to 0 (black), hi to 255 (white). */
  float lo, hi;
} lg_grid;

/*
 * Checks g and sets *width = cols * g->width + (cols + 1) * pad and
 * *height likewise.  Returns the grid's size in bytes (one per pixel), or
 * -1 with the problem in e: a count below 1, pad below 0, pad_value
 * outside 0..255, lo not below hi or not finite, or more than
 * LG_GRID_MAX_PIXELS pixels.
 */
int64_t lg_grid_size(const lg_grid *g, int *width, int *height, lg_err *e);

/*
 * Lays out n images, each g->height x g->width floats in row-major order
 * and stored one after another, as tiles filling the grid's rows left to
 * right, top to bottom.  Values are mapped from [lo, hi] to 0..255 as
 * lg_bytes_from_floats does (clamped, rounded to nearest); tiles past n
 * keep the pad colour.  out must hold lg_grid_size(g) bytes.  Returns 0,
 * or -1 with the problem in e: g invalid, n above rows * cols, or a NaN
 * (the message gives the image and pixel, counting from 1).
 */
int lg_grid_pixels(const lg_grid *g, const float *images, int64_t n,
                   uint8_t *out, lg_err *e);

/*
 * Writes width x height grayscale pixels (one byte each, row-major) as a
 * PNG file at path, through a temporary file renamed over path once
 * complete.  Returns 0, or -1 with "path: problem" in e and an existing
 * file left as it was.
 */
int lg_png_write(const char *path, const uint8_t *pixels, int width,
                 int height, lg_err *e);

#endif
