/*
 * lua_lgan.h - what the binding files share: the tensor userdata and the
 * argument checks that make every error name its function.
 */
#ifndef LGAN_LUA_LGAN_H
#define LGAN_LUA_LGAN_H

#include <lauxlib.h>
#include <lua.h>

#include "nn.h"
#include "optim.h"
#include "rng.h"
#include "tensor.h"

#define LGAN_TENSOR "lgan.Tensor"
#define LGAN_BYTES "lgan.ByteTensor"
/* A userdata holding an lg_reducer (gan.h), made by lgan.dist. */
#define LGAN_REDUCER "lgan.Reducer"

/*
 * A tensor as Lua holds it.  An owned tensor's floats follow the header in
 * the same block (from the first 64-byte boundary in storage), so Lua's
 * collector sees their size; a view points into another tensor, which
 * its first user value keeps alive.  A tensor whose floats were moved
 * into a flat buffer (GAN:set_reducer) keeps that buffer alive the same
 * way.
 */
typedef struct lgan_Tensor {
  lg_tensor t;
  int is_view;
  float storage[];
} lgan_Tensor;

/* Raises "fn: message" with message formatted as by lua_pushfstring. */
int lgan_error(lua_State *L, const char *fn, const char *fmt, ...);

/* What the value at arg is, for messages: its metatable's __name
 * ("lgan.Tensor", ...) or else its type name ("number", "no value"). */
const char *lgan_typename(lua_State *L, int arg);

/* The tensor at arg, or an error naming fn and the argument. */
lg_tensor *lgan_checktensor(lua_State *L, int arg, const char *fn);

/* The tensor at arg, or NULL when the value there is not a tensor. */
lg_tensor *lgan_totensor(lua_State *L, int arg);

/*
 * The class labels at arg, for one_hot and the conditional step alike:
 * an lgan.Tensor read in place, or a Lua sequence of numbers copied into
 * a new tensor left on the stack (a non-number entry raises, naming fn
 * and classes).  Returns 1 with the floats in *data and their count in
 * *n (*data NULL for an empty sequence), or 0, pushing nothing, when arg
 * holds neither, so that the caller can say what it wanted.  Whether
 * each value is a class is for the caller to check as it reads them.
 */
int lgan_tolabels(lua_State *L, int arg, const char *fn, int64_t classes,
                  const float **data, int64_t *n);

/* An integer in [lo, hi] at arg; a float with an integral value is
 * accepted, since Lua 5.4 arithmetic yields floats. */
lua_Integer lgan_checkint(lua_State *L, int arg, const char *fn,
                          const char *what, lua_Integer lo, lua_Integer hi);

/* Raises "fn: unknown option 'key' (expected one of a, b, ...)" when
 * the table at opts has a key not in keys (a NULL-ended list), so that
 * a misspelt option is not silently ignored. */
void lgan_checkkeys(lua_State *L, int opts, const char *fn,
                    const char *const *keys);

/* A finite number at arg. */
lua_Number lgan_checknumber(lua_State *L, int arg, const char *fn,
                            const char *what);

/* Pushes a new zero-filled tensor of the given shape; raises on a size
 * below 1 or a count above LG_MAX_NUMEL. */
lg_tensor *lgan_newtensor(lua_State *L, int ndim, const int64_t *sizes,
                          const char *fn);

/* Pushes a view of numel floats at data, shaped by sizes, that keeps the
 * tensor at base_arg alive. */
lg_tensor *lgan_newview(lua_State *L, int base_arg, float *data, int ndim,
                        const int64_t *sizes);

/* Pushes a new tensor of the same shape as t (not filled). */
lg_tensor *lgan_newlike(lua_State *L, const lg_tensor *t, const char *fn);

/* Shape as text, "64x784", in buf. */
const char *lgan_shape(const lg_tensor *t, char *buf, size_t len);

/* The generator at arg, or an error naming fn and the argument. */
lg_rng *lgan_checkrng(lua_State *L, int arg, const char *fn);

/* The core layer at arg, or NULL. */
lg_layer *lgan_tolayer(lua_State *L, int arg);

/* The optimizer at arg, or an error naming fn. */
lg_optim *lgan_checkoptim(lua_State *L, int arg, const char *fn);

/* Each binding file adds its functions to the table on the stack top. */
void lgan_open_tensor(lua_State *L);
void lgan_open_rng(lua_State *L);
void lgan_open_nn(lua_State *L);
void lgan_open_optim(lua_State *L);
void lgan_open_gan(lua_State *L);
void lgan_open_io(lua_State *L);
void lgan_open_sheet(lua_State *L);
void lgan_open_classify(lua_State *L);

#endif
