--- Checkpoints: a GAN, its optimizers and its random streams (and, from
-- a trainer, the loader's place in the data) in one safetensors file.
--
-- The file is what the safetensors format says: an 8-byte little-endian
-- header length, a JSON header, then the tensors' bytes.  lgan writes
-- float32 ("F32") tensors only, sorted by name, each right after the
-- previous one, and pads the header with spaces to a multiple of 8 bytes.
--
-- Tensor names (shapes as PyTorch has them):
--
--  - `generator.I.weight` [out, in] and `generator.I.bias` [out], for the
--    Linear at 0-based position I of the generator's `nn.Sequential`
--    (activations take positions too, as in PyTorch: 0, 2, 4, ...), so
--    that the `generator.` keys, prefix removed, are a state dict that
--    `torch.nn.Sequential.load_state_dict` takes;
--  - `discriminator.I.weight`, `discriminator.I.bias` likewise;
--  - `optim.generator.I.weight.exp_avg` and `.exp_avg_sq` (Adam's first
--    and second moments, named as in PyTorch's Adam state), or
--    `.momentum_buffer` for SGD with momentum, and the same under
--    `optim.discriminator.`.
--
-- `__metadata__` holds `format = "pt"` and `lgan`, a JSON text (the
-- safetensors metadata is a map of strings to strings) with:
--
--  - `format` ("lgan.checkpoint") and `version` (1);
--  - `architecture`: `generator` and `discriminator` as lists of layers
--    (`{kind = "Linear", in_features =, out_features =}`,
--    `{kind = "LeakyReLU", slope =}`, `{kind = "Tanh"}`, ...), `z_dim`
--    (noise), `x_dim` (pixels), `classes` (0, or the label classes of a
--    conditional model, whose nets take a one-hot label after their
--    usual input), the pixel `range` and, from a trainer, the `preset`;
--  - `hyper`: `seed`, `real_label`, `fake_label` and, from a trainer,
--    `batch_size`, `lr`, `beta1`, `beta2`, `grid`;
--  - `optim`: per network the optimizer's `config()` and its `step`;
--  - `rng`: the generators' states, as `Generator:state()` strings:
--    `noise` (the GAN's z stream), `sample` (its sampling stream) and,
--    from a trainer, `shuffle` (the loader's);
--  - from a trainer: `loader` (`epoch`, `position`, `rng_state`,
--    `images`), `step`, `epoch` (epochs completed), `epochs` (the run's
--    target), `seconds` (training time so far), `data`, `threads`, and
--    `epoch_sums` (sums of the statistics over the epoch in progress);
--  - `info`: whatever table the caller gave `save` as meta.
--
-- Numbers keep every bit through the JSON: integers are written as
-- integers, other numbers with the fewest digits that read back to the
-- same double.  Generator states are strings.
--
-- The library parses JSON with lua-cjson; see the README for why.
-- @module lgan.checkpoint

local core = require "lgan.core"

-- A cjson instance of our own, so that settings made elsewhere do not
-- reach it, reading strict JSON: no NaN, Infinity or hex numbers.
local cjson = require("cjson").new()
cjson.decode_invalid_numbers(false)

local checkpoint = {}

--- What the `lgan` metadata's `format` says, and the version written.
checkpoint.FORMAT = "lgan.checkpoint"
checkpoint.VERSION = 1

--- The largest JSON header read, in bytes; a longer one is refused as
-- a corrupt length field.
checkpoint.MAX_HEADER = 100 * 1024 * 1024

local NETS = { "generator", "discriminator" }
-- The most values a tensor holds (csrc/tensor.h, LG_MAX_NUMEL).
local MAX_NUMEL = 2147483647
local ACTIVATIONS = { ReLU = true, LeakyReLU = true, Sigmoid = true,
                      Tanh = true }

-- ------------------------------------------------------------------------
-- JSON out, in a fixed order
-- ------------------------------------------------------------------------

-- The shortest of %.15g, %.16g and %.17g that reads back as x.
local function number_text(x, fn)
  if math.type(x) == "integer" then
    return ("%d"):format(x)
  end
  if x ~= x or x == math.huge or x == -math.huge then
    error(("%s: cannot store %s in JSON"):format(fn, tostring(x)), 0)
  end
  local s
  for _, f in ipairs { "%.15g", "%.16g", "%.17g" } do
    s = f:format(x)
    if tonumber(s) == x then break end
  end
  return s
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in pairs(t) do count = count + 1 end
  return count == n
end

-- JSON text of v, objects with their keys sorted, so that the same
-- state always makes the same bytes.  Strings and booleans go through
-- cjson; numbers through number_text.
local function encode(v, fn)
  local kind = type(v)
  if kind == "table" then
    local parts = {}
    if is_sequence(v) then
      for i, x in ipairs(v) do parts[i] = encode(x, fn) end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(v) do
      if type(k) ~= "string" then
        error(("%s: cannot store a table with a %s key in JSON")
          :format(fn, type(k)), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    for i, k in ipairs(keys) do
      parts[i] = cjson.encode(k) .. ":" .. encode(v[k], fn)
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif kind == "number" then
    return number_text(v, fn)
  elseif kind == "string" or kind == "boolean" then
    return cjson.encode(v)
  end
  error(("%s: cannot store a %s in JSON"):format(fn, kind), 0)
end

-- ------------------------------------------------------------------------
-- safetensors, F32 only
-- ------------------------------------------------------------------------

local function shape_text(shape)
  local parts = {}
  for i, s in ipairs(shape) do parts[i] = tostring(s) end
  return "[" .. table.concat(parts, ", ") .. "]"
end

-- core.write_file_atomic, its faults (a missing folder, a full disk)
-- named as fn's; no line of anyone's is at fault, so none is named.
local function write_atomic(path, pieces, fn)
  local ok, e = pcall(core.write_file_atomic, path, pieces)
  if not ok then
    error((tostring(e):gsub("^write_file_atomic: ", fn .. ": ")), 0)
  end
end

-- The pieces of a safetensors file holding tensors (name -> Tensor) and
-- metadata (string -> string).
local function encode_file(tensors, metadata, fn)
  local names = {}
  for name, t in pairs(tensors) do
    if type(name) ~= "string" or name == "__metadata__" then
      error(("%s: tensor names must be strings other than __metadata__, "
        .. "got %s"):format(fn, tostring(name)), 3)
    end
    if core.type(t) ~= "lgan.Tensor" then
      error(("%s: %s must be an lgan.Tensor, got %s")
        :format(fn, name, core.type(t)), 3)
    end
    names[#names + 1] = name
  end
  table.sort(names)

  local header, data, offset = {}, {}, 0
  for i, name in ipairs(names) do
    -- The tensors themselves go to write_file_atomic, which writes their
    -- bytes: no copy of the weights as Lua strings.
    local t = tensors[name]
    local size = t:numel() * 4
    header[name] = { dtype = "F32", shape = t:size(),
                     data_offsets = { offset, offset + size } }
    data[i] = t
    offset = offset + size
  end
  if metadata and next(metadata) then
    header.__metadata__ = metadata
  end
  local json = encode(header, fn)
  -- Spaces after the JSON keep the data 8-byte aligned, as the Rust
  -- safetensors writer does; JSON allows trailing white space.
  json = json .. (" "):rep((8 - #json % 8) % 8)
  local pieces = { string.pack("<I8", #json), json }
  table.move(data, 1, #data, 3, pieces)
  return pieces
end

--- Writes tensors (a table of name -> `lgan.Tensor`) as a safetensors
-- file, through a temporary file renamed over path.  metadata, if
-- given, maps strings to strings.
function checkpoint.save_tensors(path, tensors, metadata)
  local fn = "checkpoint.save_tensors"
  if type(path) ~= "string" then
    error(fn .. ": path must be a string, got " .. type(path), 2)
  end
  if type(tensors) ~= "table" then
    error(fn .. ": tensors must be a table, got " .. type(tensors), 2)
  end
  for k, v in pairs(metadata or {}) do
    if type(k) ~= "string" or type(v) ~= "string" then
      error(fn .. ": metadata must map strings to strings", 2)
    end
  end
  write_atomic(path, encode_file(tensors, metadata, fn), fn)
end

local function is_count(x)
  return math.type(x) == "integer" and x >= 0
      or math.type(x) == "float" and x >= 0 and x < 2 ^ 53
         and x == math.floor(x)
end

-- Whether t is a list (a decoded JSON array) of counts.
local function count_list(t)
  if type(t) ~= "table" then return false end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  for i = 1, n do
    if not is_count(t[i]) then return false end
  end
  return true
end

-- Reads a safetensors file of F32 tensors and checks every entry of its
-- header.  Returns {tensors = {name = {shape =, bytes =}}, names =
-- sorted list, metadata = {string = string}}; raises "fn: path: what is
-- wrong" otherwise.
local function read_file(path, fn)
  local function bad(fmt, ...)
    error(("%s: %s: " .. fmt):format(fn, path, ...), 0)
  end
  local kind = core.path_kind(path)
  if kind == "directory" then
    bad("it is a folder, not a file")
  elseif kind == "other" then
    -- A device or a pipe (/dev/zero, say) would be read without end.
    bad("it is not a regular file")
  end
  local f, why = io.open(path, "rb")
  if not f then
    error(("%s: cannot open %s"):format(fn, why), 0)
  end
  local s = f:read("a")
  f:close()
  if not s then bad("cannot read the file") end

  if #s < 8 then
    bad("the file is %d bytes, too short for a safetensors header "
      .. "(8-byte length, then JSON)", #s)
  end
  local n = string.unpack("<I8", s)
  if n < 0 or n > checkpoint.MAX_HEADER then
    bad("header length %s is over the limit of %d bytes; the file is "
      .. "not a safetensors file or is corrupt",
      n < 0 and ("%.0f"):format(n + 2.0 ^ 64) or tostring(n),
      checkpoint.MAX_HEADER)
  end
  if 8 + n > #s then
    bad("header length %d runs past the end of the file (%d bytes); the "
      .. "file is truncated", n, #s)
  end
  local ok, header = pcall(cjson.decode, s:sub(9, 8 + n))
  if not ok then
    bad("the header is not JSON (%s)", tostring(header):gsub("^.-: ", ""))
  end
  if type(header) ~= "table" then
    bad("the header is not a JSON object")
  end
  for k in pairs(header) do
    if type(k) ~= "string" then bad("the header is not a JSON object") end
  end

  local metadata = header.__metadata__
  if metadata ~= nil then
    if type(metadata) ~= "table" then
      bad("__metadata__ is not a JSON object")
    end
    for k, v in pairs(metadata) do
      if type(k) ~= "string" or type(v) ~= "string" then
        bad("__metadata__ must map strings to strings; %s is a %s",
          tostring(k), type(v))
      end
    end
  end

  local data_start, data_len = 8 + n, #s - 8 - n
  local names, tensors, spans = {}, {}, {}
  for name in pairs(header) do
    if name ~= "__metadata__" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    local e = header[name]
    if type(e) ~= "table" then
      bad("tensor %s: entry is not a JSON object", name)
    end
    if type(e.dtype) ~= "string" then
      bad("tensor %s: no dtype", name)
    end
    if not count_list(e.shape) then
      bad("tensor %s: no shape (a list of sizes)", name)
    end
    local offsets = e.data_offsets
    if not count_list(offsets) or #offsets ~= 2 then
      bad("tensor %s: no data_offsets (a list of two byte offsets)", name)
    end
    if e.dtype ~= "F32" then
      bad("tensor %s has dtype %s; lgan reads F32 only", name, e.dtype)
    end
    -- Each size and the running product stay within what a tensor may
    -- hold, so that no product wraps around.
    local shape, count = {}, 1
    for i, size in ipairs(e.shape) do shape[i] = math.tointeger(size) end
    for _, size in ipairs(shape) do
      if size > MAX_NUMEL or count * size > MAX_NUMEL then
        bad("tensor %s: shape %s holds more than %d values", name,
          shape_text(shape), MAX_NUMEL)
      end
      count = count * size
    end
    local b, z = math.tointeger(offsets[1]), math.tointeger(offsets[2])
    if b > z or z > data_len then
      bad("tensor %s: data_offsets [%d, %d] fall outside the %d bytes of "
        .. "data", name, b, z, data_len)
    end
    if z - b ~= count * 4 then
      bad("tensor %s: data_offsets [%d, %d] hold %d bytes, but shape %s "
        .. "of F32 needs %d", name, b, z, z - b, shape_text(shape),
        count * 4)
    end
    tensors[name] = { shape = shape,
                      bytes = s:sub(data_start + b + 1, data_start + z) }
    spans[#spans + 1] = { b, z, name }
  end

  table.sort(spans, function(x, y)
    if x[1] ~= y[1] then return x[1] < y[1] end
    return x[3] < y[3]
  end)
  local last
  for _, span in ipairs(spans) do
    if span[2] > span[1] then
      if last and span[1] < last[2] then
        bad("tensors %s and %s overlap (data_offsets [%d, %d] and "
          .. "[%d, %d])", last[3], span[3], last[1], last[2], span[1],
          span[2])
      end
      last = span
    end
  end
  return { tensors = tensors, names = names, metadata = metadata or {} }
end

--- Reads a safetensors file of F32 tensors: returns a table of name ->
-- `lgan.Tensor`, and the metadata (string -> string).  Every entry of
-- the header is checked first; a bad file raises an error naming it
-- and the problem.
function checkpoint.load_tensors(path)
  local fn = "checkpoint.load_tensors"
  if type(path) ~= "string" then
    error(fn .. ": path must be a string, got " .. type(path), 2)
  end
  local file = read_file(path, fn)
  local out = {}
  for _, name in ipairs(file.names) do
    local e = file.tensors[name]
    if #e.shape == 0 or #e.shape > 4 then
      error(("%s: %s: tensor %s has %d dimensions; lgan tensors have 1 "
        .. "to 4"):format(fn, path, name, #e.shape), 0)
    end
    out[name] = core.tensor(table.unpack(e.shape)):frombytes(e.bytes)
  end
  return out, file.metadata
end

--- The checkpoint a path names: the path itself, or a run folder's
-- `checkpoint.safetensors`; a folder without one is an error naming fn.
-- @string path
-- @string fn the caller, for the message
-- @treturn string
function checkpoint.file_in(path, fn)
  if core.path_kind(path) ~= "directory" then return path end
  local file = path:gsub("/+$", "") .. "/checkpoint.safetensors"
  if core.path_kind(file) == "file" then return file end
  error(("%s: %s is a folder with no checkpoint.safetensors in it; name a "
    .. "checkpoint file or a run folder"):format(fn, path), 0)
end

--- What is at path, from the safetensors header alone (no tensor is
-- read), for a caller about to write there: nil when nothing is;
-- "folder"; "checkpoint" for an lgan checkpoint; "safetensors" and the
-- metadata (string -> string) for another safetensors file; "other" for
-- a file that is not one (or cannot be read).
-- @string path
-- @treturn[opt] string the kind
-- @treturn[opt] table the metadata of a "safetensors" file
function checkpoint.kind(path)
  if type(path) ~= "string" then
    error("checkpoint.kind: path must be a string, got " .. type(path), 2)
  end
  local where = core.path_kind(path)
  if where == nil then return nil end
  if where == "directory" then return "folder" end
  local f = io.open(path, "rb")
  local head = f and f:read(8)
  local n = head and #head == 8 and string.unpack("<I8", head)
  local text = n and n >= 2 and n <= checkpoint.MAX_HEADER and f:read(n)
  if f then f:close() end
  local ok, header = pcall(cjson.decode, text and #text == n and text or "")
  if not ok or type(header) ~= "table" then return "other" end
  local meta = header.__metadata__
  if type(meta) ~= "table" then return "safetensors", {} end
  if type(meta.lgan) == "string" then
    local fine, m = pcall(cjson.decode, meta.lgan)
    if fine and type(m) == "table" and m.format == checkpoint.FORMAT then
      return "checkpoint"
    end
  end
  return "safetensors", meta
end

-- ------------------------------------------------------------------------
-- Architecture
-- ------------------------------------------------------------------------

local function kind_of(m)
  local name = type(m) == "table" and m.__name or nil
  return name and name:match("^lgan%.nn%.(%w+)$")
end

-- The layer list of an nn.Sequential.
local function layers_of(net, what, fn)
  local layers = {}
  for i, m in ipairs(net.modules) do
    local kind = kind_of(m)
    if kind == "Linear" then
      layers[i] = { kind = kind, in_features = m.in_features,
                    out_features = m.out_features }
    elseif kind == "LeakyReLU" then
      layers[i] = { kind = kind, slope = m.slope }
    elseif ACTIVATIONS[kind] then
      layers[i] = { kind = kind }
    else
      error(("%s: %s module %d (%s) cannot be stored"):format(fn, what, i,
        tostring(m)), 3)
    end
  end
  return layers
end

--- The architecture of a GAN as a checkpoint stores it: `{generator =
-- layers, discriminator = layers, z_dim =, x_dim =, classes =, range =}`.
function checkpoint.architecture(gan)
  local fn = "checkpoint.architecture"
  if core.type(gan) ~= "lgan.GAN" then
    error(fn .. ": expected an lgan.GAN, got " .. core.type(gan), 2)
  end
  local g = layers_of(gan.generator, "generator", fn)
  local x_dim
  for _, l in ipairs(g) do
    if l.kind == "Linear" then x_dim = l.out_features end
  end
  return {
    generator = g,
    discriminator = layers_of(gan.discriminator, "discriminator", fn),
    z_dim = gan.z_dim,
    x_dim = x_dim,
    classes = gan.classes or 0,
    range = { gan.range[1], gan.range[2] },
  }
end

-- A layer as text: "Linear(100 -> 256)", "LeakyReLU(0.2)", "Tanh".
local function layer_text(l)
  if l == nil then return "nothing" end
  if l.kind == "Linear" then
    return ("Linear(%s -> %s)"):format(number_text(l.in_features),
      number_text(l.out_features))
  elseif l.kind == "LeakyReLU" then
    return ("LeakyReLU(%s)"):format(number_text(l.slope))
  end
  return tostring(l.kind)
end

-- nil if the layer lists a and b are the same, else what differs.
local function compare_layers(a, b, what)
  for i = 1, math.max(#a, #b) do
    local x, y = layer_text(a[i]), layer_text(b[i])
    if x ~= y then
      return ("%s layer %d is %s in the checkpoint, %s in the model")
        :format(what, i - 1, x, y)
    end
  end
end

--- nil when two architectures are the same (layers, sizes, slopes),
-- else a sentence saying where they first differ.
function checkpoint.compare_architecture(stored, model)
  for _, net in ipairs(NETS) do
    local d = compare_layers(stored[net], model[net], net)
    if d then return d end
  end
end

-- Checks a decoded layer list; returns it with integer sizes.
local function check_layers(layers, what, first_in, bad)
  if type(layers) ~= "table" or #layers == 0 then
    bad("architecture.%s is not a list of layers", what)
  end
  local out, prev = {}, first_in
  for i, l in ipairs(layers) do
    if type(l) ~= "table" then
      bad("architecture.%s[%d] is not a layer", what, i)
    end
    if l.kind == "Linear" then
      local a, b = l.in_features, l.out_features
      if not is_count(a) or not is_count(b) or a < 1 or b < 1
          or a > 2 ^ 31 or b > 2 ^ 31 then
        bad("architecture.%s[%d]: Linear needs in_features and "
          .. "out_features", what, i)
      end
      a, b = math.tointeger(a), math.tointeger(b)
      if prev and a ~= prev then
        bad("architecture.%s[%d]: Linear takes %d features but gets %d",
          what, i, a, prev)
      end
      out[i] = { kind = "Linear", in_features = a, out_features = b }
      prev = b
    elseif l.kind == "LeakyReLU" then
      local slope = l.slope
      if type(slope) ~= "number" or slope ~= slope
          or math.abs(slope) == math.huge then
        bad("architecture.%s[%d]: LeakyReLU needs a slope", what, i)
      end
      out[i] = { kind = "LeakyReLU", slope = slope }
    elseif ACTIVATIONS[l.kind] then
      out[i] = { kind = l.kind }
    else
      bad("architecture.%s[%d] has unknown kind %s", what, i,
        tostring(l.kind))
    end
  end
  if out[1].kind ~= "Linear" then
    bad("architecture.%s does not begin with a Linear", what)
  end
  return out, prev
end

-- The tensors an architecture and its optimizers need: name -> shape.
local function expected_tensors(arch, optim)
  local want = {}
  for _, net in ipairs(NETS) do
    local suffixes = {}
    local o = optim[net]
    if o.kind == "adam" then
      suffixes = { ".exp_avg", ".exp_avg_sq" }
    elseif (o.config.momentum or 0) ~= 0 then
      suffixes = { ".momentum_buffer" }
    end
    for i, l in ipairs(arch[net]) do
      if l.kind == "Linear" then
        local prefix = ("%s.%d."):format(net, i - 1)
        local shapes = { weight = { l.out_features, l.in_features },
                         bias = { l.out_features } }
        for _, p in ipairs { "weight", "bias" } do
          want[prefix .. p] = shapes[p]
          for _, suffix in ipairs(suffixes) do
            want["optim." .. prefix .. p .. suffix] = shapes[p]
          end
        end
      end
    end
  end
  return want
end

-- ------------------------------------------------------------------------
-- Saving
-- ------------------------------------------------------------------------

-- Each Linear's parameters with their optimizer entries, as
-- {name, tensor, m, v}: the value and moments tensors are the live ones.
local function parameters_of(gan, fn)
  local list = {}
  for _, net in ipairs(NETS) do
    local opt = gan[net == "generator" and "g_optim" or "d_optim"]
    local state = opt:state()
    local kind = opt:config().kind
    for i, m in ipairs(gan[net].modules) do
      if kind_of(m) == "Linear" then
        for _, p in ipairs { "weight", "bias" } do
          local entry
          for _, e in ipairs(state.params) do
            if rawequal(e[1], m[p]) then entry = e break end
          end
          if not entry then
            error(("%s: the %s optimizer does not hold %s.%d.%s")
              :format(fn, net, net, i - 1, p), 3)
          end
          list[#list + 1] = { net = net, kind = kind,
                              name = ("%s.%d.%s"):format(net, i - 1, p),
                              value = m[p], m = entry[3], v = entry[4] }
        end
      end
    end
  end
  return list
end

local function optim_meta(opt)
  local config = opt:config()
  local step = opt:state().step
  return { kind = config.kind, step = step, config = config }
end

--- Writes a checkpoint of a GAN, or of a trainer (from `lgan.train`,
-- which adds its loader, options and progress), to path, through a
-- temporary file renamed over it.  meta, optional, is any table of
-- strings, numbers and booleans, kept as `info`.
-- @param path the file
-- @param obj an `lgan.GAN`, or a trainer
-- @tparam[opt] table meta
function checkpoint.save(path, obj, meta)
  local fn = "checkpoint.save"
  if type(path) ~= "string" then
    error(fn .. ": path must be a string, got " .. type(path), 2)
  end
  if type(obj) ~= "table" then
    error(fn .. ": expected an lgan.GAN or a trainer, got "
      .. core.type(obj), 2)
  end
  if meta ~= nil and type(meta) ~= "table" then
    error(fn .. ": meta must be a table, got " .. type(meta), 2)
  end
  local gan, extra = obj, nil
  if type(obj.checkpoint_state) == "function" then
    gan, extra = obj.model, obj:checkpoint_state()
  end
  if core.type(gan) ~= "lgan.GAN" then
    error(fn .. ": expected an lgan.GAN or a trainer, got "
      .. core.type(gan), 2)
  end

  local m = {
    format = checkpoint.FORMAT,
    version = checkpoint.VERSION,
    architecture = checkpoint.architecture(gan),
    hyper = { seed = gan.seed, real_label = gan.real_label,
              fake_label = gan.fake_label },
    optim = { generator = optim_meta(gan.g_optim),
              discriminator = optim_meta(gan.d_optim) },
    rng = { noise = gan.rng:state(), sample = gan.sample_rng:state() },
    info = meta,
  }
  if extra then
    m.architecture.preset = extra.preset
    for k, v in pairs(extra.hyper) do m.hyper[k] = v end
    for k, v in pairs(extra.rng) do m.rng[k] = v end
    for _, k in ipairs { "loader", "step", "epoch", "epochs", "seconds",
                         "data", "threads", "epoch_sums" } do
      m[k] = extra[k]
    end
  end

  local tensors = {}
  for _, p in ipairs(parameters_of(gan, fn)) do
    tensors[p.name] = p.value
    if p.kind == "adam" then
      tensors["optim." .. p.name .. ".exp_avg"] = p.m
      tensors["optim." .. p.name .. ".exp_avg_sq"] = p.v
    elseif p.m then
      tensors["optim." .. p.name .. ".momentum_buffer"] = p.m
    end
  end
  write_atomic(path, encode_file(tensors,
    { format = "pt", lgan = encode(m, fn) }, fn), fn)
end

-- ------------------------------------------------------------------------
-- Loading
-- ------------------------------------------------------------------------

local function is_rng_state(s)
  local g = core.Generator(0)
  return type(s) == "string" and (pcall(g.set_state, g, s))
end

-- Checks the decoded lgan metadata, raising through bad; returns it
-- with integers where integers belong.
local function check_meta(m, bad)
  if type(m) ~= "table" or m.format ~= checkpoint.FORMAT then
    bad("not an lgan checkpoint (its lgan metadata has no format %q)",
      checkpoint.FORMAT)
  end
  if m.version ~= checkpoint.VERSION then
    bad("checkpoint format version %s; this lgan reads version %d",
      tostring(math.tointeger(m.version) or m.version), checkpoint.VERSION)
  end
  local a = m.architecture
  if type(a) ~= "table" then bad("no architecture") end
  a.classes = a.classes or 0
  if not is_count(a.z_dim) or not is_count(a.x_dim)
      or not is_count(a.classes) then
    bad("architecture lacks z_dim, x_dim or classes")
  end
  a.z_dim, a.x_dim = math.tointeger(a.z_dim), math.tointeger(a.x_dim)
  a.classes = math.tointeger(a.classes)
  local g_out, d_out
  a.generator, g_out = check_layers(a.generator, "generator",
    a.z_dim + a.classes, bad)
  a.discriminator, d_out = check_layers(a.discriminator, "discriminator",
    a.x_dim + a.classes, bad)
  if g_out ~= a.x_dim then
    bad("the generator makes %d values, x_dim is %d", g_out, a.x_dim)
  end
  if d_out ~= 1 then
    bad("the discriminator ends in %d features, expected 1", d_out)
  end
  local r = a.range
  if type(r) ~= "table" or type(r[1]) ~= "number"
      or type(r[2]) ~= "number" or r[1] >= r[2] then
    bad("architecture.range is not a pixel range {lo, hi}")
  end

  if type(m.hyper) ~= "table" or type(m.hyper.seed) ~= "number"
      or not is_count(math.abs(m.hyper.seed)) then
    bad("hyper.seed is missing")
  end
  m.hyper.seed = math.tointeger(m.hyper.seed)
  for _, k in ipairs { "batch_size", "grid" } do
    if m.hyper[k] ~= nil then
      if not is_count(m.hyper[k]) then bad("hyper.%s is not a count", k) end
      m.hyper[k] = math.tointeger(m.hyper[k])
    end
  end

  if type(m.optim) ~= "table" then bad("no optimizer state") end
  for _, net in ipairs(NETS) do
    local o = m.optim[net]
    if type(o) ~= "table" or (o.kind ~= "adam" and o.kind ~= "sgd")
        or not is_count(o.step) or type(o.config) ~= "table" then
      bad("optim.%s is not an optimizer state", net)
    end
    o.step = math.tointeger(o.step)
  end

  if type(m.rng) ~= "table" then bad("no generator states") end
  for _, k in ipairs { "noise", "sample" } do
    if not is_rng_state(m.rng[k]) then
      bad("rng.%s is not a generator state", k)
    end
  end
  if m.rng.shuffle ~= nil and not is_rng_state(m.rng.shuffle) then
    bad("rng.shuffle is not a generator state")
  end

  for _, k in ipairs { "step", "epoch", "epochs" } do
    if m[k] ~= nil then
      if not is_count(m[k]) then bad("%s is not a count", k) end
      m[k] = math.tointeger(m[k])
    end
  end
  local l = m.loader
  if l ~= nil then
    if type(l) ~= "table" or not is_count(l.epoch)
        or not is_count(l.position) or not is_count(l.images)
        or (l.rng_state ~= nil and not is_rng_state(l.rng_state)) then
      bad("loader is not a loader state")
    end
    l.epoch, l.position = math.tointeger(l.epoch),
      math.tointeger(l.position)
    l.images = math.tointeger(l.images)
  end
  if m.threads ~= nil then
    if not is_count(m.threads) or m.threads < 1 then
      bad("threads is not a thread count")
    end
    m.threads = math.tointeger(m.threads)
  end
  return m
end

--- Reads and checks a checkpoint, touching nothing else.  Refused with
-- an error naming the file and the problem: a file too short for a
-- header, a header length past its end, a header that is not a JSON
-- object, a tensor without dtype, shape or data_offsets, a dtype other
-- than F32, offsets outside the data, overlapping or not matching the
-- shape, metadata that is not lgan's, and tensors missing, extra or of
-- another shape than the stored architecture needs.
-- @treturn table `{path =, meta =, tensors = {name = {shape =, bytes =}},
-- names = {...}}`, meta being the decoded `lgan` metadata
function checkpoint.load(path)
  local fn = "checkpoint.load"
  if type(path) ~= "string" then
    error(fn .. ": path must be a string, got " .. type(path), 2)
  end
  local function bad(fmt, ...)
    error(("%s: %s: " .. fmt):format(fn, path, ...), 0)
  end
  local file = read_file(path, fn)
  local text = file.metadata.lgan
  if text == nil then
    bad("not an lgan checkpoint (no lgan entry in __metadata__)")
  end
  local ok, meta = pcall(cjson.decode, text)
  if not ok or type(meta) ~= "table" then
    bad("the lgan metadata is not a JSON object")
  end
  meta = check_meta(meta, bad)

  local want = expected_tensors(meta.architecture, meta.optim)
  local names = {}
  for name in pairs(want) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local have = file.tensors[name]
    if not have then
      bad("tensor %s is missing", name)
    end
    if shape_text(have.shape) ~= shape_text(want[name]) then
      bad("tensor %s has shape %s, but the architecture needs %s", name,
        shape_text(have.shape), shape_text(want[name]))
    end
  end
  for _, name in ipairs(file.names) do
    if not want[name] then
      bad("tensor %s is not part of the stored architecture", name)
    end
  end
  return { path = path, meta = meta, tensors = file.tensors,
           names = file.names }
end

local function check_loaded(ck, fn)
  if type(ck) ~= "table" or type(ck.meta) ~= "table"
      or type(ck.tensors) ~= "table" then
    error(fn .. ": expected a checkpoint from checkpoint.load, got "
      .. core.type(ck), 3)
  end
end

--- Puts a loaded checkpoint's weights, optimizer moments and steps and
-- generator states into gan, after checking that gan has the stored
-- architecture and optimizers; on a mismatch nothing is changed.
-- @param ck from `checkpoint.load`
-- @param gan an `lgan.GAN`
-- @return gan
function checkpoint.restore(ck, gan)
  local fn = "checkpoint.restore"
  check_loaded(ck, fn)
  if core.type(gan) ~= "lgan.GAN" then
    error(fn .. ": expected an lgan.GAN, got " .. core.type(gan), 2)
  end
  local m = ck.meta
  local diff = checkpoint.compare_architecture(m.architecture,
    checkpoint.architecture(gan))
  if diff then
    error(("%s: %s holds another architecture: %s"):format(fn, ck.path,
      diff), 2)
  end
  local params = parameters_of(gan, fn)
  for _, p in ipairs(params) do
    local want = m.optim[p.net].kind
    if p.kind ~= want then
      error(("%s: %s: the %s optimizer is %s in the checkpoint, %s in the "
        .. "model"):format(fn, ck.path, p.net, want, p.kind), 2)
    end
    local has_m = ck.tensors["optim." .. p.name .. ".momentum_buffer"]
    if p.kind == "sgd" and (p.m ~= nil) ~= (has_m ~= nil) then
      error(("%s: %s: the %s optimizer's momentum differs from the "
        .. "checkpoint's"):format(fn, ck.path, p.net), 2)
    end
  end

  for _, p in ipairs(params) do
    p.value:frombytes(ck.tensors[p.name].bytes)
    if p.kind == "adam" then
      p.m:frombytes(ck.tensors["optim." .. p.name .. ".exp_avg"].bytes)
      p.v:frombytes(ck.tensors["optim." .. p.name .. ".exp_avg_sq"].bytes)
    elseif p.m then
      p.m:frombytes(
        ck.tensors["optim." .. p.name .. ".momentum_buffer"].bytes)
    end
  end
  gan.g_optim.core:set_step(m.optim.generator.step)
  gan.d_optim.core:set_step(m.optim.discriminator.step)
  gan.rng:set_state(m.rng.noise)
  gan.sample_rng:set_state(m.rng.sample)
  return gan
end

-- An nn.Sequential from a checked layer list.
local function build_net(layers)
  local nn = require "lgan.nn"
  local scratch = core.Generator(0)
  local modules = {}
  for i, l in ipairs(layers) do
    if l.kind == "Linear" then
      modules[i] = nn.Linear(l.in_features, l.out_features, scratch)
    elseif l.kind == "LeakyReLU" then
      modules[i] = nn.LeakyReLU(l.slope)
    else
      modules[i] = nn[l.kind]()
    end
  end
  return nn.Sequential(modules)
end

--- A new `lgan.GAN` with a loaded checkpoint's architecture,
-- hyper-parameters and state.
-- @param ck from `checkpoint.load`
function checkpoint.gan(ck)
  local fn = "checkpoint.gan"
  check_loaded(ck, fn)
  local gan = require "lgan.gan"
  local optim = require "lgan.optim"
  local m = ck.meta
  local G = build_net(m.architecture.generator)
  local D = build_net(m.architecture.discriminator)
  -- config() holds every field for either kind; each optimizer is
  -- given the ones it reads, since it refuses the others.
  local function make(net, o)
    local c = o.config
    local keys = o.kind == "adam"
      and { "lr", "beta1", "beta2", "eps", "weight_decay" }
      or { "lr", "momentum", "dampening", "weight_decay", "nesterov" }
    local opts = {}
    for _, k in ipairs(keys) do opts[k] = c[k] end
    return o.kind == "adam" and optim.Adam(net, opts)
      or optim.SGD(net, opts)
  end
  local model = gan.GAN {
    generator = G, discriminator = D, seed = m.hyper.seed,
    g_optim = make(G, m.optim.generator),
    d_optim = make(D, m.optim.discriminator),
    real_label = m.hyper.real_label, fake_label = m.hyper.fake_label,
    range = { m.architecture.range[1], m.architecture.range[2] },
    classes = m.architecture.classes,
  }
  return checkpoint.restore(ck, model)
end

--- The generator alone (an `nn.Sequential`) with a loaded checkpoint's
-- weights, for sampling.  Its input is z_dim values of noise, followed
-- by classes values of a one-hot label in a conditional model.
-- @param ck from `checkpoint.load`
function checkpoint.generator(ck)
  check_loaded(ck, "checkpoint.generator")
  local G = build_net(ck.meta.architecture.generator)
  for i, m in ipairs(G.modules) do
    if m.weight then
      m.weight:frombytes(ck.tensors[("generator.%d.weight"):format(i - 1)]
        .bytes)
      m.bias:frombytes(ck.tensors[("generator.%d.bias"):format(i - 1)]
        .bytes)
    end
  end
  return G
end

return checkpoint
