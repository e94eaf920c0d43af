/*
 * optim.h - Adam and SGD with momentum.  An optimizer is a list of
 * parameters, each a value with its gradient and the optimizer's state
 * beside it; one loop over flat arrays updates each block.
 */
#ifndef LGAN_OPTIM_H
#define LGAN_OPTIM_H

#include "tensor.h"

typedef enum { LG_ADAM, LG_SGD } lg_optim_kind;

/* A parameter and what the optimizer keeps for it.  All tensors have the
 * parameter's element count; m is Adam's first moment or SGD's momentum
 * buffer, v is Adam's second moment (NULL for SGD). */
typedef struct lg_param {
  lg_tensor *value, *grad, *m, *v;
} lg_param;

typedef struct lg_optim {
  lg_optim_kind kind;
  /* Adam: lr, beta1, beta2, eps.  SGD: lr, momentum, dampening. */
  float lr, beta1, beta2, eps, momentum, dampening, weight_decay;
  int nesterov;
  /* Updates taken so far; Adam's bias correction reads it. */
  int64_t step;
  int nparams;
  lg_param *params;
} lg_optim;

/*
 * One Adam update of n values at step t (1 for the first), as PyTorch's
 * Adam computes it: m and v move toward g and g^2, and
 * p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
 * weight_decay adds weight_decay * p to g first (L2, not AdamW).
 */
void lg_adam_update(const lg_optim *o, int64_t t, float *p, const float *g,
                    float *m, float *v, int64_t n);

/* One SGD update of n values; first is nonzero at the first step, when
 * the momentum buffer starts as the gradient. */
void lg_sgd_update(const lg_optim *o, int first, float *p, const float *g,
                   float *buf, int64_t n);

/* Advances o->step and updates every parameter. */
void lg_optim_step(lg_optim *o);

/*
 * Updates part `part` of `parts` equal shares of all the parameters'
 * elements, at step o->step (already advanced): lg_optim_step is
 * ++step and then part 0 of 1.  Parts touch disjoint elements, so they
 * may run on different threads, and the result does not depend on how
 * the work was split.
 */
void lg_optim_update_part(const lg_optim *o, int part, int parts);

/* Updates elements [first, first + count) of parameter `param` alone,
 * at step o->step: the fused GAN step updates each layer's share as soon
 * as its gradient is final. */
void lg_optim_update_range(const lg_optim *o, int param, int64_t first,
                           int64_t count);

#endif
