/*
 * tensor_fuzz.c - libFuzzer target for making tensors from Lua values:
 * lgan.tensor(nested table), lgan.tensor(sizes...), lgan.ones,
 * lgan.zeros, cat(list, dim), one_hot(labels, classes) and
 * Generator:randn, then a few methods on what they made.
 *
 * The input is not Lua source but a byte code that builds the values
 * directly, so that every mutation is a valid structure: nested tables
 * of any depth, ragged or with holes, extra keys, shared rows (a table
 * of 256 references to one row of 256 makes 65536 entries from a few
 * bytes), strings, booleans, tensors, and numbers chosen for trouble
 * (NaN, infinities, -0, 2^31, 2^40, 2^63, integral floats, fractions,
 * any 8 bytes as a double or an integer).  See decode() for the codes.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "fuzz_lua.h"
#include "lua_lgan.h"

/* Deepest nesting built; lgan refuses more than LG_MAX_DIMS levels. */
#define MAX_DEPTH 8

/* Values decoded per input, so that one input stays quick. */
#define MAX_VALUES 20000

/* Most references to one row in a repeated table. */
#define MAX_REPEAT 256

/* Values an input passes to the constructor. */
#define MAX_ARGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct input {
  const uint8_t *p, *end;
  int values;
} input;

static int next_byte(input *in)
{
  return in->p < in->end ? *in->p++ : 0;
}

/* Eight bytes (fewer at the end of the input, zero-filled). */
static uint64_t next_word(input *in)
{
  uint64_t w = 0;

  for (int i = 0; i < 8; i++)
    w = w << 8 | (uint64_t)next_byte(in);
  return w;
}

static const double specials[16] = {
  NAN, INFINITY, -INFINITY, -0.0, 0.0, 1e39, -1e39, 2147483648.0,
  2147483647.0, 1099511627776.0, 9223372036854775808.0, -1.0, 1e-320,
  1.7976931348623157e308, 2.0, 3.0
};

static void decode(lua_State *L, input *in, int depth);

/* A table of n values decoded one by one. */
static void decode_list(lua_State *L, input *in, int depth, int n)
{
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    decode(L, in, depth + 1);
    lua_rawseti(L, -2, i);
  }
}

/*
 * Pushes one value.  The low four bits of the code byte say what, the
 * high four bits (h) are a parameter:
 *   0-3  the integer h          4  the float h / 2 (0, 0.5, 1, ...)
 *   5    specials[h]            6  a double from the next 8 bytes
 *   7    an integer from the next 8 bytes
 *   8    a table of (next byte) values, each decoded
 *   9    a table of (next byte) references to one decoded value
 *   10   a string of h bytes    11  a boolean          12  nil (a hole)
 *   13   a table as 8, then an extra key: t[0], t.x, or t[#t + 2]
 *   14   zeros: h + 1 of them for h < 8, else a 2-D tensor of
 *        (1 + bit 2 of h) x (1 + the low two bits of h)
 *   15   h levels of nesting around one decoded value
 * Past MAX_DEPTH or MAX_VALUES, or at the end of the input, it pushes 1.
 */
