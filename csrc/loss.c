/*
 * loss.c - BCE, BCE from logits, MSE: each loss beside its gradient.
 */
#include "loss.h"

#include <math.h>

#define TARGET(i) (target ? target[i] : target_value)

double lg_bce(const float *p, const float *target, float target_value,
              int64_t n, float scale, float *grad)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++) {
    double t = TARGET(i), q = p[i];
    double log_q = fmax(log(q), -100.0);
    double log_1q = fmax(log1p(-q), -100.0);

    total -= t * log_q + (1 - t) * log_1q;
    if (grad)
      grad[i] = (float)(scale * (q - t) / fmax(q * (1 - q), 1e-12) / n);
  }
  return total / n;
}

double lg_bce_logits(const float *logits, const float *target,
                     float target_value, int64_t n, float scale,
                     float *grad)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++) {
    double t = TARGET(i), x = logits[i];
    /* -log sigmoid(x) = softplus(-x) and -log(1 - sigmoid(x)) =
     * softplus(x); a term whose weight is zero is skipped so that an
     * infinite logit times a zero weight adds nothing, not NaN. */
    double sp_neg = fmax(-x, 0) + log1p(exp(-fabs(x)));
    double sp_pos = fmax(x, 0) + log1p(exp(-fabs(x)));

    if (t != 0)
      total += t * sp_neg;
    if (t != 1)
      total += (1 - t) * sp_pos;
    if (grad) {
      double s = x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
      grad[i] = (float)(scale * (s - t) / n);
    }
  }
  return total / n;
}

double lg_mse(const float *p, const float *target, float target_value,
              int64_t n, float scale, float *grad)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++) {
    double diff = (double)p[i] - TARGET(i);

    total += diff * diff;
    if (grad)
      grad[i] = (float)(scale * 2 * diff / n);
  }
  return total / n;
}

/* log(sum(exp(x))) of n values, shifted by their maximum so that no
 * exponential overflows. */
static double log_sum_exp(const float *x, int64_t n)
{
  double m = x[0], total = 0;

  for (int64_t i = 1; i < n; i++)
    if (x[i] > m)
      m = x[i];
  for (int64_t i = 0; i < n; i++)
    total += exp(x[i] - m);
  return m + log(total);
}

void lg_log_softmax(const float *x, float *y, int64_t rows, int64_t cols)
{
  for (int64_t r = 0; r < rows; r++) {
    double lse = log_sum_exp(x + r * cols, cols);

    for (int64_t c = 0; c < cols; c++)
      y[r * cols + c] = (float)(x[r * cols + c] - lse);
  }
}

void lg_log_softmax_backward(const float *y, const float *dy, float *dx,
                             int64_t rows, int64_t cols)
{
  for (int64_t r = 0; r < rows; r++) {
    double total = 0;

    for (int64_t c = 0; c < cols; c++)
      total += dy[r * cols + c];
    for (int64_t c = 0; c < cols; c++)
      dx[r * cols + c] = (float)(dy[r * cols + c] -
                                 exp(y[r * cols + c]) * total);
  }
}

double lg_cross_entropy(const float *logits, const float *classes,
                        int64_t rows, int64_t cols, float *grad)
{
  double total = 0;

  for (int64_t r = 0; r < rows; r++) {
    const float *x = logits + r * cols;
    int64_t k = (int64_t)classes[r];
    double lse = log_sum_exp(x, cols);

    total += lse - x[k];
    if (grad)
      for (int64_t c = 0; c < cols; c++)
        grad[r * cols + c] =
            (float)((exp(x[c] - lse) - (c == k ? 1.0 : 0.0)) / rows);
  }
  return total / rows;
}
