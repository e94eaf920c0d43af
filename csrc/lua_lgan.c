/*
 * lua_lgan.c - luaopen_lgan_core: the C module that lua/lgan builds on.
 */
#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "lua_lgan.h"

/* set_threads(n): OpenBLAS's thread count for every GEMM that follows. */
static int l_set_threads(lua_State *L)
{
  int n = (int)lgan_checkint(L, 1, "set_threads", "n", 1, 256);

  openblas_set_num_threads(n);
  return 0;
}

static int l_get_threads(lua_State *L)
{
  lua_pushinteger(L, openblas_get_num_threads());
  return 1;
}

/* stderr_is_terminal(): whether progress may redraw a line. */
static int l_stderr_is_terminal(lua_State *L)
{
  lua_pushboolean(L, isatty(fileno(stderr)));
  return 1;
}

/* clock(): seconds from a monotonic clock, for timing wall time. */
static int l_clock(lua_State *L)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + ts.tv_nsec * 1e-9);
  return 1;
}

int luaopen_lgan_core(lua_State *L);

int luaopen_lgan_core(lua_State *L)
{
  lua_newtable(L);
  lgan_open_tensor(L);
  lgan_open_rng(L);
  lgan_open_nn(L);
  lgan_open_optim(L);
  lgan_open_gan(L);
  lgan_open_io(L);
  lua_pushcfunction(L, l_set_threads);
  lua_setfield(L, -2, "set_threads");
  lua_pushcfunction(L, l_get_threads);
  lua_setfield(L, -2, "get_threads");
  lua_pushcfunction(L, l_clock);
  lua_setfield(L, -2, "clock");
  lua_pushcfunction(L, l_stderr_is_terminal);
  lua_setfield(L, -2, "stderr_is_terminal");
  return 1;
}
