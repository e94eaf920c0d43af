/*
 * lua_optim.c - lgan.Optimizer: Adam or SGD over a list of parameters.
 * The optimizer's state tensors are Lua tensors, so a checkpoint can
 * read and restore them like any weight.
 */
#include <string.h>

#include "lua_lgan.h"

#define LGAN_OPTIM "lgan.Optimizer"

typedef struct lgan_Optim {
  lg_optim o;
  lg_param params[];
} lgan_Optim;

lg_optim *lgan_checkoptim(lua_State *L, int arg, const char *fn)
{
  lgan_Optim *u = luaL_testudata(L, arg, LGAN_OPTIM);

  if (!u)
    lgan_error(L, fn, "argument %d: expected lgan.Optimizer, got %s", arg,
               lgan_typename(L, arg));
  return &u->o;
}

static float opt_number(lua_State *L, int opts, const char *key, double def,
                        double lo, double hi, const char *fn)
{
  double v;

  if (lua_getfield(L, opts, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return (float)def;
  }
  v = lgan_checknumber(L, -1, fn, key);
  if (!(v >= lo && v <= hi))
    lgan_error(L, fn, "%s must be in [%f, %f], got %f", key, lo, hi, v);
  lua_pop(L, 1);
  return (float)v;
}

/*
 * optimizer(kind, params, opts): kind "adam" or "sgd"; params a sequence
 * of {value, grad} tensor pairs; opts as torch.optim's keyword arguments
 * (lr, betas as beta1/beta2, eps, weight_decay, momentum, dampening,
 * nesterov).  State tensors start at zero.
 */
static int l_optimizer(lua_State *L)
{
  static const char *const kinds[] = {"adam", "sgd", NULL};
  int kind = luaL_checkoption(L, 1, NULL, kinds);
  const char *fn = kind == 0 ? "Adam" : "SGD";
  lua_Integer n;
  lgan_Optim *u;
  lg_optim *o;

  luaL_checktype(L, 2, LUA_TTABLE);
  if (lua_isnoneornil(L, 3)) {
    lua_settop(L, 2);
    lua_newtable(L);
  }
  luaL_checktype(L, 3, LUA_TTABLE);
  n = (lua_Integer)lua_rawlen(L, 2);
  if (n < 1 || n > 4096)
    return lgan_error(L, fn, "expected 1 to 4096 parameters, got %d",
                      (int)n);
  u = lua_newuserdatauv(L, sizeof *u + (size_t)n * sizeof(lg_param), 1);
  memset(u, 0, sizeof *u + (size_t)n * sizeof(lg_param));
  luaL_setmetatable(L, LGAN_OPTIM);
  o = &u->o;
  o->kind = kind == 0 ? LG_ADAM : LG_SGD;
  o->lr = opt_number(L, 3, "lr", kind == 0 ? 1e-3 : 1e-2, 0, 1e6, fn);
  o->beta1 = opt_number(L, 3, "beta1", 0.9, 0, 0.999999, fn);
  o->beta2 = opt_number(L, 3, "beta2", 0.999, 0, 0.999999999, fn);
  o->eps = opt_number(L, 3, "eps", 1e-8, 0, 1, fn);
  o->weight_decay = opt_number(L, 3, "weight_decay", 0, 0, 1e6, fn);
  o->momentum = opt_number(L, 3, "momentum", 0, 0, 1, fn);
  o->dampening = opt_number(L, 3, "dampening", 0, 0, 1, fn);
  lua_getfield(L, 3, "nesterov");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
    return lgan_error(L, fn, "nesterov must be true or false, got %s",
                      luaL_typename(L, -1));
  o->nesterov = lua_toboolean(L, -1);
  lua_pop(L, 1);
  /* As PyTorch: Nesterov's look-ahead is a momentum method. */
  if (o->nesterov && (o->momentum <= 0 || o->dampening != 0))
    return lgan_error(L, fn, "nesterov needs a momentum above 0 and no "
                      "dampening");
  o->nparams = (int)n;
  o->params = u->params;

  /* Keeps every tensor alive: {value, grad, m, v} per parameter. */
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lg_param *q = &u->params[i - 1];

    if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
      return lgan_error(L, fn, "parameter %d: expected {value, grad}",
                        (int)i);
    lua_rawgeti(L, -1, 1);
    lua_rawgeti(L, -2, 2);
    q->value = lgan_totensor(L, -2);
    q->grad = lgan_totensor(L, -1);
    if (!q->value || !q->grad || q->value->numel != q->grad->numel)
      return lgan_error(L, fn, "parameter %d: expected two tensors of one "
                        "size", (int)i);
    lua_createtable(L, 4, 0);
    lua_rotate(L, -3, 1);
    lua_rawseti(L, -3, 2);
    lua_rawseti(L, -2, 1);
    if (o->kind == LG_ADAM || o->momentum != 0) {
      q->m = lgan_newlike(L, q->value, fn);
      lua_rawseti(L, -2, 3);
    }
    if (o->kind == LG_ADAM) {
      q->v = lgan_newlike(L, q->value, fn);
      lua_rawseti(L, -2, 4);
    }
    lua_rawseti(L, -3, i);
    lua_pop(L, 1);
  }
  lua_setiuservalue(L, -2, 1);
  return 1;
}

