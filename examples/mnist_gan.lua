-- mnist_gan.lua: the classic MLP GAN on MNIST, written out in full.
--
--   make data && make
--   lua5.4 examples/mnist_gan.lua [data/mnist] [epochs] [out-folder]
--
-- From the top folder of a checkout, give Lua the checkout's paths, as
-- the Makefile's RUN does:
--
--   LUA_CPATH='build/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;' \
--     lua5.4 examples/mnist_gan.lua
--
-- After `luarocks --lua-version=5.4 make lgan-0.1.0-1.rockspec`, plain
-- `lua5.4 examples/mnist_gan.lua` finds lgan.

local lgan = require "lgan"
local nn, optim = lgan.nn, lgan.optim

local data_dir = arg[1] or "data/mnist"
local epochs = tonumber(arg[2]) or 5
local out = arg[3] or "runs/example"
local seed = 1

-- One generator per purpose, so each stream repeats on its own.
local init = lgan.Generator(seed, 0)

-- Generator: noise z (100) -> 256 -> 512 -> 1024 -> 784 pixels in [-1, 1].
local G = nn.Sequential {
  nn.Linear(100, 256, init), nn.LeakyReLU(0.2),
  nn.Linear(256, 512, init), nn.LeakyReLU(0.2),
  nn.Linear(512, 1024, init), nn.LeakyReLU(0.2),
  nn.Linear(1024, 784, init), nn.Tanh(),
}

-- Discriminator: 784 pixels -> 512 -> 256 -> probability of "real".
local D = nn.Sequential {
  nn.Linear(784, 512, init), nn.LeakyReLU(0.2),
  nn.Linear(512, 256, init), nn.LeakyReLU(0.2),
  nn.Linear(256, 1, init), nn.Sigmoid(),
}

-- The GAN owns Adam for both nets (lr 2e-4, betas 0.5 and 0.999) and
-- runs each update in one C call: D on real and fake, then G through D.
local gan = lgan.GAN {
  generator = G, discriminator = D, seed = seed,
  g_optim = optim.Adam(G, { lr = 2e-4, betas = { 0.5, 0.999 } }),
  d_optim = optim.Adam(D, { lr = 2e-4, betas = { 0.5, 0.999 } }),
}

local mnist = lgan.data.mnist(data_dir)
local loader = lgan.data.loader(mnist.train.images, 64,
  lgan.Generator(seed, 2), -1, 1)
local fixed_z = lgan.Generator(seed, 3):randn(100, 100)

os.execute("mkdir -p " .. out)
for epoch = 1, epochs do
  local st
  for batch in loader:epoch() do
    st = gan:step(batch)
  end
  io.stderr:write(("epoch %d  d_loss %.3f  g_loss %.3f  D(x) %.2f  "
    .. "D(G(z)) %.2f\n"):format(epoch, st.d_loss, st.g_loss, st.d_real,
    st.d_fake))
  local samples = gan:sample(100, { z = fixed_z })
  lgan.image.save_grid(("%s/epoch-%02d.png"):format(out, epoch), samples,
    { rows = 10, cols = 10, lo = -1, hi = 1 })
end
