/*
 * lua_tensor.c - lgan.Tensor: the userdata, its constructors, indexing,
 * arithmetic and the argument checks the other bindings share.
 */
#include <math.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lua_lgan.h"

#define LGAN_ALIGN 64

int lgan_error(lua_State *L, const char *fn, const char *fmt, ...)
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

const char *lgan_typename(lua_State *L, int arg)
{
  int type = luaL_getmetafield(L, arg, "__name");

  if (type == LUA_TSTRING) {
    /* The metatable still holds the string after the pop. */
    const char *name = lua_tostring(L, -1);
    lua_pop(L, 1);
    return name;
  }
  if (type != LUA_TNIL)
    lua_pop(L, 1);
  return luaL_typename(L, arg);
}

lg_tensor *lgan_totensor(lua_State *L, int arg)
{
  lgan_Tensor *u = luaL_testudata(L, arg, LGAN_TENSOR);
  return u ? &u->t : NULL;
}

lg_tensor *lgan_checktensor(lua_State *L, int arg, const char *fn)
{
  lg_tensor *t = lgan_totensor(L, arg);

  if (!t)
    lgan_error(L, fn, "argument %d: expected lgan.Tensor, got %s", arg,
               lgan_typename(L, arg));
  return t;
}

/* The number at arg as text for a message: as Lua writes it, except
 * that NaN is "nan" whatever its sign bit (0/0 is "-nan" on x86-64). */
static const char *number_text(lua_State *L, int arg)
{
  if (isnan(lua_tonumber(L, arg)))
    return "nan";
  lua_pushvalue(L, arg);
  return lua_tostring(L, -1);
}

lua_Integer lgan_checkint(lua_State *L, int arg, const char *fn,
                          const char *what, lua_Integer lo, lua_Integer hi)
{
  int ok = 0;
  lua_Integer v = 0;

  if (lua_type(L, arg) == LUA_TNUMBER)
    v = lua_tointegerx(L, arg, &ok);
  if (!ok)
    lgan_error(L, fn, "%s must be an integer, got %s", what,
               lua_type(L, arg) == LUA_TNUMBER ? number_text(L, arg)
                                               : lgan_typename(L, arg));
  if (v < lo || v > hi)
    lgan_error(L, fn, "%s must be in [%I, %I], got %I", what, lo, hi, v);
  return v;
}

void lgan_checkkeys(lua_State *L, int opts, const char *fn,
                    const char *const *keys)
{
  int n = 0;

  while (keys[n])
    n++;
  opts = lua_absindex(L, opts);
  lua_pushnil(L);
  while (lua_next(L, opts)) {
    const char *key;
    int i = 0, top;

    lua_pop(L, 1);
    key = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    while (key && keys[i] && strcmp(keys[i], key))
      i++;
    if (key && keys[i])
      continue;
    /* Worded as lua/lgan/options.lua words it: 'name', or [key]. */
    top = lua_gettop(L);
    luaL_checkstack(L, 2 * n + 3, fn);
    lua_pushstring(L, key ? "'" : "[");
    luaL_tolstring(L, top, NULL);
    lua_pushstring(L, key ? "' (expected one of " : "] (expected one of ");
    for (i = 0; i < n; i++) {
      lua_pushstring(L, keys[i]);
      lua_pushstring(L, i + 1 < n ? ", " : ")");
    }
    lua_concat(L, lua_gettop(L) - top);
    lgan_error(L, fn, "unknown option %s", lua_tostring(L, -1));
  }
}

lua_Number lgan_checknumber(lua_State *L, int arg, const char *fn,
                            const char *what)
{
  lua_Number v;

  if (lua_type(L, arg) != LUA_TNUMBER)
    lgan_error(L, fn, "%s must be a number, got %s", what,
               lgan_typename(L, arg));
  v = lua_tonumber(L, arg);
  if (!isfinite(v))
    lgan_error(L, fn, "%s must be finite, got %s", what,
               number_text(L, arg));
  return v;
}

const char *lgan_shape(const lg_tensor *t, char *buf, size_t len)
{
  size_t used = 0;

  buf[0] = '\0';
  for (int i = 0; i < t->ndim && used < len; i++)
    used += (size_t)snprintf(buf + used, len - used, i ? "x%lld" : "%lld",
                             (long long)t->size[i]);
  return buf;
}

static void set_metatable(lua_State *L)
{
  luaL_setmetatable(L, LGAN_TENSOR);
}

