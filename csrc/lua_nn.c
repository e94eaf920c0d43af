/*
 * lua_nn.c - lgan.Layer (a Linear or an activation as the core sees it)
 * and the losses.  The Lua classes in lua/lgan/nn.lua wrap these.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "lua_lgan.h"
#include "nn.h"

#define LGAN_LAYER "lgan.Layer"

lg_layer *lgan_tolayer(lua_State *L, int arg)
{
  return luaL_testudata(L, arg, LGAN_LAYER);
}

static lg_layer *check_layer(lua_State *L, const char *fn)
{
  lg_layer *l = lgan_tolayer(L, 1);

  if (!l)
    lgan_error(L, fn, "argument 1: expected lgan.Layer, got %s (call "
               "methods with ':')", lgan_typename(L, 1));
  return l;
}

/*
 * linear(weight, bias, grad_weight, grad_bias): a Linear layer over
 * tensors the caller made, [out, in] and [out]; the layer keeps them
 * alive.
 */
static int l_linear(lua_State *L)
{
  const char *fn = "Linear";
  lg_tensor *w = lgan_checktensor(L, 1, fn), *b = lgan_checktensor(L, 2, fn);
  lg_tensor *gw = lgan_checktensor(L, 3, fn);
  lg_tensor *gb = lgan_checktensor(L, 4, fn);
  lg_layer *l;

  if (w->ndim != 2 || b->ndim != 1 || b->size[0] != w->size[0] ||
      gw->numel != w->numel || gb->numel != b->numel)
    return lgan_error(L, fn, "weight must be [out, in], bias [out], and "
                      "the gradients their sizes");
  l = lua_newuserdatauv(L, sizeof *l, 4);
  luaL_setmetatable(L, LGAN_LAYER);
  memset(l, 0, sizeof *l);
  l->kind = LG_LINEAR;
  l->out = w->size[0];
  l->in = w->size[1];
  l->weight = w;
  l->bias = b;
  l->grad_weight = gw;
  l->grad_bias = gb;
  for (int i = 1; i <= 4; i++) {
    lua_pushvalue(L, i);
    lua_setiuservalue(L, -2, i);
  }
  return 1;
}

/* activation(name [, slope]) for ReLU, LeakyReLU, Sigmoid, Tanh. */
static int l_activation(lua_State *L)
{
  static const char *const names[] = {"ReLU", "LeakyReLU", "Sigmoid",
                                      "Tanh", NULL};
  static const lg_kind kinds[] = {LG_RELU, LG_LEAKY_RELU, LG_SIGMOID,
                                  LG_TANH};
  int which = luaL_checkoption(L, 1, NULL, names);
  lg_layer *l;
  float slope = 0;

  if (kinds[which] == LG_LEAKY_RELU) {
    /* Checked as given, so the message shows the caller's number. */
    double given = lua_isnoneornil(L, 2)
                       ? 0.01
                       : lgan_checknumber(L, 2, "LeakyReLU", "slope");
    if (given < 0 || given >= 1)
      return lgan_error(L, "LeakyReLU", "slope must be in [0, 1), got %f",
                        given);
    slope = (float)given;
  }
  l = lua_newuserdatauv(L, sizeof *l, 0);
  luaL_setmetatable(L, LGAN_LAYER);
  memset(l, 0, sizeof *l);
  l->kind = kinds[which];
  l->slope = slope;
  return 1;
}

/* The batch at arg as rows x features, checked against the layer. */
static lg_tensor *check_input(lua_State *L, const lg_layer *l, int arg,
                              const char *fn, const char *what,
                              int64_t features)
{
  lg_tensor *x = lgan_checktensor(L, arg, fn);

  if (x->ndim > 2)
    lgan_error(L, fn, "%s must be 1-D or 2-D, got %d dimensions", what,
               x->ndim);
  if (l->kind == LG_LINEAR && lg_cols(x) != features)
    lgan_error(L, fn, "%s has %d features, expected %d", what,
               (int)lg_cols(x), (int)features);
  return x;
}

static void method_name(char *buf, size_t len, const lg_layer *l,
                        const char *method)
{
  snprintf(buf, len, "%s:%s", lg_kind_name(l->kind), method);
}

/* forward(x): a new tensor, [n, out] for Linear, x's shape otherwise. */
static int y_forward(lua_State *L)
{
  lg_layer *l = check_layer(L, "Layer:forward");
  char fn[48];
  lg_tensor *x, *y;

  method_name(fn, sizeof fn, l, "forward");
  x = check_input(L, l, 2, fn, "input", l->in);
  if (l->kind == LG_LINEAR) {
    int64_t sizes[2] = {lg_rows(x), l->out};
    y = lgan_newtensor(L, x->ndim, x->ndim == 1 ? sizes + 1 : sizes, fn);
    lg_linear_forward(l, x->data, lg_rows(x), y->data);
  } else {
    y = lgan_newlike(L, x, fn);
    lg_act_forward(l->kind, l->slope, x->data, y->data, x->numel);
  }
  return 1;
}

/*
 * backward(x, grad_out): the gradient at the input, a new tensor shaped
 * like x.  A Linear layer also adds to its weight and bias gradients.
 */