static int o_step(lua_State *L)
{
  lg_optim_step(lgan_checkoptim(L, 1, "Optimizer:step"));
  return 0;
}

/*
 * state(): {step = n, params = {{value, grad, m, v}, ...}}; the tensors
 * are the live ones, so writing into them restores a state.  The tables
 * are copies of the one that keeps the tensors alive: the caller may
 * change them without freeing a tensor the optimizer still updates.
 */
static int o_state(lua_State *L)
{
  lg_optim *o = lgan_checkoptim(L, 1, "Optimizer:state");

  lua_createtable(L, 0, 2);
  lua_pushinteger(L, o->step);
  lua_setfield(L, -2, "step");
  lua_getiuservalue(L, 1, 1);
  lua_createtable(L, o->nparams, 0);
  for (int i = 1; i <= o->nparams; i++) {
    lua_rawgeti(L, -2, i);
    lua_createtable(L, 4, 0);
    for (int k = 1; k <= 4; k++) {
      lua_rawgeti(L, -2, k);
      lua_rawseti(L, -2, k);
    }
    lua_rawseti(L, -3, i);
    lua_pop(L, 1);
  }
  lua_setfield(L, -3, "params");
  lua_pop(L, 1);
  return 1;
}

static int o_set_step(lua_State *L)
{
  lg_optim *o = lgan_checkoptim(L, 1, "Optimizer:set_step");
  o->step = lgan_checkint(L, 2, "Optimizer:set_step", "step", 0,
                          LUA_MAXINTEGER);
  return 0;
}

/* config(): the hyper-parameters as a table. */
static int o_config(lua_State *L)
{
  lg_optim *o = lgan_checkoptim(L, 1, "Optimizer:config");
  struct {
    const char *key;
    float value;
  } fields[] = {{"lr", o->lr},
                {"beta1", o->beta1},
                {"beta2", o->beta2},
                {"eps", o->eps},
                {"weight_decay", o->weight_decay},
                {"momentum", o->momentum},
                {"dampening", o->dampening}};

  lua_newtable(L);
  lua_pushstring(L, o->kind == LG_ADAM ? "adam" : "sgd");
  lua_setfield(L, -2, "kind");
  for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
    lua_pushnumber(L, fields[i].value);
    lua_setfield(L, -2, fields[i].key);
  }
  lua_pushboolean(L, o->nesterov);
  lua_setfield(L, -2, "nesterov");
  return 1;
}

static int o_set_lr(lua_State *L)
{
  lg_optim *o = lgan_checkoptim(L, 1, "Optimizer:set_lr");
  double lr = lgan_checknumber(L, 2, "Optimizer:set_lr", "lr");

  if (lr < 0)
    return lgan_error(L, "Optimizer:set_lr", "lr must be >= 0, got %f", lr);
  o->lr = (float)lr;
  return 0;
}

static const luaL_Reg optim_methods[] = {
  {"step", o_step},         {"state", o_state},
  {"set_step", o_set_step}, {"config", o_config},
  {"set_lr", o_set_lr},     {NULL, NULL}
};

void lgan_open_optim(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_OPTIM)) {
    luaL_newlib(L, optim_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_optimizer);
  lua_setfield(L, -2, "optimizer");
}
