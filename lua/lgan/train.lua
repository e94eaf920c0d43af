--- The training loop behind `lgan train`: the reference model on MNIST,
-- a sample grid per epoch from fixed noise, and metrics.  It prints
-- nothing; progress reaches the caller through callbacks.
-- @module lgan.train

local checkpoint = require "lgan.checkpoint"
local class = require "lgan.class"
local core = require "lgan.core"
local data = require "lgan.data"
local gan = require "lgan.gan"
local image = require "lgan.image"
local options = require "lgan.options"

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
  conditional = false,
  -- lgan.dist, started, to train data-parallel across its processes;
  -- batch_size is then each process's share of the global batch.
  dist = nil,
}

-- The keys train.new and train.resume take: those of train.defaults
-- (listed here too, since some default to nil).
local KEYS = { "data", "out", "epochs", "batch_size", "seed", "threads",
               "preset", "lr", "beta1", "beta2", "grid", "conditional",
               "dist" }

-- A class of lgan.class's for its methods' check of ':'; trainers are
-- made by train.new and train.resume, not by calling it.
local Trainer = class("lgan.train.Trainer")

local METRICS_HEADER = "step,epoch,d_loss,g_loss,d_real,d_fake,seconds"
local STATS = { d_loss = true, g_loss = true, d_real = true, d_fake = true }

-- Sums of the statistics over the steps of an epoch so far.
local function new_sums()
  return { d_loss = 0, g_loss = 0, d_real = 0, d_fake = 0, count = 0 }
end

local function mkdir(path)
  local ok, why = core.make_dirs(path)
  if not ok then error("train: " .. why, 0) end
end

-- What a new run writes first; finding one of them in the folder means
-- another run's files would be replaced.
local RUN_FILES = { "checkpoint.safetensors", "metrics.csv",
                    "epoch-001.png" }

--- The first file of another run found in this trainer's folder, or
-- nil: a new run refuses to start over one.
function Trainer:earlier_run_file()
  for _, name in ipairs(RUN_FILES) do
    local path = self.opts.out .. "/" .. name
    if core.path_kind(path) ~= nil then return path end
  end
end

--- Raises when this trainer's folder holds another run's files.  resume
-- and elsewhere say, in the caller's terms, how to carry that run on and
-- how to give another folder.
function Trainer:refuse_earlier_run(resume, elsewhere)
  local found = self:earlier_run_file()
  if not found then return end
  local way = found:match("checkpoint%.safetensors$") and resume
    or "it has no checkpoint to carry on from, so remove its files"
  error(("train: %s holds a run already (%s); %s, or %s")
    :format(self.opts.out, found, way, elsewhere), 0)
end

-- The options' faults are raised at level 0: the check sits calls deep
-- under train.new and train.resume, and "train: ..." names them anyway.
local function check_options(o)
  local function positive_int(key, max)
    local v = o[key]
    if math.type(v) ~= "integer" or v < 1 or (max and v > max) then
      error(("train: %s must be an integer from 1 to %d, got %s")
        :format(key, max or math.maxinteger, tostring(v)), 0)
    end
  end
  positive_int("epochs", 1000000)
  positive_int("batch_size", 65536)
  positive_int("grid", 100)
  if type(o.conditional) ~= "boolean" then
    error("train: conditional must be true or false, got "
      .. tostring(o.conditional), 0)
  end
  if math.type(o.seed) ~= "integer" then
    error("train: seed must be an integer, got " .. tostring(o.seed), 0)
  end
  if o.threads ~= nil then positive_int("threads", 256) end
  if not gan.presets[o.preset] then
    error(("train: unknown preset %q (expected mlp or seed)")
      :format(tostring(o.preset)), 0)
  end
  if type(o.lr) ~= "number" or not (o.lr > 0 and o.lr < 1) then
    error("train: lr must be a number in (0, 1), got " .. tostring(o.lr), 0)
  end
  if type(o.out) ~= "string" or o.out == "" then
    error("train: out must name a folder", 0)
  end
  if o.dist ~= nil and (type(o.dist) ~= "table"
      or type(o.dist.reducer) ~= "function") then
    error("train: dist must be the lgan.dist module, got "
      .. type(o.dist), 0)
  end
end