static int y_backward(lua_State *L)
{
  lg_layer *l = check_layer(L, "Layer:backward");
  char fn[48], sa[64], sb[64];
  lg_tensor *x, *dy, *dx;

  method_name(fn, sizeof fn, l, "backward");
  x = check_input(L, l, 2, fn, "input", l->in);
  dy = lgan_checktensor(L, 3, fn);
  if (l->kind == LG_LINEAR ? lg_rows(dy) != lg_rows(x) ||
                                 lg_cols(dy) != l->out || dy->ndim > 2
                           : dy->numel != x->numel)
    return lgan_error(L, fn, "gradient has shape %s, expected %dx%d "
                      "for input %s", lgan_shape(dy, sa, 64),
                      (int)lg_rows(x),
                      (int)(l->kind == LG_LINEAR ? l->out : lg_cols(x)),
                      lgan_shape(x, sb, 64));
  dx = lgan_newlike(L, x, fn);
  if (l->kind == LG_LINEAR) {
    lg_linear_backward(l, x->data, dy->data, lg_rows(x), dx->data, 1, 1);
  } else {
    lg_act_forward(l->kind, l->slope, x->data, dx->data, x->numel);
    lg_act_backward(l->kind, l->slope, dx->data, dy->data, dx->data,
                    x->numel);
  }
  return 1;
}

static int y_kind(lua_State *L)
{
  lua_pushstring(L, lg_kind_name(check_layer(L, "Layer:kind")->kind));
  return 1;
}

/* ---- losses -------------------------------------------------------------- */

typedef double (*loss_fn)(const float *, const float *, float, int64_t,
                          float, float *);

/* What run_loss checks lies in [0, 1]: BCE's predictions and targets are
 * probabilities, BCE-with-logits' targets are. */
#define PRED_IN_01 1
#define TARGET_IN_01 2

/* v as text for a message: the fewest digits that give back the same
 * float, and "nan" for any NaN (the sign of one is noise). */
static const char *float_text(float v, char *buf, size_t len)
{
  if (isnan(v)) {
    snprintf(buf, len, "nan");
    return buf;
  }
  for (int digits = 6; digits <= 9; digits++) {
    snprintf(buf, len, "%.*g", digits, (double)v);
    if (strtof(buf, NULL) == v)
      break;
  }
  return buf;
}

/* Raises "fn: what i is v, outside [0, 1]" for the first of the n
 * values not in [0, 1] (NaN included). */
static void check_01(lua_State *L, const float *v, int64_t n,
                     const char *fn, const char *what)
{
  char buf[32];

  for (int64_t i = 0; i < n; i++)
    if (!(v[i] >= 0 && v[i] <= 1))
      lgan_error(L, fn, "%s %I is %s, outside [0, 1]", what,
                 (lua_Integer)i + 1, float_text(v[i], buf, sizeof buf));
}

/*
 * Shared by the losses: loss(pred, target [, want_grad]) returns the mean
 * loss and, when want_grad, a new gradient tensor shaped like pred.  The
 * target is a tensor with pred's element count or a number; checks says
 * which of the two must lie in [0, 1].
 */
static int run_loss(lua_State *L, loss_fn f, const char *fn, int checks)
{
  lg_tensor *p = lgan_checktensor(L, 1, fn), *t = lgan_totensor(L, 2);
  int want_grad = lua_toboolean(L, 3);
  float target_value = 0;
  lg_tensor *g = NULL;
  char sa[64], sb[64];
  double loss;

  if (t && t->numel != p->numel)
    return lgan_error(L, fn, "target has shape %s, prediction %s",
                      lgan_shape(t, sa, 64), lgan_shape(p, sb, 64));
  if (!t) {
    double v = lgan_checknumber(L, 2, fn, "target");

    if ((checks & TARGET_IN_01) && !(v >= 0 && v <= 1))
      return lgan_error(L, fn, "target must be in [0, 1], got %s",
                        lua_tostring(L, 2));
    target_value = (float)v;
  }
  if (checks & PRED_IN_01)
    check_01(L, p->data, p->numel, fn, "prediction");
  if (t && (checks & TARGET_IN_01))
    check_01(L, t->data, t->numel, fn, "target");
  if (want_grad)
    g = lgan_newlike(L, p, fn);
  loss = f(p->data, t ? t->data : NULL, target_value, p->numel, 1.0f,
           g ? g->data : NULL);
  lua_pushnumber(L, loss);
  if (g)
    lua_insert(L, -2);
  return g ? 2 : 1;
}

static int l_bce(lua_State *L)
{
  return run_loss(L, lg_bce, "BCELoss", PRED_IN_01 | TARGET_IN_01);
}

static int l_bce_logits(lua_State *L)
{
  return run_loss(L, lg_bce_logits, "BCEWithLogitsLoss", TARGET_IN_01);
}

static int l_mse(lua_State *L)
{
  return run_loss(L, lg_mse, "MSELoss", 0);
}

static const luaL_Reg layer_methods[] = {
  {"forward", y_forward},
  {"backward", y_backward},
  {"kind", y_kind},
  {NULL, NULL}
};

static const luaL_Reg nn_functions[] = {
  {"linear", l_linear},
  {"activation", l_activation},
  {"bce", l_bce},
  {"bce_logits", l_bce_logits},
  {"mse", l_mse},
  {NULL, NULL}
};

void lgan_open_nn(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_LAYER)) {
    luaL_newlib(L, layer_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, nn_functions, 0);
}
