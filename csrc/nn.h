/*
 * nn.h - layers and activations, each with its forward and backward in
 * one place.  A batch is a row-major [n, features] array.
 */
#ifndef LGAN_NN_H
#define LGAN_NN_H

#include "tensor.h"

typedef enum {
  LG_LINEAR,
  LG_RELU,
  LG_LEAKY_RELU,
  LG_SIGMOID,
  LG_TANH,
  /* No activation: what a Linear ends with when nothing follows it. */
  LG_IDENTITY
} lg_kind;

/*
 * One layer.  A Linear layer points at its weight [out, in], bias [out]
 * and their gradients, which the caller owns; an activation uses only
 * kind and slope (LeakyReLU's factor for negative inputs, >= 0).
 */
typedef struct lg_layer {
  lg_kind kind;
  float slope;
  int64_t in, out;
  lg_tensor *weight, *bias, *grad_weight, *grad_bias;
} lg_layer;

/* Name of a kind as Lua users see it: "Linear", "LeakyReLU", ... */
const char *lg_kind_name(lg_kind kind);

/* y[n, out] = x[n, in] * W^T + b. */
void lg_linear_forward(const lg_layer *l, const float *x, int64_t n,
                       float *y);

/*
 * Backward of Linear given its input x[n, in] and dy[n, out]:
 * dx[n, in] = dy * W unless dx is NULL; when grads is nonzero,
 * grad_weight = dy^T * x and grad_bias = column sums of dy, added to the
 * gradients already there when accumulate is nonzero, else replacing
 * them.
 */
void lg_linear_backward(const lg_layer *l, const float *x, const float *dy,
                        int64_t n, float *dx, int grads, int accumulate);

/* y = f(x) on n values; y may be x. */
void lg_act_forward(lg_kind kind, float slope, const float *x, float *y,
                    int64_t n);

/*
 * dx = dy * f'(x) on n values, with f' read off the output y = f(x)
 * (for LeakyReLU that needs slope >= 0); dx may be dy.
 */
void lg_act_backward(lg_kind kind, float slope, const float *y,
                     const float *dy, float *dx, int64_t n);

/* y[rows, cols] = f(y + bias) in one pass; bias may be NULL. */
void lg_bias_act_forward(lg_kind kind, float slope, float *y,
                         const float *bias, int64_t rows, int64_t cols);

/*
 * In one pass over d[rows, cols]: d = d * f'(y), and when grad_bias is not
 * NULL, grad_bias[cols] = column sums of the result (added when
 * accumulate is nonzero).
 */
void lg_act_backward_bias(lg_kind kind, float slope, const float *y,
                          float *d, int64_t rows, int64_t cols,
                          float *grad_bias, int accumulate);

/* The two above restricted to columns [c0, c1): each column's result is
 * the same as theirs, so parts of the columns can run on different
 * threads. */
void lg_bias_act_forward_cols(lg_kind kind, float slope, float *y,
                              const float *bias, int64_t rows, int64_t cols,
                              int64_t c0, int64_t c1);
void lg_act_backward_bias_cols(lg_kind kind, float slope, const float *y,
                               float *d, int64_t rows, int64_t cols,
                               float *grad_bias, int accumulate, int64_t c0,
                               int64_t c1);

#endif
