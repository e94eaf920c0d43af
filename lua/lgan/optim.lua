--- Optimizers over a module's parameters, as torch.optim has them.
-- @module lgan.optim

local core = require "lgan.core"
local class = require "lgan.class"
local options_mod = require "lgan.options"

local optim = {}

-- The errors below are raised for the caller of Adam or SGD, three
-- calls up (Adam -> Optimizer.__init -> here).
local function pairs_of(module, fn)
  if type(module) ~= "table" or type(module.parameters) ~= "function" then
    error(fn .. ": expected a module, got " .. core.type(module), 4)
  end
  local params, grads = module:parameters()
  if #params == 0 then
    error(fn .. ": the module has no parameters", 4)
  end
  local list = {}
  for i, p in ipairs(params) do list[i] = { p, grads[i] } end
  return list
end

-- The keys each optimizer reads: torch.optim's names, and beta1 and
-- beta2 (the two betas one by one, as `config()` gives them back).
local KEYS = {
  Adam = { "lr", "betas", "beta1", "beta2", "eps", "weight_decay" },
  SGD = { "lr", "momentum", "dampening", "weight_decay", "nesterov" },
}

local function options(opts, fn)
  opts = opts or {}
  if type(opts) ~= "table" then
    error(fn .. ": options must be a table, got " .. type(opts), 4)
  end
  options_mod.check(opts, KEYS[fn], fn, 4)
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if o.betas ~= nil then
    if type(o.betas) ~= "table" or #o.betas ~= 2 then
      error(fn .. ": betas must be a table of two numbers", 4)
    end
    o.beta1, o.beta2, o.betas = o.betas[1], o.betas[2], nil
  end
  return o
end

local Optimizer = class("lgan.optim.Optimizer")

function Optimizer:__init(kind, name, module, opts)
  self.module = module
  self.core = core.optimizer(kind, pairs_of(module, name),
    options(opts, name))
end

--- Applies one update from the gradients the module holds.
function Optimizer:step()
  self.core:step()
end

--- Sets the module's gradients to zero.
function Optimizer:zero_grad()
  self.module:zero_grad()
end

--- The hyper-parameters as a table (kind, lr, beta1, ...).
function Optimizer:config()
  return self.core:config()
end

--- The live state: `{step = n, params = {{value, grad, m, v}, ...}}`.
function Optimizer:state()
  return self.core:state()
end

--- `Adam(module, opts)`: opts as torch.optim.Adam's (lr = 1e-3,
-- betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0); beta1 and beta2
-- may be given one by one instead of betas.  Another key is an error.
-- @function Adam
function optim.Adam(module, opts)
  local o = setmetatable({}, Optimizer)
  Optimizer.__init(o, "adam", "Adam", module, opts)
  return o
end

--- `SGD(module, opts)`: opts as torch.optim.SGD's (lr = 0.01,
-- momentum = 0, dampening = 0, weight_decay = 0, nesterov = false).
-- Another key is an error.
-- @function SGD
function optim.SGD(module, opts)
  local o = setmetatable({}, Optimizer)
  Optimizer.__init(o, "sgd", "SGD", module, opts)
  return o
end

optim.Optimizer = Optimizer

return optim
