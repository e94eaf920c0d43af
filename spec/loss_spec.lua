-- Losses (lua/lgan/nn.lua, csrc/loss.c, csrc/lua_nn.c): values worked
-- out by hand in doubles, gradients against central differences of the
-- loss's own forward, and saturated inputs.

local lgan = require "lgan"
local nn = lgan.nn
local support = require "spec.support"
local central = support.central
local f32 = support.f32
local values = support.values


-- |actual - expected| within rtol of |expected| (or atol near zero).
local function assert_near(expected, actual, rtol, atol, what)
  local tol = math.max(rtol * math.abs(expected), atol or 0)
  assert(math.abs(actual - expected) <= tol,
    ("%sexpected %.17g, got %.17g"):format(what and what .. ": " or "",
      expected, actual))
end

local function check_grad(f, t, grad, h, atol, rtol)
  local g = values(grad)
  assert.are.equal(t:numel(), #g)
  for i = 1, t:numel() do
    local num = central(f, t, i, h)
    assert(math.abs(num - g[i]) <= atol + rtol * math.abs(num),
      ("element %d: backward gives %.9g, central difference %.9g")
        :format(i, g[i], num))
  end
end

-- Binary cross-entropy of one probability, in doubles.
local function bce(p, t)
  return -(t * math.log(p) + (1 - t) * math.log(1 - p))
end

local function sigmoid(x)
  return 1 / (1 + math.exp(-x))
end

-- n draws in [lo, hi) as an [rows, cols] tensor.
local function between(rng, rows, cols, lo, hi)
  local t = rng:rand(rows, cols)
  return t * (hi - lo) + lo
end

describe("lgan.nn losses", function()
  describe("BCELoss", function()
    describe("forward", function()
      it("gives the mean binary cross-entropy as a Lua number", function()
        local p, t = { 0.2, 0.9, 0.6 }, { 0, 1, 0.25 }
        local loss = nn.BCELoss():forward(lgan.tensor(p), lgan.tensor(t))
        local expected = 0
        for i = 1, 3 do expected = expected + bce(f32(p[i]), t[i]) / 3 end
        assert.are.equal("float", math.type(loss))
        assert_near(expected, loss, 1e-12)
      end)

      it("takes a number as the target of every prediction", function()
        local c = nn.BCELoss()
        local p = lgan.tensor { 0.3, 0.7 }
        assert.are.equal(c:forward(p, lgan.tensor { 1, 1 }), c:forward(p, 1))
        assert_near((bce(f32(0.3), 1) + bce(f32(0.7), 1)) / 2,
          c:forward(p, 1), 1e-12)
      end)

      it("accepts a target of the same count in another shape", function()
        local c = nn.BCELoss()
        local p = lgan.tensor { { 0.3 }, { 0.8 } }
        assert.are.equal(c:forward(p, lgan.tensor { { 1 }, { 0 } }),
          c:forward(p, lgan.tensor { 1, 0 }))
      end)

      it("is finite at probabilities of exactly 0 and 1", function()
        -- Each log is clamped at -100, as PyTorch does: a confident wrong
        -- answer costs 100, a confident right one 0.
        local c = nn.BCELoss()
        local loss = c:forward(lgan.tensor { 0, 1, 0, 1 },
          lgan.tensor { 1, 0, 0, 1 })
        assert.are.equal(50, loss)
        assert.are.equal(100, c:forward(lgan.tensor { 0 }, 1))
        assert.are.equal(50, c:forward(lgan.tensor { 0 }, 0.5))
      end)

      it("rejects a prediction outside [0, 1]", function()
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor { 0.5, 1.5 }, 1)
        end, "BCELoss: prediction 2 is 1.5, outside [0, 1]")
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor { -0.25 }, 1)
        end, "BCELoss: prediction 1 is -0.25, outside [0, 1]")
      end)

      it("names both shapes when the target does not fit", function()
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor(2), lgan.tensor(3))
        end, "BCELoss: target has shape 3, prediction 2")
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor(4, 1), lgan.tensor(2, 3))
        end, "BCELoss: target has shape 2x3, prediction 4x1")
      end)

      it("rejects a string where a tensor or number belongs", function()
        assert.has_error(function() nn.BCELoss():forward("p", 1) end,
          "BCELoss: argument 1: expected lgan.Tensor, got string")
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor { 0.5 }, "t")
        end, "BCELoss: target must be a number, got string")
        assert.has_error(function()
          nn.BCELoss():forward(lgan.tensor { 0.5 })
        end, "BCELoss: target must be a number, got nil")
      end)

      it("asks for ':' when called with '.'", function()
        local c = nn.BCELoss()
        assert.has_error(function() c.forward(lgan.tensor { 0.5 }, 1) end,
          "BCELoss:forward: call it as a method, with ':'")
      end)
    end)

    describe("backward", function()
      it("gives (p - t) / (p (1 - p)) / n", function()
        local c = nn.BCELoss()
        local p, t = { 0.2, 0.9, 0.6 }, { 0, 1, 0.25 }
        c:forward(lgan.tensor(p), lgan.tensor(t))
        local g = values(c:backward())
        for i = 1, 3 do
          local q = f32(p[i])
          assert_near((q - t[i]) / (q * (1 - q)) / 3, g[i], 1e-6)
        end
      end)

      local seed = 31
      -- The forward is computed in doubles from float32 inputs, so the
      -- differences carry only truncation, h^2 |f'''| / 6, below 1e-4 of
      -- the gradient for p in [0.1, 0.9] and h = 1e-3.
      it(("matches central differences (seed %d)"):format(seed),
        function()
          local rng = lgan.Generator(seed)
          local p = between(rng, 3, 4, 0.1, 0.9)
          local t = rng:rand(3, 4)
          t:set(1, 1, 0)
          t:set(1, 2, 1)
          local c = nn.BCELoss()
          c:forward(p, t)
          local g = c:backward():clone()
          check_grad(function() return c:forward(p, t) end, p, g, 1e-3,
            1e-6, 1e-3)
        end)

      it("is finite at probabilities of exactly 0 and 1", function()
        local c = nn.BCELoss()
        c:forward(lgan.tensor { 0, 1, 0, 1, 0, 1 },
          lgan.tensor { 1, 0, 0, 1, 0.5, 0.5 })
        local g = c:backward()
        assert.are.equal(0, g:count_nonfinite())
        -- Wrong and confident pulls hard the right way; right and
        -- confident not at all.
        assert.is_true(g[1] < -1e6)
        assert.is_true(g[2] > 1e6)
        assert.are.equal(0, g[3])
        assert.are.equal(0, g[4])
      end)

      it("takes the prediction and target of the last forward", function()
        local c = nn.BCELoss()
        local p, t = lgan.tensor { 0.3, 0.6 }, lgan.tensor { 1, 0 }
        local explicit = c:backward(p, t):totable()
        c:forward(p, t)
        c:forward(lgan.tensor { 0.5, 0.5 }, 0)
        assert.are_not.same(explicit, c:backward():totable())
        c:forward(p, t)
        assert.are.same(explicit, c:backward():totable())
        assert.are.same(explicit, c.grad_input:totable())
      end)

      it("asks for forward first", function()
        assert.has_error(function() nn.BCELoss():backward() end,
          "BCELoss:backward: no prediction (call forward first)")
      end)

      it("asks for ':' when called with '.'", function()
        local c = nn.BCELoss()
        c:forward(lgan.tensor { 0.5 }, 1)
        assert.has_error(function() c.backward() end,
          "BCELoss:backward: call it as a method, with ':'")
      end)
    end)

    describe("tostring", function()
      it("names the loss", function()
        assert.are.equal("nn.BCELoss()", tostring(nn.BCELoss()))
      end)
    end)
  end)

  describe("BCEWithLogitsLoss", function()
    describe("forward", function()
      it("equals the cross-entropy of sigmoid(logits)", function()
        local x, t = { -2, 0.5, 3, -0.125 }, { 0, 1, 0.3, 1 }
        local loss = nn.BCEWithLogitsLoss():forward(lgan.tensor(x),
          lgan.tensor(t))
        local expected = 0
        for i = 1, 4 do
          expected = expected + bce(sigmoid(f32(x[i])), f32(t[i])) / 4
        end
        assert_near(expected, loss, 1e-12)
      end)

      it("is finite for logits of +-100 and +-1e30", function()
        local c = nn.BCEWithLogitsLoss()
        local x = lgan.tensor { 100, -100, 1e30, -1e30 }
        -- Every logit agrees with its target: next to no loss.
        local agree = c:forward(x, lgan.tensor { 1, 0, 1, 0 })
        assert.is_true(agree >= 0 and agree < 1e-40)
        -- Every logit contradicts its target: the loss is the logit.
        local against = c:forward(x, lgan.tensor { 0, 1, 0, 1 })
        assert_near((200 + 2 * f32(1e30)) / 4, against, 1e-12)
        -- A soft target: half of each.
        local soft = c:forward(x, 0.5)
        assert_near((100 + f32(1e30)) / 4, soft, 1e-12)
        for _, v in ipairs { agree, against, soft } do
          assert.is_true(v == v and v < math.huge)
        end
      end)

      it("is zero for infinite logits that agree with their target",
        function()
          local c = nn.BCEWithLogitsLoss()
          local x = lgan.tensor { math.huge, -math.huge }
          assert.are.equal(0, c:forward(x, lgan.tensor { 1, 0 }))
          assert.are.same({ 0, 0 }, c:backward():totable())
        end)

      it("does not require the logits to be in [0, 1]", function()
        assert.has_no.errors(function()
          nn.BCEWithLogitsLoss():forward(lgan.tensor { -5, 5 }, 1)
        end)
      end)

      it("names both shapes when the target does not fit", function()
        assert.has_error(function()
          nn.BCEWithLogitsLoss():forward(lgan.tensor(3), lgan.tensor(2))
        end, "BCEWithLogitsLoss: target has shape 2, prediction 3")
      end)
    end)

    describe("backward", function()
      it("gives (sigmoid(x) - t) / n", function()
        local c = nn.BCEWithLogitsLoss()
        local x, t = { -2, 0.5, 3, -0.125 }, { 0, 1, 0.3, 1 }
        c:forward(lgan.tensor(x), lgan.tensor(t))
        local g = values(c:backward())
        for i = 1, 4 do
          assert_near((sigmoid(f32(x[i])) - f32(t[i])) / 4, g[i], 1e-6)
        end
      end)

      local seed = 32
      -- Smooth with |f'''| below 0.1 / n: for h = 1e-3 the differences
      -- are good to about 1e-8; the gradient is rounded to float32.
      it(("matches central differences (seed %d)"):format(seed),
        function()
          local rng = lgan.Generator(seed)
          local x = between(rng, 3, 4, -4, 4)
          local t = rng:rand(3, 4)
          local c = nn.BCEWithLogitsLoss()
          c:forward(x, t)
          local g = c:backward():clone()
          check_grad(function() return c:forward(x, t) end, x, g, 1e-3,
            1e-7, 1e-5)
        end)

      it("is finite for logits of +-100 and +-1e30", function()
        local c = nn.BCEWithLogitsLoss()
        local x = lgan.tensor { 100, -100, 1e30, -1e30 }
        c:forward(x, lgan.tensor { 0, 1, 0, 1 })
        assert.are.same({ 0.25, -0.25, 0.25, -0.25 },
          c:backward():totable())
        c:forward(x, lgan.tensor { 1, 0, 1, 0 })
        local g = c:backward()
        assert.are.equal(0, g:count_nonfinite())
        assert.is_true(g:max() < 1e-40 and g:min() > -1e-40)
      end)
    end)
  end)

  describe("MSELoss", function()
    describe("forward", function()
      it("gives the mean squared error", function()
        local loss = nn.MSELoss():forward(lgan.tensor { 1, 2, 3 },
          lgan.tensor { 1, 0, 5 })
        assert.are.equal(8 / 3, loss)
        assert.are.equal(1.25, nn.MSELoss():forward(
          lgan.tensor { { 1, 2 }, { 3, 4 } }, 2.5))
      end)

      it("rejects a string target", function()
        assert.has_error(function()
          nn.MSELoss():forward(lgan.tensor { 2 }, "a")
        end, "MSELoss: target must be a number, got string")
      end)
    end)

    describe("backward", function()
      it("gives 2 (p - t) / n", function()
        local c = nn.MSELoss()
        c:forward(lgan.tensor { 1, 2, 3 }, lgan.tensor { 1, 0, 5 })
        local g = values(c:backward())
        assert.are.equal(0, g[1])
        assert_near(4 / 3, g[2], 1e-7)
        assert_near(-4 / 3, g[3], 1e-7)
      end)

      local seed = 33
      -- Quadratic: the central difference is exact but for rounding.
      it(("matches central differences (seed %d)"):format(seed),
        function()
          local rng = lgan.Generator(seed)
          local p = rng:randn(2, 5)
          local t = rng:randn(2, 5)
          local c = nn.MSELoss()
          c:forward(p, t)
          local g = c:backward():clone()
          check_grad(function() return c:forward(p, t) end, p, g, 1e-2,
            1e-7, 1e-5)
        end)
    end)
  end)
end)