lg_tensor *lgan_newtensor(lua_State *L, int ndim, const int64_t *sizes,
                          const char *fn)
{
  int64_t numel = ndim >= 1 && ndim <= LG_MAX_DIMS ? lg_numel(ndim, sizes)
                                                   : -1;
  lgan_Tensor *u;

  if (numel < 0)
    lgan_error(L, fn, "sizes must be 1 to %d integers of at least 1 whose "
               "product is at most %d", LG_MAX_DIMS, LG_MAX_NUMEL);
  /* The floats start on a cache line (64 bytes), where OpenBLAS's
   * AVX-512 kernels and the vectorised loops read them fastest. */
  u = lua_newuserdatauv(L, sizeof *u + (size_t)numel * sizeof(float) +
                               LGAN_ALIGN, 1);
  set_metatable(L);
  u->is_view = 0;
  u->t.data = (float *)(((uintptr_t)u->storage + LGAN_ALIGN - 1) &
                        ~(uintptr_t)(LGAN_ALIGN - 1));
  lg_tensor_shape(&u->t, ndim, sizes);
  memset(u->t.data, 0, (size_t)numel * sizeof(float));
  return &u->t;
}

lg_tensor *lgan_newview(lua_State *L, int base_arg, float *data, int ndim,
                        const int64_t *sizes)
{
  lgan_Tensor *u;

  base_arg = lua_absindex(L, base_arg);
  u = lua_newuserdatauv(L, sizeof *u, 1);
  set_metatable(L);
  u->is_view = 1;
  u->t.data = data;
  lg_tensor_shape(&u->t, ndim, sizes);
  lua_pushvalue(L, base_arg);
  lua_setiuservalue(L, -2, 1);
  return &u->t;
}

lg_tensor *lgan_newlike(lua_State *L, const lg_tensor *t, const char *fn)
{
  return lgan_newtensor(L, t->ndim, t->size, fn);
}

/* Sizes from the arguments first..top, all integers. */
static int read_sizes(lua_State *L, int first, const char *fn,
                      int64_t *sizes)
{
  int n = lua_gettop(L) - first + 1;

  if (n < 1 || n > LG_MAX_DIMS)
    lgan_error(L, fn, "expected 1 to %d sizes, got %d", LG_MAX_DIMS,
               n < 0 ? 0 : n);
  for (int i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof what, "size %d", i + 1);
    sizes[i] = lgan_checkint(L, first + i, fn, what, 1, LG_MAX_NUMEL);
  }
  return n;
}

/* ---- construction from nested tables ---------------------------------- */

static int table_shape(lua_State *L, int idx, int depth, int64_t *sizes,
                       const char *fn)
{
  lua_Integer n = (lua_Integer)lua_rawlen(L, idx);

  if (depth >= LG_MAX_DIMS)
    lgan_error(L, fn, "tables nest deeper than %d levels", LG_MAX_DIMS);
  if (n < 1)
    lgan_error(L, fn, "empty table at depth %d", depth + 1);
  sizes[depth] = n;
  if (lua_rawgeti(L, idx, 1) == LUA_TTABLE) {
    int d = table_shape(L, lua_gettop(L), depth + 1, sizes, fn);
    lua_pop(L, 1);
    return d;
  }
  lua_pop(L, 1);
  return depth + 1;
}

