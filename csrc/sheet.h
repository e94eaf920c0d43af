/*
 * sheet.h - drawing printable sheets: text and images on a grey canvas
 * of floats in [0, 1] (0 black, 1 white), row-major, owned by the
 * caller.  Text comes from stb_easy_font.
 */
#ifndef LGAN_SHEET_H
#define LGAN_SHEET_H

#include "error.h"

typedef struct lg_canvas {
  float *pixels;
  int width, height;
} lg_canvas;

/* Width in pixels of text drawn at scale 1 (its widest line). */
int lg_text_width(const char *text);

/* Height in pixels of one line of text at scale 1. */
int lg_text_height(void);

/*
 * Draws text with its top left at (x, y), each font pixel a scale x
 * scale square of the given value; whatever falls outside the canvas
 * is clipped.  Lines are split at '\n'.
 */
void lg_draw_text(lg_canvas *c, int x, int y, int scale, const char *text,
                  float value);

/*
 * Draws an h x w image with its top left at (x, y), each pixel a
 * scale x scale square: values mapped from [lo, hi] to [0, 1] and
 * clamped, then turned to 1 - v when invert is nonzero (white digits on
 * black become black on white).  Returns 0, or -1 with a message in err
 * when a value is NaN.
 */
int lg_draw_image(lg_canvas *c, int x, int y, int scale, const float *img,
                  int h, int w, float lo, float hi, int invert, lg_err *err);

/* Fills a w x h rectangle with value, clipped to the canvas. */
void lg_fill_rect(lg_canvas *c, int x, int y, int w, int h, float value);

#endif
