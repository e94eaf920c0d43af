--- Neural-network modules and losses, with the protocol Torch7's nn
-- uses: `forward(x)`, `backward(x, grad_output)`, `parameters()`,
-- `zero_grad()`.  Parameter gradients accumulate until `zero_grad`.
-- @module lgan.nn

local core = require "lgan.core"
local class = require "lgan.class"

local nn = {}

-- The most elements a tensor holds (LG_MAX_NUMEL in csrc/tensor.h).
local MAX_NUMEL = 2147483647
nn.MAX_NUMEL = MAX_NUMEL

local function fresh_generator()
  -- Without a generator from the caller, weights come from the system's
  -- entropy: pass one for runs that repeat.
  local seed = os.time()
  local f = io.open("/dev/urandom", "rb")
  if f then
    seed = string.unpack("<i8", f:read(8))
    f:close()
  end
  return core.Generator(seed)
end

-- level is error's level for the caller's caller (3 unless deeper).
local function check_generator(rng, fn, level)
  if rng == nil then return fresh_generator() end
  if core.type(rng) ~= "lgan.Generator" then
    error(fn .. ": rng must be an lgan.Generator, got " .. core.type(rng),
      level or 3)
  end
  return rng
end

--- The base of every module.
-- @type Module
local Module = class("lgan.nn.Module")
nn.Module = Module

function Module:__init() end

--- Parameters and their gradients, as two lists in the same order.
-- @treturn {Tensor,...} parameters
-- @treturn {Tensor,...} gradients
function Module:parameters()
  return {}, {}
end

--- Sets every parameter gradient to zero.
function Module:zero_grad()
  local _, grads = self:parameters()
  for _, g in ipairs(grads) do g:zero() end
end

--- Re-draws the parameters from rng; modules without any ignore it.
function Module:reset() end

function Module:__tostring()
  return self.__name:gsub("^lgan%.", "")
end

--- Computes the module's output for input x and keeps it as `output`.
-- @tparam Tensor x a batch, [n, features], or one row
-- @treturn Tensor
function Module:forward(x)
  self.output = self.layer:forward(x)
  return self.output
end

--- The gradient at the input, given the input and the gradient at the
-- output; kept as `grad_input`.  Linear layers add to their gradients.
-- @tparam Tensor x the input given to forward
-- @tparam Tensor grad_output
-- @treturn Tensor
function Module:backward(x, grad_output)
  self.grad_input = self.layer:backward(x, grad_output)
  return self.grad_input
end

--- `Linear(in, out [, rng])`: y = x W^T + b, W [out, in], initialised as
-- PyTorch's Linear: W and b uniform in +-1/sqrt(in), drawn from rng.
-- @type Linear
local Linear = class("lgan.nn.Linear", Module)
nn.Linear = Linear

function Linear:__init(n_in, n_out, rng)
  -- An integral float (2.0, from Lua arithmetic) counts as an integer.
  local function size(v, what)
    local n = math.type(v) and math.tointeger(v)
    if not n or n < 1 then
      error(("Linear: %s must be a positive integer, got %s")
        :format(what, tostring(v)), 4)
    end
    return n
  end
  self.in_features = size(n_in, "in_features")
  self.out_features = size(n_out, "out_features")
  if self.in_features > MAX_NUMEL // self.out_features then
    error(("Linear: %d x %d weights are more than lgan's limit of %d "
      .. "elements in a tensor"):format(self.out_features,
      self.in_features, MAX_NUMEL), 3)
  end
  self.weight = core.tensor(self.out_features, self.in_features)
  self.bias = core.tensor(self.out_features)
  self.grad_weight = core.tensor(self.out_features, self.in_features)
  self.grad_bias = core.tensor(self.out_features)
  self.layer = core.linear(self.weight, self.bias, self.grad_weight,
    self.grad_bias)
  self:reset(check_generator(rng, "Linear", 4))
end

--- Re-draws weight and bias from rng as PyTorch's Linear does.
function Linear:reset(rng)
  rng = check_generator(rng, "Linear:reset")
  local bound = 1 / math.sqrt(self.in_features)
  rng:uniform_(self.weight, -bound, bound)
  rng:uniform_(self.bias, -bound, bound)
end

