/*
 * checkpoint_fuzz.c - libFuzzer target for the checkpoint reader
 * (lua/lgan/checkpoint.lua) and what it hands on to the C core.
 *
 * Each input is written to a file that a fresh Lua state reads with
 * checkpoint.load and checkpoint.load_tensors; a checkpoint that loads
 * is then built into a GAN (checkpoint.gan), sampled from, and its
 * generator rebuilt (checkpoint.generator).  Every call is under pcall:
 * a refusal is fine, a sanitizer report is not.  With FUZZ_STRICT=1 an
 * internal Lua error ("attempt to index a nil value" and the like), or
 * a refusal by load or load_tensors that does not name them, is kept as
 * a crash too, to find the checks the reader lacks.
 */
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "fuzz_lua.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char driver[] =
  "local path = ...\n"
  "require('lgan.core').set_threads(1)\n"
  "local checkpoint = require 'lgan.checkpoint'\n"
  "local function try(prefix, f, ...)\n"
  "  local ok, result = pcall(f, ...)\n"
  "  if ok then return result end\n"
  "  fuzz_refused(result, prefix)\n"
  "end\n"
  "local ck = try('checkpoint.load:', checkpoint.load, path)\n"
  "if ck then\n"
  "  local gan = try(nil, checkpoint.gan, ck)\n"
  "  if gan then try(nil, gan.sample, gan, 2) end\n"
  "  try(nil, checkpoint.generator, ck)\n"
  "end\n"
  "try('checkpoint.load_tensors:', checkpoint.load_tensors, path)\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fz_scratch(data, size);
  lua_State *L = fz_lua_new();

  fz_lua_run(L, "=checkpoint_fuzz", driver, &path, 1);
  lua_close(L);
  return 0;
}