static float *fill_from_table(lua_State *L, int idx, int depth, int ndim,
                              const int64_t *sizes, float *out,
                              const char *fn)
{
  if (depth >= LG_MAX_DIMS)
    return out;
  if ((int64_t)lua_rawlen(L, idx) != sizes[depth])
    lgan_error(L, fn, "ragged table: a row at depth %d has %d entries, "
               "expected %d", depth + 1, (int)lua_rawlen(L, idx),
               (int)sizes[depth]);
  for (int64_t i = 1; i <= sizes[depth]; i++) {
    int type = lua_rawgeti(L, idx, i);

    if (depth + 1 < ndim) {
      if (type != LUA_TTABLE)
        lgan_error(L, fn, "ragged table: expected a table at depth %d, "
                   "got %s", depth + 2, luaL_typename(L, -1));
      out = fill_from_table(L, lua_gettop(L), depth + 1, ndim, sizes, out,
                            fn);
    } else {
      if (type != LUA_TNUMBER)
        lgan_error(L, fn, "expected a number at depth %d, got %s",
                   depth + 1, luaL_typename(L, -1));
      *out++ = (float)lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
  }
  return out;
}

/* tensor(s1, ..., sn) -> zeros; tensor(nested table) -> its values. */
static int l_tensor(lua_State *L)
{
  int64_t sizes[LG_MAX_DIMS];
  int n;

  if (lua_type(L, 1) == LUA_TTABLE) {
    lg_tensor *t;

    luaL_checkstack(L, 2 * LG_MAX_DIMS + 4, "tensor");
    n = table_shape(L, 1, 0, sizes, "tensor");
    t = lgan_newtensor(L, n, sizes, "tensor");
    fill_from_table(L, 1, 0, n, sizes, t->data, "tensor");
    return 1;
  }
  n = read_sizes(L, 1, "tensor", sizes);
  lgan_newtensor(L, n, sizes, "tensor");
  return 1;
}

static int l_ones(lua_State *L)
{
  int64_t sizes[LG_MAX_DIMS];
  int n = read_sizes(L, 1, "ones", sizes);
  lg_tensor *t = lgan_newtensor(L, n, sizes, "ones");

  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = 1.0f;
  return 1;
}

/* ---- shape and element access ----------------------------------------- */

static int t_size(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:size");

  if (lua_isnoneornil(L, 2)) {
    lua_createtable(L, t->ndim, 0);
    for (int i = 0; i < t->ndim; i++) {
      lua_pushinteger(L, t->size[i]);
      lua_rawseti(L, -2, i + 1);
    }
    return 1;
  }
  lua_pushinteger(L, t->size[lgan_checkint(L, 2, "Tensor:size",
                                           "dimension", 1, t->ndim) - 1]);
  return 1;
}

static int t_dim(lua_State *L)
{
  lua_pushinteger(L, lgan_checktensor(L, 1, "Tensor:dim")->ndim);
  return 1;
}

static int t_numel(lua_State *L)
{
  lua_pushinteger(L, lgan_checktensor(L, 1, "Tensor:numel")->numel);
  return 1;
}

static int t_len(lua_State *L)
{
  lua_pushinteger(L, lgan_checktensor(L, 1, "Tensor:__len")->size[0]);
  return 1;
}

/* Offset of the element named by the integer arguments first.., 1-based;
 * fewer indices than dimensions name a sub-tensor. */
static int64_t offset_of(lua_State *L, const lg_tensor *t, int first,
                         int count, const char *fn)
{
  int64_t off = 0;

  if (count > t->ndim)
    lgan_error(L, fn, "%d indices for a %d-dimensional tensor", count,
               t->ndim);
  for (int i = 0; i < t->ndim; i++) {
    int64_t idx = 0;

    if (i < count) {
      char what[32];
      snprintf(what, sizeof what, "index %d", i + 1);
      idx = lgan_checkint(L, first + i, fn, what, 1, t->size[i]) - 1;
    }
    off = off * t->size[i] + idx;
  }
  return off;
}

static int t_get(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:get");
  int count = lua_gettop(L) - 1;

  if (count != t->ndim)
    return lgan_error(L, "Tensor:get", "expected %d indices, got %d",
                      t->ndim, count);
  lua_pushnumber(L, t->data[offset_of(L, t, 2, count, "Tensor:get")]);
  return 1;
}

static int t_set(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:set");
  int count = lua_gettop(L) - 2;
  float v;

  if (count != t->ndim)
    return lgan_error(L, "Tensor:set", "expected %d indices and a value, "
                      "got %d arguments", t->ndim, count + 1);
  v = (float)lgan_checknumber(L, count + 2, "Tensor:set", "value");
  t->data[offset_of(L, t, 2, count, "Tensor:set")] = v;
  lua_settop(L, 1);
  return 1;
}

/* A view of the i-th slice along the first dimension. */
static void push_select(lua_State *L, lg_tensor *t, int64_t i)
{
  int64_t inner = t->numel / t->size[0];
  lgan_newview(L, 1, t->data + i * inner, t->ndim - 1, t->size + 1);
}

static int t_index(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:__index");

  if (lua_type(L, 2) == LUA_TNUMBER) {
    int64_t i = lgan_checkint(L, 2, "Tensor:__index", "index", 1,
                              t->size[0]) - 1;
    if (t->ndim == 1)
      lua_pushnumber(L, t->data[i]);
    else
      push_select(L, t, i);
    return 1;
  }
  luaL_getmetatable(L, LGAN_TENSOR);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static int t_newindex(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:__newindex");
  int64_t i = lgan_checkint(L, 2, "Tensor:__newindex", "index", 1,
                            t->size[0]) - 1;
  int64_t inner = t->numel / t->size[0];
  lg_tensor *src;

  if (lua_type(L, 3) == LUA_TNUMBER) {
    float v = (float)lua_tonumber(L, 3);
    for (int64_t k = 0; k < inner; k++)
      t->data[i * inner + k] = v;
    return 0;
  }
  src = lgan_totensor(L, 3);
  if (!src || src->numel != inner)
    return lgan_error(L, "Tensor:__newindex", "expected a number or a "
                      "tensor of %d elements", (int)inner);
  memmove(t->data + i * inner, src->data, (size_t)inner * sizeof(float));
  return 0;
}

/* view(s1, ..., sn): the same storage in another shape; one size may be
 * -1 and is then worked out from the others. */
static int t_view(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:view");
  int n = lua_gettop(L) - 1, infer = -1;
  int64_t sizes[LG_MAX_DIMS], known = 1;
  char a[64], b[64];

  if (n < 1 || n > LG_MAX_DIMS)
    return lgan_error(L, "Tensor:view", "expected 1 to %d sizes, got %d",
                      LG_MAX_DIMS, n);
  for (int i = 0; i < n; i++) {
    if (lua_tointeger(L, i + 2) == -1 && infer < 0) {
      infer = i;
      sizes[i] = 1;
      continue;
    }
    snprintf(a, sizeof a, "size %d", i + 1);
    sizes[i] = lgan_checkint(L, i + 2, "Tensor:view", a, 1, LG_MAX_NUMEL);
    known *= sizes[i];
    if (known > t->numel)
      break;
  }
  if (infer >= 0 && known <= t->numel && t->numel % known == 0)
    sizes[infer] = t->numel / known;
  if (lg_numel(n, sizes) != t->numel) {
    lg_tensor want = *t;
    if (lg_tensor_shape(&want, n, sizes) != 0)
      want.ndim = 0;
    return lgan_error(L, "Tensor:view", "cannot view %s (%d elements) as "
                      "%s", lgan_shape(t, a, sizeof a), (int)t->numel,
                      want.ndim ? lgan_shape(&want, b, sizeof b) : "that");
  }
  lgan_newview(L, 1, t->data, n, sizes);
  return 1;
}

/*
 * narrow(first, count): rows first..first+count-1 (1-based) as a view.
 * Torch7's narrow(dim, first, count) is taken too with dim 1; tensors
 * are contiguous, so a view along another dimension cannot be made.
 */
static int t_narrow(lua_State *L)
{
  const char *fn = "Tensor:narrow";
  lg_tensor *t = lgan_checktensor(L, 1, fn);
  int at = 2;
  int64_t first, count;
  int64_t sizes[LG_MAX_DIMS];

  if (!lua_isnoneornil(L, 4)) {
    lua_Integer dim = lgan_checkint(L, 2, fn, "dim", LUA_MININTEGER,
                                    LUA_MAXINTEGER);

    if (dim != 1)
      return lgan_error(L, fn, "dim must be 1, got %I; narrow works along "
                        "the first dimension only", dim);
    at = 3;
  }
  first = lgan_checkint(L, at, fn, "first", 1, t->size[0]);
  count = lgan_checkint(L, at + 1, fn, "count", 1, t->size[0] - first + 1);

  memcpy(sizes, t->size, sizeof sizes);
  sizes[0] = count;
  lgan_newview(L, 1, t->data + (first - 1) * (t->numel / t->size[0]),
               t->ndim, sizes);
  return 1;
}

static int t_clone(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:clone");
  lg_tensor *c = lgan_newlike(L, t, "Tensor:clone");

  memcpy(c->data, t->data, (size_t)t->numel * sizeof(float));
  return 1;
}

static void check_same_count(lua_State *L, const lg_tensor *a,
                             const lg_tensor *b, const char *fn)
{
  char sa[64], sb[64];

  if (a->numel != b->numel)
    lgan_error(L, fn, "sizes differ: %s and %s", lgan_shape(a, sa, 64),
               lgan_shape(b, sb, 64));
}

static int t_copy(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:copy");
  lg_tensor *src = lgan_checktensor(L, 2, "Tensor:copy");

  check_same_count(L, t, src, "Tensor:copy");
  memmove(t->data, src->data, (size_t)t->numel * sizeof(float));
  lua_settop(L, 1);
  return 1;
}

static int t_fill(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:fill");
  float v;

  /* Any number, NaN and infinities included, as in Torch. */
  if (lua_type(L, 2) != LUA_TNUMBER)
    return lgan_error(L, "Tensor:fill", "value must be a number, got %s",
                      lgan_typename(L, 2));
  v = (float)lua_tonumber(L, 2);

  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = v;
  lua_settop(L, 1);
  return 1;
}

static int t_zero(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:zero");

  memset(t->data, 0, (size_t)t->numel * sizeof(float));
  lua_settop(L, 1);
  return 1;
}

static void push_table(lua_State *L, const float *data, const lg_tensor *t,
                       int depth)
{
  int64_t inner = 1;

  if (depth >= LG_MAX_DIMS)
    return;
  for (int i = depth + 1; i < t->ndim; i++)
    inner *= t->size[i];
  lua_createtable(L, (int)t->size[depth], 0);
  for (int64_t i = 0; i < t->size[depth]; i++) {
    if (depth + 1 == t->ndim)
      lua_pushnumber(L, data[i]);
    else
      push_table(L, data + i * inner, t, depth + 1);
    lua_rawseti(L, -2, i + 1);
  }
}

static int t_totable(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:totable");

  luaL_checkstack(L, 2 * LG_MAX_DIMS + 4, "Tensor:totable");
  push_table(L, t->data, t, 0);
  return 1;
}

/* ---- reductions ---------------------------------------------------------- */

static int t_sum(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:sum");
  lua_pushnumber(L, lg_sum(t->data, t->numel));
  return 1;
}

static int t_mean(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:mean");
  lua_pushnumber(L, lg_sum(t->data, t->numel) / (double)t->numel);
  return 1;
}

static int t_max(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:max");
  float m = t->data[0];

  for (int64_t i = 1; i < t->numel; i++)
    if (t->data[i] > m || isnan(t->data[i]))
      m = t->data[i];
  lua_pushnumber(L, m);
  return 1;
}

static int t_min(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:min");
  float m = t->data[0];

  for (int64_t i = 1; i < t->numel; i++)
    if (t->data[i] < m || isnan(t->data[i]))
      m = t->data[i];
  lua_pushnumber(L, m);
  return 1;
}

/* Number of NaN or infinite elements. */
static int t_count_nonfinite(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:count_nonfinite");
  lua_pushinteger(L, lg_count_nonfinite(t->data, t->numel));
  return 1;
}

/* ---- arithmetic ---------------------------------------------------------- */

static void check_same_shape(lua_State *L, const lg_tensor *a,
                             const lg_tensor *b, const char *fn)
{
  char sa[64], sb[64];
  int same = a->ndim == b->ndim;

  for (int i = 0; same && i < a->ndim; i++)
    same = a->size[i] == b->size[i];
  if (!same)
    lgan_error(L, fn, "shapes differ: %s and %s", lgan_shape(a, sa, 64),
               lgan_shape(b, sb, 64));
}

/* a op b into a new tensor, where either may be a number. */
static int arith(lua_State *L, lg_binop op, const char *fn)
{
  lg_tensor *a = lgan_totensor(L, 1), *b = lgan_totensor(L, 2), *out;

  if (a && b) {
    check_same_shape(L, a, b, fn);
    out = lgan_newlike(L, a, fn);
    lg_map2(op, a->data, b->data, out->data, a->numel);
  } else if (a) {
    float s = (float)lgan_checknumber(L, 2, fn, "right operand");
    out = lgan_newlike(L, a, fn);
    lg_map_scalar(op, a->data, s, out->data, a->numel, 0);
  } else {
    float s = (float)lgan_checknumber(L, 1, fn, "left operand");
    b = lgan_checktensor(L, 2, fn);
    out = lgan_newlike(L, b, fn);
    lg_map_scalar(op, b->data, s, out->data, b->numel, 1);
  }
  return 1;
}

static int t_add(lua_State *L)
{
  return arith(L, LG_ADD, "Tensor:__add");
}

static int t_sub(lua_State *L)
{
  return arith(L, LG_SUB, "Tensor:__sub");
}

static int t_unm(lua_State *L)
{
  lg_tensor *a = lgan_checktensor(L, 1, "Tensor:__unm");
  lg_tensor *out = lgan_newlike(L, a, "Tensor:__unm");

  lg_map_scalar(LG_MUL, a->data, -1.0f, out->data, a->numel, 0);
  return 1;
}

static int t_cmul(lua_State *L)
{
  lgan_checktensor(L, 1, "Tensor:cmul");
  lgan_checktensor(L, 2, "Tensor:cmul");
  return arith(L, LG_MUL, "Tensor:cmul");
}

static int t_cdiv(lua_State *L)
{
  lgan_checktensor(L, 1, "Tensor:cdiv");
  lgan_checktensor(L, 2, "Tensor:cdiv");
  return arith(L, LG_DIV, "Tensor:cdiv");
}

static int t_div(lua_State *L)
{
  if (!lgan_totensor(L, 1) || lgan_totensor(L, 2))
    return lgan_error(L, "Tensor:__div", "only tensor / number is "
                      "defined; use cdiv for element-wise division");
  return arith(L, LG_DIV, "Tensor:__div");
}

/*
 * matmul(a, b): 2-D x 2-D is a matrix product, 2-D x 1-D a matrix-vector
 * product, 1-D x 1-D the dot product (a number), as in Torch7.
 */
static int t_matmul(lua_State *L)
{
  const char *fn = "matmul";
  lg_tensor *a = lgan_checktensor(L, 1, fn), *b = lgan_checktensor(L, 2, fn);
  char sa[64], sb[64];
  int64_t m, k, n;
  lg_tensor *c;

  if (a->ndim > 2 || b->ndim > 2 || (a->ndim == 1 && b->ndim == 2))
    return lgan_error(L, fn, "cannot multiply %s by %s (1-D or 2-D "
                      "operands, vector on the right)",
                      lgan_shape(a, sa, 64), lgan_shape(b, sb, 64));
  m = a->ndim == 2 ? a->size[0] : 1;
  k = a->size[a->ndim - 1];
  n = b->ndim == 2 ? b->size[1] : 1;
  if (b->size[0] != k)
    return lgan_error(L, fn, "inner sizes differ: %s times %s",
                      lgan_shape(a, sa, 64), lgan_shape(b, sb, 64));
  if (a->ndim == 1) {
    double dot = 0;
    for (int64_t i = 0; i < k; i++)
      dot += (double)a->data[i] * b->data[i];
    lua_pushnumber(L, dot);
    return 1;
  }
  {
    int64_t sizes[2] = {m, n};
    c = lgan_newtensor(L, b->ndim, sizes, fn);
  }
  lg_gemm(0, 0, (int)m, (int)n, (int)k, 1.0f, a->data, b->data, 0.0f,
          c->data);
  return 1;
}

static int t_mul(lua_State *L)
{
  if (lgan_totensor(L, 1) && lgan_totensor(L, 2))
    return t_matmul(L);
  return arith(L, LG_MUL, "Tensor:__mul");
}

/* In place: t:add(x) adds a number or a tensor of the same shape. */
static int t_add_(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:add");
  lg_tensor *x = lgan_totensor(L, 2);

  if (x) {
    check_same_shape(L, t, x, "Tensor:add");
    lg_map2(LG_ADD, t->data, x->data, t->data, t->numel);
  } else {
    float s = (float)lgan_checknumber(L, 2, "Tensor:add", "argument 2");
    lg_map_scalar(LG_ADD, t->data, s, t->data, t->numel, 0);
  }
  lua_settop(L, 1);
  return 1;
}

/* In place: t:mul(s) scales by a number. */
static int t_mul_(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:mul");
  float s = (float)lgan_checknumber(L, 2, "Tensor:mul", "argument 2");

  lg_map_scalar(LG_MUL, t->data, s, t->data, t->numel, 0);
  lua_settop(L, 1);
  return 1;
}

/* ---- raw bytes (for checkpoints) ---------------------------------------- */

static int little_endian(void)
{
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

/* The elements as float32 little-endian bytes. */
static int t_tobytes(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:tobytes");
  size_t n = (size_t)t->numel * 4;

  if (little_endian()) {
    lua_pushlstring(L, (const char *)t->data, n);
  } else {
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, n);
    for (size_t i = 0; i < n; i += 4)
      for (int j = 0; j < 4; j++)
        p[i + j] = ((const char *)t->data)[i + 3 - j];
    luaL_pushresultsize(&b, n);
  }
  return 1;
}

/* Overwrites the elements from float32 little-endian bytes, which must
 * be exactly 4 x numel of them. */
static int t_frombytes(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:frombytes");
  size_t len;
  const char *s;
  char sz[64];

  if (lua_type(L, 2) != LUA_TSTRING)
    return lgan_error(L, "Tensor:frombytes", "bytes must be a string, got "
                      "%s", lgan_typename(L, 2));
  s = lua_tolstring(L, 2, &len);
  if (len != (size_t)t->numel * 4)
    return lgan_error(L, "Tensor:frombytes", "%d bytes for a %s float32 "
                      "tensor, expected %d", (int)len,
                      lgan_shape(t, sz, 64), (int)(t->numel * 4));
  for (size_t i = 0; i < len; i += 4) {
    char *p = (char *)t->data + i;
    for (int j = 0; j < 4; j++)
      p[j] = s[little_endian() ? i + j : i + 3 - j];
  }
  lua_settop(L, 1);
  return 1;
}

static int t_tostring(lua_State *L)
{
  lg_tensor *t = lgan_checktensor(L, 1, "Tensor:__tostring");
  const int64_t shown = 64;
  int64_t cols = lg_cols(t);
  luaL_Buffer b;
  char buf[64];

  luaL_buffinit(L, &b);
  for (int64_t i = 0; i < t->numel && i < shown; i++) {
    snprintf(buf, sizeof buf, "%s%.4g", i % cols ? " " : "", t->data[i]);
    luaL_addstring(&b, buf);
    if ((i + 1) % cols == 0 || i + 1 == t->numel)
      luaL_addchar(&b, '\n');
  }
  if (t->numel > shown)
    luaL_addstring(&b, "...\n");
  luaL_addstring(&b, "[lgan.Tensor of size ");
  luaL_addstring(&b, lgan_shape(t, buf, sizeof buf));
  luaL_addstring(&b, "]");
  luaL_pushresult(&b);
  return 1;
}

/*
 * cat(list [, dim]): the 2-D tensors of list joined along dim, 1 (rows)
 * or 2 (columns, the default), into a new tensor.
 */
static int l_cat(lua_State *L)
{
  const char *fn = "cat";
  int dim = (int)(lua_isnoneornil(L, 2) ? 2 : lgan_checkint(L, 2, fn,
                                                            "dim", 1, 2));
  int64_t rows = 0, cols = 0, sizes[2];
  lg_tensor *out;
  char sa[64];
  int n;

  if (lua_type(L, 1) != LUA_TTABLE)
    return lgan_error(L, fn, "list must be a table of tensors, got %s",
                      lgan_typename(L, 1));
  n = (int)lua_rawlen(L, 1);
  if (n < 1)
    return lgan_error(L, fn, "expected a list of tensors");
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    lg_tensor *t = lgan_totensor(L, -1);
    if (!t || t->ndim != 2)
      return lgan_error(L, fn, "entry %d: expected a 2-D lgan.Tensor, got "
                        "%s", i, t ? lgan_shape(t, sa, 64)
                                   : luaL_typename(L, -1));
    if (i == 1) {
      rows = t->size[0];
      cols = t->size[1];
    } else if (t->size[2 - dim] != (dim == 2 ? rows : cols)) {
      return lgan_error(L, fn, "entry %d has shape %s, which does not fit "
                        "%d %s", i, lgan_shape(t, sa, 64),
                        (int)(dim == 2 ? rows : cols),
                        dim == 2 ? "rows" : "columns");
    } else if (dim == 2) {
      cols += t->size[1];
    } else {
      rows += t->size[0];
    }
    lua_pop(L, 1);
  }
  sizes[0] = rows;
  sizes[1] = cols;
  out = lgan_newtensor(L, 2, sizes, fn);
  for (int i = 1, at = 0; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    lg_tensor *t = lgan_totensor(L, -1);
    if (dim == 1) {
      memcpy(out->data + (int64_t)at * cols, t->data,
             (size_t)t->numel * sizeof(float));
      at += (int)t->size[0];
    } else {
      for (int64_t r = 0; r < rows; r++)
        memcpy(out->data + r * cols + at, t->data + r * t->size[1],
               (size_t)t->size[1] * sizeof(float));
      at += (int)t->size[1];
    }
    lua_pop(L, 1);
  }
  return 1;
}

int lgan_tolabels(lua_State *L, int arg, const char *fn, int64_t classes,
                  const float **data, int64_t *n)
{
  lg_tensor *t = lgan_totensor(L, arg), *copy;

  if (t) {
    *data = t->data;
    *n = t->numel;
    return 1;
  }
  if (lua_type(L, arg) != LUA_TTABLE)
    return 0;
  *n = (int64_t)lua_rawlen(L, arg);
  *data = NULL;
  if (*n == 0)
    return 1;
  copy = lgan_newtensor(L, 1, n, fn);
  for (int64_t i = 0; i < *n; i++) {
    if (lua_rawgeti(L, arg, i + 1) != LUA_TNUMBER)
      return lgan_error(L, fn, "label %d is %s, expected a class from 0 to "
                        "%d", (int)i + 1, lgan_typename(L, -1),
                        (int)classes - 1);
    copy->data[i] = (float)lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  *data = copy->data;
  return 1;
}

/*
 * one_hot(labels, classes): [n, classes] with a 1 in column labels[i] + 1
 * of row i; labels is a tensor or a sequence of whole numbers from 0.
 */
static int l_one_hot(lua_State *L)
{
  const char *fn = "one_hot";
  int64_t classes = lgan_checkint(L, 2, fn, "classes", 1, 1 << 16);
  int64_t n, sizes[2];
  const float *labels;
  lg_tensor *out;

  if (!lgan_tolabels(L, 1, fn, classes, &labels, &n))
    return lgan_error(L, fn, "labels must be an lgan.Tensor or a table, "
                      "got %s", lgan_typename(L, 1));
  if (n < 1)
    return lgan_error(L, fn, "no labels");
  sizes[0] = n;
  sizes[1] = classes;
  out = lgan_newtensor(L, 2, sizes, fn);
  for (int64_t i = 0; i < n; i++) {
    double v = labels[i];
    if (isnan(v))
      return lgan_error(L, fn, "label %d is nan, expected a class from 0 "
                        "to %d", (int)i + 1, (int)classes - 1);
    if (!(v >= 0 && v < (double)classes && v == (double)(int64_t)v))
      return lgan_error(L, fn, "label %d is %f, expected a class from 0 "
                        "to %d", (int)i + 1, v, (int)classes - 1);
    out->data[i * classes + (int64_t)v] = 1.0f;
  }
  return 1;
}

static int l_type(lua_State *L)
{
  int type = luaL_getmetafield(L, 1, "__name");

  if (type == LUA_TSTRING && strncmp(lua_tostring(L, -1), "lgan.", 5) == 0)
    return 1;
  if (type != LUA_TNIL)
    lua_pop(L, 1);
  lua_pushstring(L, luaL_typename(L, 1));
  return 1;
}

static const luaL_Reg tensor_methods[] = {
  {"size", t_size},       {"dim", t_dim},
  {"numel", t_numel},     {"nElement", t_numel},
  {"get", t_get},         {"set", t_set},
  {"view", t_view},       {"reshape", t_view},
  {"narrow", t_narrow},   {"clone", t_clone},
  {"copy", t_copy},       {"fill", t_fill},
  {"zero", t_zero},       {"totable", t_totable},
  {"sum", t_sum},         {"mean", t_mean},
  {"max", t_max},         {"min", t_min},
  {"cmul", t_cmul},       {"cdiv", t_cdiv},
  {"add", t_add_},        {"mul", t_mul_},
  {"matmul", t_matmul},   {"tobytes", t_tobytes},
  {"frombytes", t_frombytes},
  {"count_nonfinite", t_count_nonfinite},
  {NULL, NULL}
};

static const luaL_Reg tensor_meta[] = {
  {"__index", t_index},   {"__newindex", t_newindex},
  {"__len", t_len},       {"__tostring", t_tostring},
  {"__add", t_add},       {"__sub", t_sub},
  {"__mul", t_mul},       {"__div", t_div},
  {"__unm", t_unm},       {NULL, NULL}
};

static const luaL_Reg tensor_functions[] = {
  {"tensor", l_tensor},
  {"ones", l_ones},
  {"matmul", t_matmul},
  {"cat", l_cat},
  {"one_hot", l_one_hot},
  {"type", l_type},
  {NULL, NULL}
};

void lgan_open_tensor(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_TENSOR)) {
    luaL_setfuncs(L, tensor_meta, 0);
    luaL_newlib(L, tensor_methods);
    lua_setfield(L, -2, "methods");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, tensor_functions, 0);
}