-- The trainer of train.new, before a distributed one's weights are
-- shared.
local function build(opts)
  local o = {}
  for k, v in pairs(train.defaults) do o[k] = v end
  for k, v in pairs(opts or {}) do o[k] = v end
  o.out = o.out or ("runs/%s-seed%s"):format(tostring(o.preset),
    tostring(o.seed))
  check_options(o)
  if o.threads then core.set_threads(o.threads) end

  local self = setmetatable({ opts = o, world = 1, rank = 0 }, Trainer)
  if o.dist then
    self.world, self.rank = o.dist.size(), o.dist.rank()
  end
  -- The model has MNIST's 784 pixels: images of another size are
  -- refused, not read as 784 values of something else.
  local set = data.mnist(o.data, "train", { 28, 28 })
  self.images = set.train.images
  -- A conditional model learns one class per MNIST digit.
  local classes = o.conditional and 10 or 0
  local init = core.Generator(o.seed, gan.STREAM.init)
  local G, D, preset = gan.build(o.preset, init, 784, classes)
  self.range = preset.range
  self.model = gan.GAN {
    generator = G, discriminator = D, seed = o.seed, lr = o.lr,
    betas = { o.beta1, o.beta2 }, range = preset.range, classes = classes,
  }
  -- Each process of a distributed run takes its rows of every global
  -- batch (see lgan.dist).
  if self.world > 1 and #self.images < o.batch_size * self.world then
    error(("train: %d images make no global batch of %d (%d on each of "
      .. "%d processes)"):format(#self.images, o.batch_size * self.world,
      o.batch_size, self.world), 0)
  end
  self.loader = data.loader(self.images, o.batch_size * self.world,
    core.Generator(o.seed, gan.STREAM.shuffle), preset.range[1],
    preset.range[2], o.conditional and set.train.labels or nil)
  if o.dist then
    self.loader:slice(self.rank, self.world)
    self.reducer = o.dist.reducer()
    self.model.step_core:set_reducer(self.reducer)
  end
  -- The grid's noise is fixed for the whole run, so that the grids of
  -- successive epochs show the same latent points.
  self.grid_z = core.Generator(o.seed, gan.STREAM.sample)
    :randn(o.grid * o.grid, gan.Z_DIM)
  self.step = 0
  self.epoch = 0
  self.seconds = 0
  self.sums = new_sums()
  return self
end

-- Gives every process of a distributed run rank 0's weights.
local function share_weights(self)
  if self.opts.dist then
    self.opts.dist.broadcast_parameters(self.model.generator, 0)
    self.opts.dist.broadcast_parameters(self.model.discriminator, 0)
  end
  return self
end

