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
