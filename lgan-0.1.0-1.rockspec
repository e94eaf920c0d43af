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
  homepage = "https://example.invalid/lgan",
}
dependencies = {
  "lua >= 5.4, < 5.5",
  "argparse",
  "lua-cjson",
}
external_dependencies = {
  -- No header here: Debian keeps cblas.h in a multiarch folder that the
  -- compiler searches but LuaRocks does not.
  OPENBLAS = { library = "openblas" },
  STB = { header = "stb/stb_image_write.h", library = "stb" },
  ZLIB = { header = "zlib.h", library = "z" },
}
build = {
  type = "builtin",
  modules = {
    ["lgan.core"] = {
      sources = {
        "csrc/bytes.c", "csrc/error.c", "csrc/gan.c", "csrc/idx.c",
        "csrc/loss.c", "csrc/lua_gan.c", "csrc/lua_io.c",
        "csrc/lua_lgan.c", "csrc/lua_nn.c", "csrc/lua_optim.c",
        "csrc/lua_rng.c", "csrc/lua_tensor.c", "csrc/nn.c",
        "csrc/optim.c", "csrc/png.c", "csrc/rng.c", "csrc/tensor.c",
        "csrc/tmpfile.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L" },
      incdirs = { "$(OPENBLAS_INCDIR)", "$(STB_INCDIR)/stb",
                  "$(ZLIB_INCDIR)" },
      libdirs = { "$(OPENBLAS_LIBDIR)", "$(STB_LIBDIR)", "$(ZLIB_LIBDIR)" },
      libraries = { "openblas", "stb", "z", "m" },
    },
    ["lgan"] = "lua/lgan/init.lua",
    ["lgan.class"] = "lua/lgan/class.lua",
    ["lgan.nn"] = "lua/lgan/nn.lua",
    ["lgan.optim"] = "lua/lgan/optim.lua",
    ["lgan.gan"] = "lua/lgan/gan.lua",
    ["lgan.data"] = "lua/lgan/data.lua",
    ["lgan.image"] = "lua/lgan/image.lua",
    ["lgan.train"] = "lua/lgan/train.lua",
    ["lgan.checkpoint"] = "lua/lgan/checkpoint.lua",
    ["lgan.plot"] = "lua/lgan/plot.lua",
    ["lgan.cli"] = "lua/lgan/cli.lua",
  },
  install = {
    bin = { lgan = "bin/lgan" },
  },
}
