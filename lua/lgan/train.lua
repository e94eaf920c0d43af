--- The training loop behind `lgan train`: the reference model on MNIST,
-- a sample grid per epoch from fixed noise, and metrics.  It prints
-- nothing; progress reaches the caller through callbacks.
-- @module lgan.train

local core = require "lgan.core"
local data = require "lgan.data"
local gan = require "lgan.gan"
local image = require "lgan.image"

local train = {}

--- Options and their defaults.
train.defaults = {
  data = "data/mnist",
  out = nil,
  epochs = 5,
  batch_size = 64,
  seed = 1,
  threads = nil,
  preset = "mlp",
  lr = 2e-4,
  beta1 = 0.5,
  beta2 = 0.999,
  grid = 10,
}

local Trainer = {}
Trainer.__index = Trainer

local function mkdir(path)
  -- Lua has no mkdir; the shell's `mkdir -p` is the portable way here.
  local ok = os.execute("mkdir -p '" .. path:gsub("'", "'\\''") .. "'")
  if not ok then
    error(("train: cannot create the folder %s"):format(path), 3)
  end
end

local function check_options(o)
  local function positive_int(key, max)
    local v = o[key]
    if math.type(v) ~= "integer" or v < 1 or (max and v > max) then
      error(("train: %s must be an integer from 1 to %d, got %s")
        :format(key, max or math.maxinteger, tostring(v)), 3)
    end
  end
  positive_int("epochs", 1000000)
  positive_int("batch_size", 65536)
  positive_int("grid", 100)
  if math.type(o.seed) ~= "integer" then
    error("train: seed must be an integer, got " .. tostring(o.seed), 3)
  end
  if o.threads ~= nil then positive_int("threads", 256) end
  if not gan.presets[o.preset] then
    error(("train: unknown preset %q (expected mlp or seed)")
      :format(tostring(o.preset)), 3)
  end
  if type(o.lr) ~= "number" or not (o.lr > 0 and o.lr < 1) then
    error("train: lr must be a number in (0, 1), got " .. tostring(o.lr), 3)
  end
  if type(o.out) ~= "string" or o.out == "" then
    error("train: out must name a folder", 3)
  end
end

--- A trainer for the given options (see `train.defaults`).  Reads the
-- data and builds the model; writes nothing yet.
function train.new(opts)
  local o = {}
  for k, v in pairs(train.defaults) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  o.out = o.out or ("runs/%s-seed%d"):format(o.preset, o.seed)
  check_options(o)
  if o.threads then core.set_threads(o.threads) end

  local self = setmetatable({ opts = o }, Trainer)
  local set = data.mnist(o.data)
  self.images = set.train.images
  local init = core.Generator(o.seed, gan.STREAM.init)
  local G, D, preset = gan.build(o.preset, init)
  self.range = preset.range
  self.model = gan.GAN {
    generator = G, discriminator = D, seed = o.seed, lr = o.lr,
    betas = { o.beta1, o.beta2 }, range = preset.range,
  }
  self.loader = data.loader(self.images, o.batch_size,
    core.Generator(o.seed, gan.STREAM.shuffle), preset.range[1],
    preset.range[2])
  -- The grid's noise is fixed for the whole run, so that the grids of
  -- successive epochs show the same latent points.
  self.grid_z = core.Generator(o.seed, gan.STREAM.sample)
    :randn(o.grid * o.grid, gan.Z_DIM)
  self.step = 0
  self.epoch = 0
  return self
end

--- Writes the sample grid of the current generator to path.
function Trainer:save_grid(path)
  local g = self.opts.grid
  local x = self.model:sample(g * g, { z = self.grid_z })
  image.save_grid(path, x, { rows = g, cols = g, lo = self.range[1],
                             hi = self.range[2] })
end

local function check_finite(stats, step)
  for _, key in ipairs { "d_loss", "g_loss" } do
    local v = stats[key]
    if v ~= v or v == math.huge or v == -math.huge then
      error(("train: %s became %s at step %d; training stopped")
        :format(key, tostring(v), step), 0)
    end
  end
end

--- Trains to `opts.epochs`.  `hooks.step(info)` is called after every
-- step and `hooks.epoch(info)` after every epoch, with the step, epoch,
-- batch within the epoch, the statistics and the elapsed seconds.
function Trainer:run(hooks)
  hooks = hooks or {}
  local o = self.opts
  mkdir(o.out)
  local metrics_path = o.out .. "/metrics.csv"
  local metrics = assert(io.open(metrics_path, self.step == 0 and "w" or "a"))
  if self.step == 0 then
    metrics:write("step,epoch,d_loss,g_loss,d_real,d_fake,seconds\n")
  end
  local clock0 = core.clock()
  local function seconds() return core.clock() - clock0 end

  while self.epoch < o.epochs do
    local epoch = self.epoch + 1
    local sums = { d_loss = 0, g_loss = 0, d_real = 0, d_fake = 0 }
    local count = 0
    for batch, k in self.loader:epoch() do
      local st = self.model:step(batch)
      self.step = self.step + 1
      check_finite(st, self.step)
      for key in pairs(sums) do sums[key] = sums[key] + st[key] end
      count = count + 1
      metrics:write(("%d,%d,%.6f,%.6f,%.6f,%.6f,%.3f\n"):format(self.step,
        epoch, st.d_loss, st.g_loss, st.d_real, st.d_fake, seconds()))
      if hooks.step then
        hooks.step { step = self.step, epoch = epoch, batch = k,
                     batches = #self.loader, stats = st,
                     seconds = seconds() }
      end
    end
    self.epoch = epoch
    metrics:flush()
    local grid = ("%s/epoch-%03d.png"):format(o.out, epoch)
    self:save_grid(grid)
    for key in pairs(sums) do sums[key] = sums[key] / count end
    if hooks.epoch then
      hooks.epoch { step = self.step, epoch = epoch, epochs = o.epochs,
                    stats = sums, seconds = seconds(), grid = grid }
    end
  end
  metrics:close()
  return self
end

return train