--- `{weight, bias}, {grad_weight, grad_bias}`.
function Linear:parameters()
  return { self.weight, self.bias }, { self.grad_weight, self.grad_bias }
end

function Linear:__tostring()
  return ("nn.Linear(%d -> %d)"):format(self.in_features, self.out_features)
end

local function activation(name, ...)
  local cls = class("lgan.nn." .. name, Module)
  local args = { ... }
  function cls:__init(slope)
    if args[1] == "slope" then
      if slope == nil then slope = 0.01 end
      self.slope = slope
      self.layer = core.activation(name, slope)
    else
      self.layer = core.activation(name)
    end
  end
  function cls:__tostring()
    if self.slope then return ("nn.%s(%g)"):format(name, self.slope) end
    return "nn." .. name .. "()"
  end
  nn[name] = cls
  return cls
end

--- `ReLU()`: max(x, 0).
-- @function ReLU
activation("ReLU")
--- `LeakyReLU([slope])`: x for x > 0, slope * x otherwise (slope 0.01).
-- @function LeakyReLU
activation("LeakyReLU", "slope")
--- `Sigmoid()`: 1 / (1 + exp(-x)).
-- @function Sigmoid
activation("Sigmoid")
--- `Tanh()`.
-- @function Tanh
activation("Tanh")

--- `Sequential{m1, m2, ...}`: the modules applied in turn.
-- @type Sequential
local Sequential = class("lgan.nn.Sequential", Module)
nn.Sequential = Sequential

-- A class's name as the user writes it: "nn.ReLU".
local function class_name(m)
  return (tostring(rawget(m, "__name")):gsub("^lgan%.", ""))
end

-- Why m is not a module, or nil when it is one: an instance with
-- forward, backward and parameters (a loss has no parameters, and a
-- class such as nn.ReLU, not called, is no instance).
local function not_a_module(m)
  if type(m) == "table" and rawget(m, "__index") == m then
    return ("the class %s, not a module (call it: %s())")
      :format(class_name(m), class_name(m))
  end
  if type(m) ~= "table" or type(m.forward) ~= "function"
      or type(m.backward) ~= "function"
      or type(m.parameters) ~= "function" then
    return ("not a module (%s)"):format(core.type(m))
  end
end

function Sequential:__init(modules)
  if type(modules) ~= "table" then
    error("Sequential: expected a table of modules, got " .. type(modules),
      3)
  end
  -- One module where the list should be would give an empty net.
  if type(modules.forward) == "function" then
    local what = rawget(modules, "__index") == modules
      and "the class " .. class_name(modules) or core.type(modules)
    error(("Sequential: expected a table of modules, got %s; write "
      .. "nn.Sequential{m} for a net of one module"):format(what), 3)
  end
  -- Keys other than 1..n (a hole, a name) would be dropped silently.
  local count = 0
  for k in pairs(modules) do
    if math.type(k) ~= "integer" or k < 1 then
      error(("Sequential: key %s is not a position in the list; expected "
        .. "modules at 1, 2, ..."):format(type(k) == "string"
        and ("'%s'"):format(k) or tostring(k)), 3)
    end
    count = count + 1
  end
  self.modules = {}
  for i = 1, count do
    if modules[i] == nil then
      error(("Sequential: entry %d is nil, a hole in the list"):format(i), 3)
    end
    local why = not_a_module(modules[i])
    if why then
      error(("Sequential: entry %d is %s"):format(i, why), 3)
    end
    self.modules[i] = modules[i]
  end
  self.inputs = {}
end

