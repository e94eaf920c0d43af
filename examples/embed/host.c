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

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The Lua side of the host: everything it asks of lgan.  The command
 * line reaches it only as the chunk's arguments, never as source text
 * or through a shell, so a folder may be named anything.  The
 * checkpoint is read before the folder is made, so a bad one leaves
 * nothing behind.
 */
static const char *const script =
    "local core = require 'lgan.core'\n"
    "local checkpoint = require 'lgan.checkpoint'\n"
    "local worksheet = require 'lgan.worksheet'\n"
    "local path, dir, items, seed = ...\n"
    "local model = checkpoint.gan(checkpoint.load(path))\n"
    "local made, why = core.make_dirs(dir)\n"
    "if not made then error(why, 0) end\n"
    "local digits = worksheet.write(model, { items = items, seed = seed,\n"
    "                                        dir = dir })\n"
    "return #digits\n";

/* A whole-string integer: strtoll alone takes "12abc" as 12 and "abc"
 * as 0, and skips leading blanks. */
static int parse_integer(const char *text, const char *name, int positive,
                         lua_Integer *out)
{
  char *end;
  long long v;

  errno = 0;
  v = strtoll(text, &end, 10);
  if (*text == '\0' || isspace((unsigned char)*text) || *end != '\0' ||
      errno == ERANGE || (positive && v < 1)) {
    fprintf(stderr, "host: %s must be %s, not '%s'\n", name,
            positive ? "a positive integer" : "an integer", text);
    return 0;
  }
  *out = (lua_Integer)v;
  return 1;
}

int main(int argc, char **argv)
{
  lua_State *L;
  lua_Integer items = 20, seed = 1;
  const char *msg;
  int status;

  if (argc < 3 || argc > 5) {
    fprintf(stderr, "usage: %s CHECKPOINT OUT-DIR [ITEMS [SEED]]\n",
            argv[0]);
    return 2;
  }
  if (argv[2][0] == '\0') {
    fprintf(stderr, "host: OUT-DIR must name a folder, not ''\n");
    return 2;
  }
  if ((argc > 3 && !parse_integer(argv[3], "ITEMS", 1, &items)) ||
      (argc > 4 && !parse_integer(argv[4], "SEED", 0, &seed)))
    return 2;
  L = luaL_newstate();
  if (!L) {
    fprintf(stderr, "host: no memory for a lua_State\n");
    return 1;
  }
  luaL_openlibs(L);
  status = luaL_loadbuffer(L, script, strlen(script), "=host");
  if (status == LUA_OK) {
    lua_pushstring(L, argv[1]);
    lua_pushstring(L, argv[2]);
    lua_pushinteger(L, items);
    lua_pushinteger(L, seed);
    status = lua_pcall(L, 4, 1, 0);
  }
  if (status != LUA_OK) {
    /* lgan's errors name the function and what was wrong; the host
     * shows them and carries on running. */
    msg = lua_tostring(L, -1);
    fprintf(stderr, "host: %s\n",
            msg ? msg : "(error object is not a string)");
    lua_close(L);
    return 1;
  }
  printf("host: wrote a worksheet of %d items in %s\n",
         (int)lua_tointeger(L, -1), argv[2]);
  lua_close(L);
  return 0;
}
