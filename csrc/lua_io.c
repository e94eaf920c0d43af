/*
 * lua_io.c - files and byte data for Lua: lgan.ByteTensor (what IDX files
 * hold), read_idx / write_idx, write_png_grid, read_png and
 * write_file_atomic.
 *
 * A ByteTensor is one userdata: a small header, then its bytes.  It is a
 * container for datasets, not an arithmetic type; gather and tofloat turn
 * its items into float tensors scaled to a stated range.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <stb_image.h>

#include "bytes.h"
#include "idx.h"
#include "lua_lgan.h"
#include "png.h"
#include "tmpfile.h"

/* Registry name of the box that closes an IDX file left open by an
 * error between lg_idx_open and lg_idx_read. */
#define IDX_READER "lgan.IdxReader"

/* A ByteTensor: row-major bytes after the header, in one block, so that
 * Lua's collector sees the whole size.  Never a view. */
typedef struct lgan_Bytes {
  int ndim;
  int64_t size[LG_MAX_DIMS];
  int64_t numel;
  uint8_t data[];
} lgan_Bytes;

/* What the value at arg is, for messages: the __name of its metatable,
 * else its type name. */
static const char *type_of(lua_State *L, int arg)
{
  const char *name = NULL;

  if (luaL_getmetafield(L, arg, "__name") != LUA_TNIL) {
    /* The metatable still holds the string after the pop. */
    if (lua_type(L, -1) == LUA_TSTRING)
      name = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  return name ? name : luaL_typename(L, arg);
}

/* The value at arg for a "got ..." clause: a number as written, anything
 * else by its type. */
static const char *shown(lua_State *L, int arg)
{
  if (lua_type(L, arg) == LUA_TNUMBER) {
    lua_pushvalue(L, arg);
    return lua_tostring(L, -1);
  }
  return type_of(L, arg);
}

/* Sizes as text, "60000x28x28", in buf. */
static const char *shape_text(int ndim, const int64_t *size, char *buf,
                              size_t len)
{
  lg_tensor t;

  t.ndim = ndim;
  memcpy(t.size, size, (size_t)ndim * sizeof *size);
  return lgan_shape(&t, buf, len);
}

/* Pushes a new ByteTensor of the given shape, zero-filled when zero is
 * set; raises (naming fn) on a size below 1 or more than LG_MAX_NUMEL
 * bytes in all. */
static lgan_Bytes *new_bytes(lua_State *L, int ndim, const int64_t *size,
                             int zero, const char *fn)
{
  int64_t n = ndim >= 1 && ndim <= LG_MAX_DIMS ? lg_numel(ndim, size) : -1;
  lgan_Bytes *b;

  if (n < 0)
    lgan_error(L, fn, "sizes must be 1 to %d integers of at least 1 whose "
               "product is at most %d", LG_MAX_DIMS, LG_MAX_NUMEL);
  b = lua_newuserdatauv(L, sizeof *b + (size_t)n, 0);
  luaL_setmetatable(L, LGAN_BYTES);
  b->ndim = ndim;
  memset(b->size, 0, sizeof b->size);
  memcpy(b->size, size, (size_t)ndim * sizeof *size);
  b->numel = n;
  if (zero)
    memset(b->data, 0, (size_t)n);
  return b;
}

/* The ByteTensor at arg, or an error naming fn and the argument. */
static lgan_Bytes *check_bytes(lua_State *L, int arg, const char *fn)
{
  lgan_Bytes *b = luaL_testudata(L, arg, LGAN_BYTES);

  if (b == NULL)
    lgan_error(L, fn, "argument %d: expected lgan.ByteTensor, got %s", arg,
               type_of(L, arg));
  return b;
}

/* The string at arg, or an error naming fn and what it is for. */
static const char *check_path(lua_State *L, int arg, const char *fn)
{
  if (lua_type(L, arg) != LUA_TSTRING)
    lgan_error(L, fn, "path must be a string, got %s", type_of(L, arg));
  return lua_tostring(L, arg);
}

/* A value range [lo, hi] from args lo_arg and lo_arg + 1; both finite
 * and lo below hi. */
static void check_range(lua_State *L, int lo_arg, const char *fn,
                        float *lo, float *hi)
{
  *lo = (float)lgan_checknumber(L, lo_arg, fn, "lo");
  *hi = (float)lgan_checknumber(L, lo_arg + 1, fn, "hi");
  if (!(*lo < *hi))
    lgan_error(L, fn, "lo must be below hi, got lo=%s, hi=%s",
               shown(L, lo_arg), shown(L, lo_arg + 1));
}

/* ---- reading and writing IDX --------------------------------------- */

/* __gc of the reader box: closes the file if still open. */
static int reader_gc(lua_State *L)
{
  lg_idx_close(luaL_checkudata(L, 1, IDX_READER));
  return 0;
}

/*
 * read_idx(path) -> ByteTensor.  The reader lives in a userdata whose
 * __gc closes it, so that a memory error while the payload's userdata is
 * made leaves no file open.
 */
static int io_read_idx(lua_State *L)
{
  const char *path = check_path(L, 1, "read_idx");
  lg_idx *r;
  lgan_Bytes *b;
  lg_err e;

  r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, IDX_READER);
  if (lg_idx_open(r, path, &e) < 0)
    return lgan_error(L, "read_idx", "%s", e.msg);
  b = new_bytes(L, r->ndim, r->size, 0, "read_idx");
  if (lg_idx_read(r, b->data, &e) < 0)
    return lgan_error(L, "read_idx", "%s", e.msg);
  return 1;
}

