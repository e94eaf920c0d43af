-- Modules (lua/lgan/nn.lua, csrc/nn.c, csrc/lua_nn.c): forward against
-- values worked out by hand, backward against central differences of
-- the module's own forward.

local lgan = require "lgan"
local nn = lgan.nn
local support = require "spec.support"
local central = support.central
local values = support.values

-- Sum of a[i] * b[i] over all elements, in doubles.
local function dot(a, b)
  local fa, fb = a:view(a:numel()), b:view(b:numel())
  local s = 0
  for i = 1, #fa do s = s + fa[i] * fb[i] end
  return s
end

-- Checks grad against central differences of f in every element of t:
-- each must agree within atol + rtol * |difference|.  Returns the
-- largest error seen.
local function check_grad(f, t, grad, h, atol, rtol)
  local g = grad:view(grad:numel())
  local worst = 0
  assert.are.equal(t:numel(), grad:numel())
  for i = 1, t:numel() do
    local num = central(f, t, i, h)
    local err = math.abs(num - g[i])
    worst = math.max(worst, err)
    assert(err <= atol + rtol * math.abs(num),
      ("element %d: backward gives %.9g, central difference %.9g")
        :format(i, g[i], num))
  end
  return worst
end

-- A batch whose entries are at least `gap` away from zero, so that a
-- step below gap never crosses the kink of ReLU or LeakyReLU.
local function away_from_zero(rng, rows, cols, gap, scale)
  local x = rng:rand(rows, cols)
  local flat = x:view(x:numel())
  for i = 1, #flat do
    local sign = rng:uniform() < 0.5 and -1 or 1
    flat:set(i, sign * (gap + scale * flat[i]))
  end
  return x
end

-- Values as a flat Lua table, for comparisons.

