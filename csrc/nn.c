/*
 * nn.c - Linear and the activations, forward beside backward.
 */
#include "nn.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

const char *lg_kind_name(lg_kind kind)
{
  switch (kind) {
  case LG_LINEAR:
    return "Linear";
  case LG_RELU:
    return "ReLU";
  case LG_LEAKY_RELU:
    return "LeakyReLU";
  case LG_SIGMOID:
    return "Sigmoid";
  case LG_TANH:
    return "Tanh";
  case LG_IDENTITY:
    return "Identity";
  }
  return "?";
}

/*
 * exp(x) for float x, in a form the compiler can vectorise (libm's expf
 * is a call per element): x = n ln2 + r with |r| <= ln2 / 2, exp(r) by
 * its Taylor polynomial to r^7 (relative error below 2e-8 on that
 * range), times 2^n built in the exponent bits.  Inputs are clamped to
 * [-87, 88], where float's exp neither underflows to a denormal nor
 * overflows; NaN stays NaN (and never reaches the integer conversion,
 * which would be undefined for it).
 */
static inline float fast_expf(float x)
{
  const float ln2_hi = 0.693145752f, ln2_lo = 1.42860677e-6f;
  /* Adding and taking away 1.5 * 2^23 rounds to the nearest integer
   * (ties to even) in plain arithmetic, which vectorises where
   * roundevenf would be a call. */
  const float round_magic = 12582912.0f;
  float xc = x > -87.0f ? x : -87.0f;
  float n, r, p, scale;
  int32_t bits;

  xc = xc < 88.0f ? xc : 88.0f;
  n = (xc * 1.44269504f + round_magic) - round_magic;
  r = (xc - n * ln2_hi) - n * ln2_lo;
  p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r * r + r + 1.0f;
  bits = ((int32_t)n + 127) << 23;
  memcpy(&scale, &bits, sizeof scale);
  return x == x ? p * scale : x;
}

static inline float sigmoidf(float x)
{
  /* exp of -|x| only: never overflows, and the two branches agree. */
  float e = fast_expf(-fabsf(x));
  return x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
}

static inline float fast_tanhf(float x)
{
  /* tanh|x| = (1 - e) / (1 + e) with e = exp(-2|x|) <= 1; near zero,
   * where that difference loses digits, the odd series x - x^3/3 +
   * 2x^5/15 - 17x^7/315 is within 1e-8. */
  float ax = fabsf(x), x2 = x * x;
  float series = x + x * x2 * (-1.0f / 3 + x2 * (2.0f / 15 - x2 * 17.0f /
                                                              315));
  float e = fast_expf(-2.0f * ax);
  float t = copysignf((1.0f - e) / (1.0f + e), x);

  return ax < 0.0625f ? series : t;
}

void lg_act_forward(lg_kind kind, float slope, const float *x, float *y,
                    int64_t n)
{
  if (y != x)
    memcpy(y, x, (size_t)n * sizeof *y);
  lg_bias_act_forward(kind, slope, y, NULL, 1, n);
}

/* dx = dy * f'(y) on n values, one loop per kind so that each
 * vectorises; dx may be dy.  Always inlined, so that each clone of a
 * caller (LG_CLONES) gets its own vector width. */
static inline __attribute__((always_inline)) void
act_grad_row(lg_kind kind, float slope, const float *y, const float *dy,
             float *dx, int64_t n)
{
  switch (kind) {
  case LG_RELU:
    for (int64_t i = 0; i < n; i++) {
      float g = dy[i];
      dx[i] = y[i] > 0 ? g : 0.0f;
    }
    break;
  case LG_LEAKY_RELU:
    for (int64_t i = 0; i < n; i++) {
      float g = dy[i];
      dx[i] = y[i] > 0 ? g : slope * g;
    }
    break;
  case LG_SIGMOID:
    for (int64_t i = 0; i < n; i++)
      dx[i] = dy[i] * (y[i] * (1.0f - y[i]));
    break;
  case LG_TANH:
    for (int64_t i = 0; i < n; i++)
      dx[i] = dy[i] * (1.0f - y[i] * y[i]);
    break;
  default:
    if (dx != dy)
      memmove(dx, dy, (size_t)n * sizeof *dx);
    break;
  }
}

