/*
 * fuzz_lua.c - the Lua state of the fuzz targets (see fuzz_lua.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "fuzz_lua.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

/* Where lgan's Lua modules are; the Makefile passes the checkout's. */
#ifndef FZ_LUA_DIR
#define FZ_LUA_DIR "lua"
#endif

/* What fz_lua_run returns for an error value that is not a string. */
#define NOT_A_STRING "(error object is not a string)"

int luaopen_lgan_core(lua_State *L);
int luaopen_cjson(lua_State *L);

/* ---- coverage of Lua lines ------------------------------------------- */

/*
 * libFuzzer reads the bytes of this section after every input as extra
 * coverage.  The hook below counts edges between consecutive lines Lua
 * runs, each line named by a hash of its chunk's name and its number
 * (not the chunk's address, which changes with every new state).
 */
#define FZ_COUNTERS (1 << 16)

__attribute__((section("__libfuzzer_extra_counters"), used))
static uint8_t lua_counters[FZ_COUNTERS];

static uint32_t prev_line;
static const char *last_source;
static uint32_t last_hash;

static uint32_t hash_text(const char *s)
{
  uint32_t h = 2166136261u;

  while (*s)
    h = (h ^ (uint8_t)*s++) * 16777619u;
  return h;
}

static void line_hook(lua_State *L, lua_Debug *ar)
{
  uint32_t here;

  if (!lua_getinfo(L, "S", ar))
    return;
  if (ar->source != last_source) {
    last_source = ar->source;
    last_hash = hash_text(ar->source);
  }
  here = (last_hash ^ (uint32_t)ar->currentline * 2654435761u);
  {
    uint8_t *c = &lua_counters[(here ^ prev_line) % FZ_COUNTERS];

    if (*c < 255)
      (*c)++;
  }
  prev_line = here >> 1;
}

/* ---- the Lua state --------------------------------------------------- */

/* Bytes held by the one live state (targets make one at a time). */
static size_t lua_used;

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  size_t old = ptr ? osize : 0;
  void *p;

  (void)ud;
  if (nsize == 0) {
    free(ptr);
    lua_used -= old;
    return NULL;
  }
  if (nsize > old && nsize - old > FZ_LUA_LIMIT - lua_used)
    return NULL;
  p = realloc(ptr, nsize);
  if (p != NULL)
    lua_used = lua_used - old + nsize;
  return p;
}

/* fuzz_refused(err [, prefix]): fz_check_error on an error value from
 * pcall; in strict mode, one that does not start with prefix, when
 * given, counts as internal too. */
static int l_refused(lua_State *L)
{
  const char *msg = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1)
                                                  : NOT_A_STRING;
  const char *prefix = lua_tostring(L, 2);
  const char *strict = getenv("FUZZ_STRICT");

  if (prefix != NULL && strict != NULL && strcmp(strict, "1") == 0
      && strncmp(msg, prefix, strlen(prefix)) != 0
      && strcmp(msg, "not enough memory") != 0) {
    fprintf(stderr, "fuzz: error without \"%s\": %s\n", prefix, msg);
    abort();
  }
  fz_check_error(msg);
  return 0;
}

/* Opens the libraries and sets package.* up; run in protected mode. */
static int setup(lua_State *L)
{
  const char *dir = getenv("LGAN_LUA_DIR");

  if (dir == NULL || dir[0] == '\0')
    dir = FZ_LUA_DIR;
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", dir, dir);
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_lgan_core);
  lua_setfield(L, -2, "lgan.core");
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
  lua_register(L, "fuzz_refused", l_refused);
  return 0;
}

lua_State *fz_lua_new(void)
{
  lua_State *L;

  lua_used = 0;
  prev_line = 0;
  last_source = NULL;
  L = lua_newstate(limited_alloc, NULL);
  if (L == NULL) {
    fprintf(stderr, "fuzz: cannot make a Lua state\n");
    abort();
  }
  lua_pushcfunction(L, setup);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    fprintf(stderr, "fuzz: cannot set Lua up: %s\n", lua_tostring(L, -1));
    abort();
  }
  lua_sethook(L, line_hook, LUA_MASKLINE, 0);
  return L;
}

void fz_lua_run(lua_State *L, const char *name, const char *src,
                const char *const *args, int nargs)
{
  const char *msg;

  if (luaL_loadbuffer(L, src, strlen(src), name) != LUA_OK) {
    fprintf(stderr, "fuzz: %s does not compile: %s\n", name,
            lua_tostring(L, -1));
    abort();
  }
  for (int i = 0; i < nargs; i++)
    lua_pushstring(L, args[i]);
  if (lua_pcall(L, nargs, 0, 0) == LUA_OK)
    return;
  msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                       : NOT_A_STRING;
  if (strcmp(msg, "not enough memory") == 0)
    return;
  fprintf(stderr, "fuzz: the %s driver failed: %s\n", name + 1, msg);
  abort();
}

/* Whether msg starts with the position of a Lua file, "x.lua:12:", as
 * a runtime error inside one does; lgan's own errors carry none. */
static int has_position(const char *msg)
{
  const char *colon = strchr(msg, ':');

  if (colon == NULL || colon - msg < 4 || strncmp(colon - 4, ".lua", 4))
    return 0;
  if (colon[1] < '0' || colon[1] > '9')
    return 0;
  colon++;
  while (*colon >= '0' && *colon <= '9')
    colon++;
  return *colon == ':';
}

void fz_check_error(const char *msg)
{
  const char *strict = getenv("FUZZ_STRICT");

  if (msg == NULL || strict == NULL || strcmp(strict, "1") != 0)
    return;
  if (!has_position(msg) && strncmp(msg, "bad argument", 12) != 0
      && strcmp(msg, NOT_A_STRING) != 0)
    return;
  fprintf(stderr, "fuzz: internal error: %s\n", msg);
  abort();
}
