/*
 * host.c - a host app that embeds lgan: it makes a lua_State, loads
 * lgan, and writes a practice worksheet from a checkpoint.
 *
 *   host CHECKPOINT OUT-DIR [ITEMS [SEED]]
 *
 * Built by `make embed`; it finds lgan where Lua's default paths do (an
 * installed lgan) or where LUA_PATH and LUA_CPATH point.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>

/* The Lua side of the host: everything it asks of lgan. */
static const char *const script =
    "local checkpoint = require 'lgan.checkpoint'\n"
    "local worksheet = require 'lgan.worksheet'\n"
    "local path, dir, items, seed = ...\n"
    "os.execute('mkdir -p ' .. ('%q'):format(dir))\n"
    "local model = checkpoint.gan(checkpoint.load(path))\n"
    "local digits = worksheet.write(model, { items = items, seed = seed,\n"
    "                                        dir = dir })\n"
    "return #digits\n";

int main(int argc, char **argv)
{
  lua_State *L;
  int status;

  if (argc < 3) {
    fprintf(stderr, "usage: %s CHECKPOINT OUT-DIR [ITEMS [SEED]]\n",
            argv[0]);
    return 2;
  }
  L = luaL_newstate();
  if (!L)
    return 1;
  luaL_openlibs(L);
  status = luaL_loadstring(L, script);
  if (status == LUA_OK) {
    lua_pushstring(L, argv[1]);
    lua_pushstring(L, argv[2]);
    lua_pushinteger(L, argc > 3 ? atoi(argv[3]) : 20);
    lua_pushinteger(L, argc > 4 ? atoi(argv[4]) : 1);
    status = lua_pcall(L, 4, 1, 0);
  }
  if (status != LUA_OK) {
    /* lgan's errors name the function and what was wrong; the host
     * shows them and carries on running. */
    fprintf(stderr, "host: %s\n", lua_tostring(L, -1));
    lua_close(L);
    return 1;
  }
  printf("host: wrote a worksheet of %d items in %s\n",
         (int)lua_tointeger(L, -1), argv[2]);
  lua_close(L);
  return 0;
}