static void decode(lua_State *L, input *in, int depth)
{
  int code, h;

  luaL_checkstack(L, 4, "decode");
  if (in->p >= in->end || depth > MAX_DEPTH || ++in->values > MAX_VALUES) {
    lua_pushinteger(L, 1);
    return;
  }
  code = next_byte(in);
  h = code >> 4;
  switch (code & 15) {
  case 0: case 1: case 2: case 3:
    lua_pushinteger(L, h);
    break;
  case 4:
    lua_pushnumber(L, h / 2.0);
    break;
  case 5:
    lua_pushnumber(L, specials[h]);
    break;
  case 6: {
    uint64_t w = next_word(in);
    double d;

    memcpy(&d, &w, sizeof d);
    lua_pushnumber(L, d);
    break;
  }
  case 7:
    lua_pushinteger(L, (lua_Integer)next_word(in));
    break;
  case 8:
    decode_list(L, in, depth, next_byte(in));
    break;
  case 9: {
    int n = next_byte(in) % (MAX_REPEAT + 1);

    lua_createtable(L, n, 0);
    decode(L, in, depth + 1);
    for (int i = 1; i <= n; i++) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, -3, i);
    }
    lua_pop(L, 1);
    break;
  }
  case 10: {
    char s[16];

    for (int i = 0; i < h; i++)
      s[i] = (char)next_byte(in);
    lua_pushlstring(L, s, (size_t)h);
    break;
  }
  case 11:
    lua_pushboolean(L, h & 1);
    break;
  case 12:
    lua_pushnil(L);
    break;
  case 13:
    decode_list(L, in, depth, next_byte(in));
    lua_pushinteger(L, 1);
    if (h % 3 == 0)
      lua_rawseti(L, -2, 0);
    else if (h % 3 == 1)
      lua_setfield(L, -2, "x");
    else
      lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 2);
    break;
  case 14: {
    int64_t sizes[2] = {(h & 4) / 4 + 1, (h & 3) + 1};

    if (h < 8)
      sizes[0] = h + 1;
    lgan_newtensor(L, h < 8 ? 1 : 2, sizes, "decode");
    break;
  }
  default:
    decode(L, in, depth + h);
    for (int i = 0; i < h; i++) {
      lua_createtable(L, 1, 0);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 1);
    }
    break;
  }
}

/* input() -> mode, values...: the input decoded; upvalue 1 holds it. */
static int l_input(lua_State *L)
{
  input *in = lua_touserdata(L, lua_upvalueindex(1));
  int n = 1;

  lua_pushinteger(L, next_byte(in) % 7);
  while (in->p < in->end && n <= MAX_ARGS) {
    decode(L, in, 0);
    n++;
  }
  return n;
}

static const char driver[] =
  "local input = fuzz_input\n"
  "local lgan = require 'lgan'\n"
  "local function try(f, ...)\n"
  "  local ok, result = pcall(f, ...)\n"
  "  if ok then return result end\n"
  "  fuzz_refused(result)\n"
  "end\n"
  "local v = table.pack(input())\n"
  "local mode, t = v[1], nil\n"
  "local args = table.pack(table.unpack(v, 2, v.n))\n"
  "if mode == 0 then\n"
  "  t = try(lgan.tensor, args[1])\n"
  "elseif mode == 1 then\n"
  "  t = try(lgan.tensor, table.unpack(args, 1, args.n))\n"
  "elseif mode == 2 then\n"
  "  t = try(lgan.ones, table.unpack(args, 1, args.n))\n"
  "elseif mode == 3 then\n"
  "  t = try(lgan.zeros, table.unpack(args, 1, args.n))\n"
  "elseif mode == 4 then\n"
  "  t = try(lgan.core.cat, args[1], args[2])\n"
  "elseif mode == 5 then\n"
  "  t = try(lgan.core.one_hot, args[1], args[2])\n"
  "else\n"
  "  local g = lgan.Generator(1)\n"
  "  t = try(g.randn, g, table.unpack(args, 1, args.n))\n"
  "end\n"
  "if t and t:numel() <= 65536 then\n"
  "  try(t.totable, t)\n"
  "  try(tostring, t)\n"
  "  try(t.sum, t)\n"
  "  try(t.max, t)\n"
  "  try(function() return #t, t:size(), t:dim(), t[1] end)\n"
  "  try(t.view, t, -1)\n"
  "  try(t.view, t, table.unpack(args, 2, args.n))\n"
  "  try(t.narrow, t, 1, args[2])\n"
  "  try(function() return t:tobytes(), t:clone(), t + t, t * 2 end)\n"
  "end\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  input in = {data, data + size, 0};
  lua_State *L = fz_lua_new();

  lua_pushlightuserdata(L, &in);
  lua_pushcclosure(L, l_input, 1);
  lua_setglobal(L, "fuzz_input");
  fz_lua_run(L, "=tensor_fuzz", driver, NULL, 0);
  lua_close(L);
  return 0;
}
