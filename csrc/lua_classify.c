/*
 * lua_classify.c - what a classifier needs beyond the GAN's layers:
 * log-softmax, cross-entropy from logits and the arg-max of each row.
 * Classes are whole numbers from 0, held in float tensors.
 */
#include "loss.h"
#include "lua_lgan.h"

static lg_tensor *check_batch(lua_State *L, int arg, const char *fn,
                              const char *what)
{
  lg_tensor *t = lgan_checktensor(L, arg, fn);
  char sz[64];

  if (t->ndim != 2)
    lgan_error(L, fn, "%s must be rows x classes, got %s", what,
               lgan_shape(t, sz, 64));
  return t;
}

/* log_softmax(x): each row of x [n, classes] minus its log-sum-exp. */
static int l_log_softmax(lua_State *L)
{
  lg_tensor *x = check_batch(L, 1, "LogSoftmax:forward", "input");
  lg_tensor *y = lgan_newlike(L, x, "LogSoftmax:forward");

  lg_log_softmax(x->data, y->data, x->size[0], x->size[1]);
  return 1;
}

/* log_softmax_backward(y, dy): the gradient at the input, from the
 * output y and the gradient at it. */
static int l_log_softmax_backward(lua_State *L)
{
  const char *fn = "LogSoftmax:backward";
  lg_tensor *y = check_batch(L, 1, fn, "output");
  lg_tensor *dy = lgan_checktensor(L, 2, fn);
  lg_tensor *dx;
  char sa[64], sb[64];

  if (dy->numel != y->numel)
    return lgan_error(L, fn, "gradient has shape %s, output %s",
                      lgan_shape(dy, sa, 64), lgan_shape(y, sb, 64));
  dx = lgan_newlike(L, y, fn);
  lg_log_softmax_backward(y->data, dy->data, dx->data, y->size[0],
                          y->size[1]);
  return 1;
}

/* The classes at arg: n whole numbers in [0, classes). */
static lg_tensor *check_classes(lua_State *L, int arg, const char *fn,
                                int64_t n, int64_t classes)
{
  lg_tensor *t = lgan_checktensor(L, arg, fn);

  if (t->numel != n)
    lgan_error(L, fn, "%d targets for %d rows", (int)t->numel, (int)n);
  for (int64_t i = 0; i < n; i++) {
    float v = t->data[i];
    if (!(v >= 0 && v < (float)classes && v == (float)(int64_t)v))
      lgan_error(L, fn, "target %d is %f, expected a class from 0 to %d",
                 (int)i + 1, (double)v, (int)classes - 1);
  }
  return t;
}

/*
 * cross_entropy(logits, targets [, want_grad]): the mean cross-entropy
 * of logits [n, classes] against targets [n]; with want_grad, also the
 * gradient at the logits.
 */
static int l_cross_entropy(lua_State *L)
{
  const char *fn = "CrossEntropyLoss";
  lg_tensor *x = check_batch(L, 1, fn, "prediction");
  lg_tensor *t = check_classes(L, 2, fn, x->size[0], x->size[1]);
  lg_tensor *g = lua_toboolean(L, 3) ? lgan_newlike(L, x, fn) : NULL;

  lua_pushnumber(L, lg_cross_entropy(x->data, t->data, x->size[0],
                                     x->size[1], g ? g->data : NULL));
  if (g)
    lua_insert(L, -2);
  return g ? 2 : 1;
}

/* nll(logp, targets [, want_grad]): mean of -logp[i][target i]. */
static int l_nll(lua_State *L)
{
  const char *fn = "ClassNLLLoss";
  lg_tensor *x = check_batch(L, 1, fn, "prediction");
  int64_t n = x->size[0], c = x->size[1];
  lg_tensor *t = check_classes(L, 2, fn, n, c);
  lg_tensor *g = lua_toboolean(L, 3) ? lgan_newlike(L, x, fn) : NULL;
  double total = 0;

  for (int64_t i = 0; i < n; i++) {
    int64_t k = (int64_t)t->data[i];
    total -= x->data[i * c + k];
    if (g)
      g->data[i * c + k] = -1.0f / (float)n;
  }
  lua_pushnumber(L, total / n);
  if (g)
    lua_insert(L, -2);
  return g ? 2 : 1;
}

/* argmax(x): for each row of x [n, classes], the class (from 0) of its
 * largest value, as a tensor [n]. */
static int l_argmax(lua_State *L)
{
  lg_tensor *x = check_batch(L, 1, "argmax", "input");
  int64_t n = x->size[0], c = x->size[1];
  lg_tensor *out = lgan_newtensor(L, 1, &n, "argmax");

  for (int64_t i = 0; i < n; i++) {
    int64_t best = 0;
    for (int64_t k = 1; k < c; k++)
      if (x->data[i * c + k] > x->data[i * c + best])
        best = k;
    out->data[i] = (float)best;
  }
  return 1;
}

static const luaL_Reg classify_functions[] = {
  {"log_softmax", l_log_softmax},
  {"log_softmax_backward", l_log_softmax_backward},
  {"cross_entropy", l_cross_entropy},
  {"nll", l_nll},
  {"argmax", l_argmax},
  {NULL, NULL}
};

void lgan_open_classify(lua_State *L)
{
  luaL_setfuncs(L, classify_functions, 0);
}
