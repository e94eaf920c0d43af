/*
 * lua_lgan.c - luaopen_lgan_core: the C module that lua/lgan builds on.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lua_lgan.h"

/* set_threads(n): OpenBLAS's thread count for every GEMM that follows,
 * and the team size of every fused GAN step. */
static int l_set_threads(lua_State *L)
{
  int n = (int)lgan_checkint(L, 1, "set_threads", "n", 1, 256);

  lg_set_threads(n);
  return 0;
}

static int l_get_threads(lua_State *L)
{
  lua_pushinteger(L, lg_threads());
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

/*
 * Ctrl-C for `lgan train`: the handler only sets a flag, which the
 * training loop reads between steps so that the step in flight ends and
 * a checkpoint is written.  This is state of the binding, not of the
 * core: one process has one SIGINT disposition.
 */
static volatile sig_atomic_t interrupt_flag;
static struct sigaction saved_action;
static int catching;

static void on_interrupt(int sig)
{
  (void)sig;
  interrupt_flag = 1;
}

/*
 * catch_interrupt(true): SIGINT sets the flag that interrupted() reads.
 * The handler is installed with SA_RESETHAND, so a second Ctrl-C before
 * the program has stopped kills it at once.  catch_interrupt(false)
 * puts back the disposition found by the first call (restoring the
 * default handler in `lgan`) and clears the flag.
 */
static int l_catch_interrupt(lua_State *L)
{
  struct sigaction sa;

  luaL_checktype(L, 1, LUA_TBOOLEAN);
  if (lua_toboolean(L, 1)) {
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    interrupt_flag = 0;
    if (sigaction(SIGINT, &sa, catching ? NULL : &saved_action) < 0)
      return lgan_error(L, "catch_interrupt", "cannot install a SIGINT "
                        "handler");
    catching = 1;
  } else if (catching) {
    sigaction(SIGINT, &saved_action, NULL);
    catching = 0;
    interrupt_flag = 0;
  }
  return 0;
}

/* interrupted(): whether SIGINT came since the last call; clears it. */
static int l_interrupted(lua_State *L)
{
  int was = interrupt_flag != 0;

  interrupt_flag = 0;
  lua_pushboolean(L, was);
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
  lgan_open_sheet(L);
  lgan_open_classify(L);
  lua_pushcfunction(L, l_set_threads);
  lua_setfield(L, -2, "set_threads");
  lua_pushcfunction(L, l_get_threads);
  lua_setfield(L, -2, "get_threads");
  lua_pushcfunction(L, l_clock);
  lua_setfield(L, -2, "clock");
  lua_pushcfunction(L, l_stderr_is_terminal);
  lua_setfield(L, -2, "stderr_is_terminal");
  lua_pushcfunction(L, l_catch_interrupt);
  lua_setfield(L, -2, "catch_interrupt");
  lua_pushcfunction(L, l_interrupted);
  lua_setfield(L, -2, "interrupted");
  return 1;
}
