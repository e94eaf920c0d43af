/*
 * lua_mpi.c - luaopen_lgan_mpi: the C part of lgan.dist (lua/lgan/dist.lua
 * documents it), built only with `make MPI=1`.
 *
 * This module is a shared object of its own, loaded beside lgan.core; it
 * calls nothing of lgan.core.  It reads tensors through their userdata
 * layout (lua_lgan.h) and makes reducers with the metatable lgan.core
 * checks for (LGAN_REDUCER).
 */
#include <stdarg.h>
#include <string.h>

#include "dist.h"
#include "lua_lgan.h"

/* Raises "fn: message", message formatted as by lua_pushfstring. */
static int fail(lua_State *L, const char *fn, const char *fmt, ...)
{
  va_list ap;

  lua_pushstring(L, fn);
  lua_pushstring(L, ": ");
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 3);
  return lua_error(L);
}

/* Raises "fn: what went wrong" when a core call returned -1. */
static void check(lua_State *L, int rc, const char *fn, const lg_err *err)
{
  if (rc)
    fail(L, fn, "%s", err->msg);
}

static lg_tensor *check_tensor(lua_State *L, int arg, const char *fn)
{
  lgan_Tensor *u = luaL_testudata(L, arg, LGAN_TENSOR);

  if (!u)
    fail(L, fn, "argument %d: expected lgan.Tensor, got %s", arg,
         luaL_typename(L, arg));
  return &u->t;
}

/* The rank at arg, from 0 to world - 1. */
static int check_root(lua_State *L, int arg, const char *fn)
{
  lg_err err;
  int world, ok;
  lua_Integer root = lua_tointegerx(L, arg, &ok);

  check(L, lg_dist_size(&world, &err), fn, &err);
  if (!ok || root < 0 || root >= world)
    fail(L, fn, "argument %d: expected a rank from 0 to %d, got %s", arg,
         world - 1, luaL_tolstring(L, arg, NULL));
  return (int)root;
}

/* init(): starts MPI, unless the host has; errors return from then on. */
static int l_init(lua_State *L)
{
  lg_err err;

  check(L, lg_dist_init(&err), "dist.init", &err);
  return 0;
}

/* running(): whether MPI is started and not finalized. */
static int l_running(lua_State *L)
{
  lua_pushboolean(L, lg_dist_running());
  return 1;
}

static int l_rank(lua_State *L)
{
  lg_err err;
  int rank;

  check(L, lg_dist_rank(&rank, &err), "dist.rank", &err);
  lua_pushinteger(L, rank);
  return 1;
}

static int l_size(lua_State *L)
{
  lg_err err;
  int world;

  check(L, lg_dist_size(&world, &err), "dist.size", &err);
  lua_pushinteger(L, world);
  return 1;
}

static int l_local_size(lua_State *L)
{
  lg_err err;
  int n;

  check(L, lg_dist_local_size(&n, &err), "dist.local_size", &err);
  lua_pushinteger(L, n);
  return 1;
}

/* reducer(): a new lgan.Reducer averaging over MPI_COMM_WORLD. */
static int l_reducer(lua_State *L)
{
  lg_dist_reducer *r = lua_newuserdatauv(L, sizeof *r, 0);
  lg_err err;

  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, LGAN_REDUCER);
  check(L, lg_dist_reducer_init(r, &err), "dist.reducer", &err);
  return 1;
}

/* Pushes {calls =, seconds =, values =} for slot i of r. */
static void push_timing(lua_State *L, const lg_dist_reducer *r, int i)
{
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, r->calls[i]);
  lua_setfield(L, -2, "calls");
  lua_pushnumber(L, r->seconds[i]);
  lua_setfield(L, -2, "seconds");
  lua_pushinteger(L, r->values[i]);
  lua_setfield(L, -2, "values");
}

/* timings(r): what a reducer from reducer() has done so far. */
static int l_timings(lua_State *L)
{
  lg_dist_reducer *r = luaL_testudata(L, 1, LGAN_REDUCER);

  if (!r || lua_rawlen(L, 1) != sizeof *r || r->base.ctx != (void *)r)
    return fail(L, "dist.timings", "argument 1: expected a reducer from "
                "dist.reducer(), got %s", luaL_typename(L, 1));
  lua_createtable(L, 0, 3);
  push_timing(L, r, 0);
  lua_setfield(L, -2, "discriminator");
  push_timing(L, r, 1);
  lua_setfield(L, -2, "generator");
  push_timing(L, r, 2);
  lua_setfield(L, -2, "stats");
  return 1;
}

/* average(t): t becomes its average over all processes, in place. */
static int l_average(lua_State *L)
{
  lg_tensor *t = check_tensor(L, 1, "dist.average");
  lg_err err;

  check(L, lg_dist_average(t->data, t->numel, &err), "dist.average", &err);
  lua_settop(L, 1);
  return 1;
}

/* broadcast(t, root): t takes root's values on every process. */
static int l_broadcast(lua_State *L)
{
  lg_tensor *t = check_tensor(L, 1, "dist.broadcast");
  int root = lua_isnoneornil(L, 2) ? 0 : check_root(L, 2, "dist.broadcast");
  lg_err err;

  check(L, lg_dist_broadcast(t->data, t->numel, root, &err),
        "dist.broadcast", &err);
  lua_settop(L, 1);
  return 1;
}

static int l_barrier(lua_State *L)
{
  lg_err err;

  check(L, lg_dist_barrier(&err), "dist.barrier", &err);
  return 0;
}

static int l_finalize(lua_State *L)
{
  lg_err err;

  check(L, lg_dist_finalize(&err), "dist.finalize", &err);
  return 0;
}

/* abort(code): ends every process of the job (for a program's failure
 * path: a process that merely exits leaves the others to mpirun). */
static int l_abort(lua_State *L)
{
  int ok;
  lua_Integer code = lua_tointegerx(L, 1, &ok);

  lg_dist_abort(ok ? (int)code : 1);
  return 0;
}

static const luaL_Reg functions[] = {
  {"init", l_init},
  {"running", l_running},
  {"rank", l_rank},
  {"size", l_size},
  {"local_size", l_local_size},
  {"reducer", l_reducer},
  {"timings", l_timings},
  {"average", l_average},
  {"broadcast", l_broadcast},
  {"barrier", l_barrier},
  {"finalize", l_finalize},
  {"abort", l_abort},
  {NULL, NULL}
};

int luaopen_lgan_mpi(lua_State *L);

int luaopen_lgan_mpi(lua_State *L)
{
  /* lgan.core makes the same metatable; whichever loads first does. */
  luaL_newmetatable(L, LGAN_REDUCER);
  lua_pop(L, 1);
  luaL_newlib(L, functions);
  return 1;
}
