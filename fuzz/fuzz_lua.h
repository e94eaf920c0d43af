/*
 * fuzz_lua.h - the Lua state of the fuzz targets that go through Lua:
 * it loads lgan from the checkout, with the C core linked in.
 *
 * The Lua state counts its memory and refuses to grow past FZ_LUA_LIMIT
 * bytes, so that a size read from hostile input ends in Lua's "not
 * enough memory" error rather than in libFuzzer's malloc limit.  Every
 * line Lua runs is hashed into libFuzzer's extra counters, so that the
 * fuzzer sees coverage of the Lua code (checkpoint.lua), not only of
 * the C built with -fsanitize=fuzzer.
 */
#ifndef LGAN_FUZZ_LUA_H
#define LGAN_FUZZ_LUA_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

/* Bytes a fuzzed Lua state may hold. */
#define FZ_LUA_LIMIT ((size_t)64 << 20)

/*
 * A new Lua state with the standard libraries, package.path at the
 * checkout's lua/ directory (LGAN_LUA_DIR, or the one compiled in),
 * "lgan.core" and "cjson" in package.preload, no C modules from disk,
 * the global fuzz_refused (see fz_check_error) and the line-coverage
 * hook set.  Aborts when out of memory.
 */
lua_State *fz_lua_new(void);

/*
 * Runs the driver chunk src in L with the string arguments
 * args[0..nargs).  The driver calls the code under test under pcall, so
 * an error reaching this level (other than running out of memory) means
 * the harness itself is broken, lgan cannot be loaded for instance:
 * it aborts.
 */
void fz_lua_run(lua_State *L, const char *name, const char *src,
                const char *const *args, int nargs);

/*
 * Judges an error that the code under test raised (NULL: none).  A
 * refusal is fine; with FUZZ_STRICT=1 in the environment, an internal
 * error aborts, so that the fuzzer keeps the input: a runtime error
 * inside a .lua file ("x.lua:12: attempt to index a nil value"), a
 * standard function's "bad argument", or an error value that is not a
 * string.  Lua code calls it as the global fuzz_refused(message
 * [, prefix]), which fz_lua_new defines; given a prefix, a message that
 * does not start with it counts as internal as well (a reader's error
 * that does not name the reader).
 */
void fz_check_error(const char *msg);

#endif
