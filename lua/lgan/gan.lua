--- The GAN: a generator, a discriminator, their optimizers and the fused
-- C step that updates both; and the presets of the reference model.
-- @module lgan.gan

local core = require "lgan.core"
local class = require "lgan.class"
local nn = require "lgan.nn"
local optim = require "lgan.optim"
local options = require "lgan.options"

local gan = {}

--- Random streams of one seed, one per purpose, so that adding a use of
-- one never shifts another.
gan.STREAM = { init = 0, noise = 1, shuffle = 2, sample = 3 }

-- The presets of the reference model (DESIGN.md): `mlp`, the default,
-- with LeakyReLU(0.2) and Tanh and pixels in [-1, 1]; `seed`, the
-- textbook's ReLU and Sigmoid with pixels in [0, 1].
gan.presets = {
  mlp = { hidden = "LeakyReLU", slope = 0.2, output = "Tanh",
          range = { -1, 1 } },
  seed = { hidden = "ReLU", output = "Sigmoid", range = { 0, 1 } },
}

gan.Z_DIM = 100
gan.G_SIZES = { 256, 512, 1024 }
gan.D_SIZES = { 512, 256 }

--- Builds the generator and discriminator of a preset, initialised from
-- rng (generator first).  With classes, both nets take a one-hot label
-- beside their usual input (a conditional GAN, Mirza and Osindero 2014).
-- @string name "mlp" or "seed"
-- @tparam Generator rng
-- @int[opt=784] x_dim pixels per image
-- @int[opt=0] classes label classes of a conditional model
-- @treturn Sequential generator
-- @treturn Sequential discriminator
-- @treturn table the preset (its `range` is the pixel range)
function gan.build(name, rng, x_dim, classes)
  local p = gan.presets[name]
  if not p then
    error(("gan.build: unknown preset %q (expected mlp or seed)")
      :format(tostring(name)), 2)
  end
  -- rng and x_dim are checked here: nn.Linear's own checks would point
  -- at this function's lines instead of the caller's.
  if rng ~= nil and core.type(rng) ~= "lgan.Generator" then
    error("gan.build: rng must be an lgan.Generator, got " .. core.type(rng),
      2)
  end
  local n_in = x_dim or 784
  x_dim = math.type(n_in) and math.tointeger(n_in)
  if not x_dim or x_dim < 1 then
    error("gan.build: x_dim must be a positive integer, got "
      .. tostring(n_in), 2)
  end
  classes = classes or 0
  if math.type(classes) ~= "integer" or classes < 0 then
    error("gan.build: classes must be a whole number, got "
      .. tostring(classes), 2)
  end
  local function hidden()
    return p.slope and nn[p.hidden](p.slope) or nn[p.hidden]()
  end
  local g, prev = {}, gan.Z_DIM + classes
  for _, size in ipairs(gan.G_SIZES) do
    g[#g + 1] = nn.Linear(prev, size, rng)
    g[#g + 1] = hidden()
    prev = size
  end
  g[#g + 1] = nn.Linear(prev, x_dim, rng)
  g[#g + 1] = nn[p.output]()
  local d
  d, prev = {}, x_dim + classes
  for _, size in ipairs(gan.D_SIZES) do
    d[#d + 1] = nn.Linear(prev, size, rng)
    d[#d + 1] = hidden()
    prev = size
  end
  d[#d + 1] = nn.Linear(prev, 1, rng)
  d[#d + 1] = nn.Sigmoid()
  return nn.Sequential(g), nn.Sequential(d), p
end

--- `GAN{generator = G, discriminator = D, ...}`.  Options: `seed`
-- (integer, 0), `lr` (2e-4), `betas` ({0.5, 0.999}), `g_optim` and
-- `d_optim` (optimizers to use instead), `real_label` (1) and
-- `fake_label` (0), `range` (pixel range, {-1, 1}), `classes` (0; the
-- label classes of a conditional model, whose nets take a one-hot label
-- after their usual input).  Another key is an error, and so are `lr`
-- and `betas` beside both `g_optim` and `d_optim`, which leave them
-- unused.
-- @type GAN
local GAN = class("lgan.GAN")
gan.GAN = GAN

local KEYS = { "generator", "discriminator", "seed", "lr", "betas",
               "g_optim", "d_optim", "real_label", "fake_label", "range",
               "classes" }

local function is_sequential(m)
  return type(m) == "table" and type(m.core_layers) == "function"
end

function GAN:__init(opts)
  if type(opts) ~= "table" then
    error("GAN: expected a table of options, got " .. type(opts), 3)
  end
  options.check(opts, KEYS, "GAN", 3)
  if opts.g_optim ~= nil and opts.d_optim ~= nil then
    for _, key in ipairs { "lr", "betas" } do
      if opts[key] ~= nil then
        error(("GAN: %s is unused when g_optim and d_optim are both "
          .. "given; set it on those optimizers"):format(key), 3)
      end
    end
  end
  for _, key in ipairs { "generator", "discriminator" } do
    if not is_sequential(opts[key]) then
      error(("GAN: %s must be an nn.Sequential, got %s")
        :format(key, core.type(opts[key])), 3)
    end
    -- Adam would refuse it as well, but as "Adam: the module", from
    -- inside this constructor: neither the net nor the user's call.
    local net = opts[key]
    if #(net:parameters()) == 0 then
      error(("GAN: the %s has no parameters (%s)"):format(key,
        #net.modules == 0 and "an empty nn.Sequential"
        or "no Linear layer"), 3)
    end
  end
  local seed = opts.seed or 0
  seed = math.type(seed) and math.tointeger(seed) or seed
  if math.type(seed) ~= "integer" then
    error("GAN: seed must be an integer, got " .. tostring(seed), 3)
  end
  self.seed = seed
  self.generator, self.discriminator = opts.generator, opts.discriminator
  self.range = opts.range or { -1, 1 }
  local r = self.range
  if type(r) ~= "table" or type(r[1]) ~= "number" or type(r[2]) ~= "number"
      or r[1] ~= r[1] or r[2] ~= r[2] or r[1] >= r[2] then
    error("GAN: range must be {lo, hi} with lo below hi, got "
      .. (type(r) == "table" and ("{%s, %s}"):format(tostring(r[1]),
        tostring(r[2])) or core.type(r)), 3)
  end
  for _, key in ipairs { "g_optim", "d_optim" } do
    local o = opts[key]
    if o ~= nil and (type(o) ~= "table" or o.core == nil) then
      error(("GAN: %s must be an optimizer (lgan.optim.Adam or SGD), got "
        .. "%s"):format(key, core.type(o)), 3)
    end
  end
  local adam = { lr = opts.lr or 2e-4, betas = opts.betas or { 0.5, 0.999 } }
  self.g_optim = opts.g_optim or optim.Adam(self.generator, adam)
  self.d_optim = opts.d_optim or optim.Adam(self.discriminator, adam)
  self.rng = core.Generator(seed, gan.STREAM.noise)
  self.sample_rng = core.Generator(seed, gan.STREAM.sample)
  self.classes = opts.classes or 0
  if math.type(self.classes) ~= "integer" or self.classes < 0 then
    error("GAN: classes must be a whole number, got "
      .. tostring(opts.classes), 3)
  end
  -- The core checks the nets first, so that a generator that does not
  -- start with a Linear layer is named as such.
  -- Level 4: core_layers, this __init, lgan.class's constructor, then
  -- the user's GAN{...}.
  self.step_core = core.ganstep(self.generator:core_layers("generator", 4),
    self.discriminator:core_layers("discriminator", 4), self.g_optim.core,
    self.d_optim.core, self.rng, self.classes)
  self.z_dim = self.generator.modules[1].in_features - self.classes
  self.real_label, self.fake_label = opts.real_label or 1,
    opts.fake_label or 0
  for _, key in ipairs { "real_label", "fake_label" } do
    local v = self[key]
    if type(v) ~= "number" or not (v >= 0 and v <= 1) then
      error(("GAN: %s must be a number in [0, 1], got %s"):format(key,
        tostring(v)), 3)
    end
  end
  self.step_core:set_labels(self.real_label, self.fake_label)
end

--- Frees the step's workspace and threads now rather than at garbage
-- collection; the GAN cannot step afterwards.  Also what `local g
-- <close> = lgan.GAN{...}` calls.
function GAN:close()
  self.step_core:close()
end

GAN.__close = GAN.close

--- One update of both networks on a real batch [n, 784] in the model's
-- pixel range; a conditional model also takes the batch's classes, one
-- per row: a tensor of n whole numbers from 0, or a Lua list of them.
-- A batch holding NaN or inf is refused before anything changes.
-- @treturn table `{d_loss, g_loss, d_real, d_fake}`: the discriminator's
-- BCE on real and fake, the generator's -log D(G(z)), and the mean
-- D(x) and D(G(z)) before the update.
function GAN:step(real, labels)
  return self.step_core:step(real, labels)
end

--- `n` generated images as an [n, 784] tensor in the pixel range.
-- `opts.z` gives the noise [n, z_dim]; else it is drawn from `opts.rng`,
-- or from the GAN's own sampling stream (never the training one).  A
-- conditional model draws the classes in `opts.labels` (a tensor or a
-- sequence of n whole numbers from 0); without them, classes 0, 1, ...
-- in turn.  Another key of opts is an error, and so is an rng beside z.
function GAN:sample(n, opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("GAN:sample: opts must be a table, got " .. core.type(opts), 2)
  end
  options.check(opts, { "z", "rng", "labels" }, "GAN:sample", 2)
  -- An integral float (2.0) counts as an integer.
  local count = math.type(n) and math.tointeger(n)
  if not count or count < 1 then
    error("GAN:sample: n must be a positive integer, got "
      .. (type(n) == "number" and tostring(n) or type(n)), 2)
  end
  -- Each layer's output is one tensor of n rows.  Past this limit the
  -- widest cannot be made, and the failure would come from deep inside
  -- (Generator:randn, a Linear's forward) without naming n.
  local widest = 1
  for _, m in ipairs(self.generator.modules) do
    widest = math.max(widest, m.in_features or 1, m.out_features or 1)
  end
  if count > nn.MAX_NUMEL // widest then
    error(("GAN:sample: n is %d, above this generator's limit of %d (n "
      .. "rows of its widest layer, %d values each, must fit in one tensor "
      .. "of at most %d values)"):format(count, nn.MAX_NUMEL // widest,
      widest, nn.MAX_NUMEL), 2)
  end
  local z = opts.z
  if z ~= nil then
    if core.type(z) ~= "lgan.Tensor" then
      error("GAN:sample: z must be an lgan.Tensor, got " .. core.type(z), 2)
    end
    if z:dim() ~= 2 then
      error(("GAN:sample: z must be n x %d, got a tensor of size %s")
        :format(self.z_dim, table.concat(z:size(), "x")), 2)
    end
    if #z ~= count then
      error(("GAN:sample: z has %d rows, expected n = %d"):format(#z,
        count), 2)
    end
    if z:size(2) ~= self.z_dim then
      error(("GAN:sample: z has %d columns, expected %d (the "
        .. "generator's noise size)"):format(z:size(2), self.z_dim), 2)
    end
    if opts.rng ~= nil then
      error("GAN:sample: rng is unused when z is given", 2)
    end
  else
    local rng = opts.rng or self.sample_rng
    if core.type(rng) ~= "lgan.Generator" then
      error("GAN:sample: opts.rng must be an lgan.Generator, got "
        .. core.type(rng), 2)
    end
    z = rng:randn(count, self.z_dim)
  end
  if self.classes > 0 then
    local labels = opts.labels
    if labels == nil then
      labels = {}
      for i = 1, count do labels[i] = (i - 1) % self.classes end
    elseif (type(labels) == "table" or core.type(labels) == "lgan.Tensor")
        and #labels ~= count then
      error(("GAN:sample: %d labels, expected n = %d"):format(#labels,
        count), 2)
    end
    local ok, hot = pcall(core.one_hot, labels, self.classes)
    if not ok then
      error((tostring(hot):gsub("^one_hot: ", "GAN:sample: ")), 2)
    end
    z = core.cat { z, hot }
  elseif opts.labels ~= nil then
    error("GAN:sample: labels given to a model without classes", 2)
  end
  return self.generator:forward(z)
end

--- Workspace allocations the fused step has made (for tests).
function GAN:allocations()
  return self.step_core:allocations()
end

function GAN:__tostring()
  return ("lgan.GAN\ngenerator: %s\ndiscriminator: %s")
    :format(tostring(self.generator), tostring(self.discriminator))
end

return gan
