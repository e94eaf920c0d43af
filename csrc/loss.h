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

/* Row-wise log-softmax: y[r] = x[r] - log(sum(exp(x[r]))) for rows x
 * cols values; y may be x. */
void lg_log_softmax(const float *x, float *y, int64_t rows, int64_t cols);

/* Backward of log-softmax from its output y: dx = dy - exp(y) * sum(dy)
 * per row; dx may be dy. */
void lg_log_softmax_backward(const float *y, const float *dy, float *dx,
                             int64_t rows, int64_t cols);

/*
 * Cross-entropy of logits [rows, cols] against classes[rows] (whole
 * numbers from 0, already checked), as PyTorch's CrossEntropyLoss: the
 * mean of log(sum(exp(x[r]))) - x[r][class].  grad, when not NULL, gets
 * (softmax(x) - one_hot) / rows.  Finite for every finite logit.
 */
double lg_cross_entropy(const float *logits, const float *classes,
                        int64_t rows, int64_t cols, float *grad);

#endif