--- A trainer for the given options (see `train.defaults`; another key
-- is an error).  Reads the data (MNIST's 28 x 28 images; another size is
-- refused) and builds the model; writes nothing yet.  With `dist`, every
-- process of the job calls it: each builds the model, takes rank 0's
-- weights and will train on its own rows of every global batch of
-- `batch_size` x processes.
function train.new(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("train.new: opts must be a table, got " .. type(opts), 2)
  end
  options.check(opts, KEYS, "train.new", 2)
  return share_weights(build(opts))
end

--- Whether this process writes the run's files: always, but only rank
-- 0 of a distributed run.
function Trainer:writes()
  return self.rank == 0
end

--- Writes the sample grid of the current generator to path.
function Trainer:save_grid(path)
  local g = self.opts.grid
  local x = self.model:sample(g * g, { z = self.grid_z })
  image.save_grid(path, x, { rows = g, cols = g, lo = self.range[1],
                             hi = self.range[2] })
end

--- Writes a "timelapse" sheet to path: one row per epoch, the first
-- row of that epoch's grid (the same latent points every epoch), with
-- the epoch's number beside it, so that a learner sees the generator
-- improve.  Rows come from the epoch-NNN.png files of the run folder, so
-- a resumed run's sheet covers the whole run.
function Trainer:save_timelapse(path)
  local o, pad, tile = self.opts, 2, 28
  local label_w = core.text_size("epoch 000", 2) + 2 * pad
  local row_w = o.grid * (tile + pad) + pad
  local rows = {}
  for e = 1, self.epoch do
    local file = ("%s/epoch-%03d.png"):format(o.out, e)
    if core.path_kind(file) == "file" then rows[#rows + 1] = { e, file } end
  end
  if #rows == 0 then return nil end
  local height = #rows * (tile + pad) + pad
  local canvas = core.tensor(height, label_w + row_w)
  for k, r in ipairs(rows) do
    local _, _, _, pixels = core.read_png(r[2])
    local grid = pixels:tofloat(0, 1)
    local top = (k - 1) * (tile + pad)
    core.draw_text(canvas, pad, top + pad + 8, ("epoch %d"):format(r[1]),
      { scale = 2, value = 1 })
    for y = 1, math.min(tile + 2 * pad, grid:size(1)) do
      local src = grid[y]
      local dst = canvas[top + y]
      for x = 1, math.min(row_w, src:size(1)) do
        dst[label_w + x] = src[x]
      end
    end
  end
  core.write_png_grid(path, canvas:view(1, height, label_w + row_w),
    { rows = 1, cols = 1, pad = 0, lo = 0, hi = 1 })
  return path
end

local function check_finite(stats, step)
  for _, key in ipairs { "d_loss", "g_loss" } do
    local v = stats[key]
    if v ~= v or v == math.huge or v == -math.huge then
      error(("train: %s became %s at step %d; training stopped")
        :format(key, v ~= v and "NaN" or tostring(v), step), 0)
    end
  end
end

-- Rewrites metrics.csv to hold its header and the rows of steps up to
-- step, dropping rows a run wrote after its last checkpoint (and a
-- half-written last line); creates it with the header if missing.
local function trim_metrics(path, step)
  local f = io.open(path, "rb")
  local text = f and f:read("a") or ""
  if f then f:close() end
  local lines, kept = {}, {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  kept[1] = METRICS_HEADER
  for i = 2, #lines do
    local s = math.tointeger(tonumber(lines[i]:match("^(%d+),")))
    if s and s <= step then kept[#kept + 1] = lines[i] end
  end
  local out = table.concat(kept, "\n") .. "\n"
  if out ~= text then core.write_file_atomic(path, out) end
end

--- The file the trainer writes its checkpoints to.
function Trainer:checkpoint_path()
  return self.opts.out .. "/checkpoint.safetensors"
end

--- What a checkpoint of the trainer holds beside the GAN's own state
-- (see `lgan.checkpoint`): the options, the loader's place, the shuffle
-- generator, progress and the statistics of the epoch in progress.
function Trainer:checkpoint_state()
  local o = self.opts
  local loader = self.loader:state()
  loader.images = #self.images
  local state = {
    preset = o.preset,
    hyper = { batch_size = o.batch_size, lr = o.lr, beta1 = o.beta1,
              beta2 = o.beta2, grid = o.grid },
    rng = { shuffle = self.loader.rng:state() },
    loader = loader,
    step = self.step,
    epoch = self.epoch,
    epochs = o.epochs,
    seconds = self.seconds,
    data = o.data,
    threads = core.get_threads(),
    epoch_sums = self.sums,
  }
  -- A distributed run resumes only on as many processes.
  if o.dist then state.hyper.world = self.world end
  return state
end

--- Writes the checkpoint (to `checkpoint_path()` unless path is given).
function Trainer:save_checkpoint(path)
  path = path or self:checkpoint_path()
  -- A diverged model is not saved: the last good checkpoint stays.
  for _, net in ipairs { "generator", "discriminator" } do
    local params = self.model[net]:parameters()
    for i, p in ipairs(params) do
      local bad = p:count_nonfinite()
      if bad > 0 then
        error(("train: %d values of %s parameter %d became NaN or "
          .. "infinite by step %d; training stopped, and %s was left as "
          .. "it was"):format(bad, net, i, self.step, path), 0)
      end
    end
  end
  checkpoint.save(path, self)
  return path
end

--- Trains to `opts.epochs`, writing `metrics.csv`, a grid per epoch and
-- `checkpoint.safetensors` after every epoch.
--
-- Hooks: `hooks.step(info)` after every step and `hooks.epoch(info)`
-- after every epoch, with the step, epoch, batch within the epoch, the
-- statistics (per step, or the epoch's means), the elapsed seconds and,
-- after an epoch, the grid and checkpoint written.  `hooks.interrupted()`,
-- if given, is asked after every step: when it answers true, the
-- trainer writes a checkpoint where it stands (mid-epoch included) and
-- returns.  Another key of hooks is an error.
--
-- In a distributed run every process calls it and trains; only rank 0
-- writes files (`writes()`), and the hooks' grid and checkpoint are
-- nil elsewhere.  `hooks.interrupted` is refused there: an answer that
-- differed between processes would leave the others waiting.
-- @return self
-- @treturn string "done", or "interrupted"
function Trainer:run(hooks)
  hooks = hooks or {}
  if type(hooks) ~= "table" then
    error("Trainer:run: hooks must be a table, got " .. type(hooks), 2)
  end
  options.check(hooks, { "step", "epoch", "interrupted" }, "Trainer:run", 2,
    "hook")
  for key, hook in pairs(hooks) do
    if type(hook) ~= "function" then
      error(("Trainer:run: hook %s must be a function, got %s")
        :format(key, core.type(hook)), 2)
    end
  end
  local o = self.opts
  if o.dist and hooks.interrupted then
    error("Trainer:run: hooks.interrupted is not supported in a "
      .. "distributed run", 2)
  end
  local writes = self:writes()
  local metrics_path = o.out .. "/metrics.csv"
  -- Elsewhere than rank 0 of a distributed run, rows go nowhere.
  local metrics = { write = function() end, flush = function() end,
                    close = function() end }
  if writes then
    if not self.resumed and not self.claimed then
      self:refuse_earlier_run("carry it on with train.resume",
        "give another out")
      self.claimed = true
    end
    mkdir(o.out)
    if self.step == 0 then
      metrics = assert(io.open(metrics_path, "w"))
      metrics:write(METRICS_HEADER, "\n")
    else
      trim_metrics(metrics_path, self.step)
      metrics = assert(io.open(metrics_path, "a"))
    end
  end
  local clock0, base = core.clock(), self.seconds
  local function seconds() return base + core.clock() - clock0 end
  -- However the loop ends, a hook's error included, the rows written so
  -- far reach the file and the clock keeps the time spent, so that a
  -- run carried on after the error loses neither.
  local _ <close> = setmetatable({}, { __close = function(_, err)
    metrics:close()
    if err ~= nil then self.seconds = seconds() end
  end })
  local function save()
    metrics:flush()
    self.seconds = seconds()
    if writes then return self:save_checkpoint() end
  end

  while self.epoch < o.epochs do
    local epoch = self.epoch + 1
    -- A loader that has not begun this epoch starts it afresh; one
    -- restored mid-epoch carries on, and so do the sums.
    if self.loader:state().epoch == self.epoch then
      self.sums = new_sums()
    end
    local sums = self.sums
    for batch, k, classes in self.loader:epoch() do
      local st = self.model:step(batch, classes)
      self.step = self.step + 1
      check_finite(st, self.step)
      for key in pairs(STATS) do sums[key] = sums[key] + st[key] end
      sums.count = sums.count + 1
      metrics:write(("%d,%d,%.6f,%.6f,%.6f,%.6f,%.3f\n"):format(self.step,
        epoch, st.d_loss, st.g_loss, st.d_real, st.d_fake, seconds()))
      if hooks.step then
        hooks.step { step = self.step, epoch = epoch, batch = k,
                     batches = #self.loader, stats = st,
                     seconds = seconds() }
      end
      if k < #self.loader and hooks.interrupted and hooks.interrupted()
      then
        save()
        return self, "interrupted"
      end
    end
    self.epoch = epoch
    local grid
    if writes then
      grid = ("%s/epoch-%03d.png"):format(o.out, epoch)
      self:save_grid(grid)
    end
    local means = {}
    for key in pairs(STATS) do means[key] = sums[key] / sums.count end
    local saved = save()
    if hooks.epoch then
      hooks.epoch { step = self.step, epoch = epoch, epochs = o.epochs,
                    stats = means, seconds = seconds(), grid = grid,
                    checkpoint = saved }
    end
    if self.epoch < o.epochs and hooks.interrupted and hooks.interrupted()
    then
      return self, "interrupted"
    end
  end
  if writes then self:save_timelapse(o.out .. "/timelapse.png") end
  return self, "done"
end

-- The options a run's checkpoint was made with, as for train.new.
local function stored_options(m)
  return {
    preset = m.architecture.preset, batch_size = m.hyper.batch_size,
    seed = m.hyper.seed, lr = m.hyper.lr, beta1 = m.hyper.beta1,
    beta2 = m.hyper.beta2, grid = m.hyper.grid,
    conditional = (m.architecture.classes or 0) > 0,
  }
end

--- The options that must agree between a checkpoint and a resumed run.
train.RESUME_CHECKED = { "preset", "batch_size", "seed", "lr", "beta1",
                         "beta2", "grid", "conditional" }

--- Where opts disagree with a loaded checkpoint of a run: a list of
-- `{key =, stored =, given =}`, empty when they agree.  Options opts
-- leaves nil are not compared.
function train.disagreements(ck, opts)
  local stored = stored_options(ck.meta)
  local list = {}
  for _, key in ipairs(train.RESUME_CHECKED) do
    local given = opts[key]
    if given ~= nil and given ~= stored[key] then
      list[#list + 1] = { key = key, stored = stored[key], given = given }
    end
  end
  return list
end

--- A trainer that carries on from a checkpoint, where a run folder's
-- `checkpoint.safetensors` (or the file `from` names, or a checkpoint
-- from `checkpoint.load`) left off.  `opts` may repeat the run's
-- options, which must then agree with the checkpoint's; `epochs`
-- counts from the start of the run (the stored target by default),
-- `data` defaults to the stored folder, which must hold as many images,
-- `out` to the checkpoint's folder and `threads` to the run's (results
-- are exact only with the same thread count).  Run it with `run`: the result
-- is the same, bit for bit, as if the run had never stopped.  A
-- distributed run (`opts.dist`) resumes on as many processes as it had,
-- every one reading the checkpoint; others are refused.
function train.resume(from, opts)
  local fn = "train.resume"
  opts = opts or {}
  if type(opts) ~= "table" then
    error(fn .. ": opts must be a table, got " .. type(opts), 2)
  end
  options.check(opts, KEYS, fn, 2)
  local ck = from
  if type(from) == "string" then
    ck = checkpoint.load(checkpoint.file_in(from, fn))
  elseif type(from) ~= "table" or type(from.meta) ~= "table" then
    error(fn .. ": expected a run folder, a checkpoint file or a loaded "
      .. "checkpoint, got " .. core.type(from), 2)
  end
  local m = ck.meta
  if m.loader == nil or m.rng.shuffle == nil or m.step == nil
      or m.architecture.preset == nil then
    error(("%s: %s holds a GAN but not a training run to resume")
      :format(fn, ck.path), 0)
  end
  local d = train.disagreements(ck, opts)[1]
  if d then
    error(("%s: %s is %s in %s, not %s"):format(fn, d.key,
      tostring(d.stored), ck.path, tostring(d.given)), 0)
  end
  -- The global batch, and so the data order, depends on the number of
  -- processes: a run carries on with as many as it had.
  local stored = m.hyper.world or 1
  if math.type(stored) == "float" then stored = math.tointeger(stored) end
  if math.type(stored) ~= "integer" or stored < 1 then
    error(("%s: %s: hyper.world is not a number of processes")
      :format(fn, ck.path), 0)
  end
  local world = opts.dist and opts.dist.size() or 1
  if stored ~= world and stored == 1 then
    error(("%s: %s was trained by one process; resume it the same way, "
      .. "not on %d"):format(fn, ck.path, world), 0)
  elseif stored ~= world then
    error(("%s: %s was trained by %d processes; resume it on as many "
      .. "(mpirun -np %d ... --distributed), not %d"):format(fn, ck.path,
      stored, stored, world), 0)
  end

  local o = stored_options(m)
  o.epochs = m.epochs
  o.data = m.data
  -- OpenBLAS may round differently with another thread count, so the
  -- run's count is kept unless opts says otherwise.
  o.threads = math.tointeger(m.threads)
  o.out = ck.path:match("^(.*)/[^/]*$") or "."
  for k, v in pairs(opts) do o[k] = v end
  local self = build(o)

  local diff = checkpoint.compare_architecture(m.architecture,
    checkpoint.architecture(self.model))
  if diff then
    error(("%s: %s holds another architecture than preset %s: %s")
      :format(fn, ck.path, o.preset, diff), 0)
  end
  if m.loader.images ~= #self.images then
    error(("%s: %s was trained on %d images; %s holds %d")
      :format(fn, ck.path, m.loader.images, o.data, #self.images), 0)
  end
  local batches = m.loader.images // (o.batch_size * world)
  if m.loader.position > batches then
    error(("%s: %s: loader position %d is past the %d batches of an "
      .. "epoch"):format(fn, ck.path, m.loader.position, batches), 0)
  end

  checkpoint.restore(ck, self.model)
  self.resumed = true
  self.loader.rng:set_state(m.rng.shuffle)
  self.loader:set_state(m.loader)
  self.step, self.epoch = m.step, m.epoch
  self.seconds = type(m.seconds) == "number" and m.seconds or 0
  if type(m.epoch_sums) == "table" then
    self.sums = new_sums()
    for key in pairs(self.sums) do
      if type(m.epoch_sums[key]) == "number" then
        self.sums[key] = m.epoch_sums[key]
      end
    end
    self.sums.count = math.tointeger(self.sums.count) or 0
  end
  return share_weights(self)
end

return train
