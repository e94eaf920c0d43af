/*
 * lua_gan.c - lgan.GANStep: the fused step as Lua holds it.  The Lua
 * class lgan.GAN builds one from two Sequential nets and two optimizers.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gan.h"
#include "lua_lgan.h"

#define LGAN_GANSTEP "lgan.GANStep"

typedef struct lgan_GANStep {
  lg_gan gan;
  int ready;
  /* Workspace allocations so far, for the spec that none follow the
   * first step at a batch size. */
  lua_Integer allocations;
} lgan_GANStep;

static void *counting_alloc(void *ctx, size_t bytes)
{
  ((lgan_GANStep *)ctx)->allocations++;
  /* Cache-line aligned, as the tensors are; the size must be a multiple
   * of the alignment for aligned_alloc. */
  return aligned_alloc(64, (bytes + 63) / 64 * 64);
}

static void counting_release(void *ctx, void *p)
{
  (void)ctx;
  free(p);
}

/* The step at argument 1, open or closed, or an error naming fn. */
static lgan_GANStep *to_step(lua_State *L, const char *fn)
{
  lgan_GANStep *s = luaL_testudata(L, 1, LGAN_GANSTEP);

  if (!s)
    lgan_error(L, fn, "argument 1: expected lgan.GANStep, got %s (call "
               "methods with ':')", lgan_typename(L, 1));
  return s;
}

/* The open step at argument 1, or an error naming fn. */
static lgan_GANStep *check_step(lua_State *L, const char *fn)
{
  lgan_GANStep *s = to_step(L, fn);

  if (!s->ready)
    lgan_error(L, fn, "the step was closed");
  return s;
}

/* Fills the layer pointers of a net from the sequence at arg. */
static void read_net(lua_State *L, int arg, const char *name, lg_net *net,
                     lg_layer **slots)
{
  for (int i = 0; i < net->n; i++) {
    lua_rawgeti(L, arg, i + 1);
    slots[i] = lgan_tolayer(L, -1);
    if (!slots[i])
      lgan_error(L, "GAN", "%s layer %d is not a core layer (%s)", name,
                 i + 1, lgan_typename(L, -1));
    lua_pop(L, 1);
  }
  net->layers = slots;
}

/* Pushes a new sequence of the first n values of the table at arg. */
static void copy_list(lua_State *L, int arg, int n)
{
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, arg, i);
    lua_rawseti(L, -2, i);
  }
}

/*
 * ganstep(g_layers, d_layers, g_optim, d_optim, rng [, classes]): the
 * layer lists are sequences of lgan.Layer; classes (0) makes a
 * conditional model.  Keeps the optimizers, the generator and copies of
 * the lists alive: the step holds the layers' addresses, so a caller
 * emptying its own lists afterwards must not free them.
 */
static int l_ganstep(lua_State *L)
{
  lg_net gen, disc;
  lg_layer **slots;
  lgan_GANStep *s;
  lg_err err;
  lg_optim *go, *dop;
  lg_rng *rng;
  lua_Integer classes;

  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  go = lgan_checkoptim(L, 3, "GAN");
  dop = lgan_checkoptim(L, 4, "GAN");
  rng = lgan_checkrng(L, 5, "GAN");
  classes = lua_isnoneornil(L, 6)
                ? 0
                : lgan_checkint(L, 6, "GAN", "classes", 0, 1 << 16);
  gen.n = (int)lua_rawlen(L, 1);
  disc.n = (int)lua_rawlen(L, 2);
  if (gen.n < 1 || disc.n < 1 || gen.n > 256 || disc.n > 256)
    return lgan_error(L, "GAN", "networks must have 1 to 256 layers");

  /* The layer pointers only matter during init; a userdata holds them so
   * that an error while reading leaks nothing. */
  slots = lua_newuserdatauv(L, (size_t)(gen.n + disc.n) * sizeof *slots, 0);
  read_net(L, 1, "generator", &gen, slots);
  read_net(L, 2, "discriminator", &disc, slots + gen.n);

  s = lua_newuserdatauv(L, sizeof *s, 6);
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, LGAN_GANSTEP);
  if (lg_gan_init(&s->gan, &gen, &disc, classes, go, dop, rng,
                  (lg_allocator){counting_alloc, counting_release, s},
                  &err))
    return lgan_error(L, "GAN", "%s", err.msg);
  s->ready = 1;
  copy_list(L, 1, gen.n);
  lua_setiuservalue(L, -2, 1);
  copy_list(L, 2, disc.n);
  lua_setiuservalue(L, -2, 2);
  for (int i = 3; i <= 5; i++) {
    lua_pushvalue(L, i);
    lua_setiuservalue(L, -2, i);
  }
  return 1;
}

