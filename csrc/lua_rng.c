/*
 * lua_rng.c - lgan.Generator, the seeded random generator object.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_lgan.h"
#include "rng.h"

#define LGAN_RNG "lgan.Generator"

lg_rng *lgan_checkrng(lua_State *L, int arg, const char *fn)
{
  lg_rng *g = luaL_testudata(L, arg, LGAN_RNG);

  if (!g)
    lgan_error(L, fn, "argument %d: expected lgan.Generator, got %s", arg,
               lgan_typename(L, arg));
  return g;
}

/* Generator(seed [, stream]): seed and stream are integers. */
static int l_generator(lua_State *L)
{
  lua_Integer seed = lgan_checkint(L, 1, "Generator", "seed", LUA_MININTEGER,
                                   LUA_MAXINTEGER);
  lua_Integer stream = lua_isnoneornil(L, 2)
                           ? 0
                           : lgan_checkint(L, 2, "Generator", "stream",
                                           LUA_MININTEGER, LUA_MAXINTEGER);
  lg_rng *g = lua_newuserdatauv(L, sizeof *g, 0);

  luaL_setmetatable(L, LGAN_RNG);
  lg_rng_seed(g, (uint64_t)seed, (uint64_t)stream);
  return 1;
}

static int fill(lua_State *L, int normal, const char *fn)
{
  lg_rng *g = lgan_checkrng(L, 1, fn);
  int n = lua_gettop(L) - 1;
  int64_t sizes[LG_MAX_DIMS];
  lg_tensor *t;

  if (n < 1 || n > LG_MAX_DIMS)
    return lgan_error(L, fn, "expected 1 to %d sizes, got %d", LG_MAX_DIMS,
                      n);
  for (int i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof what, "size %d", i + 1);
    sizes[i] = lgan_checkint(L, i + 2, fn, what, 1, LG_MAX_NUMEL);
  }
  t = lgan_newtensor(L, n, sizes, fn);
  if (normal)
    lg_rng_fill_normal(g, t->data, t->numel, 0.0f, 1.0f);
  else
    lg_rng_fill_uniform(g, t->data, t->numel, 0.0f, 1.0f);
  return 1;
}

/* randn(s1, ..., sn): a new tensor of standard normal draws. */
static int g_randn(lua_State *L)
{
  return fill(L, 1, "Generator:randn");
}

/* rand(s1, ..., sn): a new tensor of uniform draws in [0, 1). */
static int g_rand(lua_State *L)
{
  return fill(L, 0, "Generator:rand");
}

/* v as Lua writes it, for messages (lua_pushfstring has no %g). */
static const char *number_text(lua_State *L, double v)
{
  lua_pushnumber(L, v);
  return lua_tostring(L, -1);
}

/* The finite number at arg, or dflt when it is absent. */
static float opt_finite(lua_State *L, int arg, const char *fn,
                        const char *what, double dflt)
{
  double v;

  if (lua_isnoneornil(L, arg))
    return (float)dflt;
  v = lgan_checknumber(L, arg, fn, what);
  if (!isfinite((float)v))
    lgan_error(L, fn, "%s is %s, beyond float32's range", what,
               number_text(L, v));
  return (float)v;
}

/* normal_(t [, mean, std]): fills t in place. */
static int g_normal_(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:normal_");
  lg_tensor *t = lgan_checktensor(L, 2, "Generator:normal_");
  float mean = opt_finite(L, 3, "Generator:normal_", "mean", 0.0);
  float std = opt_finite(L, 4, "Generator:normal_", "std", 1.0);

  if (std < 0)
    return lgan_error(L, "Generator:normal_", "std must be at least 0, "
                      "got %s", number_text(L, std));

  lg_rng_fill_normal(g, t->data, t->numel, mean, std);
  lua_settop(L, 2);
  return 1;
}