/*
 * write_idx(path, bytes) or write_idx(path, tensor, lo, hi): an IDX file
 * of unsigned bytes with the tensor's shape; a float tensor's values are
 * mapped from [lo, hi] to 0..255 and clamped.  ".gz" compresses.
 */
static int io_write_idx(lua_State *L)
{
  const char *fn = "write_idx";
  const char *path = check_path(L, 1, fn);
  lgan_Bytes *b = luaL_testudata(L, 2, LGAN_BYTES);
  lg_tensor *t;
  uint8_t *buf;
  float lo, hi;
  int64_t bad;
  lg_err e;

  if (b != NULL) {
    if (!lua_isnoneornil(L, 3) || !lua_isnoneornil(L, 4))
      return lgan_error(L, fn, "lo and hi apply to float tensors only, "
                        "not to an lgan.ByteTensor");
    if (lg_idx_write(path, b->ndim, b->size, b->data, &e) < 0)
      return lgan_error(L, fn, "%s", e.msg);
    return 0;
  }
  t = lgan_totensor(L, 2);
  if (t == NULL)
    return lgan_error(L, fn, "argument 2: expected lgan.ByteTensor or "
                      "lgan.Tensor, got %s", type_of(L, 2));
  if (lua_isnoneornil(L, 3) && lua_isnoneornil(L, 4))
    return lgan_error(L, fn, "a float tensor needs its value range: "
                      "write_idx(path, t, lo, hi)");
  check_range(L, 3, fn, &lo, &hi);

  buf = lua_newuserdatauv(L, (size_t)t->numel, 0);
  bad = lg_bytes_from_floats(t->data, t->numel, lo, hi, buf);
  if (bad >= 0)
    return lgan_error(L, fn, "t has NaN at element %I",
                      (lua_Integer)bad + 1);
  if (lg_idx_write(path, t->ndim, t->size, buf, &e) < 0)
    return lgan_error(L, fn, "%s", e.msg);
  return 0;
}

/* ---- PNG grids ------------------------------------------------------- */

static const char *const grid_keys[] = {
  "rows", "cols", "height", "width", "lo", "hi", "pad", "pad_value", NULL
};

/*
 * opts[key] as an integer in [lo, hi]; dflt when absent, or -1 when
 * absent and dflt is -1.  expect says what was wanted, for the message.
 */
