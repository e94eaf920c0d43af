-- fuzz/seeds.lua - writes the hand-made seeds of the fuzz corpora:
--
--   LUA_CPATH='build/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;' \
--     lua5.4 fuzz/seeds.lua
--
-- Files are named seed-*, so that they are told apart from the inputs
-- the fuzzer found.  Rerunning overwrites them with the same bytes
-- (the checkpoints come from fixed seeds).

local lgan = require "lgan"
local core = require "lgan.core"
local nn = require "lgan.nn"
local optim = require "lgan.optim"
local checkpoint = require "lgan.checkpoint"

local function write(target, name, bytes)
  local path = ("fuzz/corpus/%s/seed-%s"):format(target, name)
  local f = assert(io.open(path, "wb"))
  f:write(bytes)
  f:close()
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  os.remove(path)
  return s
end

local tmp = os.tmpname()

---------------------------------------------------------------------------
-- idx: the first byte is the mode (even: as is, odd: gzip it first)
---------------------------------------------------------------------------

local function idx(dims, payload)
  local head = string.char(0, 0, 8, #dims)
  for _, d in ipairs(dims) do head = head .. string.pack(">I4", d) end
  return head .. payload
end

write("idx", "labels", "\0" .. idx({ 5 }, "\0\1\2\3\4"))
write("idx", "images", "\0" .. idx({ 2, 2, 2 }, ("\0\255"):rep(4)))
write("idx", "images-gz", "\1" .. idx({ 2, 3 }, "abcdef"))
write("idx", "four-dims", "\0" .. idx({ 1, 1, 2, 1 }, "xy"))
write("idx", "five-dims", "\0" .. idx({ 1, 1, 1, 1, 1 }, "x"))
write("idx", "float-type", "\0\0\0\13\1\0\0\0\1" .. ("\0"):rep(4))
write("idx", "truncated", "\0" .. idx({ 4 }, "ab"))
write("idx", "trailing", "\1" .. idx({ 1 }, "ab"))
write("idx", "huge-size", "\1" .. idx({ 65535, 65535 }, ""))
write("idx", "zero-size", "\0" .. idx({ 0 }, ""))
-- A gzip file made by lgan, given as is.
core.write_idx(tmp .. ".gz", core.bytes("0123456789", 2, 5))
write("idx", "file-gz", "\0" .. slurp(tmp .. ".gz"))

---------------------------------------------------------------------------
-- checkpoint: whole files
---------------------------------------------------------------------------

local function tiny_gan(kind)
  local rng = lgan.Generator(7)
  local G = nn.Sequential { nn.Linear(2, 3, rng), nn.LeakyReLU(0.2),
                            nn.Linear(3, 4, rng), nn.Tanh() }
  local D = nn.Sequential { nn.Linear(4, 2, rng), nn.ReLU(),
                            nn.Linear(2, 1, rng), nn.Sigmoid() }
  local opts = { generator = G, discriminator = D, seed = 3 }
  if kind == "sgd" then
    opts.g_optim = optim.SGD(G, { lr = 0.1, momentum = 0.9 })
    opts.d_optim = optim.SGD(D, { lr = 0.1 })
  end
  return lgan.GAN(opts)
end

local g = tiny_gan("adam")
g:step(lgan.Generator(1):rand(3, 4))
checkpoint.save(tmp, g, { note = "seed" })
write("checkpoint", "adam", slurp(tmp))
checkpoint.save(tmp, tiny_gan("sgd"))
write("checkpoint", "sgd", slurp(tmp))
checkpoint.save_tensors(tmp, { a = lgan.tensor { 1, 2 } }, { x = "y" })
write("checkpoint", "tensors-only", slurp(tmp))
write("checkpoint", "short", "\8\0\0\0")
-- Sizes whose product wraps around 2^64 (to 0 bytes of data).
local wrap = '{"a":{"dtype":"F32","shape":[4294967296,4294967296],'
  .. '"data_offsets":[0,0]}}'
write("checkpoint", "shape-overflow", string.pack("<I8", #wrap) .. wrap)
write("checkpoint", "empty-header", string.pack("<I8", 2) .. "{}")

---------------------------------------------------------------------------
-- tensor: byte code (see decode() in tensor_fuzz.c); first byte: mode
---------------------------------------------------------------------------

local function int(n) return string.char(n * 16) end
local function list(...)
  return "\8" .. string.char(select("#", ...)) .. table.concat { ... }
end

local row = list(int(1), int(2), int(3))
write("tensor", "matrix", "\0" .. list(row, row))
write("tensor", "vector", "\0" .. list(int(4), "\84", "\5", "\21"))
write("tensor", "ragged", "\0" .. list(row, list(int(1))))
write("tensor", "deep", "\0" .. "\255" .. int(1))
write("tensor", "shared", "\0" .. "\9\200" .. "\9\100" .. int(5))
write("tensor", "holes", "\0" .. list(int(1), "\12", int(3)))
write("tensor", "extra-key", "\0" .. "\29\2" .. int(1) .. int(2))
write("tensor", "strings", "\0" .. list("\58abc", "\11"))
write("tensor", "tensor-inside", "\0" .. list("\30"))
write("tensor", "sizes", "\1" .. int(2) .. int(3))
write("tensor", "float-sizes", "\1" .. "\229" .. "\245")
write("tensor", "half-size", "\1" .. "\52")
write("tensor", "huge-sizes", "\1" .. "\149" .. "\149")
write("tensor", "nan-size", "\2" .. "\5")
write("tensor", "randn", "\6" .. int(2) .. int(2) .. int(1))
write("tensor", "cat", "\4" .. list("\174", "\254") .. int(1))
write("tensor", "cat-columns", "\4" .. list("\254", "\206"))
write("tensor", "cat-rows", "\4" .. list("\174", "\174") .. int(1))
write("tensor", "one-hot", "\5" .. list(int(0), int(2), int(1)) .. int(3))
write("tensor", "one-hot-bad", "\5" .. list("\68", "\5") .. int(2))
write("tensor", "zeros", "\3" .. int(3) .. "\7" .. ("\255"):rep(8))
