/*
 * optim.c - the update rules.
 */
#include "optim.h"

#include <math.h>

LG_CLONES
void lg_adam_update(const lg_optim *o, int64_t t, float *p, const float *g,
                    float *m, float *v, int64_t n)
{
  const float b1 = o->beta1, b2 = o->beta2, eps = o->eps;
  const float wd = o->weight_decay;
  const float step_size = (float)(o->lr / (1.0 - pow(o->beta1, (double)t)));
  const float bc2_sqrt = (float)sqrt(1.0 - pow(o->beta2, (double)t));

  for (int64_t i = 0; i < n; i++) {
    float gi = wd != 0 ? g[i] + wd * p[i] : g[i];

    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * (gi * gi);
    p[i] -= step_size * (m[i] / (sqrtf(v[i]) / bc2_sqrt + eps));
  }
}

void lg_sgd_update(const lg_optim *o, int first, float *p, const float *g,
                   float *buf, int64_t n)
{
  const float mu = o->momentum, damp = o->dampening;

  for (int64_t i = 0; i < n; i++) {
    float gi = o->weight_decay != 0 ? g[i] + o->weight_decay * p[i] : g[i];

    if (buf) {
      buf[i] = first ? gi : mu * buf[i] + (1 - damp) * gi;
      gi = o->nesterov ? gi + mu * buf[i] : buf[i];
    }
    p[i] -= o->lr * gi;
  }
}

static void update_block(const lg_optim *o, const lg_param *q, int64_t lo,
                         int64_t n)
{
  if (o->kind == LG_ADAM)
    lg_adam_update(o, o->step, q->value->data + lo, q->grad->data + lo,
                   q->m->data + lo, q->v->data + lo, n);
  else
    lg_sgd_update(o, o->step == 1, q->value->data + lo, q->grad->data + lo,
                  q->m ? q->m->data + lo : NULL, n);
}

void lg_optim_update_part(const lg_optim *o, int part, int parts)
{
  int64_t total = 0, first, last, offset = 0;

  for (int i = 0; i < o->nparams; i++)
    total += o->params[i].value->numel;
  first = total * part / parts;
  last = total * (part + 1) / parts;
  for (int i = 0; i < o->nparams && offset < last; i++) {
    int64_t n = o->params[i].value->numel;
    int64_t lo = first > offset ? first - offset : 0;
    int64_t hi = last - offset < n ? last - offset : n;

    if (lo < hi)
      update_block(o, &o->params[i], lo, hi - lo);
    offset += n;
  }
}

void lg_optim_update_range(const lg_optim *o, int param, int64_t first,
                           int64_t count)
{
  if (count > 0)
    update_block(o, &o->params[param], first, count);
}

void lg_optim_step(lg_optim *o)
{
  o->step++;
  lg_optim_update_part(o, 0, 1);
}
