-- Optimizers (lua/lgan/optim.lua, csrc/optim.c, csrc/lua_optim.c):
-- updates from gradients set by hand, against the same formulas worked
-- out in Lua doubles.

local lgan = require "lgan"
local nn, optim = lgan.nn, lgan.optim
local support = require "spec.support"
local f32 = support.f32
local values = support.values


-- The C update runs in float32, a handful of roundings per element: the
-- result is within a few units in the last place of the larger of the
-- value and the step taken.  8 ulps of that is "float32 rounding".
local ULP = 2 ^ -23

local function assert_f32_close(expected, actual, scale, what)
  assert.are.equal(#expected, #actual)
  for i = 1, #expected do
    local tol = 8 * ULP * math.max(math.abs(expected[i]), scale or 0)
    assert(math.abs(actual[i] - expected[i]) <= tol,
      ("%s element %d: expected %.9g, got %.9g (tolerance %.3g)")
        :format(what or "", i, expected[i], actual[i], tol))
  end
end

-- A Linear(3, 2) whose weight and bias are set to the given values
-- (rounded to float32), with the same numbers as Lua doubles.
local W0 = { 0.5, -1.25, 2, 0.75, -0.3, 0.1 }
local B0 = { 1.5, -0.6 }

local function layer()
  local l = nn.Linear(3, 2, lgan.Generator(1))
  l.weight:copy(lgan.tensor(W0))
  l.bias:copy(lgan.tensor(B0))
  local p = {}
  for i, v in ipairs(W0) do p[i] = f32(v) end
  for i, v in ipairs(B0) do p[#W0 + i] = f32(v) end
  return l, p
end

-- Gradients of three steps, set by hand: signs that flip, a zero, one
-- near eps, large and small magnitudes.
local GRADS = {
  { 0.1, -0.2, 0.3, 0, 1e-9, -4, 2.5, -0.01 },
  { -0.05, -0.2, 0.6, 1, 1e-9, 4, -2.5, 0.02 },
  { 0.2, 0.1, -0.3, -0.5, -1e-9, 1, 0.25, 0.5 },
}

-- Writes the step's gradients into the layer's gradient tensors and
-- returns them as float32-rounded doubles.
local function set_grads(l, g)
  local gw, gb = {}, {}
  for i = 1, 6 do gw[i] = g[i] end
  for i = 1, 2 do gb[i] = g[6 + i] end
  l.grad_weight:copy(lgan.tensor(gw))
  l.grad_bias:copy(lgan.tensor(gb))
  local out = {}
  for i, v in ipairs(g) do out[i] = f32(v) end
  return out
end

local function params_of(l)
  local out = values(l.weight)
  for _, v in ipairs(values(l.bias)) do out[#out + 1] = v end
  return out
end

-- One Adam step on doubles, as PyTorch's Adam (L2 weight decay):
-- m and v move toward g and g^2, and
-- p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
local function adam_step(o, t, p, g, m, v)
  for i = 1, #p do
    local gi = g[i] + (o.weight_decay or 0) * p[i]
    m[i] = o.b1 * m[i] + (1 - o.b1) * gi
    v[i] = o.b2 * v[i] + (1 - o.b2) * gi * gi
    local step = o.lr / (1 - o.b1 ^ t)
    local denom = math.sqrt(v[i]) / math.sqrt(1 - o.b2 ^ t) + o.eps
    p[i] = p[i] - step * m[i] / denom
  end
end

-- One SGD step on doubles, as PyTorch's SGD: the momentum buffer
-- starts as the gradient, then buf = mu buf + (1 - dampening) g;
-- Nesterov steps along g + mu buf.
local function sgd_step(o, t, p, g, buf)
  for i = 1, #p do
    local gi = g[i] + (o.weight_decay or 0) * p[i]
    local mu = o.momentum or 0
    if mu ~= 0 then
      buf[i] = t == 1 and gi or mu * buf[i] + (1 - (o.dampening or 0)) * gi
      gi = o.nesterov and gi + mu * buf[i] or buf[i]
    end
    p[i] = p[i] - o.lr * gi
  end
end

describe("lgan.optim", function()
  describe("Adam", function()
    describe("step", function()
      local cases = {
        { name = "lr 0.1, betas 0.9 and 0.999",
          opts = { lr = 0.1, betas = { 0.9, 0.999 }, eps = 1e-8 } },
        { name = "the GAN's lr 2e-4 and betas 0.5 and 0.999",
          opts = { lr = 2e-4, betas = { 0.5, 0.999 } } },
        { name = "weight decay 0.1 and eps 1e-3",
          opts = { lr = 0.05, betas = { 0.8, 0.99 }, eps = 1e-3,
                   weight_decay = 0.1 } },
      }
      for _, case in ipairs(cases) do
        it("takes three steps as worked out by hand, with " .. case.name,
          function()
            local l, p = layer()
            local opt = optim.Adam(l, case.opts)
            -- The hyper-parameters as float32, as the C update uses them.
            local o = {
              lr = f32(case.opts.lr), b1 = f32(case.opts.betas[1]),
              b2 = f32(case.opts.betas[2]), eps = f32(case.opts.eps or 1e-8),
              weight_decay = f32(case.opts.weight_decay or 0),
            }
            local m, v = {}, {}
            for i = 1, #p do m[i], v[i] = 0, 0 end
            for t = 1, 3 do
              local g = set_grads(l, GRADS[t])
              adam_step(o, t, p, g, m, v)
              opt:step()
              assert_f32_close(p, params_of(l), o.lr, "step " .. t)
            end
            -- The moments as the optimizer keeps them.
            local state = opt:state()
            assert.are.equal(3, state.step)
            local mw, vw = values(state.params[1][3]),
              values(state.params[1][4])
            for i = 1, 6 do
              assert(math.abs(mw[i] - m[i]) <= 1e-6 * math.abs(m[i]) + 1e-30)
              assert(math.abs(vw[i] - v[i]) <= 1e-6 * math.abs(v[i]) + 1e-30)
            end
          end)
      end

      it("moves each value by about lr on the first step", function()
        -- Bias correction makes the first step lr * g / (|g| + eps).
        local l, p = layer()
        local opt = optim.Adam(l, { lr = 0.01 })
        set_grads(l, GRADS[1])
        opt:step()
        local after = params_of(l)
        for i, g in ipairs(GRADS[1]) do
          local moved = p[i] - after[i]
          if math.abs(g) >= 1e-3 then
            assert(math.abs(math.abs(moved) - 0.01) < 1e-6)
            assert.are.equal(g > 0, moved > 0)
          elseif g == 0 then
            assert.are.equal(0, moved)
          end
        end
      end)

      it("leaves the gradients as they were", function()
        local l = layer()
        local opt = optim.Adam(l, { lr = 0.1 })
        set_grads(l, GRADS[1])
        local before = values(l.grad_weight)
        opt:step()
        assert.are.same(before, values(l.grad_weight))
      end)

      it("asks for ':' when called with '.'", function()
        local opt = optim.Adam(layer(), {})
        assert.has_error(function() opt.step() end,
          "Optimizer:step: call it as a method, with ':'")
        assert.has_error(function() opt.zero_grad() end,
          "Optimizer:zero_grad: call it as a method, with ':'")
      end)
    end)

    describe("new", function()
      it("defaults to PyTorch's lr 1e-3, betas 0.9 and 0.999, eps 1e-8",
        function()
          local c = optim.Adam((layer())):config()
          assert.are.equal("adam", c.kind)
          assert.are.equal(f32(1e-3), c.lr)
          assert.are.equal(f32(0.9), c.beta1)
          assert.are.equal(f32(0.999), c.beta2)
          assert.are.equal(f32(1e-8), c.eps)
          assert.are.equal(0, c.weight_decay)
        end)

      it("takes betas as a pair", function()
        local c = optim.Adam(layer(), { lr = 2e-4, betas = { 0.5, 0.99 } })
          :config()
        assert.are.equal(f32(2e-4), c.lr)
        assert.are.equal(0.5, c.beta1)
        assert.are.equal(f32(0.99), c.beta2)
      end)

      it("covers every parameter of a Sequential", function()
        local rng = lgan.Generator(4)
        local s = nn.Sequential { nn.Linear(2, 3, rng), nn.ReLU(),
          nn.Linear(3, 1, rng) }
        local opt = optim.Adam(s, { lr = 0.5 })
        local params, grads = s:parameters()
        local before = {}
        for i, p in ipairs(params) do
          before[i] = values(p)
          grads[i]:fill(1)
        end
        opt:step()
        assert.are.equal(4, #opt:state().params)
        for i, p in ipairs(params) do
          local now = values(p)
          for k = 1, #now do
            assert(math.abs(before[i][k] - now[k] - 0.5) < 1e-6)
          end
        end
      end)

      it("rejects what is not a module with parameters", function()
        assert.has_error(function() optim.Adam("x") end,
          "Adam: expected a module, got string")
        assert.has_error(function() optim.Adam(lgan.tensor(2)) end,
          "Adam: expected a module, got lgan.Tensor")
        assert.has_error(function() optim.Adam(nn.ReLU()) end,
          "Adam: the module has no parameters")
      end)

      it("rejects bad options, naming them", function()
        local l = layer()
        assert.has_error(function() optim.Adam(l, "fast") end,
          "Adam: options must be a table, got string")
        assert.has_error(function() optim.Adam(l, { betas = { 0.9 } }) end,
          "Adam: betas must be a table of two numbers")
        assert.has_error(function() optim.Adam(l, { lr = -1 }) end,
          "Adam: lr must be in [0.0, 1000000.0], got -1.0")
        assert.has_error(function() optim.Adam(l, { lr = "a" }) end,
          "Adam: lr must be a number, got string")
        assert.has_error(function()
          optim.Adam(l, { betas = { 0.9, 1 } })
        end, "Adam: beta2 must be in [0.0, 0.999999999], got 1.0")
      end)

      it("refuses an unknown option, naming it and the known ones",
        function()
          local l = layer()
          local known = " (expected one of lr, betas, beta1, beta2, eps, "
            .. "weight_decay)"
          assert.has_error(function() optim.Adam(l, { lrr = 1 }) end,
            "Adam: unknown option 'lrr'" .. known)
          -- SGD's momentum is no option of Adam's.
          assert.has_error(function()
            optim.Adam(l, { lr = 1e-3, momentum = 0.9 })
          end, "Adam: unknown option 'momentum'" .. known)
          assert.has_error(function() optim.Adam(l, { 1e-3 }) end,
            "Adam: unknown option [1]" .. known)
        end)

      it("takes every option it documents", function()
        local c = optim.Adam(layer(), { lr = 0.5, betas = { 0.8, 0.99 },
          eps = 1e-6, weight_decay = 0.1 }):config()
        assert.are.same({ f32(0.5), f32(0.8), f32(0.99), f32(1e-6),
          f32(0.1) }, { c.lr, c.beta1, c.beta2, c.eps, c.weight_decay })
        c = optim.Adam(layer(), { beta1 = 0.7, beta2 = 0.9 }):config()
        assert.are.same({ f32(0.7), f32(0.9) }, { c.beta1, c.beta2 })
      end)

      it("raises at the caller's line", function()
        local ok, msg = pcall(function()
          local o = optim.Adam(nn.ReLU())
          return o
        end)
        assert.is_false(ok)
        assert.matches("^[^:]*optim_spec%.lua:%d+: Adam: the module", msg)
      end)
    end)
  end)

  describe("SGD", function()
    describe("step", function()
      local cases = {
        { name = "no momentum", opts = { lr = 0.1 } },
        { name = "momentum 0.9", opts = { lr = 0.1, momentum = 0.9 } },
        { name = "momentum 0.9 and dampening 0.5",
          opts = { lr = 0.1, momentum = 0.9, dampening = 0.5 } },
        { name = "Nesterov momentum 0.8",
          opts = { lr = 0.05, momentum = 0.8, nesterov = true } },
        { name = "momentum 0.5 and weight decay 0.01",
          opts = { lr = 0.1, momentum = 0.5, weight_decay = 0.01 } },
      }
      for _, case in ipairs(cases) do
        it("takes two steps as worked out by hand, with " .. case.name,
          function()
            local l, p = layer()
            local opt = optim.SGD(l, case.opts)
            local o = {}
            for k, val in pairs(case.opts) do
              o[k] = type(val) == "number" and f32(val) or val
            end
            local buf = {}
            for t = 1, 2 do
              local g = set_grads(l, GRADS[t])
              sgd_step(o, t, p, g, buf)
              opt:step()
              assert_f32_close(p, params_of(l), o.lr, "step " .. t)
            end
            assert.are.equal(2, opt:state().step)
          end)
      end

      it("keeps its momentum buffer in the state", function()
        local l = layer()
        local opt = optim.SGD(l, { lr = 0.1, momentum = 0.9 })
        set_grads(l, GRADS[1])
        opt:step()
        set_grads(l, GRADS[2])
        opt:step()
        -- buf = 0.9 g1 + g2 for the bias.
        local buf = values(opt:state().params[2][3])
        assert(math.abs(buf[1] - (0.9 * 2.5 - 2.5)) < 1e-6)
        assert(math.abs(buf[2] - (0.9 * -0.01 + 0.02)) < 1e-6)
      end)
    end)

    describe("new", function()
      it("defaults to PyTorch's lr 0.01 and no momentum", function()
        local c = optim.SGD((layer())):config()
        assert.are.equal("sgd", c.kind)
        assert.are.equal(f32(0.01), c.lr)
        assert.are.equal(0, c.momentum)
        assert.is_false(c.nesterov)
      end)

      it("rejects a momentum above 1", function()
        assert.has_error(function()
          optim.SGD(layer(), { momentum = 2 })
        end, "SGD: momentum must be in [0.0, 1.0], got 2.0")
      end)

      it("refuses an unknown option, Adam's betas included", function()
        local known = " (expected one of lr, momentum, dampening, "
          .. "weight_decay, nesterov)"
        assert.has_error(function()
          optim.SGD(layer(), { lr = 0.1, momentun = 0.9 })
        end, "SGD: unknown option 'momentun'" .. known)
        assert.has_error(function()
          optim.SGD(layer(), { betas = { 0.9, 0.999 } })
        end, "SGD: unknown option 'betas'" .. known)
      end)
    end)
  end)

  describe("Optimizer", function()
    describe("zero_grad", function()
      it("zeroes the module's gradients", function()
        local l = layer()
        local opt = optim.SGD(l, { lr = 0.1 })
        set_grads(l, GRADS[1])
        opt:zero_grad()
        assert.are.same({ 0, 0, 0, 0, 0, 0 }, values(l.grad_weight))
        assert.are.same({ 0, 0 }, values(l.grad_bias))
      end)
    end)
  end)
end)