local function assert_close(expected, actual, tol)
  local got = values(actual)
  assert.are.equal(#expected, #got)
  for i = 1, #expected do
    assert(math.abs(got[i] - expected[i]) <= tol,
      ("element %d: expected %.9g, got %.9g"):format(i, expected[i],
        got[i]))
  end
end

-- tanh in doubles (Lua 5.4 has none).
local function tanh(x)
  local e = math.exp(-2 * math.abs(x))
  local t = (1 - e) / (1 + e)
  return x < 0 and -t or t
end

local function sigmoid(x)
  return 1 / (1 + math.exp(-x))
end

describe("lgan.nn", function()
  describe("Linear", function()
    describe("new", function()
      it("holds weight [out, in] and bias [out] with their gradients",
        function()
          local l = nn.Linear(5, 3, lgan.Generator(1))
          assert.are.same({ 3, 5 }, l.weight:size())
          assert.are.same({ 3 }, l.bias:size())
          assert.are.same({ 3, 5 }, l.grad_weight:size())
          assert.are.same({ 3 }, l.grad_bias:size())
          assert.are.equal(5, l.in_features)
          assert.are.equal(3, l.out_features)
          assert.are.equal("lgan.nn.Linear", lgan.type(l))
        end)

      it("draws weights and bias uniformly in +-1/sqrt(in), as PyTorch",
        function()
          local l = nn.Linear(400, 50, lgan.Generator(2))
          local bound = 1 / math.sqrt(400)
          for _, t in ipairs { l.weight, l.bias } do
            assert.is_true(t:max() <= bound and t:min() >= -bound)
            -- Spread over the range, not bunched near zero.
            assert.is_true(t:max() > 0.8 * bound)
            assert.is_true(t:min() < -0.8 * bound)
          end
          -- A uniform draw on [-a, a] has variance a^2 / 3.
          local w = l.weight
          local var = dot(w, w) / w:numel() - w:mean() ^ 2
          assert.is_true(math.abs(var / (bound ^ 2 / 3) - 1) < 0.05)
        end)

      it("repeats its weights for the same generator seed", function()
        local a = nn.Linear(7, 4, lgan.Generator(42))
        local b = nn.Linear(7, 4, lgan.Generator(42))
        local c = nn.Linear(7, 4, lgan.Generator(43))
        assert.are.same(values(a.weight), values(b.weight))
        assert.are.same(values(a.bias), values(b.bias))
        assert.are_not.same(values(a.weight), values(c.weight))
      end)

      it("rejects sizes that are not positive integers", function()
        assert.has_error(function() nn.Linear(0, 3) end,
          "Linear: in_features must be a positive integer, got 0")
        assert.has_error(function() nn.Linear(3, 2.5) end,
          "Linear: out_features must be a positive integer, got 2.5")
        assert.has_error(function() nn.Linear("3", 2) end,
          "Linear: in_features must be a positive integer, got 3")
      end)

      it("rejects an rng that is not a Generator, naming the caller",
        function()
          assert.has_error(function() nn.Linear(2, 3, 5) end,
            "Linear: rng must be an lgan.Generator, got number")
          local ok, msg = pcall(function()
            local l = nn.Linear(2, 3, {})
            return l
          end)
          assert.is_false(ok)
          -- The position is the caller's line, not lgan's own code.
          assert.matches("^[^:]*nn_spec%.lua:%d+: Linear: rng", msg)
        end)
    end)

    describe("forward", function()
      local l
      before_each(function()
        l = nn.Linear(3, 2, lgan.Generator(1))
        l.weight:copy(lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } })
        l.bias:copy(lgan.tensor { 0.5, -1 })
      end)

      it("computes x W^T + b", function()
        local y = l:forward(lgan.tensor { { 1, 0, -1 }, { 2, 1, 0 } })
        assert.are.same({ { -1.5, -3 }, { 4.5, 12 } }, y:totable())
        assert.are.equal(y, l.output)
      end)

      it("takes a 1-D input as one row and gives a 1-D output", function()
        local y = l:forward(lgan.tensor { 1, 0, -1 })
        assert.are.same({ -1.5, -3 }, y:totable())
      end)

      it("names the feature counts when the input does not fit",
        function()
          local big = nn.Linear(784, 10, lgan.Generator(1))
          assert.has_error(function()
            big:forward(lgan.tensor(2, 783))
          end, "Linear:forward: input has 783 features, expected 784")
        end)

      it("rejects a string or a 3-D tensor as input", function()
        assert.has_error(function() l:forward("x") end,
          "Linear:forward: argument 2: expected lgan.Tensor, got string")
        assert.has_error(function() l:forward(lgan.tensor(2, 2, 3)) end,
          "Linear:forward: input must be 1-D or 2-D, got 3 dimensions")
      end)

      it("asks for ':' when called with '.'", function()
        assert.has_error(function() l.forward(lgan.tensor(1, 3)) end,
          "Module:forward: call it as a method, with ':'")
      end)
    end)

    describe("backward", function()
      it("gives dy W, dy^T x and the column sums of dy", function()
        local l = nn.Linear(3, 2, lgan.Generator(1))
        l.weight:copy(lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } })
        local x = lgan.tensor { { 1, 0, -1 }, { 2, 1, 0 } }
        l:zero_grad()
        local dx = l:backward(x, lgan.tensor { { 1, 0 }, { 0, 1 } })
        assert.are.same({ { 1, 2, 3 }, { 4, 5, 6 } }, dx:totable())
        assert.are.same({ { 1, 0, -1 }, { 2, 1, 0 } },
          l.grad_weight:totable())
        assert.are.same({ 1, 1 }, l.grad_bias:totable())
      end)

      -- Linear is linear in x, W and b, so the central difference is
      -- exact but for float32 rounding of the outputs (about 1e-7
      -- relative), which a step of 1e-2 turns into errors near 1e-5.
      local seed = 11
      local h, atol, rtol = 1e-2, 2e-4, 1e-3

      local function setup()
        local rng = lgan.Generator(seed)
        local l = nn.Linear(5, 4, rng)
        local x = rng:randn(3, 5)
        local c = rng:randn(3, 4)
        local function f() return dot(l:forward(x), c) end
        return l, x, c, f
      end

      it(("matches central differences at the input (seed %d)")
        :format(seed), function()
          local l, x, c, f = setup()
          local dx = l:backward(x, c):clone()
          check_grad(f, x, dx, h, atol, rtol)
        end)

      it(("matches central differences at weight and bias (seed %d)")
        :format(seed), function()
          local l, x, c, f = setup()
          l:zero_grad()
          l:backward(x, c)
          check_grad(f, l.weight, l.grad_weight:clone(), h, atol, rtol)
          check_grad(f, l.bias, l.grad_bias:clone(), h, atol, rtol)
        end)

      it("adds to the gradients until zero_grad", function()
        local l, x, c = setup()
        l:zero_grad()
        l:backward(x, c)
        local once = values(l.grad_weight)
        local once_b = values(l.grad_bias)
        l:backward(x, c)
        local twice = values(l.grad_weight)
        for i = 1, #once do
          assert.is_true(math.abs(twice[i] - 2 * once[i]) <= 1e-6)
        end
        assert.is_true(math.abs(l.grad_bias[1] - 2 * once_b[1]) <= 1e-6)
        l:zero_grad()
        assert.are.equal(0, l.grad_weight:max())
        assert.are.equal(0, l.grad_weight:min())
        assert.are.equal(0, l.grad_bias:max())
        assert.are.equal(0, l.grad_bias:min())
      end)

      it("names both shapes when the gradient does not fit", function()
        local l = nn.Linear(784, 10, lgan.Generator(1))
        local x = lgan.tensor(2, 784)
        assert.has_error(function() l:backward(x, lgan.tensor(2, 9)) end,
          "Linear:backward: gradient has shape 2x9, expected 2x10 for "
            .. "input 2x784")
        assert.has_error(function() l:backward(x, lgan.tensor(3, 10)) end,
          "Linear:backward: gradient has shape 3x10, expected 2x10 for "
            .. "input 2x784")
        assert.has_error(function() l:backward(x, "g") end,
          "Linear:backward: argument 3: expected lgan.Tensor, got string")
      end)

      it("asks for ':' when called with '.'", function()
        local l = nn.Linear(2, 2, lgan.Generator(1))
        assert.has_error(function()
          l.backward(lgan.tensor(1, 2), lgan.tensor(1, 2))
        end, "Module:backward: call it as a method, with ':'")
      end)
    end)

    describe("parameters", function()
      it("lists weight and bias, then their gradients, the live tensors",
        function()
          local l = nn.Linear(3, 2, lgan.Generator(1))
          local p, g = l:parameters()
          assert.are.equal(2, #p)
          assert.are.equal(l.weight, p[1])
          assert.are.equal(l.bias, p[2])
          assert.are.equal(l.grad_weight, g[1])
          assert.are.equal(l.grad_bias, g[2])
          -- Writing into a listed parameter changes what forward uses.
          p[1]:zero()
          p[2]:fill(2)
          assert.are.same({ 2, 2 }, l:forward(lgan.tensor { 1, 1, 1 })
            :totable())
        end)
    end)

    describe("tostring", function()
      it("shows the sizes", function()
        assert.are.equal("nn.Linear(3 -> 2)",
          tostring(nn.Linear(3, 2, lgan.Generator(1))))
      end)
    end)
  end)

  -- Activations: forward on hand cases, backward against central
  -- differences.  Inputs to ReLU and LeakyReLU stay at least 0.1 from
  -- the kink and the step is 1e-2, so their differences are exact but
  -- for rounding.  Sigmoid and Tanh are smooth: a step of 1e-2 leaves a
  -- truncation error of h^2 |f'''| / 6 (up to about 3e-5 for Tanh)
  -- beside the float32 rounding of one output over 2h (about 5e-6).
  local activations = {
    { name = "ReLU", make = function() return nn.ReLU() end,
      f = function(x) return x > 0 and x or 0 end, atol = 1e-4 },
    { name = "LeakyReLU", make = function() return nn.LeakyReLU(0.2) end,
      f = function(x) return x > 0 and x or 0.2 * x end, atol = 1e-4 },
    { name = "Sigmoid", make = function() return nn.Sigmoid() end,
      f = sigmoid, atol = 2e-4 },
    { name = "Tanh", make = function() return nn.Tanh() end,
      f = tanh, atol = 2e-4 },
  }
  local act_inputs = { -3, -1.5, -0.25, 0.25, 1, 2.5 }

  -- Cases that belong to one activation only.
  local extras = {}

  extras.ReLU = function()
    describe("backward", function()
      it("passes no gradient at 0, as PyTorch", function()
        local g = nn.ReLU():backward(lgan.tensor { -1, 0, 1 },
          lgan.tensor { 5, 5, 5 })
        assert.are.same({ 0, 0, 5 }, g:totable())
      end)
    end)
  end

  extras.LeakyReLU = function()
    describe("new", function()
      it("uses a slope of 0.01 by default", function()
        local y = nn.LeakyReLU():forward(lgan.tensor { -2, 3 })
        assert_close({ -0.02, 3 }, y, 1e-8)
      end)

      it("rejects a slope outside [0, 1) or not a number", function()
        assert.has_error(function() nn.LeakyReLU(2) end,
          "LeakyReLU: slope must be in [0, 1), got 2.0")
        assert.has_error(function() nn.LeakyReLU(-0.1) end,
          "LeakyReLU: slope must be in [0, 1), got -0.1")
        assert.has_error(function() nn.LeakyReLU("a") end,
          "LeakyReLU: slope must be a number, got string")
      end)
    end)

    describe("backward", function()
      it("gives the slope at 0 and below, as PyTorch", function()
        local g = nn.LeakyReLU(0.25):backward(lgan.tensor { -1, 0, 1 },
          lgan.tensor { 4, 4, 4 })
        assert.are.same({ 1, 1, 4 }, g:totable())
      end)
    end)

    describe("tostring", function()
      it("shows the slope", function()
        assert.are.equal("nn.LeakyReLU(0.2)", tostring(nn.LeakyReLU(0.2)))
      end)
    end)
  end

  extras.Sigmoid = function()
    describe("forward", function()
      it("stays finite and in [0, 1] for saturated inputs, and so does "
        .. "backward", function()
          local s = nn.Sigmoid()
          local x = lgan.tensor { 100, -100, 1e30, -1e30 }
          local y = s:forward(x)
          assert.are.equal(0, y:count_nonfinite())
          assert.are.equal(1, y[1])
          assert.is_true(y[2] >= 0 and y[2] < 1e-30)
          assert.are.equal(1, y[3])
          assert.is_true(y[4] >= 0 and y[4] < 1e-30)
          local g = s:backward(x, lgan.tensor { 1, 1, 1, 1 })
          assert.are.equal(0, g:count_nonfinite())
        end)
    end)
  end

  for k, case in ipairs(activations) do
    describe(case.name, function()
      describe("forward", function()
        it("computes the function element by element, keeping the shape",
          function()
            local x = lgan.tensor { act_inputs, act_inputs }
            local y = case.make():forward(x)
            assert.are.same({ 2, 6 }, y:size())
            local expected = {}
            for r = 1, 2 do
              for i, v in ipairs(act_inputs) do
                expected[(r - 1) * 6 + i] = case.f(v)
              end
            end
            -- float32 results: within a few units in the last place.
            assert_close(expected, y, 4e-7)
          end)

        it("rejects a 3-D tensor", function()
          assert.has_error(function()
            case.make():forward(lgan.tensor(1, 2, 2))
          end, case.name .. ":forward: input must be 1-D or 2-D, got 3 "
            .. "dimensions")
        end)
      end)

      describe("backward", function()
        local seed = 20 + k
        it(("matches central differences (seed %d)"):format(seed),
          function()
            local rng = lgan.Generator(seed)
            local m = case.make()
            local x = away_from_zero(rng, 4, 5, 0.1, 2.9)
            local c = rng:randn(4, 5)
            local dx = m:backward(x, c):clone()
            check_grad(function() return dot(m:forward(x), c) end, x, dx,
              1e-2, case.atol, 1e-3)
          end)

        it("rejects a gradient of another size", function()
          assert.has_error(function()
            case.make():backward(lgan.tensor(2, 3), lgan.tensor(7))
          end, case.name .. ":backward: gradient has shape 7, expected "
            .. "2x3 for input 2x3")
        end)
      end)

      if extras[case.name] then extras[case.name]() end
    end)
  end

  describe("Sequential", function()
    local function net(rng)
      return nn.Sequential {
        nn.Linear(4, 6, rng), nn.Tanh(),
        nn.Linear(6, 5, rng), nn.LeakyReLU(0.2),
        nn.Linear(5, 2, rng), nn.Sigmoid(),
      }
    end

    describe("forward", function()
      it("applies the modules in turn", function()
        local rng = lgan.Generator(3)
        local s = net(rng)
        local x = rng:randn(3, 4)
        local y = x
        for _, m in ipairs(s.modules) do y = m:forward(y) end
        assert.are.same(y:totable(), s:forward(x):totable())
        assert.are.same({ 3, 2 }, s.output:size())
      end)

      it("reports the module whose input does not fit", function()
        local s = net(lgan.Generator(1))
        assert.has_error(function() s:forward(lgan.tensor(2, 5)) end,
          "Linear:forward: input has 5 features, expected 4")
      end)

      it("asks for ':' when called with '.'", function()
        local s = net(lgan.Generator(1))
        assert.has_error(function() s.forward(lgan.tensor(1, 4)) end,
          "Sequential:forward: call it as a method, with ':'")
        assert.has_error(function()
          s.backward(lgan.tensor(1, 4), lgan.tensor(1, 2))
        end, "Sequential:backward: call it as a method, with ':'")
      end)
    end)

    describe("backward", function()
      -- Composite and smooth but for the LeakyReLU, whose inputs the
      -- spec requires to be at least 0.02 from 0: a step of 1e-3 moves
      -- them by less than 1e-2 here, so no difference crosses the kink.
      -- Rounding of the six float32 outputs over 2h gives about 1e-4.
      local seed = 5
      local h, atol, rtol = 1e-3, 5e-4, 5e-3

      local function setup()
        local rng = lgan.Generator(seed)
        local s = net(rng)
        local x = rng:randn(3, 4)
        local c = rng:randn(3, 2)
        s:forward(x)
        local pre = s.inputs[4]
        local gap = math.huge
        local flat = pre:view(pre:numel())
        for i = 1, #flat do gap = math.min(gap, math.abs(flat[i])) end
        assert(gap > 0.02, "seed puts a LeakyReLU input at " .. gap)
        return s, x, c, function() return dot(s:forward(x), c) end
      end

      it(("matches central differences at the input (seed %d)")
        :format(seed), function()
          local s, x, c, f = setup()
          local dx = s:backward(x, c):clone()
          check_grad(f, x, dx, h, atol, rtol)
        end)

      it(("matches central differences at every parameter (seed %d)")
        :format(seed), function()
          local s, x, c, f = setup()
          s:zero_grad()
          s:backward(x, c)
          local params, grads = s:parameters()
          assert.are.equal(6, #params)
          for i, p in ipairs(params) do
            check_grad(f, p, grads[i]:clone(), h, atol, rtol)
          end
        end)

      it("runs forward first when given another input", function()
        local s, x, c = setup()
        local expected = s:backward(x, c):totable()
        s:forward(lgan.Generator(99):randn(3, 4))
        assert.are.same(expected, s:backward(x:clone(), c):totable())
      end)
    end)

    describe("parameters", function()
      it("lists every Linear's weight and bias in order", function()
        local s = net(lgan.Generator(1))
        local p, g = s:parameters()
        local expected = {
          s.modules[1].weight, s.modules[1].bias,
          s.modules[3].weight, s.modules[3].bias,
          s.modules[5].weight, s.modules[5].bias,
        }
        assert.are.equal(#expected, #p)
        for i = 1, #expected do assert.are.equal(expected[i], p[i]) end
        assert.are.equal(s.modules[3].grad_bias, g[4])
      end)
    end)

    describe("zero_grad", function()
      it("zeroes every Linear's gradients", function()
        local rng = lgan.Generator(1)
        local s = net(rng)
        s:backward(rng:randn(2, 4), rng:randn(2, 2))
        local _, grads = s:parameters()
        assert.is_true(grads[1]:max() > 0)
        s:zero_grad()
        for _, g in ipairs(grads) do
          assert.are.equal(0, g:max())
          assert.are.equal(0, g:min())
        end
      end)
    end)

    describe("new", function()
      it("rejects a non-table and entries that are not modules",
        function()
          assert.has_error(function() nn.Sequential("x") end,
            "Sequential: expected a table of modules, got string")
          assert.has_error(function() nn.Sequential { nn.ReLU(), 5 } end,
            "Sequential: entry 2 is not a module (number)")
        end)

      it("refuses one module given instead of a table of them", function()
        local rng = lgan.Generator(1)
        assert.has_error(function() nn.Sequential(nn.Linear(2, 3, rng)) end,
          "Sequential: expected a table of modules, got lgan.nn.Linear; "
            .. "write nn.Sequential{m} for a net of one module")
        assert.has_error(function() nn.Sequential(nn.ReLU) end,
          "Sequential: expected a table of modules, got the class "
            .. "nn.ReLU; write nn.Sequential{m} for a net of one module")
      end)

      it("refuses entries that are not modules: classes, losses, holes",
        function()
          local rng = lgan.Generator(1)
          local l = nn.Linear(2, 3, rng)
          assert.has_error(function() nn.Sequential { l, nn.ReLU } end,
            "Sequential: entry 2 is the class nn.ReLU, not a module "
              .. "(call it: nn.ReLU())")
          assert.has_error(function()
            nn.Sequential { l, nn.BCELoss() }
          end, "Sequential: entry 2 is not a module (lgan.nn.BCELoss)")
          assert.has_error(function()
            nn.Sequential { l, nil, nn.ReLU() }
          end, "Sequential: entry 2 is nil, a hole in the list")
          assert.has_error(function()
            nn.Sequential { l, relu = nn.ReLU() }
          end, "Sequential: key 'relu' is not a position in the list; "
            .. "expected modules at 1, 2, ...")
        end)
    end)

    describe("add", function()
      it("appends a module and refuses what is not one", function()
        local s = nn.Sequential {}
        assert.are.equal(s, s:add(nn.ReLU()))
        assert.are.equal(1, #s.modules)
        assert.has_error(function() s:add(nn.Tanh) end,
          "Sequential:add: the argument is the class nn.Tanh, not a module "
            .. "(call it: nn.Tanh())")
        assert.has_error(function() s:add(3) end,
          "Sequential:add: the argument is not a module (number)")
        assert.has_error(function() s.add(nn.ReLU()) end,
          "Sequential:add: call it as a method, with ':'")
        assert.are.equal(1, #s.modules)
      end)
    end)

    describe("tostring", function()
      it("lists the modules", function()
        local s = nn.Sequential { nn.Linear(2, 3, lgan.Generator(1)),
          nn.ReLU() }
        assert.are.equal(
          "nn.Sequential {\n  (1) nn.Linear(2 -> 3)\n  (2) nn.ReLU()\n}",
          tostring(s))
      end)
    end)
  end)
end)
