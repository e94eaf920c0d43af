/*
 * png.c - sample grids and PNG output (see png.h).  libstb carries the
 * implementation of stb_image_write, so only its declarations are
 * included here.
 */
#include "png.h"

#include <math.h>
#include <string.h>

#include <stb_image_write.h>

#include "bytes.h"
#include "tmpfile.h"

int64_t lg_grid_size(const lg_grid *g, int *width, int *height, lg_err *e)
{
  int64_t w, h;

  if (g->rows < 1 || g->cols < 1)
    return lg_fail(e, "a grid needs at least one row and column, got "
                   "%dx%d", g->rows, g->cols);
  if (g->height < 1 || g->width < 1)
    return lg_fail(e, "images must be at least 1x1 pixels, got %dx%d",
                   g->height, g->width);
  if (g->pad < 0)
    return lg_fail(e, "padding must be at least 0, got %d", g->pad);
  if (g->pad_value < 0 || g->pad_value > 255)
    return lg_fail(e, "pad value must be in 0..255, got %d",
                   g->pad_value);
  if (!isfinite(g->lo) || !isfinite(g->hi) || !(g->lo < g->hi))
    return lg_fail(e, "value range must have finite lo < hi, got lo=%g, "
                   "hi=%g", (double)g->lo, (double)g->hi);

  w = (int64_t)g->cols * g->width + ((int64_t)g->cols + 1) * g->pad;
  h = (int64_t)g->rows * g->height + ((int64_t)g->rows + 1) * g->pad;
  if (w > LG_GRID_MAX_PIXELS || h > LG_GRID_MAX_PIXELS
      || w * h > LG_GRID_MAX_PIXELS)
    return lg_fail(e, "a grid of %lldx%lld pixels is larger than the "
                   "limit of %ld pixels", (long long)w, (long long)h,
                   (long)LG_GRID_MAX_PIXELS);
  *width = (int)w;
  *height = (int)h;
  return w * h;
}

int lg_grid_pixels(const lg_grid *g, const float *images, int64_t n,
                   uint8_t *out, lg_err *e)
{
  int64_t npix = (int64_t)g->height * g->width;
  int64_t bytes, k;
  int width = 0, height = 0;

  bytes = lg_grid_size(g, &width, &height, e);
  if (bytes < 0)
    return -1;
  if (n < 0 || n > (int64_t)g->rows * g->cols)
    return lg_fail(e, "%lld images do not fit a grid of %dx%d",
                   (long long)n, g->rows, g->cols);

  memset(out, g->pad_value, (size_t)bytes);
  for (k = 0; k < n; k++) {
    const float *img = images + k * npix;
    int top = g->pad + (int)(k / g->cols) * (g->height + g->pad);
    int left = g->pad + (int)(k % g->cols) * (g->width + g->pad);
    int y;

    for (y = 0; y < g->height; y++) {
      uint8_t *dst = out + (int64_t)(top + y) * width + left;
      int64_t bad = lg_bytes_from_floats(img + (int64_t)y * g->width,
                                         g->width, g->lo, g->hi, dst);

      if (bad >= 0)
        return lg_fail(e, "image %lld has NaN at pixel %lld (row %d, "
                       "column %d)", (long long)k + 1,
                       (long long)y * g->width + bad + 1, y + 1,
                       (int)bad + 1);
    }
  }
  return 0;
}

/* Where stb's output goes: the temporary file, and the first error. */
typedef struct png_sink {
  lg_tmpfile *f;
  lg_err *e;
  int failed;
} png_sink;

/* stb's write callback; after a failure it ignores the rest. */
static void sink_write(void *context, void *data, int size)
{
  png_sink *s = context;

  if (s->failed || size <= 0)
    return;
  if (lg_tmpfile_write(s->f, data, (size_t)size, s->e) < 0)
    s->failed = 1;
}

int lg_png_write(const char *path, const uint8_t *pixels, int width,
                 int height, lg_err *e)
{
  lg_tmpfile f;
  png_sink s;

  if (width < 1 || height < 1
      || (int64_t)width * height > LG_GRID_MAX_PIXELS)
    return lg_fail(e, "%s: cannot write a PNG of %dx%d pixels", path,
                   width, height);
  if (lg_tmpfile_open(&f, path, e) < 0)
    return -1;
  s.f = &f;
  s.e = e;
  s.failed = 0;
  if (!stbi_write_png_to_func(sink_write, &s, width, height, 1, pixels,
                              width)) {
    if (!s.failed)
      lg_fail(e, "%s: PNG encoding failed (out of memory)", path);
    lg_tmpfile_abort(&f);
    return -1;
  }
  if (s.failed) {
    lg_tmpfile_abort(&f);
    return -1;
  }
  return lg_tmpfile_commit(&f, e);
}
