--- A digit classifier made with lgan itself: the app's check that a
-- generated item shows the digit it was drawn for.  An MLP, 784 -> 512
-- -> 256 -> 10 with ReLU, trained with cross-entropy and Adam on MNIST,
-- reading pixels in [-1, 1] like the `mlp` preset's generator.
-- @module lgan.classify

local core = require "lgan.core"
local data = require "lgan.data"
local nn = require "lgan.nn"
local optim = require "lgan.optim"
local checkpoint = require "lgan.checkpoint"
local options = require "lgan.options"

local classify = {}

classify.SIZES = { 784, 512, 256, 10 }
classify.RANGE = { -1, 1 }

--- The untrained network, initialised from rng.
-- @treturn Sequential logits [n, 10] from pixels [n, 784]
function classify.build(rng)
  local s, layers = classify.SIZES, {}
  for i = 1, #s - 1 do
    layers[#layers + 1] = nn.Linear(s[i], s[i + 1], rng)
    if i < #s - 1 then layers[#layers + 1] = nn.ReLU() end
  end
  return nn.Sequential(layers)
end

--- The class (0 to 9) the model gives each row of x [n, 784], as a
-- tensor [n].
function classify.predict(model, x)
  if type(model) ~= "table" or type(model.forward) ~= "function" then
    error("classify.predict: model must be a classifier (an nn module), "
      .. "got " .. core.type(model), 2)
  end
  return core.argmax(model:forward(x))
end

--- Accuracy on images and labels (byte tensors), in batches: the share
-- right, and a table of {right, total} per class (index class + 1).
function classify.evaluate(model, images, labels, batch_size)
  local fn = "classify.evaluate"
  batch_size = batch_size or 1000
  if math.type(batch_size) ~= "integer" or batch_size < 1 then
    error(("%s: batch_size must be a positive integer, got %s")
      :format(fn, tostring(batch_size)), 2)
  end
  for name, t in pairs { images = images, labels = labels } do
    if core.type(t) ~= "lgan.ByteTensor" then
      error(("%s: %s must be an lgan.ByteTensor (as data.mnist gives), "
        .. "got %s"):format(fn, name, core.type(t)), 2)
    end
  end
  if #images ~= #labels then
    error(("%s: %d images but %d labels"):format(fn, #images, #labels), 2)
  end
  local n, right, per_class = #images, 0, {}
  for c = 1, 10 do per_class[c] = { 0, 0 } end
  local order = {}
  for i = 1, n do order[i] = i end
  local lo, hi = classify.RANGE[1], classify.RANGE[2]
  for first = 1, n, batch_size do
    local count = math.min(batch_size, n - first + 1)
    local x = images:gather(order, first, count, nil, lo, hi)
    local y = labels:gather(order, first, count, nil, 0, 255)
    local guess = classify.predict(model, x:view(count, 784))
    for i = 1, count do
      local truth = math.tointeger(y:get(i, 1))
      local entry = per_class[truth + 1]
      entry[2] = entry[2] + 1
      if guess[i] == truth then
        right = right + 1
        entry[1] = entry[1] + 1
      end
    end
  end
  return right / n, per_class
end

--- Trains a classifier on MNIST.  Options: `data` ("data/mnist"),
-- `epochs` (10), `batch_size` (128), `lr` (1e-3), `seed` (1), and
-- `hooks.epoch(info)` called after each epoch with the epoch, the mean
-- loss and the test accuracy.  Another key is an error, and so are
-- images that are not 28 x 28.
-- @treturn Sequential the model
-- @treturn number its accuracy on the MNIST test set
function classify.train(opts)
  local fn = "classify.train"
  opts = opts or {}
  if type(opts) ~= "table" then
    error(fn .. ": options must be a table, got " .. type(opts), 2)
  end
  options.check(opts, { "data", "epochs", "batch_size", "lr", "seed",
                        "hooks" }, fn, 2)
  if opts.hooks ~= nil then
    if type(opts.hooks) ~= "table" then
      error(fn .. ": hooks must be a table, got " .. type(opts.hooks), 2)
    end
    options.check(opts.hooks, { "epoch" }, fn, 2, "hook")
  end
  -- Checked here, not left to data.mnist and data.loader, whose
  -- messages would point at this file's lines rather than the caller's.
  local function positive(key, default)
    local v = opts[key]
    if v == nil then return default end
    local n = math.type(v) and math.tointeger(v)
    if not n or n < 1 then
      error(("%s: %s must be a positive integer, got %s")
        :format(fn, key, tostring(v)), 3)
    end
    return n
  end
  local epochs = positive("epochs", 10)
  local batch_size = positive("batch_size", 128)
  if opts.data ~= nil and type(opts.data) ~= "string" then
    error(fn .. ": data must be a folder's path, got " .. type(opts.data), 2)
  end
  local set = data.mnist(opts.data or "data/mnist", nil, { 28, 28 })
  local seed = opts.seed or 1
  local model = classify.build(core.Generator(seed, 0))
  local adam = optim.Adam(model, { lr = opts.lr or 1e-3 })
  local loader = data.loader(set.train.images, batch_size,
    core.Generator(seed, 2), classify.RANGE[1], classify.RANGE[2],
    set.train.labels)
  local criterion = nn.CrossEntropyLoss()
  local accuracy
  for epoch = 1, epochs do
    local total, count = 0, 0
    for x, _, classes in loader:epoch() do
      local loss = criterion:forward(model:forward(x), classes)
      model:zero_grad()
      model:backward(x, criterion:backward())
      adam:step()
      total, count = total + loss, count + 1
    end
    accuracy = classify.evaluate(model, set.test.images, set.test.labels)
    if opts.hooks and opts.hooks.epoch then
      opts.hooks.epoch { epoch = epoch, epochs = epochs,
                         loss = total / count, accuracy = accuracy }
    end
  end
  return model, accuracy
end

local FORMAT = "lgan-classifier-1"

--- Why a classifier must not be saved to path, or nil when it may: a
-- classifier may replace only nothing or another classifier.  The
-- reason says what is there ("holds an lgan GAN checkpoint, not a
-- classifier").
-- @string path
-- @treturn[opt] string
function classify.occupied(path)
  local kind, meta = checkpoint.kind(path)
  if kind == nil or kind == "safetensors" and meta.format == FORMAT then
    return nil
  end
  local what = {
    folder = "is a folder",
    checkpoint = "holds an lgan GAN checkpoint, not a classifier",
    safetensors = "holds other safetensors tensors, not a classifier",
    other = "is not a safetensors file, so not a classifier",
  }
  return what[kind]
end

--- Saves the classifier as safetensors (`classifier.0.weight`, ...,
-- PyTorch's names), with its sizes and accuracy in the metadata.  It
-- replaces only a classifier: a file of another kind at path is refused
-- and left as it was.
function classify.save(path, model, accuracy)
  if type(path) ~= "string" then
    error("classify.save: path must be a string, got " .. type(path), 2)
  end
  local why = classify.occupied(path)
  if why then
    error(("classify.save: %s %s; a classifier replaces only another "
      .. "classifier"):format(path, why), 2)
  end
  local tensors = {}
  for i, m in ipairs(model.modules) do
    if m.weight then
      tensors[("classifier.%d.weight"):format(i - 1)] = m.weight
      tensors[("classifier.%d.bias"):format(i - 1)] = m.bias
    end
  end
  local sizes = {}
  for i, s in ipairs(classify.SIZES) do sizes[i] = tostring(s) end
  checkpoint.save_tensors(path, tensors, {
    format = FORMAT,
    sizes = table.concat(sizes, ","),
    range = ("%g,%g"):format(classify.RANGE[1], classify.RANGE[2]),
    accuracy = accuracy and ("%.4f"):format(accuracy) or "",
  })
end

--- Loads a classifier saved by `classify.save`; refuses a file of
-- another kind or shape with a message naming it.
function classify.load(path)
  if type(path) ~= "string" then
    error("classify.load: path must be a string, got " .. type(path), 2)
  end
  if core.path_kind(path) == nil then
    error(("classify.load: %s does not exist"):format(path), 2)
  end
  local tensors, meta = checkpoint.load_tensors(path)
  if not meta or meta.format ~= FORMAT then
    error(("classify.load: %s is not an lgan classifier"):format(path), 2)
  end
  local model = classify.build(core.Generator(0))
  for i, m in ipairs(model.modules) do
    if m.weight then
      for _, key in ipairs { "weight", "bias" } do
        local name = ("classifier.%d.%s"):format(i - 1, key)
        local t = tensors[name]
        if not t or t:numel() ~= m[key]:numel() then
          error(("classify.load: %s: %s is missing or of the wrong size")
            :format(path, name), 2)
        end
        m[key]:copy(t)
      end
    end
  end
  return model, tonumber(meta.accuracy)
end

return classify
