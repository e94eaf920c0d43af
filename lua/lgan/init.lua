--- lgan: generative adversarial networks for Lua 5.4, on a C core.
--
-- `require "lgan"` gives the tensor constructors and loads the parts
-- (`lgan.nn`, `lgan.optim`, `lgan.data`, `lgan.image`, `lgan.GAN`,
-- `lgan.checkpoint`, `lgan.classify`, `lgan.worksheet`, `lgan.train`,
-- `lgan.dist`) on first use.
-- @module lgan

local core = require "lgan.core"

local lgan = {
  _VERSION = "lgan 0.1.0",
  core = core,
}

--- A new tensor: `tensor(2, 3)` is a 2 x 3 tensor of zeros,
-- `tensor{{1, 2}, {3, 4}}` holds the table's numbers.
-- @function tensor
lgan.tensor = core.tensor

--- A tensor of zeros of the given sizes.
-- @function zeros
lgan.zeros = function(...)
  if type((...)) ~= "number" then
    error("zeros: expected sizes, got " .. type((...)), 2)
  end
  return core.tensor(...)
end

--- A tensor of ones of the given sizes.
-- @function ones
lgan.ones = core.ones

--- Matrix product of two tensors, as `a * b`.
-- @function matmul
lgan.matmul = core.matmul

--- A seeded random generator: `Generator(seed [, stream])`.
-- @function Generator
lgan.Generator = core.Generator

--- Sets lgan's thread count, for the whole process: OpenBLAS's for the
-- GEMMs that follow outside a fused GAN step, and the size of the team
-- of threads that runs each fused step.
-- @function set_threads
lgan.set_threads = core.set_threads

--- How many threads OpenBLAS uses.
-- @function get_threads
lgan.get_threads = core.get_threads

--- The lgan class of a value ("lgan.Tensor", "lgan.nn.Linear", ...),
-- or its Lua type; never raises.
-- @param x any value
-- @treturn string
function lgan.type(x)
  return core.type(x)
end

local parts = { nn = "lgan.nn", optim = "lgan.optim", data = "lgan.data",
                image = "lgan.image", gan = "lgan.gan",
                checkpoint = "lgan.checkpoint", classify = "lgan.classify",
                worksheet = "lgan.worksheet", train = "lgan.train",
                dist = "lgan.dist" }

setmetatable(lgan, {
  __index = function(t, key)
    if key == "GAN" then
      local gan = require "lgan.gan"
      rawset(t, "GAN", gan.GAN)
      return gan.GAN
    end
    local name = parts[key]
    if name then
      local part = require(name)
      rawset(t, key, part)
      return part
    end
  end,
})

return lgan