/* uniform_(t [, lo, hi]): fills t in place with draws in [lo, hi). */
static int g_uniform_(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:uniform_");
  lg_tensor *t = lgan_checktensor(L, 2, "Generator:uniform_");
  float lo = opt_finite(L, 3, "Generator:uniform_", "lo", 0.0);
  float hi = opt_finite(L, 4, "Generator:uniform_", "hi", 1.0);

  if (!(lo <= hi))
    return lgan_error(L, "Generator:uniform_", "lo must not be above hi, "
                      "got lo=%s, hi=%s", number_text(L, lo),
                      number_text(L, hi));

  lg_rng_fill_uniform(g, t->data, t->numel, lo, hi);
  lua_settop(L, 2);
  return 1;
}

/* random_int(n): an integer in [1, n]. */
static int g_random_int(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:random_int");
  lua_Integer n = lgan_checkint(L, 2, "Generator:random_int", "n", 1,
                                LUA_MAXINTEGER);

  lua_pushinteger(L, (lua_Integer)lg_rng_below(g, (uint64_t)n) + 1);
  return 1;
}

static int g_uniform(lua_State *L)
{
  lua_pushnumber(L, lg_rng_uniform(lgan_checkrng(L, 1, "Generator:uniform")));
  return 1;
}

static int g_normal(lua_State *L)
{
  lua_pushnumber(L, lg_rng_normal(lgan_checkrng(L, 1, "Generator:normal")));
  return 1;
}

/* The state as 74 hex digits: four 64-bit words, the spare flag, then
 * the spare normal's bits.  Text, so it fits a JSON header. */
static int g_state(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:state");
  uint64_t spare;
  char buf[96];

  memcpy(&spare, &g->spare, sizeof spare);
  snprintf(buf, sizeof buf, "%016llx%016llx%016llx%016llx%02x%016llx",
           (unsigned long long)g->s[0], (unsigned long long)g->s[1],
           (unsigned long long)g->s[2], (unsigned long long)g->s[3],
           (unsigned)g->has_spare, (unsigned long long)spare);
  lua_pushstring(L, buf);
  return 1;
}

static int parse_hex(const char *s, int digits, uint64_t *out)
{
  uint64_t v = 0;

  for (int i = 0; i < digits; i++) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v << 4 | (uint64_t)d;
  }
  *out = v;
  return 0;
}

static int g_set_state(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:set_state");
  size_t len = 0;
  const char *s = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len)
                                                : NULL;
  uint64_t w[4], flag, spare;
  int ok = len == 82;

  for (int i = 0; ok && i < 4; i++)
    ok = parse_hex(s + 16 * i, 16, &w[i]) == 0;
  ok = ok && parse_hex(s + 64, 2, &flag) == 0 && flag <= 1 &&
       parse_hex(s + 66, 16, &spare) == 0 && (w[0] | w[1] | w[2] | w[3]);
  if (!ok)
    return lgan_error(L, "Generator:set_state", "not a generator state "
                      "(expected 82 lowercase hex digits from state())");
  memcpy(g->s, w, sizeof w);
  g->has_spare = (int)flag;
  memcpy(&g->spare, &spare, sizeof spare);
  lua_settop(L, 1);
  return 1;
}

static int g_clone(lua_State *L)
{
  lg_rng *g = lgan_checkrng(L, 1, "Generator:clone");
  lg_rng *c = lua_newuserdatauv(L, sizeof *c, 0);

  luaL_setmetatable(L, LGAN_RNG);
  *c = *g;
  return 1;
}

static int g_tostring(lua_State *L)
{
  lua_pushfstring(L, "lgan.Generator (%p)", lua_topointer(L, 1));
  return 1;
}

static const luaL_Reg rng_methods[] = {
  {"randn", g_randn},           {"rand", g_rand},
  {"normal_", g_normal_},       {"uniform_", g_uniform_},
  {"random_int", g_random_int}, {"uniform", g_uniform},
  {"normal", g_normal},         {"state", g_state},
  {"set_state", g_set_state},   {"clone", g_clone},
  {NULL, NULL}
};

void lgan_open_rng(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_RNG)) {
    luaL_newlib(L, rng_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, g_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  lua_pushcfunction(L, l_generator);
  lua_setfield(L, -2, "Generator");
}
