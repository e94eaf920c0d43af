--- Datasets: MNIST from its IDX files, and a shuffling batch loader.
--
-- Images stay as bytes (an `lgan.ByteTensor`, 47 MB for MNIST's training
-- set) and become floats one batch at a time, in the pixel range the
-- model wants.
-- @module lgan.data

local class = require "lgan.class"
local core = require "lgan.core"

local data = {}

local MNIST = {
  { "train", "images", "train-images-idx3-ubyte" },
  { "train", "labels", "train-labels-idx1-ubyte" },
  { "test", "images", "t10k-images-idx3-ubyte" },
  { "test", "labels", "t10k-labels-idx1-ubyte" },
}

-- The path of name or name.gz in dir, plain preferred; nil if neither.
local function find(dir, name)
  for _, file in ipairs { name, name .. ".gz" } do
    local path = dir .. "/" .. file
    if core.path_kind(path) == "file" then
      return path
    end
  end
end

--- The classes of MNIST's labels: the digits 0 to 9.
data.MNIST_CLASSES = 10

-- The first label of labels (a ByteTensor [n]) that is not a class from
-- 0 to classes - 1, as its record number from 0 and its value; nil when
-- all are.
local function bad_label(labels, classes)
  local bytes = labels:bytes()
  for i = 1, #bytes do
    local v = bytes:byte(i)
    if v >= classes then return i - 1, v end
  end
end

