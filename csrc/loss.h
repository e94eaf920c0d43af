/*
 * loss.h - losses over n predictions, each returning the mean loss and,
 * when grad is not NULL, writing d(mean loss)/d(prediction) times scale
 * into grad[n].  A NULL target means every target equals target_value.
 */
#ifndef LGAN_LOSS_H
#define LGAN_LOSS_H

#include <stdint.h>

/* Binary cross-entropy of probabilities p against targets, with each log
 * clamped at -100 as PyTorch does, so p = 0 or 1 stays finite. */
double lg_bce(const float *p, const float *target, float target_value,
              int64_t n, float scale, float *grad);

/* Binary cross-entropy of sigmoid(logits), computed from the logits:
 * finite for every finite logit, and for infinite ones that agree with
 * their target. */
double lg_bce_logits(const float *logits, const float *target,
                     float target_value, int64_t n, float scale,
                     float *grad);

/* Mean squared error. */
double lg_mse(const float *p, const float *target, float target_value,
              int64_t n, float scale, float *grad);

#endif