static int opt_int(lua_State *L, int opts, const char *fn, const char *key,
                   int dflt, lua_Integer lo, lua_Integer hi,
                   const char *expect)
{
  lua_Integer v = 0;
  int ok = 0;

  lua_getfield(L, opts, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  if (lua_type(L, -1) == LUA_TNUMBER)
    v = lua_tointegerx(L, -1, &ok);
  if (!ok || v < lo || v > hi)
    lgan_error(L, fn, "opts.%s must be %s, got %s", key, expect,
               shown(L, lua_gettop(L)));
  lua_pop(L, 1);
  return (int)v;
}

/* opts[key] as a finite number, dflt when absent. */
static float opt_number(lua_State *L, int opts, const char *fn,
                        const char *key, float dflt)
{
  lua_Number v;

  lua_getfield(L, opts, key);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return dflt;
  }
  if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
    lgan_error(L, fn, "opts.%s must be a finite number, got %s", key,
               shown(L, lua_gettop(L)));
  v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return (float)v;
}

/* The smallest c with c * c >= n. */
static int ceil_sqrt(int64_t n)
{
  int64_t c = (int64_t)ceil(sqrt((double)n));

  while (c * c < n)
    c++;
  while (c > 1 && (c - 1) * (c - 1) >= n)
    c--;
  return (int)c;
}

/* Reads the grid's layout from opts (at index 3) for n images of shape
 * known from t: height and width come from a 3-D t, else from opts. */
static void grid_layout(lua_State *L, const lg_tensor *t, lg_grid *g)
{
  const char *fn = "write_png_grid";
  const int big = 1 << 28;
  int64_t n = t->size[0], row;
  char sz[64];

  lgan_checkkeys(L, 3, fn, grid_keys);
  g->rows = opt_int(L, 3, fn, "rows", -1, 1, big, "a positive integer");
  g->cols = opt_int(L, 3, fn, "cols", -1, 1, big, "a positive integer");
  g->height = opt_int(L, 3, fn, "height", -1, 1, big, "a positive integer");
  g->width = opt_int(L, 3, fn, "width", -1, 1, big, "a positive integer");
  g->pad = opt_int(L, 3, fn, "pad", 2, 0, big, "a non-negative integer");
  g->pad_value = opt_int(L, 3, fn, "pad_value", 0, 0, 255,
                         "an integer in 0..255");
  g->lo = opt_number(L, 3, fn, "lo", 0.0f);
  g->hi = opt_number(L, 3, fn, "hi", 1.0f);
  if (!(g->lo < g->hi)) {
    char range[64];

    snprintf(range, sizeof range, "lo=%g, hi=%g", (double)g->lo,
             (double)g->hi);
    lgan_error(L, fn, "opts.lo must be below opts.hi, got %s", range);
  }

  if (t->ndim == 3) {
    if ((g->height >= 0 && g->height != t->size[1])
        || (g->width >= 0 && g->width != t->size[2]))
      lgan_error(L, fn, "t is %s but opts gives height %d, width %d",
                 lgan_shape(t, sz, sizeof sz),
                 g->height >= 0 ? g->height : (int)t->size[1],
                 g->width >= 0 ? g->width : (int)t->size[2]);
    g->height = (int)t->size[1];
    g->width = (int)t->size[2];
  } else {
    if (g->height < 0)
      g->height = 28;
    if (g->width < 0)
      g->width = 28;
    row = t->ndim == 2 ? t->size[1] : 0;
    if (t->ndim != 2)
      lgan_error(L, fn, "t must be n x (height*width) or n x height x "
                 "width, got %s", lgan_shape(t, sz, sizeof sz));
    if (row != (int64_t)g->height * g->width)
      lgan_error(L, fn, "t has rows of %I values, but height x width is "
                 "%d x %d = %I", (lua_Integer)row, g->height, g->width,
                 (lua_Integer)g->height * g->width);
  }

  if (g->rows < 0 && g->cols < 0)
    g->cols = ceil_sqrt(n);
  if (g->rows < 0)
    g->rows = (int)((n + g->cols - 1) / g->cols);
  if (g->cols < 0)
    g->cols = (int)((n + g->rows - 1) / g->rows);
  if (n > (int64_t)g->rows * g->cols)
    lgan_error(L, fn, "%I images do not fit a grid of %d rows and %d "
               "columns", (lua_Integer)n, g->rows, g->cols);
}