-- Checks that one split's images and labels go together, that the
-- images are size[1] x size[2] when size is given, and that every label
-- is a class.  The faults are the files', not a line of the caller (who
-- may be lgan's own trainer): level 0.
local function check_split(split, files, size)
  local images, labels = split.images, split.labels
  if images:dim() ~= 3 then
    error(("data.mnist: %s holds %s, expected n x height x width images")
      :format(files.images, tostring(images)), 0)
  end
  local shape = images:size()
  if size and (shape[2] ~= size[1] or shape[3] ~= size[2]) then
    error(("data.mnist: %s holds images of %d x %d, expected %d x %d")
      :format(files.images, shape[2], shape[3], size[1], size[2]), 0)
  end
  if labels:dim() ~= 1 then
    error(("data.mnist: %s holds %s, expected one label per image")
      :format(files.labels, tostring(labels)), 0)
  end
  if #images ~= #labels then
    error(("data.mnist: %s holds %d images but %s holds %d labels")
      :format(files.images, #images, files.labels, #labels), 0)
  end
  -- Here rather than at the step: there the label is a row of a shuffled
  -- batch, and the file is named nowhere.
  local record, value = bad_label(labels, data.MNIST_CLASSES)
  if record then
    error(("data.mnist: %s: the label of record %d (counting from 0) is "
      .. "%d, not a class from 0 to %d"):format(files.labels, record, value,
      data.MNIST_CLASSES - 1), 0)
  end
end

--- Reads MNIST from a folder holding the four standard IDX files, each
-- plain or gzip-compressed (`train-images-idx3-ubyte` or
-- `train-images-idx3-ubyte.gz`, ...; the plain file wins when both are
-- there).  A label that is not a digit 0-9 is refused here, naming its
-- file and record, instead of failing a training step later.
-- @tparam[opt="data/mnist"] string dir the folder
-- @tparam[opt] string split "train" or "test" to read only that half
-- (a trainer needs no test set: 8 MB less)
-- @tparam[opt] {int,int} size `{height, width}` the images must have, as
-- `{28, 28}` for a model of MNIST's 784 pixels; without it, any size
-- @treturn table `{train = {images = ByteTensor, labels = ByteTensor},
-- test = {...}}`, images n x 28 x 28 (n x height x width for files of
-- another size) and labels n, as bytes
function data.mnist(dir, split, size)
  dir = dir or "data/mnist"
  if type(dir) ~= "string" then
    error("data.mnist: dir must be a string, got " .. type(dir), 2)
  end
  if split ~= nil and split ~= "train" and split ~= "test" then
    error(("data.mnist: split must be \"train\" or \"test\", got %s")
      :format(tostring(split)), 2)
  end
  if size ~= nil and (type(size) ~= "table"
      or math.type(size[1]) ~= "integer"
      or math.type(size[2]) ~= "integer") then
    error("data.mnist: size must be {height, width}, two integers, got "
      .. tostring(size), 2)
  end
  if #dir > 1 then
    dir = dir:gsub("/+$", "")
  end
  -- A folder or file that is missing or wrong is no fault of a line of
  -- the caller, which may be lgan's trainer: level 0.
  local kind = core.path_kind(dir)
  if kind == nil then
    error(("data.mnist: folder %s does not exist"):format(dir), 0)
  elseif kind ~= "directory" then
    error(("data.mnist: %s is not a folder"):format(dir), 0)
  end

  local paths, missing, wanted = {}, {}, {}
  for _, f in ipairs(MNIST) do
    if split == nil or split == f[1] then wanted[#wanted + 1] = f end
  end
  for _, f in ipairs(wanted) do
    local path = find(dir, f[3])
    if path then
      paths[f[3]] = path
    else
      missing[#missing + 1] = f[3]
    end
  end
  if #missing > 0 then
    error(("data.mnist: folder %s lacks %s[.gz]; run `make data` to "
      .. "fetch MNIST"):format(dir, table.concat(missing, "[.gz], ")), 0)
  end

  local set, files = {}, {}
  for _, f in ipairs(wanted) do
    set[f[1]] = set[f[1]] or {}
    files[f[1]] = files[f[1]] or {}
    set[f[1]][f[2]] = core.read_idx(paths[f[3]])
    files[f[1]][f[2]] = paths[f[3]]
  end
  for name in pairs(set) do check_split(set[name], files[name], size) end
  return set
end

-- A class of lgan.class's for its methods' check of ':'; loaders are
-- made by data.loader.
local Loader = class("lgan.data.Loader")

local function is_integer(x)
  return math.type(x) == "integer"
      or (math.type(x) == "float" and x == math.floor(x) and x == x
          and math.abs(x) < 2 ^ 53)
end

local function finite(x)
  return type(x) == "number" and x == x and x ~= math.huge
      and x ~= -math.huge
end

-- Whether x[name] is a function, without raising on values that cannot
-- be indexed.
local function has_method(x, name)
  local ok, m = pcall(function() return x[name] end)
  return ok and type(m) == "function"
end

-- order = a shuffle of 1..n by Fisher-Yates with rng:random_int, starting
-- from 1..n so that the order depends on the rng's state alone.
local function shuffle(order, n, rng)
  for i = 1, n do
    order[i] = i
  end
  for i = n, 2, -1 do
    local j = rng:random_int(i)
    order[i], order[j] = order[j], order[i]
  end
end

--- A loader of shuffled batches.
--
-- Each epoch is a fresh Fisher-Yates shuffle of 1..n drawn from `rng`
-- (with `rng:random_int`), cut into `n // batch_size` batches; the last
-- partial batch is dropped, as PyTorch's `drop_last=True` does.
--
-- Resuming: `loader:state()` is `{epoch = e, position = p, rng_state =
-- s}`: e epochs begun, p batches of the current one handed out, and s
-- the generator's `state()` just before this epoch's shuffle.  The order
-- is a function of s alone, so `set_state` rebuilds it from a clone of
-- the generator and leaves the generator itself alone: a checkpoint
-- stores the loader's state and the generator's current state, and
-- restoring both continues the run exactly.  (Storing the order itself
-- would need n integers in the checkpoint; s is 82 characters.)
--
-- @param images an `lgan.ByteTensor`, n x ... (one item per row)
-- @tparam integer batch_size items per batch
-- @param rng an `lgan.Generator`, or anything with `random_int(n)` (and
--   `state`, `clone`, `set_state` if the state is to be saved)
-- @tparam number lo pixel value for byte 0
-- @tparam number hi pixel value for byte 255
-- @param[opt] labels an `lgan.ByteTensor` of one class per image, for
--   models that learn from labels: each batch then comes with its classes
-- @return the loader
function data.loader(images, batch_size, rng, lo, hi, labels)
  local fn = "data.loader"
  if core.type(images) ~= "lgan.ByteTensor" then
    error(("%s: images must be an lgan.ByteTensor, got %s")
      :format(fn, core.type(images)), 2)
  end
  if not is_integer(batch_size) or batch_size < 1 then
    error(("%s: batch_size must be a positive integer, got %s")
      :format(fn, tostring(batch_size)), 2)
  end
  batch_size = math.tointeger(batch_size)
  if #images < batch_size then
    error(("%s: %d images make no full batch of %d")
      :format(fn, #images, batch_size), 2)
  end
  if not has_method(rng, "random_int") then
    error(("%s: rng must be an lgan.Generator, got %s")
      :format(fn, core.type(rng)), 2)
  end
  if not finite(lo) or not finite(hi) or lo >= hi then
    error(("%s: lo and hi must be finite numbers with lo < hi, got %s and "
      .. "%s"):format(fn, tostring(lo), tostring(hi)), 2)
  end

  if labels ~= nil and (core.type(labels) ~= "lgan.ByteTensor"
      or labels:dim() ~= 1 or #labels ~= #images) then
    local given = core.type(labels)
    if given == "lgan.Tensor" or given == "lgan.ByteTensor" then
      given = given .. " of size " .. table.concat(labels:size(), "x")
    end
    error(("%s: labels must be an lgan.ByteTensor of %d, one per image, "
      .. "got %s")
      :format(fn, #images, given), 2)
  end

  local n = #images
  return setmetatable({
    labels = labels,
    _labels = nil,
    images = images,
    batch_size = batch_size,
    rng = rng,
    lo = lo,
    hi = hi,
    -- Items, and full batches, per epoch.
    n = n,
    batches = n // batch_size,
    _epoch = 0,
    _position = 0,
    _rng_state = nil,
    _order = {},
    _batch = nil,
    -- Rows handed out per batch and where they start in it: the whole
    -- batch unless `slice` says otherwise.
    rows = batch_size,
    _offset = 0,
  }, Loader)
end

--- Makes the loader hand out one process's share of every batch, for
-- data-parallel training (`lgan.dist`).  The loader's batch size is then
-- the global batch; every process shuffles with a generator in the same
-- state, so all see one order, and process `rank` (from 0) of `world`
-- gets rows `rank * b + 1` to `(rank + 1) * b` of each batch, `b =
-- batch_size / world` (`loader.rows`).  The batches per epoch, `state`
-- and `set_state` are the whole loader's, the same on every process.
-- @int rank this process, from 0
-- @int world the number of processes, which must divide the batch size
-- @return the loader
function Loader:slice(rank, world)
  local fn = "data.loader:slice"
  if not is_integer(world) or world < 1 then
    error(("%s: world must be a positive integer, got %s")
      :format(fn, tostring(world)), 2)
  end
  if not is_integer(rank) or rank < 0 or rank >= world then
    error(("%s: rank must be an integer from 0 to %d, got %s")
      :format(fn, world - 1, tostring(rank)), 2)
  end
  if self.batch_size % world ~= 0 then
    error(("%s: a batch of %d does not split into %d equal parts")
      :format(fn, self.batch_size, world), 2)
  end
  self.rows = self.batch_size // math.tointeger(world)
  self._offset = math.tointeger(rank) * self.rows
  self._batch, self._labels = nil, nil
  return self
end

--- Full batches per epoch, as `#loader`.
function Loader:__len()
  return self.batches
end

-- Starts a new epoch: remembers the generator's state, then shuffles.
function Loader:_begin()
  if has_method(self.rng, "state") then
    self._rng_state = self.rng:state()
  end
  shuffle(self._order, self.n, self.rng)
  self._epoch = self._epoch + 1
  self._position = 0
end

--- An iterator over the batches of an epoch: `for batch, k, classes in
-- loader:epoch() do ... end` gives each batch (a batch_size x item-size
-- float tensor in [lo, hi]; `loader.rows` rows after `slice`), its
-- number k in the epoch, from 1, and, when the loader has labels, their
-- classes as a batch_size x 1 tensor.
--
-- The batch is the same tensor every time, overwritten by the next
-- step: clone it to keep it.  A new shuffle begins only when the
-- previous epoch was run to its end; after a `break`, or a `set_state`
-- to the middle of an epoch, `epoch()` continues where it stopped.
function Loader:epoch()
  if self._epoch == 0 or self._position >= self.batches then
    self:_begin()
  end
  return function()
    if self._position >= self.batches then
      return nil
    end
    local k = self._position + 1
    local first = (k - 1) * self.batch_size + self._offset + 1
    self._batch = self.images:gather(self._order, first, self.rows,
      self._batch, self.lo, self.hi)
    if self.labels then
      self._labels = self.labels:gather(self._order, first, self.rows,
        self._labels, 0, 255)
    end
    self._position = k
    return self._batch, k, self._labels
  end
end

--- Where the loader is: `{epoch = e, position = p, rng_state = s}`
-- (see `data.loader`).  A plain table of numbers and a string, ready
-- for a checkpoint's JSON header.
function Loader:state()
  return { epoch = self._epoch, position = self._position,
           rng_state = self._rng_state }
end

--- Restores a state from `state()`, rebuilding the epoch's order from
-- `rng_state` without touching the loader's generator.
function Loader:set_state(s)
  local fn = "data.loader:set_state"
  if type(s) ~= "table" then
    error(("%s: expected a table from state(), got %s")
      :format(fn, type(s)), 2)
  end
  local e, p = s.epoch, s.position
  if not is_integer(e) or e < 0 then
    error(("%s: epoch must be a non-negative integer, got %s")
      :format(fn, tostring(e)), 2)
  end
  if not is_integer(p) or p < 0 or p > self.batches then
    error(("%s: position must be an integer in 0..%d, got %s")
      :format(fn, self.batches, tostring(p)), 2)
  end
  if e == 0 and p ~= 0 then
    error(("%s: position %d in epoch 0, which has not begun")
      :format(fn, p), 2)
  end
  local mid = e > 0 and p < self.batches
  if mid and type(s.rng_state) ~= "string" then
    error(("%s: rng_state must be a string to resume inside an epoch, "
      .. "got %s"):format(fn, type(s.rng_state)), 2)
  end
  if mid then
    local g = self.rng:clone()
    g:set_state(s.rng_state)
    shuffle(self._order, self.n, g)
  end
  self._epoch = math.tointeger(e)
  self._position = math.tointeger(p)
  self._rng_state = s.rng_state
end

return data