void lg_act_backward(lg_kind kind, float slope, const float *y,
                     const float *dy, float *dx, int64_t n)
{
  act_grad_row(kind, slope, y, dy, dx, n);
}

/* One row's columns [c0, c1) of lg_bias_act_forward_cols, in one pass;
 * inlined once with a bias and once without. */
static inline __attribute__((always_inline)) void
bias_act_row(lg_kind kind, float slope, float *restrict row,
             const float *restrict bias, int64_t c0, int64_t c1)
{
#define PLUS_BIAS(c) (bias ? row[c] + bias[c] : row[c])
  switch (kind) {
  case LG_RELU:
    for (int64_t c = c0; c < c1; c++) {
      float x = PLUS_BIAS(c);
      row[c] = x > 0 ? x : 0.0f;
    }
    break;
  case LG_LEAKY_RELU:
    for (int64_t c = c0; c < c1; c++) {
      float x = PLUS_BIAS(c);
      row[c] = x > 0 ? x : slope * x;
    }
    break;
  case LG_SIGMOID:
    for (int64_t c = c0; c < c1; c++)
      row[c] = sigmoidf(PLUS_BIAS(c));
    break;
  case LG_TANH:
    for (int64_t c = c0; c < c1; c++)
      row[c] = fast_tanhf(PLUS_BIAS(c));
    break;
  default:
    for (int64_t c = c0; c < c1; c++)
      row[c] = PLUS_BIAS(c);
    break;
  }
#undef PLUS_BIAS
}

LG_CLONES
void lg_bias_act_forward_cols(lg_kind kind, float slope, float *y,
                              const float *bias, int64_t rows, int64_t cols,
                              int64_t c0, int64_t c1)
{
  for (int64_t r = 0; r < rows; r++) {
    if (bias)
      bias_act_row(kind, slope, y + r * cols, bias, c0, c1);
    else
      bias_act_row(kind, slope, y + r * cols, NULL, c0, c1);
  }
}

void lg_bias_act_forward(lg_kind kind, float slope, float *y,
                         const float *bias, int64_t rows, int64_t cols)
{
  lg_bias_act_forward_cols(kind, slope, y, bias, rows, cols, 0, cols);
}

LG_CLONES
void lg_act_backward_bias_cols(lg_kind kind, float slope, const float *y,
                               float *d, int64_t rows, int64_t cols,
                               float *grad_bias, int accumulate, int64_t c0,
                               int64_t c1)
{
  if (grad_bias && !accumulate)
    memset(grad_bias + c0, 0, (size_t)(c1 - c0) * sizeof *grad_bias);
  for (int64_t r = 0; r < rows; r++) {
    float *restrict dr = d + r * cols;

    act_grad_row(kind, slope, y + r * cols + c0, dr + c0, dr + c0, c1 - c0);
    if (grad_bias)
      for (int64_t c = c0; c < c1; c++)
        grad_bias[c] += dr[c];
  }
}

void lg_act_backward_bias(lg_kind kind, float slope, const float *y,
                          float *d, int64_t rows, int64_t cols,
                          float *grad_bias, int accumulate)
{
  lg_act_backward_bias_cols(kind, slope, y, d, rows, cols, grad_bias,
                            accumulate, 0, cols);
}

void lg_linear_forward(const lg_layer *l, const float *x, int64_t n,
                       float *y)
{
  lg_gemm(0, 1, (int)n, (int)l->out, (int)l->in, 1.0f, x, l->weight->data,
          0.0f, y);
  lg_bias_act_forward(LG_IDENTITY, 0, y, l->bias->data, n, l->out);
}

void lg_linear_backward(const lg_layer *l, const float *x, const float *dy,
                        int64_t n, float *dx, int grads, int accumulate)
{
  if (dx)
    lg_gemm(0, 0, (int)n, (int)l->in, (int)l->out, 1.0f, dy,
            l->weight->data, 0.0f, dx);
  if (!grads)
    return;
  lg_gemm(1, 0, (int)l->out, (int)l->in, (int)n, 1.0f, dy, x,
          accumulate ? 1.0f : 0.0f, l->grad_weight->data);

  float *gb = l->grad_bias->data;
  if (!accumulate)
    memset(gb, 0, (size_t)l->out * sizeof *gb);
  for (int64_t r = 0; r < n; r++)
    for (int64_t c = 0; c < l->out; c++)
      gb[c] += dy[r * l->out + c];
}