/* step(real [, labels]): one update on real [batch, x_dim], with their
 * classes labels [batch] for a conditional model; returns the statistics
 * as a table {d_loss, g_loss, d_real, d_fake}. */
static int s_step(lua_State *L)
{
  const char *fn = "GAN:step";
  lgan_GANStep *s = check_step(L, fn);
  lg_tensor *x = lgan_checktensor(L, 2, fn);
  const float *y = NULL;
  lg_gan_stats st;
  lg_err err;
  char sz[64];

  if (x->ndim != 2 || x->size[1] != s->gan.x_dim)
    return lgan_error(L, fn, "real batch has shape %s, expected n x %d",
                      lgan_shape(x, sz, 64), (int)s->gan.x_dim);
  if (x->size[0] > (1 << 20))
    return lgan_error(L, fn, "batch of %d is above the limit of %d",
                      (int)x->size[0], 1 << 20);
  /* One NaN in the batch would turn every weight NaN for good; a pass
   * over the batch costs well under 1% of the step. */
  if (lg_count_nonfinite(x->data, x->size[0] * x->size[1]) > 0) {
    int64_t i = 0;
    while (isfinite(x->data[i]))
      i++;
    return lgan_error(L, fn, "real batch holds %s at row %d, column %d; "
                      "the model is left as it was",
                      isnan(x->data[i]) ? "NaN"
                      : x->data[i] > 0  ? "inf"
                                        : "-inf",
                      (int)(i / x->size[1]) + 1, (int)(i % x->size[1]) + 1);
  }
  if (s->gan.classes > 0) {
    int64_t n;
    lg_tensor *t = lgan_totensor(L, 3);
    /* Three faults, three messages: a missing argument, one of the wrong
     * type, and labels that do not match the batch, each saying what
     * was given. */
    if (lua_isnoneornil(L, 3))
      return lgan_error(L, fn, "a conditional model needs labels: a "
                        "tensor or a list of %d classes, one per real row",
                        (int)x->size[0]);
    if (!lgan_tolabels(L, 3, fn, s->gan.classes, &y, &n))
      return lgan_error(L, fn, "labels must be an lgan.Tensor or a list of "
                        "classes, got %s", lgan_typename(L, 3));
    if (n != x->size[0])
      return lgan_error(L, fn, "%d labels (%s%s) for %d real rows; "
                        "expected one per row", (int)n,
                        t ? "a tensor of size " : "a list",
                        t ? lgan_shape(t, sz, 64) : "", (int)x->size[0]);
  } else if (!lua_isnoneornil(L, 3)) {
    return lgan_error(L, fn, "labels given to a model without classes");
  }
  if (lg_gan_step(&s->gan, x->data, y, x->size[0], &st,
                  &err))
    return lgan_error(L, fn, "%s", err.msg);
  lua_createtable(L, 0, 4);
  lua_pushnumber(L, st.d_loss);
  lua_setfield(L, -2, "d_loss");
  lua_pushnumber(L, st.g_loss);
  lua_setfield(L, -2, "g_loss");
  lua_pushnumber(L, st.d_real);
  lua_setfield(L, -2, "d_real");
  lua_pushnumber(L, st.d_fake);
  lua_setfield(L, -2, "d_fake");
  return 1;
}

/* set_labels(real, fake): the discriminator's targets (1 and 0 unless
 * smoothed). */
static int s_set_labels(lua_State *L)
{
  lgan_GANStep *s = check_step(L, "GAN:set_labels");
  double real = lgan_checknumber(L, 2, "GAN:set_labels", "real label");
  double fake = lgan_checknumber(L, 3, "GAN:set_labels", "fake label");

  if (real < 0 || real > 1)
    return lgan_error(L, "GAN:set_labels", "real label must be in [0, 1], "
                      "got %s", lua_tostring(L, 2));
  if (fake < 0 || fake > 1)
    return lgan_error(L, "GAN:set_labels", "fake label must be in [0, 1], "
                      "got %s", lua_tostring(L, 3));
  s->gan.real_label = (float)real;
  s->gan.fake_label = (float)fake;
  return 0;
}

