/*
 * nn.c - Linear and the activations, forward beside backward.
 */
#include "nn.h"

#include <math.h>
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

static float sigmoidf(float x)
{
  /* Each branch exponentiates a non-positive number: no overflow. */
  if (x >= 0)
    return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

static float act(lg_kind kind, float slope, float x)
{
  switch (kind) {
  case LG_RELU:
    return x > 0 ? x : 0;
  case LG_LEAKY_RELU:
    return x > 0 ? x : slope * x;
  case LG_SIGMOID:
    return sigmoidf(x);
  case LG_TANH:
    return tanhf(x);
  default:
    return x;
  }
}

static float act_grad(lg_kind kind, float slope, float y)
{
  switch (kind) {
  case LG_RELU:
    return y > 0 ? 1.0f : 0.0f;
  case LG_LEAKY_RELU:
    return y > 0 ? 1.0f : slope;
  case LG_SIGMOID:
    return y * (1.0f - y);
  case LG_TANH:
    return 1.0f - y * y;
  default:
    return 1.0f;
  }
}

void lg_act_forward(lg_kind kind, float slope, const float *x, float *y,
                    int64_t n)
{
  if (y != x)
    memcpy(y, x, (size_t)n * sizeof *y);
  lg_bias_act_forward(kind, slope, y, NULL, 1, n);
}

void lg_act_backward(lg_kind kind, float slope, const float *y,
                     const float *dy, float *dx, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    dx[i] = dy[i] * act_grad(kind, slope, y[i]);
}

void lg_bias_act_forward(lg_kind kind, float slope, float *y,
                         const float *bias, int64_t rows, int64_t cols)
{
  for (int64_t r = 0; r < rows; r++) {
    float *row = y + r * cols;

    /* A switch outside the column loop lets each loop vectorise. */
    switch (kind) {
    case LG_RELU:
      for (int64_t c = 0; c < cols; c++) {
        float v = row[c] + (bias ? bias[c] : 0);
        row[c] = v > 0 ? v : 0;
      }
      break;
    case LG_LEAKY_RELU:
      for (int64_t c = 0; c < cols; c++) {
        float v = row[c] + (bias ? bias[c] : 0);
        row[c] = v > 0 ? v : slope * v;
      }
      break;
    default:
      for (int64_t c = 0; c < cols; c++)
        row[c] = act(kind, slope, row[c] + (bias ? bias[c] : 0));
      break;
    }
  }
}

void lg_act_backward_bias(lg_kind kind, float slope, const float *y,
                          float *d, int64_t rows, int64_t cols,
                          float *grad_bias, int accumulate)
{
  if (grad_bias && !accumulate)
    memset(grad_bias, 0, (size_t)cols * sizeof *grad_bias);
  for (int64_t r = 0; r < rows; r++) {
    const float *yr = y + r * cols;
    float *dr = d + r * cols;

    if (kind != LG_IDENTITY)
      for (int64_t c = 0; c < cols; c++)
        dr[c] *= act_grad(kind, slope, yr[c]);
    if (grad_bias)
      for (int64_t c = 0; c < cols; c++)
        grad_bias[c] += dr[c];
  }
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