/*
 * write_png_grid(path, t, opts) -> width, height of the PNG written.
 * t is n x (height*width) or n x height x width; see grid_layout for
 * opts, and lg_grid_pixels for the mapping.
 */
static int io_write_png_grid(lua_State *L)
{
  const char *fn = "write_png_grid";
  const char *path = check_path(L, 1, fn);
  lg_tensor *t = lgan_checktensor(L, 2, fn);
  int64_t bytes;
  uint8_t *pixels;
  int width, height;
  lg_grid g;
  lg_err e;

  if (lua_isnoneornil(L, 3)) {
    lua_settop(L, 2);
    lua_newtable(L);
  } else if (lua_type(L, 3) != LUA_TTABLE) {
    return lgan_error(L, fn, "opts must be a table, got %s",
                      type_of(L, 3));
  }
  grid_layout(L, t, &g);
  bytes = lg_grid_size(&g, &width, &height, &e);
  if (bytes < 0)
    return lgan_error(L, fn, "%s", e.msg);
  pixels = lua_newuserdatauv(L, (size_t)bytes, 0);
  if (lg_grid_pixels(&g, t->data, t->size[0], pixels, &e) < 0)
    return lgan_error(L, fn, "%s", e.msg);
  if (lg_png_write(path, pixels, width, height, &e) < 0)
    return lgan_error(L, fn, "%s", e.msg);
  lua_pushinteger(L, width);
  lua_pushinteger(L, height);
  return 2;
}

/*
 * read_png(path) -> width, height, channels, ByteTensor of height x width
 * (one channel) or height x width x channels.  For specs and tools; the
 * file is read twice (size first) so that no stb buffer is held while Lua
 * allocates.
 */
static int io_read_png(lua_State *L)
{
  const char *fn = "read_png";
  const char *path = check_path(L, 1, fn);
  int w, h, c, w2, h2, c2;
  int64_t size[3];
  unsigned char *px;
  lgan_Bytes *b;
  FILE *fp;
  int ok;

  fp = fopen(path, "rb");
  if (fp == NULL)
    return lgan_error(L, fn, "%s: %s", path, strerror(errno));
  ok = stbi_info_from_file(fp, &w, &h, &c);
  fclose(fp);
  if (!ok)
    return lgan_error(L, fn, "%s: not an image stb can read (%s)", path,
                      stbi_failure_reason());
  size[0] = h;
  size[1] = w;
  size[2] = c;
  b = new_bytes(L, c == 1 ? 2 : 3, size, 0, fn);

  fp = fopen(path, "rb");
  if (fp == NULL)
    return lgan_error(L, fn, "%s: %s", path, strerror(errno));
  px = stbi_load_from_file(fp, &w2, &h2, &c2, 0);
  fclose(fp);
  if (px == NULL)
    return lgan_error(L, fn, "%s: %s", path, stbi_failure_reason());
  if (w2 != w || h2 != h || c2 != c) {
    stbi_image_free(px);
    return lgan_error(L, fn, "%s: changed while being read", path);
  }
  memcpy(b->data, px, (size_t)b->numel);
  stbi_image_free(px);
  lua_pushinteger(L, w);
  lua_pushinteger(L, h);
  lua_pushinteger(L, c);
  lua_rotate(L, -4, -1);
  return 4;
}

/* path_kind(path) -> "file", "directory" or "other"; or nil and the
 * reason (for data.mnist's messages). */
static int io_path_kind(lua_State *L)
{
  const char *path = check_path(L, 1, "path_kind");
  struct stat st;

  if (stat(path, &st) < 0) {
    lua_pushnil(L);
    lua_pushstring(L, strerror(errno));
    return 2;
  }
  lua_pushstring(L, S_ISREG(st.st_mode)   ? "file"
                    : S_ISDIR(st.st_mode) ? "directory"
                                          : "other");
  return 1;
}

