rockspec_format = "3.0"
package = "lgan-mpi"
version = "0.1.0-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "MPI for lgan: data-parallel GAN training across processes",
  detailed = [[
The C part of lgan.dist, built against the system's MPI (Open MPI or
MPICH): lgan trains one GAN on the processes of an mpirun job, averaging
the gradients with one all-reduce per network per step
(`mpirun -np N lgan train --distributed ...`).  lgan itself holds the
Lua side and works without this rock.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "lgan == 0.1.0",
}
-- Only the library is looked for: Debian keeps mpi.h where the compiler
-- finds it through pkg-config, not where LuaRocks looks.
external_dependencies = {
  MPI = { library = "mpi" },
}
-- The Makefile's `mpi` target (mk/mpi.mk) builds build/lgan/mpi.so and
-- `install-mpi` installs it beside lgan/core.so.  MPI_DEBS is empty:
-- LuaRocks installs no system packages.
build = {
  type = "make",
  build_target = "mpi",
  build_variables = {
    CFLAGS = "-O3 -fno-math-errno -fno-trapping-math",
    LUA_INCDIR = "$(LUA_INCDIR)",
    MPI_DEBS = "",
  },
  install_target = "install-mpi",
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
    MPI_DEBS = "",
  },
}
