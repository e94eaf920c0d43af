rockspec_format = "3.0"
package = "lgan"
version = "0.1.0-1"
source = {
  url = "git+file://.",
}
description = {
  summary = "Generative adversarial networks for Lua 5.4 on a C core",
  detailed = [[
lgan trains GANs from Lua: float32 tensors on OpenBLAS, dense layers,
activations, losses, Adam and a fused GAN step in C, composed and driven
from Lua, with MNIST IDX files in and PNG sample grids out.
]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "argparse",
  "lua-cjson",
  "dkjson",
}
external_dependencies = {
  -- No header here: Debian keeps cblas.h in a multiarch folder that the
  -- compiler searches but LuaRocks does not.
  OPENBLAS = { library = "openblas" },
  STB = { header = "stb/stb_image_write.h", library = "stb" },
  ZLIB = { header = "zlib.h", library = "z" },
}
-- The Makefile builds: one recipe for `make`, `make install` and
-- LuaRocks, with the flags that let the hot loops vectorise.
build = {
  type = "make",
  build_variables = {
    CFLAGS = "-O3 -fno-math-errno -fno-trapping-math",
    LUA_INCDIR = "$(LUA_INCDIR)",
    OPENBLAS_INCDIR = "$(OPENBLAS_INCDIR)",
    OPENBLAS_LIBDIR = "$(OPENBLAS_LIBDIR)",
    STB_INCDIR = "$(STB_INCDIR)",
    STB_LIBDIR = "$(STB_LIBDIR)",
    ZLIB_INCDIR = "$(ZLIB_INCDIR)",
    ZLIB_LIBDIR = "$(ZLIB_LIBDIR)",
  },
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
    INST_LUADIR = "$(LUADIR)",
    INST_BINDIR = "$(BINDIR)",
  },
}