--- Appends a module; returns self.
function Sequential:add(m)
  local why = not_a_module(m)
  if why then
    error("Sequential:add: the argument is " .. why, 2)
  end
  self.modules[#self.modules + 1] = m
  return self
end

--- Runs the modules in turn, keeping each one's input for backward.
function Sequential:forward(x)
  for i, m in ipairs(self.modules) do
    self.inputs[i] = x
    x = m:forward(x)
  end
  self.output = x
  return x
end

--- Back through the modules in reverse, from the gradient at the
-- output; runs forward first if x is not the last input.
function Sequential:backward(x, grad_output)
  if self.inputs[1] ~= x then
    self:forward(x)
  end
  local g = grad_output
  for i = #self.modules, 1, -1 do
    g = self.modules[i]:backward(self.inputs[i], g)
  end
  self.grad_input = g
  return g
end

--- Every module's parameters and gradients, in order.
function Sequential:parameters()
  local params, grads = {}, {}
  for _, m in ipairs(self.modules) do
    local p, g = m:parameters()
    table.move(p, 1, #p, #params + 1, params)
    table.move(g, 1, #g, #grads + 1, grads)
  end
  return params, grads
end

--- Re-draws every module's parameters from rng, in order.
function Sequential:reset(rng)
  -- Checked here: each module's own check would point at this loop.
  if rng ~= nil then check_generator(rng, "Sequential:reset") end
  for _, m in ipairs(self.modules) do m:reset(rng) end
end

--- The core layers, in order, for the fused step.
-- @string[opt="net"] what the net, as messages name it ("generator")
-- @int[opt=2] level error's level for a module without a core layer,
--   counted from here: the caller builds the step, and it is the caller's
--   own caller (the user's `GAN{...}`, some frames up) that the message
--   should point at, not lgan's code
function Sequential:core_layers(what, level)
  local layers = {}
  for i, m in ipairs(self.modules) do
    if not m.layer then
      error(("GAN: %s module %d (%s) has no core layer; the fused step "
        .. "takes Linear layers and activations"):format(what or "net", i,
        tostring(m)), level or 2)
    end
    layers[i] = m.layer
  end
  return layers
end

function Sequential:__tostring()
  local lines = { "nn.Sequential {" }
  for i, m in ipairs(self.modules) do
    lines[#lines + 1] = ("  (%d) %s"):format(i, tostring(m))
  end
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n")
end

local function loss(name, fn)
  local cls = class("lgan.nn." .. name)
  function cls:__init() end
  --- Mean loss of prediction against target (a tensor or a number).
  function cls:forward(pred, target)
    self.pred, self.target = pred, target
    self.output = fn(pred, target)
    return self.output
  end
  --- Gradient of the mean loss at the prediction; arguments default to
  -- those of the last forward.
  function cls:backward(pred, target)
    pred, target = pred or self.pred, target or self.target
    if pred == nil then
      error(name .. ":backward: no prediction (call forward first)", 2)
    end
    local _, grad = fn(pred, target, true)
    self.grad_input = grad
    return grad
  end
  function cls:__tostring() return "nn." .. name .. "()" end
  nn[name] = cls
end

--- `BCELoss()`: binary cross-entropy of probabilities; finite at 0 and 1.
-- @function BCELoss
loss("BCELoss", core.bce)
--- `BCEWithLogitsLoss()`: binary cross-entropy of sigmoid(logits).
-- @function BCEWithLogitsLoss
loss("BCEWithLogitsLoss", core.bce_logits)
--- `MSELoss()`: mean squared error.
-- @function MSELoss
loss("MSELoss", core.mse)
--- `CrossEntropyLoss()`: softmax cross-entropy of logits [n, classes]
-- against classes [n] (whole numbers from 0), as PyTorch's.
-- @function CrossEntropyLoss
loss("CrossEntropyLoss", core.cross_entropy)
--- `ClassNLLLoss()`: the mean of -input[i][class i], for the output of
-- LogSoftmax (PyTorch's NLLLoss).
-- @function ClassNLLLoss
loss("ClassNLLLoss", core.nll)

--- `LogSoftmax()`: each row of [n, classes] minus its log-sum-exp.
-- @type LogSoftmax
local LogSoftmax = class("lgan.nn.LogSoftmax", Module)
nn.LogSoftmax = LogSoftmax

function LogSoftmax:__init() end

--- Log-probabilities of each row of x [n, classes].
function LogSoftmax:forward(x)
  self.input = x
  self.output = core.log_softmax(x)
  return self.output
end

--- The gradient at x, given the gradient at the output.
function LogSoftmax:backward(x, grad_output)
  if self.input ~= x or self.output == nil then
    self.output = core.log_softmax(x)
  end
  self.input = x
  self.grad_input = core.log_softmax_backward(self.output, grad_output)
  return self.grad_input
end

function LogSoftmax:__tostring() return "nn.LogSoftmax()" end

return nn
