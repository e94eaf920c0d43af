/*
 * sheet.c - text by stb_easy_font's quads, images by scaled squares.
 */
#include "sheet.h"

#include <string.h>

/* stb_easy_font is a header of static functions; it keeps one static
 * (the spacing) that lgan never changes, so drawing stays reentrant. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wmissing-braces"
#endif
#include <stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* Text is drawn one line at a time from a buffer of this many bytes;
 * stb_easy_font needs about 270 per character. */
#define LINE_MAX_CHARS 120
#define VERTEX_BYTES (LINE_MAX_CHARS * 300)

void lg_fill_rect(lg_canvas *c, int x, int y, int w, int h, float value)
{
  int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
  int x1 = x + w > c->width ? c->width : x + w;
  int y1 = y + h > c->height ? c->height : y + h;

  for (int r = y0; r < y1; r++)
    for (int col = x0; col < x1; col++)
      c->pixels[(long)r * c->width + col] = value;
}

/* Copies at most LINE_MAX_CHARS characters of one line into buf; returns
 * the start of the next line or NULL. */
static const char *next_line(const char *text, char *buf)
{
  size_t n = strcspn(text, "\n");
  size_t kept = n < LINE_MAX_CHARS ? n : LINE_MAX_CHARS;

  memcpy(buf, text, kept);
  buf[kept] = '\0';
  return text[n] == '\n' ? text + n + 1 : NULL;
}

int lg_text_width(const char *text)
{
  char line[LINE_MAX_CHARS + 1];
  int widest = 0;

  while (text) {
    text = next_line(text, line);
    int w = stb_easy_font_width(line);
    if (w > widest)
      widest = w;
  }
  return widest;
}

int lg_text_height(void)
{
  return 12;
}

void lg_draw_text(lg_canvas *c, int x, int y, int scale, const char *text,
                  float value)
{
  /* Quads of four vertices, each x, y, z as floats and a 4-byte colour. */
  static const int stride = 16;
  char line[LINE_MAX_CHARS + 1];
  unsigned char vertices[VERTEX_BYTES];

  while (text) {
    text = next_line(text, line);
    int quads = stb_easy_font_print(0, 0, line, NULL, vertices,
                                    (int)sizeof vertices);
    for (int q = 0; q < quads; q++) {
      float first[2], third[2];
      memcpy(first, vertices + (4 * q) * stride, sizeof first);
      memcpy(third, vertices + (4 * q + 2) * stride, sizeof third);
      lg_fill_rect(c, x + (int)first[0] * scale, y + (int)first[1] * scale,
                   (int)(third[0] - first[0]) * scale,
                   (int)(third[1] - first[1]) * scale, value);
    }
    y += lg_text_height() * scale;
  }
}

int lg_draw_image(lg_canvas *c, int x, int y, int scale, const float *img,
                  int h, int w, float lo, float hi, int invert, lg_err *err)
{
  for (int r = 0; r < h; r++)
    for (int col = 0; col < w; col++) {
      float v = img[r * w + col];

      if (v != v)
        return lg_fail(err, "pixel (%d, %d) is NaN", r + 1, col + 1);
      v = (v - lo) / (hi - lo);
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      lg_fill_rect(c, x + col * scale, y + r * scale, scale, scale,
                   invert ? 1 - v : v);
    }
  return 0;
}
