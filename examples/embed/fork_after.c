/*
 * fork_after.c - a host that forks after training has started (as an
 * app spawning a worker would): the child must be able to train and
 * sample on, not hang on threads it does not have.  Run by `make check`
 * (through `make embed-test`); an alarm turns a hang into a failure.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const script =
    "local lgan = require 'lgan'\n"
    "local G, D = lgan.gan.build('mlp', lgan.Generator(3), 64)\n"
    "gan = lgan.GAN { generator = G, discriminator = D, seed = 3 }\n"
    "data = lgan.Generator(4)\n"
    "function train(steps)\n"
    "  for _ = 1, steps do gan:step(data:rand(256, 64)) end\n"
    "  return gan:sample(4):sum()\n"
    "end\n"
    "train(5)\n";

static int run(lua_State *L, const char *code)
{
  if (luaL_dostring(L, code) != LUA_OK) {
    fprintf(stderr, "fork_after: %s\n", lua_tostring(L, -1));
    return 1;
  }
  return 0;
}

int main(void)
{
  lua_State *L = luaL_newstate();
  pid_t child;
  int status;

  luaL_openlibs(L);
  if (run(L, script))
    return 1;
  child = fork();
  if (child == 0) {
    alarm(60);
    _exit(run(L, "train(5)") ? 1 : 0);
  }
  alarm(120);
  if (run(L, "train(5)") || waitpid(child, &status, 0) != child)
    return 1;
  lua_close(L);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "fork_after: the child %s\n",
            WIFSIGNALED(status) ? "was killed (a hang ends in SIGALRM)"
                                : "failed");
    return 1;
  }
  printf("fork_after: parent and forked child both trained on\n");
  return 0;
}
