/*
 * two_states.c - two lua_States in two threads of one process train and
 * sample with lgan at the same time; each must get exactly what it gets
 * running alone.  This is the test that lgan's C core keeps no global
 * mutable state.  Run by `make check` (through `make embed-test`).
 *
 * Each run trains a small conditional GAN on data it makes from its
 * seed, then samples, and returns a fingerprint: every loss and every
 * sample value, as hexadecimal floats.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const script =
    "local lgan = require 'lgan'\n"
    "local seed = ...\n"
    "local G, D = lgan.gan.build('mlp', lgan.Generator(seed, 0), 64, 4)\n"
    "local gan = lgan.GAN { generator = G, discriminator = D,\n"
    "                       seed = seed, classes = 4 }\n"
    "local data = lgan.Generator(seed, 9)\n"
    "local out = {}\n"
    "for step = 1, 40 do\n"
    "  local real = data:rand(32, 64):mul(2):add(-1)\n"
    "  local labels = lgan.tensor(32)\n"
    "  for i = 1, 32 do labels[i] = data:random_int(4) - 1 end\n"
    "  local st = gan:step(real, labels)\n"
    "  out[#out + 1] = ('%a %a'):format(st.d_loss, st.g_loss)\n"
    "end\n"
    "local x = gan:sample(8, { labels = { 0, 1, 2, 3, 3, 2, 1, 0 } })\n"
    "for i = 1, 8 do\n"
    "  for j = 1, 64 do out[#out + 1] = ('%a'):format(x:get(i, j)) end\n"
    "end\n"
    "return table.concat(out, '\\n')\n";

typedef struct run {
  int seed;
  char *fingerprint;
  char error[512];
} run;

static void *train(void *arg)
{
  run *r = arg;
  lua_State *L = luaL_newstate();

  if (!L) {
    snprintf(r->error, sizeof r->error, "no memory for a lua_State");
    return NULL;
  }
  luaL_openlibs(L);
  if (luaL_loadstring(L, script) != LUA_OK) {
    snprintf(r->error, sizeof r->error, "%s", lua_tostring(L, -1));
  } else {
    lua_pushinteger(L, r->seed);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
      snprintf(r->error, sizeof r->error, "%s", lua_tostring(L, -1));
    else
      r->fingerprint = strdup(lua_tostring(L, -1));
  }
  lua_close(L);
  return NULL;
}

int main(void)
{
  run alone[2] = {{11, NULL, ""}, {12, NULL, ""}};
  run together[2] = {{11, NULL, ""}, {12, NULL, ""}};
  pthread_t threads[2];
  int failed = 0;

  for (int i = 0; i < 2; i++)
    train(&alone[i]);
  for (int i = 0; i < 2; i++)
    pthread_create(&threads[i], NULL, train, &together[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(threads[i], NULL);

  for (int i = 0; i < 2; i++) {
    if (!alone[i].fingerprint || !together[i].fingerprint) {
      fprintf(stderr, "two_states: run %d failed: %s%s\n", i + 1,
              alone[i].error, together[i].error);
      failed++;
    } else if (strcmp(alone[i].fingerprint, together[i].fingerprint)) {
      fprintf(stderr, "two_states: run %d differs when another runs "
              "beside it\n", i + 1);
      failed++;
    }
    free(alone[i].fingerprint);
    free(together[i].fingerprint);
  }
  if (!failed)
    printf("two_states: both runs gave, beside each other, what they "
           "gave alone\n");
  return failed ? 1 : 0;
}