/*
 * Puts one network's gradients end to end in a new flat tensor, in layer
 * order, and points each gradient tensor into it; each keeps the flat
 * tensor alive through its user value.  The layers are the sequence in
 * the step's user value `slot`.
 */
static void flatten_grads(lua_State *L, int slot)
{
  int64_t total = 0, at = 0;
  lg_tensor *flat;
  int n, base;

  lua_getiuservalue(L, 1, slot);
  base = lua_gettop(L);
  n = (int)lua_rawlen(L, base);
  for (int pass = 0; pass < 2; pass++) {
    if (pass == 1)
      flat = lgan_newtensor(L, 1, &total, "GAN:set_reducer");
    for (int i = 1; i <= n; i++) {
      lua_rawgeti(L, base, i);
      lg_layer *l = lgan_tolayer(L, -1);
      if (l->kind == LG_LINEAR)
        for (int k = 3; k <= 4; k++) {
          lua_getiuservalue(L, -1, k);
          lg_tensor *g = lgan_totensor(L, -1);
          if (pass == 0) {
            total += g->numel;
          } else {
            memcpy(flat->data + at, g->data, (size_t)g->numel * 4);
            g->data = flat->data + at;
            at += g->numel;
            lua_pushvalue(L, base + 1);
            lua_setiuservalue(L, -2, 1);
          }
          lua_pop(L, 1);
        }
      lua_pop(L, 1);
    }
  }
  lua_settop(L, base - 1);
}

/* set_reducer(r): averages gradients and statistics over processes
 * through r (an lgan.Reducer from lgan.dist) in every step. */
static int s_set_reducer(lua_State *L)
{
  lgan_GANStep *s = check_step(L, "GAN:set_reducer");
  lg_reducer *r = luaL_testudata(L, 2, LGAN_REDUCER);
  lg_err err;

  if (!r)
    return lgan_error(L, "GAN:set_reducer", "argument 2: expected %s, "
                      "got %s", LGAN_REDUCER, lgan_typename(L, 2));
  flatten_grads(L, 2);
  flatten_grads(L, 1);
  if (lg_gan_set_reducer(&s->gan, r, &err))
    return lgan_error(L, "GAN:set_reducer", "%s", err.msg);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, 1, 6);
  return 0;
}

/* A reducer for one process alone: it leaves everything as it is.  For
 * tests of the reducing path without MPI. */
static int l_single_reducer(lua_State *L)
{
  lg_reducer *r = lua_newuserdatauv(L, sizeof *r, 0);

  memset(r, 0, sizeof *r);
  r->rank = 0;
  r->world = 1;
  luaL_setmetatable(L, LGAN_REDUCER);
  return 1;
}

static int s_allocations(lua_State *L)
{
  lgan_GANStep *s = to_step(L, "GAN:allocations");
  lua_pushinteger(L, s->allocations);
  return 1;
}

/* Frees the workspace; behind close, __close and __gc, and idempotent. */
static int s_close(lua_State *L)
{
  lgan_GANStep *s = to_step(L, "GAN:close");

  if (s->ready)
    lg_gan_free(&s->gan);
  s->ready = 0;
  return 0;
}

static const luaL_Reg step_methods[] = {
  {"step", s_step},
  {"set_labels", s_set_labels},
  {"allocations", s_allocations},
  {"set_reducer", s_set_reducer},
  {"close", s_close},
  {NULL, NULL}
};

void lgan_open_gan(lua_State *L)
{
  if (luaL_newmetatable(L, LGAN_GANSTEP)) {
    luaL_newlib(L, step_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, s_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, s_close);
    lua_setfield(L, -2, "__close");
  }
  lua_pop(L, 1);
  luaL_newmetatable(L, LGAN_REDUCER);
  lua_pop(L, 1);
  lua_pushcfunction(L, l_ganstep);
  lua_setfield(L, -2, "ganstep");
  lua_pushcfunction(L, l_single_reducer);
  lua_setfield(L, -2, "single_reducer");
}
