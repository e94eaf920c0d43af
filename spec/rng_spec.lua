-- The random generator (csrc/rng.c, csrc/lua_rng.c): one seed gives one
-- stream, the state round-trips, and the draws have the distributions
-- they claim.

local lgan = require "lgan"

local function values(t)
  local flat, out = t:view(t:numel()), {}
  for i = 1, #flat do out[i] = flat[i] end
  return out
end

-- n scalar draws of g:method().
local function draws(g, method, n)
  local out = {}
  for i = 1, n do out[i] = g[method](g) end
  return out
end

-- Mean and standard deviation of a flat list, in doubles.
local function moments(xs)
  local s, s2 = 0, 0
  for _, x in ipairs(xs) do
    s = s + x
    s2 = s2 + x * x
  end
  local mean = s / #xs
  return mean, math.sqrt(s2 / #xs - mean * mean)
end

describe("lgan.Generator", function()
  describe("Generator", function()
    it("gives the same numbers for the same seed", function()
      local a, b = lgan.Generator(123), lgan.Generator(123)
      assert.are.same(values(a:randn(50)), values(b:randn(50)))
      assert.are.same(values(a:rand(3, 7)), values(b:rand(3, 7)))
      assert.are.same(draws(a, "uniform", 20), draws(b, "uniform", 20))
      assert.are.same(draws(a, "normal", 21), draws(b, "normal", 21))
      local ia, ib = {}, {}
      for i = 1, 20 do ia[i], ib[i] = a:random_int(1000), b:random_int(1000) end
      assert.are.same(ia, ib)
    end)

    it("gives other numbers for another seed", function()
      local a = values(lgan.Generator(1):rand(20))
      local b = values(lgan.Generator(2):rand(20))
      local same = 0
      for i = 1, 20 do if a[i] == b[i] then same = same + 1 end end
      assert.are.equal(0, same)
    end)

    it("gives independent streams of one seed", function()
      local s0 = values(lgan.Generator(7):rand(20))
      assert.are.same(s0, values(lgan.Generator(7, 0):rand(20)))
      local s1 = values(lgan.Generator(7, 1):rand(20))
      local s2 = values(lgan.Generator(7, 2):rand(20))
      assert.are_not.same(s0, s1)
      assert.are_not.same(s1, s2)
    end)

    it("takes any 64-bit integer seed, and integral floats", function()
      assert.are.same(values(lgan.Generator(3):rand(4)),
        values(lgan.Generator(3.0):rand(4)))
      for _, seed in ipairs { 0, -1, math.mininteger, math.maxinteger } do
        local t = lgan.Generator(seed):rand(100)
        assert.is_true(t:max() > t:min())
      end
      assert.are_not.same(values(lgan.Generator(-1):rand(4)),
        values(lgan.Generator(math.maxinteger):rand(4)))
    end)

    it("rejects a seed or stream that is not an integer", function()
      assert.has_error(function() lgan.Generator("x") end,
        "Generator: seed must be an integer, got string")
      assert.has_error(function() lgan.Generator(1.5) end,
        "Generator: seed must be an integer, got 1.5")
      assert.has_error(function() lgan.Generator() end,
        "Generator: seed must be an integer, got no value")
      assert.has_error(function() lgan.Generator(1, {}) end,
        "Generator: stream must be an integer, got table")
    end)

    it("answers lgan.type and tostring", function()
      local g = lgan.Generator(1)
      assert.are.equal("lgan.Generator", lgan.type(g))
      assert.matches("^lgan%.Generator %(0?x?%x+%)$", tostring(g))
    end)
  end)

  describe("randn", function()
    it("makes a tensor of the given sizes", function()
      local t = lgan.Generator(1):randn(2, 3, 4)
      assert.are.same({ 2, 3, 4 }, t:size())
    end)

    it("has mean near 0 and deviation near 1 over 1e5 draws", function()
      local xs = values(lgan.Generator(2024):randn(100000))
      local mean, sd = moments(xs)
      -- The mean's own deviation is 1/sqrt(1e5), about 0.003.
      assert.is_true(math.abs(mean) < 0.015, "mean " .. mean)
      assert.is_true(math.abs(sd - 1) < 0.015, "deviation " .. sd)
      -- A normal, not just any unit-variance law: 68.3% within one
      -- deviation, 95.4% within two.
      local one, two = 0, 0
      for _, x in ipairs(xs) do
        if math.abs(x) < 1 then one = one + 1 end
        if math.abs(x) < 2 then two = two + 1 end
      end
      assert.is_true(math.abs(one / #xs - 0.6827) < 0.01)
      assert.is_true(math.abs(two / #xs - 0.9545) < 0.005)
    end)

    it("rejects sizes below 1", function()
      assert.has_error(function() lgan.Generator(1):randn(0) end,
        "Generator:randn: size 1 must be in [1, 2147483647], got 0")
      assert.has_error(function() lgan.Generator(1):randn() end,
        "Generator:randn: expected 1 to 4 sizes, got 0")
    end)

    it("asks for a generator when called with '.'", function()
      local g = lgan.Generator(1)
      assert.has_error(function() g.randn(2) end,
        "Generator:randn: argument 1: expected lgan.Generator, got number")
    end)
  end)

  describe("normal", function()
    it("has mean near 0 and deviation near 1 over 1e5 draws", function()
      local mean, sd = moments(draws(lgan.Generator(99), "normal", 100000))
      assert.is_true(math.abs(mean) < 0.015, "mean " .. mean)
      assert.is_true(math.abs(sd - 1) < 0.015, "deviation " .. sd)
    end)
  end)

  describe("rand", function()
    it("draws in [0, 1) with mean 1/2 and variance 1/12", function()
      local t = lgan.Generator(5):rand(100000)
      assert.is_true(t:min() >= 0 and t:max() < 1)
      local mean, sd = moments(values(t))
      assert.is_true(math.abs(mean - 0.5) < 0.005)
      assert.is_true(math.abs(sd - math.sqrt(1 / 12)) < 0.005)
    end)
  end)

  describe("uniform", function()
    it("draws a Lua number in [0, 1)", function()
      local xs = draws(lgan.Generator(6), "uniform", 10000)
      local lo, hi = math.huge, -math.huge
      for _, x in ipairs(xs) do
        assert.are.equal("float", math.type(x))
        lo, hi = math.min(lo, x), math.max(hi, x)
      end
      assert.is_true(lo >= 0 and lo < 0.001)
      assert.is_true(hi < 1 and hi > 0.999)
    end)
  end)

  describe("uniform_", function()
    it("fills a tensor in place with draws in [lo, hi)", function()
      local t = lgan.tensor(1000)
      local same = lgan.Generator(8):uniform_(t, -3, -2)
      assert.are.equal(t, same)
      assert.is_true(t:min() >= -3 and t:max() < -2)
      assert.is_true(math.abs(t:mean() + 2.5) < 0.05)
    end)
  end)

  describe("normal_", function()
    it("fills a tensor in place with the given mean and deviation",
      function()
        local t = lgan.tensor(100, 1000)
        lgan.Generator(9):normal_(t, 5, 0.5)
        local mean, sd = moments(values(t))
        assert.is_true(math.abs(mean - 5) < 0.01)
        assert.is_true(math.abs(sd - 0.5) < 0.01)
      end)
  end)

  describe("random_int", function()
    it("draws every integer of [1, n] about equally often", function()
      local g, counts = lgan.Generator(10), {}
      for _ = 1, 60000 do
        local k = g:random_int(6)
        assert.are.equal("integer", math.type(k))
        counts[k] = (counts[k] or 0) + 1
      end
      for k = 1, 6 do
        assert.is_true(math.abs(counts[k] - 10000) < 500, "count " .. k)
      end
      assert.is_nil(counts[0])
      assert.is_nil(counts[7])
    end)

    it("gives 1 for n = 1", function()
      local g = lgan.Generator(11)
      for _ = 1, 10 do assert.are.equal(1, g:random_int(1)) end
    end)

    it("rejects n below 1", function()
      assert.has_error(function() lgan.Generator(1):random_int(0) end,
        "Generator:random_int: n must be in [1, 9223372036854775807], "
          .. "got 0")
    end)
  end)

  describe("state", function()
    it("is 82 lowercase hex digits", function()
      assert.matches("^[0-9a-f]+$", lgan.Generator(1):state())
      assert.are.equal(82, #lgan.Generator(1):state())
    end)

    it("changes as numbers are drawn", function()
      local g = lgan.Generator(1)
      local s = g:state()
      g:uniform()
      assert.are_not.equal(s, g:state())
    end)
  end)

  describe("set_state", function()
    it("reproduces the stream from the saved point", function()
      local g = lgan.Generator(77)
      g:randn(10)
      local saved = g:state()
      local expected = values(g:randn(25))
      local other = lgan.Generator(1)
      assert.are.equal(other, other:set_state(saved))
      assert.are.same(expected, values(other:randn(25)))
      -- And the same generator, rewound.
      g:set_state(saved)
      assert.are.same(expected, values(g:randn(25)))
    end)

    it("keeps the spare normal of a pair", function()
      -- Normals come in pairs: after one draw the second is waiting,
      -- and the state must carry it.
      local g = lgan.Generator(78)
      g:normal()
      local saved = g:state()
      local expected = draws(g, "normal", 3)
      local other = lgan.Generator(2):set_state(saved)
      assert.are.same(expected, draws(other, "normal", 3))
      assert.are.equal("01", saved:sub(65, 66))
    end)

    it("rejects a string that is not a state", function()
      local g = lgan.Generator(1)
      local msg = "Generator:set_state: not a generator state (expected "
        .. "82 lowercase hex digits from state())"
      assert.has_error(function() g:set_state("abc") end, msg)
      assert.has_error(function() g:set_state(g:state():upper()) end, msg)
      assert.has_error(function() g:set_state(("0"):rep(82)) end, msg)
      local flag = g:state():sub(1, 64) .. "02" .. g:state():sub(67)
      assert.has_error(function() g:set_state(flag) end, msg)
    end)

    it("leaves the generator as it was after a bad state", function()
      local g = lgan.Generator(5)
      local s = g:state()
      pcall(g.set_state, g, "zz")
      assert.are.equal(s, g:state())
    end)
  end)

  describe("clone", function()
    it("continues the same stream independently", function()
      local g = lgan.Generator(12)
      g:randn(3)
      local c = g:clone()
      assert.are.same(values(g:randn(10)), values(c:randn(10)))
      -- Drawing from one does not move the other.
      local c_again = c:clone()
      g:randn(5)
      assert.are.same(values(c_again:randn(4)), values(c:randn(4)))
    end)
  end)
end)