/* same_file(a, b) -> true when both paths name one existing file (one
 * device and inode), however they are spelt: links, "..", relative or
 * absolute.  False when either does not exist. */
static int io_same_file(lua_State *L)
{
  const char *a = check_path(L, 1, "same_file");
  const char *b = check_path(L, 2, "same_file");
  struct stat sa, sb;

  lua_pushboolean(L, stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
                         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
  return 1;
}

/* can_write_in(folder) -> true, or nil and why a file cannot be made
 * there (missing, not a folder, no permission, read-only file system),
 * so that a long job can be refused before it starts, not after. */
static int io_can_write_in(lua_State *L)
{
  const char *folder = check_path(L, 1, "can_write_in");
  const char *why = NULL;
  struct stat st;

  if (stat(folder, &st) < 0)
    why = strerror(errno);
  else if (!S_ISDIR(st.st_mode))
    why = "not a folder";
  else if (access(folder, W_OK | X_OK) < 0)
    why = strerror(errno);
  if (why) {
    lua_pushnil(L);
    lua_pushfstring(L, "cannot write in %s: %s", folder, why);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* make_dirs(path) -> true, or nil and a message naming the part of the
 * path that could not be made (what `mkdir -p` does, without a shell to
 * quote for or its messages on the terminal). */
static int io_make_dirs(lua_State *L)
{
  const char *path = check_path(L, 1, "make_dirs");
  size_t len = strlen(path);
  char *copy;
  struct stat st;

  if (len == 0) {
    lua_pushnil(L);
    lua_pushstring(L, "cannot create a folder with an empty name");
    return 2;
  }
  copy = lua_newuserdatauv(L, len + 1, 0);
  memcpy(copy, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (i < len && copy[i] != '/')
      continue;
    copy[i] = '\0';
    if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
      lua_pushnil(L);
      lua_pushfstring(L, "cannot create the folder %s: %s", copy,
                      strerror(errno));
      return 2;
    }
    if (stat(copy, &st) < 0 || !S_ISDIR(st.st_mode)) {
      lua_pushnil(L);
      lua_pushfstring(L, "cannot create the folder %s: %s is a file", path,
                      copy);
      return 2;
    }
    if (i < len)
      copy[i] = '/';
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- whole files ------------------------------------------------------ */

/*
 * write_file_atomic(path, data): writes data (a string, or a sequence of
 * strings and tensors written one after another, a tensor as its float32
 * little-endian bytes, so that a checkpoint needs no copy of the
 * weights as Lua strings) to a temporary file beside path,
 * syncs it and renames it over path.  A failure, or a process killed on
 * the way, leaves path as it was.  Every piece is checked before the
 * file is opened, and no Lua call that can raise runs while it is open.
 */
/* A tensor's floats in little-endian order, swapped a block at a time on
 * a big-endian host. */
static int write_floats_le(lg_tmpfile *f, const lg_tensor *t, lg_err *e)
{
  const uint16_t one = 1;
  unsigned char block[4096];
  const unsigned char *src = (const unsigned char *)t->data;
  size_t total = (size_t)t->numel * 4;

  if (*(const unsigned char *)&one == 1)
    return lg_tmpfile_write(f, t->data, total, e);
  for (size_t at = 0; at < total; at += sizeof block) {
    size_t len = total - at < sizeof block ? total - at : sizeof block;
    for (size_t i = 0; i < len; i += 4)
      for (int k = 0; k < 4; k++)
        block[i + (size_t)k] = src[at + i + 3 - (size_t)k];
    if (lg_tmpfile_write(f, block, len, e) < 0)
      return -1;
  }
  return 0;
}

static int io_write_file_atomic(lua_State *L)
{
  const char *fn = "write_file_atomic";
  const char *path = check_path(L, 1, fn);
  lua_Integer n = 1;
  lg_tmpfile f;
  lg_err e;

  if (lua_type(L, 2) == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
      if (lua_rawgeti(L, 2, i) != LUA_TSTRING && !lgan_totensor(L, -1))
        return lgan_error(L, fn, "data[%I] must be a string or an "
                          "lgan.Tensor, got %s", i, type_of(L, -1));
      lua_pop(L, 1);
    }
  } else if (lua_type(L, 2) != LUA_TSTRING) {
    return lgan_error(L, fn, "data must be a string or a table of "
                      "strings, got %s", type_of(L, 2));
  }

  if (lg_tmpfile_open(&f, path, &e) < 0)
    return lgan_error(L, fn, "%s", e.msg);
  for (lua_Integer i = 1; i <= n; i++) {
    size_t len;
    const char *s;

    int failed;

    if (lua_type(L, 2) == LUA_TTABLE)
      lua_rawgeti(L, 2, i);
    else
      lua_pushvalue(L, 2);
    if (lua_type(L, -1) == LUA_TSTRING) {
      s = lua_tolstring(L, -1, &len);
      failed = lg_tmpfile_write(&f, s, len, &e) < 0;
    } else {
      failed = write_floats_le(&f, lgan_totensor(L, -1), &e) < 0;
    }
    if (failed) {
      lg_tmpfile_abort(&f);
      return lgan_error(L, fn, "%s", e.msg);
    }
    lua_pop(L, 1);
  }
  if (lg_tmpfile_commit(&f, &e) < 0)
    return lgan_error(L, fn, "%s", e.msg);
  return 0;
}

/* ---- ByteTensor ------------------------------------------------------ */

/*
 * bytes(s1, ..., sn) -> a zero-filled ByteTensor; bytes(str, s1, ..., sn)
 * -> one holding the bytes of str, which must be exactly s1 * ... * sn.
 */
static int l_bytes(lua_State *L)
{
  const char *fn = "bytes";
  int first = lua_type(L, 1) == LUA_TSTRING ? 2 : 1;
  int n = lua_gettop(L) - first + 1;
  int64_t size[LG_MAX_DIMS];
  lgan_Bytes *b;
  char sz[64];

  if (n < 1 || n > LG_MAX_DIMS)
    return lgan_error(L, fn, "expected 1 to %d sizes, got %d", LG_MAX_DIMS,
                      n < 0 ? 0 : n);
  for (int i = 0; i < n; i++) {
    char what[32];

    snprintf(what, sizeof what, "size %d", i + 1);
    size[i] = lgan_checkint(L, first + i, fn, what, 1, LG_MAX_NUMEL);
  }
  b = new_bytes(L, n, size, first == 1, fn);
  if (first == 2) {
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);

    if ((int64_t)len != b->numel)
      return lgan_error(L, fn, "string has %I bytes, %s needs %I",
                        (lua_Integer)len,
                        shape_text(n, size, sz, sizeof sz),
                        (lua_Integer)b->numel);
    memcpy(b->data, s, len);
  }
  return 1;
}

/* size() -> {s1, ..., sn}, as Tensor:size; size(d) -> sd. */
static int b_size(lua_State *L)
{
  lgan_Bytes *b = check_bytes(L, 1, "ByteTensor:size");

  if (lua_isnoneornil(L, 2)) {
    lua_createtable(L, b->ndim, 0);
    for (int i = 0; i < b->ndim; i++) {
      lua_pushinteger(L, b->size[i]);
      lua_rawseti(L, -2, i + 1);
    }
    return 1;
  }
  lua_pushinteger(L, b->size[lgan_checkint(L, 2, "ByteTensor:size",
                                           "dimension", 1, b->ndim) - 1]);
  return 1;
}

/* dim() -> number of dimensions, numel() -> number of bytes, #b -> first
 * size, tostring(b) -> "lgan.ByteTensor of size 60000x28x28". */
static int b_dim(lua_State *L)
{
  lua_pushinteger(L, check_bytes(L, 1, "ByteTensor:dim")->ndim);
  return 1;
}

static int b_numel(lua_State *L)
{
  lua_pushinteger(L, check_bytes(L, 1, "ByteTensor:numel")->numel);
  return 1;
}

static int b_len(lua_State *L)
{
  lua_pushinteger(L, check_bytes(L, 1, "ByteTensor:__len")->size[0]);
  return 1;
}

static int b_tostring(lua_State *L)
{
  lgan_Bytes *b = check_bytes(L, 1, "ByteTensor:__tostring");
  char sz[64];

  lua_pushfstring(L, "lgan.ByteTensor of size %s",
                  shape_text(b->ndim, b->size, sz, sizeof sz));
  return 1;
}

/* Offset of the element named by one 1-based index per dimension, at
 * arguments 2..ndim+1. */
static int64_t element_at(lua_State *L, const lgan_Bytes *b, int count,
                          const char *fn)
{
  int64_t off = 0;

  if (count != b->ndim)
    lgan_error(L, fn, "expected %d indices, got %d", b->ndim, count);
  for (int i = 0; i < b->ndim; i++) {
    char what[32];

    snprintf(what, sizeof what, "index %d", i + 1);
    off = off * b->size[i]
          + lgan_checkint(L, i + 2, fn, what, 1, b->size[i]) - 1;
  }
  return off;
}

/* get(i1, ..., in) -> the byte there, 0..255. */
static int b_get(lua_State *L)
{
  lgan_Bytes *b = check_bytes(L, 1, "ByteTensor:get");

  lua_pushinteger(L, b->data[element_at(L, b, lua_gettop(L) - 1,
                                        "ByteTensor:get")]);
  return 1;
}

/* set(i1, ..., in, v) -> self, with v in 0..255. */
static int b_set(lua_State *L)
{
  lgan_Bytes *b = check_bytes(L, 1, "ByteTensor:set");
  int top = lua_gettop(L);
  lua_Integer v;

  if (top < 2)
    return lgan_error(L, "ByteTensor:set", "expected %d indices and a "
                      "value, got nothing", b->ndim);
  v = lgan_checkint(L, top, "ByteTensor:set", "value", 0, 255);
  b->data[element_at(L, b, top - 2, "ByteTensor:set")] = (uint8_t)v;
  lua_settop(L, 1);
  return 1;
}

/* bytes() -> the contents as a Lua string. */
static int b_bytes(lua_State *L)
{
  lgan_Bytes *b = check_bytes(L, 1, "ByteTensor:bytes");

  lua_pushlstring(L, (const char *)b->data, (size_t)b->numel);
  return 1;
}

/* lo and hi at lo_arg, lo_arg + 1, or 0 and 1 when both are absent. */
static void opt_range(lua_State *L, int lo_arg, const char *fn, float *lo,
                      float *hi)
{
  if (lua_isnoneornil(L, lo_arg) && lua_isnoneornil(L, lo_arg + 1)) {
    *lo = 0.0f;
    *hi = 1.0f;
    return;
  }
  check_range(L, lo_arg, fn, lo, hi);
}

/* The item index perm[k], checked to lie in 1..n; raises otherwise. */
static int64_t perm_entry(lua_State *L, lua_Integer k, int64_t n,
                          const char *fn)
{
  int ok = 0;
  lua_Integer v = 0;

  if (lua_rawgeti(L, 2, k) == LUA_TNUMBER)
    v = lua_tointegerx(L, -1, &ok);
  if (!ok || v < 1 || v > n)
    lgan_error(L, fn, "perm[%I] is %s, expected an index in 1..%I", k,
               shown(L, lua_gettop(L)), (lua_Integer)n);
  lua_pop(L, 1);
  return (int64_t)v;
}

/*
 * gather(perm, first, count [, out [, lo, hi]]) -> out: items
 * perm[first], ..., perm[first + count - 1] (1-based indices into the
 * first dimension) as the rows of out, a count x (item size) float
 * tensor, scaled from 0..255 to [lo, hi] (default [0, 1]).  Without out,
 * a new tensor is made; with it nothing is allocated.  Every index is
 * checked before out is touched.
 */
static int b_gather(lua_State *L)
{
  const char *fn = "ByteTensor:gather";
  lgan_Bytes *b = check_bytes(L, 1, fn);
  int64_t n = b->size[0], item = b->numel / b->size[0];
  lua_Integer len, first, count;
  float table[256], lo, hi;
  uint8_t ramp[256];
  lg_tensor *out;

  if (lua_type(L, 2) != LUA_TTABLE)
    return lgan_error(L, fn, "perm must be a table, got %s",
                      type_of(L, 2));
  len = (lua_Integer)lua_rawlen(L, 2);
  first = lgan_checkint(L, 3, fn, "first", 1, LUA_MAXINTEGER);
  count = lgan_checkint(L, 4, fn, "count", 1, LG_MAX_NUMEL);
  if (first > len || count > len - first + 1)
    return lgan_error(L, fn, "perm has %I entries, too few for %I from "
                      "entry %I", len, count, first);
  opt_range(L, 6, fn, &lo, &hi);

  if (lua_isnoneornil(L, 5)) {
    int64_t size[2] = {count, item};

    lua_settop(L, 4);
    out = lgan_newtensor(L, 2, size, fn);
  } else {
    out = lgan_checktensor(L, 5, fn);
    if (out->size[0] != count || out->numel != count * item) {
      char have[64], want[64];
      int64_t size[2] = {count, item};

      return lgan_error(L, fn, "out is %s, expected %s",
                        lgan_shape(out, have, sizeof have),
                        shape_text(2, size, want, sizeof want));
    }
    lua_pushvalue(L, 5);
  }

  for (lua_Integer k = first; k < first + count; k++)
    perm_entry(L, k, n, fn);
  for (int i = 0; i < 256; i++)
    ramp[i] = (uint8_t)i;
  lg_floats_from_bytes(ramp, 256, lo, hi, table);
  for (lua_Integer k = 0; k < count; k++) {
    const uint8_t *src = b->data + (perm_entry(L, first + k, n, fn) - 1)
                                       * item;
    float *dst = out->data + k * item;

    for (int64_t j = 0; j < item; j++)
      dst[j] = table[src[j]];
  }
  return 1;
}

/* tofloat([lo, hi]) -> a new float tensor of the same shape, scaled from
 * 0..255 to [lo, hi] (default [0, 1]). */
static int b_tofloat(lua_State *L)
{
  const char *fn = "ByteTensor:tofloat";
  lgan_Bytes *b = check_bytes(L, 1, fn);
  lg_tensor *t;
  float lo, hi;

  opt_range(L, 2, fn, &lo, &hi);
  t = lgan_newtensor(L, b->ndim, b->size, fn);
  lg_floats_from_bytes(b->data, b->numel, lo, hi, t->data);
  return 1;
}

static const luaL_Reg bytes_methods[] = {
  {"size", b_size},     {"dim", b_dim},
  {"numel", b_numel},   {"get", b_get},
  {"set", b_set},       {"bytes", b_bytes},
  {"gather", b_gather}, {"tofloat", b_tofloat},
  {NULL, NULL}
};

static const luaL_Reg io_functions[] = {
  {"read_idx", io_read_idx},
  {"write_idx", io_write_idx},
  {"write_png_grid", io_write_png_grid},
  {"read_png", io_read_png},
  {"path_kind", io_path_kind},
  {"same_file", io_same_file},
  {"make_dirs", io_make_dirs},
  {"can_write_in", io_can_write_in},
  {"write_file_atomic", io_write_file_atomic},
  {"bytes", l_bytes},
  {NULL, NULL}
};

void lgan_open_io(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_BYTES)) {
    luaL_newlib(L, bytes_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, b_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, b_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  if (luaL_newmetatable(L, IDX_READER)) {
    lua_pushcfunction(L, reader_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_pop(L, 1);
  luaL_setfuncs(L, io_functions, 0);
}
