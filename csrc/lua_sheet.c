/*
 * lua_sheet.c - drawing on a canvas tensor (height x width floats in
 * [0, 1], white 1) for printable sheets.  Coordinates are pixels from
 * the top left corner, from 0, as in image tools.
 */
#include "lua_lgan.h"
#include "sheet.h"

static lg_canvas check_canvas(lua_State *L, const char *fn)
{
  lg_tensor *t = lgan_checktensor(L, 1, fn);
  char sz[64];

  if (t->ndim != 2)
    lgan_error(L, fn, "canvas must be a height x width tensor, got %s",
               lgan_shape(t, sz, 64));
  return (lg_canvas){t->data, (int)t->size[1], (int)t->size[0]};
}

static int opt_int_field(lua_State *L, int opts, const char *key, int def,
                         int lo, int hi, const char *fn)
{
  int v = def;

  if (opts && lua_getfield(L, opts, key) != LUA_TNIL)
    v = (int)lgan_checkint(L, -1, fn, key, lo, hi);
  if (opts)
    lua_pop(L, 1);
  return v;
}

static float opt_num_field(lua_State *L, int opts, const char *key,
                           float def, const char *fn)
{
  float v = def;

  if (opts && lua_getfield(L, opts, key) != LUA_TNIL)
    v = (float)lgan_checknumber(L, -1, fn, key);
  if (opts)
    lua_pop(L, 1);
  return v;
}

/* The options table at arg 5: its index, or 0 when it is absent;
 * raises on another type or a key not in keys. */
static int opts_at_5(lua_State *L, const char *fn, const char *const *keys)
{
  if (lua_isnoneornil(L, 5))
    return 0;
  if (!lua_istable(L, 5))
    lgan_error(L, fn, "opts must be a table, got %s", lgan_typename(L, 5));
  lgan_checkkeys(L, 5, fn, keys);
  return 5;
}

/* draw_text(canvas, x, y, text [, {scale = 1, value = 0}]) */
static int l_draw_text(lua_State *L)
{
  const char *fn = "draw_text";
  lg_canvas c = check_canvas(L, fn);
  int x = (int)lgan_checkint(L, 2, fn, "x", -100000, 100000);
  int y = (int)lgan_checkint(L, 3, fn, "y", -100000, 100000);
  const char *text = luaL_checkstring(L, 4);
  static const char *const keys[] = {"scale", "value", NULL};
  int opts = opts_at_5(L, fn, keys);
  int scale = opt_int_field(L, opts, "scale", 1, 1, 64, fn);
  float value = opt_num_field(L, opts, "value", 0.0f, fn);

  lg_draw_text(&c, x, y, scale, text, value);
  return 0;
}

/* text_size(text [, scale]): width and height in pixels. */
static int l_text_size(lua_State *L)
{
  const char *text = luaL_checkstring(L, 1);
  int scale = lua_isnoneornil(L, 2)
                  ? 1
                  : (int)lgan_checkint(L, 2, "text_size", "scale", 1, 64);
  int lines = 1;

  for (const char *p = text; *p; p++)
    lines += *p == '\n';
  lua_pushinteger(L, (lua_Integer)lg_text_width(text) * scale);
  lua_pushinteger(L, (lua_Integer)lg_text_height() * lines * scale);
  return 2;
}

/*
 * draw_image(canvas, x, y, img [, {height = 28, width = 28, scale = 1,
 * lo = 0, hi = 1, invert = false}]): img holds height x width values.
 */
static int l_draw_image(lua_State *L)
{
  const char *fn = "draw_image";
  lg_canvas c = check_canvas(L, fn);
  int x = (int)lgan_checkint(L, 2, fn, "x", -100000, 100000);
  int y = (int)lgan_checkint(L, 3, fn, "y", -100000, 100000);
  lg_tensor *img = lgan_checktensor(L, 4, fn);
  static const char *const keys[] = {"height", "width", "scale", "lo",
                                     "hi", "invert", NULL};
  int opts = opts_at_5(L, fn, keys);
  int h = opt_int_field(L, opts, "height", 28, 1, 4096, fn);
  int w = opt_int_field(L, opts, "width", 28, 1, 4096, fn);
  int scale = opt_int_field(L, opts, "scale", 1, 1, 64, fn);
  float lo = opt_num_field(L, opts, "lo", 0.0f, fn);
  float hi = opt_num_field(L, opts, "hi", 1.0f, fn);
  int invert = 0;
  lg_err err;

  if (opts) {
    lua_getfield(L, opts, "invert");
    invert = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  if (img->numel != (int64_t)h * w)
    return lgan_error(L, fn, "image has %d values, expected %d x %d",
                      (int)img->numel, h, w);
  if (!(lo < hi))
    return lgan_error(L, fn, "lo must be below hi");
  if (lg_draw_image(&c, x, y, scale, img->data, h, w, lo, hi, invert, &err))
    return lgan_error(L, fn, "%s", err.msg);
  return 0;
}

/* fill_rect(canvas, x, y, width, height, value) */
static int l_fill_rect(lua_State *L)
{
  const char *fn = "fill_rect";
  lg_canvas c = check_canvas(L, fn);
  int x = (int)lgan_checkint(L, 2, fn, "x", -100000, 100000);
  int y = (int)lgan_checkint(L, 3, fn, "y", -100000, 100000);
  int w = (int)lgan_checkint(L, 4, fn, "width", 0, 100000);
  int h = (int)lgan_checkint(L, 5, fn, "height", 0, 100000);
  float v = (float)lgan_checknumber(L, 6, fn, "value");

  lg_fill_rect(&c, x, y, w, h, v);
  return 0;
}

static const luaL_Reg sheet_functions[] = {
  {"draw_text", l_draw_text},
  {"text_size", l_text_size},
  {"draw_image", l_draw_image},
  {"fill_rect", l_fill_rect},
  {NULL, NULL}
};

void lgan_open_sheet(lua_State *L)
{
  luaL_setfuncs(L, sheet_functions, 0);
}
