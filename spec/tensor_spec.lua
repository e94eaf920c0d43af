-- Tensors (csrc/tensor.c, csrc/lua_tensor.c): construction, 1-based
-- indexing, views that share storage and keep their base alive,
-- arithmetic, the matrix product and the messages for bad input.

local lgan = require "lgan"
local support = require "spec.support"
local f32 = support.f32
local values = support.values


local function full_gc()
  collectgarbage()
  collectgarbage()
end

describe("lgan.Tensor", function()
  describe("tensor", function()
    it("makes zeros of the given sizes", function()
      local t = lgan.tensor(2, 3)
      assert.are.equal("lgan.Tensor", lgan.type(t))
      assert.are.same({ 2, 3 }, t:size())
      assert.are.same({ { 0, 0, 0 }, { 0, 0, 0 } }, t:totable())
    end)

    it("makes 1 to 4 dimensions", function()
      assert.are.equal(1, lgan.tensor(5):dim())
      assert.are.equal(4, lgan.tensor(2, 1, 3, 2):dim())
      assert.are.equal(12, lgan.tensor(2, 1, 3, 2):numel())
    end)

    it("takes integral floats as sizes", function()
      assert.are.same({ 2, 3 }, lgan.tensor(2.0, 6 / 2):size())
    end)

    it("holds the numbers of nested tables, as float32", function()
      local t = lgan.tensor { { 1, 2, 3 }, { 4, 5, 6.5 } }
      assert.are.same({ 2, 3 }, t:size())
      assert.are.same({ { 1, 2, 3 }, { 4, 5, 6.5 } }, t:totable())
      assert.are.equal(f32(0.1), lgan.tensor { 0.1 }[1])
      assert.are_not.equal(0.1, lgan.tensor { 0.1 }[1])
      local deep = lgan.tensor { { { { 7 } } } }
      assert.are.same({ 1, 1, 1, 1 }, deep:size())
    end)

    it("rejects sizes that are not integers of at least 1", function()
      assert.has_error(function() lgan.tensor(0) end,
        "tensor: size 1 must be in [1, 2147483647], got 0")
      assert.has_error(function() lgan.tensor(2, -1) end,
        "tensor: size 2 must be in [1, 2147483647], got -1")
      assert.has_error(function() lgan.tensor(1.5) end,
        "tensor: size 1 must be an integer, got 1.5")
      assert.has_error(function() lgan.tensor("a") end,
        "tensor: size 1 must be an integer, got string")
    end)

    it("rejects no sizes, more than 4, and too many elements", function()
      assert.has_error(function() lgan.tensor() end,
        "tensor: expected 1 to 4 sizes, got 0")
      assert.has_error(function() lgan.tensor(1, 2, 3, 4, 5) end,
        "tensor: expected 1 to 4 sizes, got 5")
      assert.has_error(function() lgan.tensor(65536, 65536) end,
        "tensor: sizes must be 1 to 4 integers of at least 1 whose "
          .. "product is at most 2147483647")
    end)

    it("rejects empty, ragged, too deep and non-number tables", function()
      assert.has_error(function() lgan.tensor {} end,
        "tensor: empty table at depth 1")
      assert.has_error(function() lgan.tensor { { 1, 2 }, { 3 } } end,
        "tensor: ragged table: a row at depth 2 has 1 entries, expected 2")
      assert.has_error(function() lgan.tensor { { 1 }, 2 } end,
        "tensor: ragged table: expected a table at depth 2, got number")
      assert.has_error(function() lgan.tensor { 1, "a" } end,
        "tensor: expected a number at depth 1, got string")
      assert.has_error(function() lgan.tensor { { { { { 1 } } } } } end,
        "tensor: tables nest deeper than 4 levels")
    end)
  end)

  describe("ones", function()
    it("makes ones of the given sizes", function()
      assert.are.same({ { 1, 1 }, { 1, 1 } }, lgan.ones(2, 2):totable())
    end)
  end)

  describe("zeros", function()
    it("makes zeros and refuses a table", function()
      assert.are.same({ 0, 0, 0 }, lgan.zeros(3):totable())
      assert.has_error(function() lgan.zeros { 1 } end,
        "zeros: expected sizes, got table")
    end)
  end)

  describe("size", function()
    it("gives every size, or one, 1-based", function()
      local t = lgan.tensor(4, 5, 6)
      assert.are.same({ 4, 5, 6 }, t:size())
      assert.are.equal(4, t:size(1))
      assert.are.equal(6, t:size(3))
      assert.are.equal("integer", math.type(t:size(1)))
      assert.has_error(function() t:size(4) end,
        "Tensor:size: dimension must be in [1, 3], got 4")
      assert.has_error(function() t:size(0) end,
        "Tensor:size: dimension must be in [1, 3], got 0")
    end)

    it("asks for a tensor when called with '.'", function()
      local t = lgan.tensor(2)
      assert.has_error(function() return t.size() end,
        "Tensor:size: argument 1: expected lgan.Tensor, got no value")
      assert.has_error(function() return t.numel(3) end,
        "Tensor:numel: argument 1: expected lgan.Tensor, got number")
    end)
  end)

  describe("__len", function()
    it("is the first size", function()
      assert.are.equal(4, #lgan.tensor(4, 5))
      assert.are.equal(7, #lgan.tensor(7))
    end)
  end)

  describe("__index", function()
    local t
    before_each(function()
      t = lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
    end)

    it("counts from 1: t[1] is the first row, t[2][3] the last number",
      function()
        assert.are.same({ 1, 2, 3 }, t[1]:totable())
        assert.are.equal(6, t[2][3])
        assert.are.equal(1, lgan.tensor { 1, 2 }[1])
      end)

    it("gives a row that is a view of the tensor", function()
      local row = t[2]
      row:set(1, 40)
      assert.are.equal(40, t:get(2, 1))
    end)

    it("rejects 0 and indices past the end", function()
      assert.has_error(function() return t[0] end,
        "Tensor:__index: index must be in [1, 2], got 0")
      assert.has_error(function() return t[3] end,
        "Tensor:__index: index must be in [1, 2], got 3")
      assert.has_error(function() return t[1][4] end,
        "Tensor:__index: index must be in [1, 3], got 4")
    end)

    it("finds methods by name and nothing else", function()
      assert.are.equal("function", type(t.size))
      assert.is_nil(t.nosuch)
    end)
  end)

  describe("__newindex", function()
    it("fills a row with a number or copies a tensor into it", function()
      local t = lgan.tensor(2, 3)
      t[1] = 9
      t[2] = lgan.tensor { 7, 8, 9 }
      assert.are.same({ { 9, 9, 9 }, { 7, 8, 9 } }, t:totable())
      local v = lgan.tensor(3)
      v[2] = 5
      assert.are.same({ 0, 5, 0 }, v:totable())
    end)

    it("rejects an index past the end or a row of another size",
      function()
        local t = lgan.tensor(2, 3)
        assert.has_error(function() t[3] = 1 end,
          "Tensor:__newindex: index must be in [1, 2], got 3")
        assert.has_error(function() t[1] = lgan.tensor { 1, 2 } end,
          "Tensor:__newindex: expected a number or a tensor of 3 elements")
      end)
  end)

  describe("get", function()
    it("reads one number by 1-based indices", function()
      local t = lgan.tensor { { 1, 2 }, { 3, 4 } }
      assert.are.equal(1, t:get(1, 1))
      assert.are.equal(3, t:get(2, 1))
      assert.are.equal(4, t:get(2, 2))
    end)

    it("wants one index per dimension, each in range", function()
      local t = lgan.tensor(2, 3)
      assert.has_error(function() t:get(1) end,
        "Tensor:get: expected 2 indices, got 1")
      assert.has_error(function() t:get(1, 4) end,
        "Tensor:get: index 2 must be in [1, 3], got 4")
    end)
  end)

  describe("set", function()
    it("writes one number and returns the tensor", function()
      local t = lgan.tensor(2, 2)
      assert.are.equal(t, t:set(2, 1, 3.5))
      assert.are.same({ { 0, 0 }, { 3.5, 0 } }, t:totable())
    end)

    it("rejects indices out of range and values that are not finite",
      function()
        local t = lgan.tensor(2)
        assert.has_error(function() t:set(3, 1) end,
          "Tensor:set: index 1 must be in [1, 2], got 3")
        assert.has_error(function() t:set(1, math.huge) end,
          "Tensor:set: value must be finite, got inf")
        assert.has_error(function() t:set(1, "x") end,
          "Tensor:set: value must be a number, got string")
        assert.has_error(function() t:set(1) end,
          "Tensor:set: expected 1 indices and a value, got 1 arguments")
      end)
  end)

  describe("view", function()
    it("shares storage with its base", function()
      local t = lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
      local v = t:view(3, 2)
      assert.are.same({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, v:totable())
      v:set(3, 2, 60)
      assert.are.equal(60, t:get(2, 3))
      t:set(1, 1, 10)
      assert.are.equal(10, v:get(1, 1))
    end)

    it("works out one size given as -1", function()
      assert.are.same({ 3, 2 }, lgan.tensor(2, 3):view(-1, 2):size())
      assert.are.same({ 6 }, lgan.tensor(2, 3):view(-1):size())
    end)

    it("keeps its base alive after the base is dropped", function()
      local weak = setmetatable({}, { __mode = "v" })
      local v
      do
        local base = lgan.tensor { { 1, 2 }, { 3, 4 } }
        weak.base = base
        v = base:view(4)
      end
      full_gc()
      assert.is_not_nil(weak.base)
      -- Reuse freed memory, if any was freed, then read through the view.
      local junk = {}
      for i = 1, 100 do junk[i] = lgan.ones(4) * 9 end
      assert.are.same({ 1, 2, 3, 4 }, v:totable())
      assert.are.equal(9, junk[100][4])
      -- Once the view goes, the base may go too.
      v = nil -- luacheck: ignore
      full_gc()
      assert.is_nil(weak.base)
    end)

    it("names both shapes when the count differs", function()
      assert.has_error(function() lgan.tensor(2, 3):view(4) end,
        "Tensor:view: cannot view 2x3 (6 elements) as 4")
      assert.has_error(function() lgan.tensor(2, 3):view(4, 2) end,
        "Tensor:view: cannot view 2x3 (6 elements) as 4x2")
      assert.has_error(function() lgan.tensor(2, 3):view(0) end,
        "Tensor:view: size 1 must be in [1, 2147483647], got 0")
    end)
  end)

  describe("narrow", function()
    it("gives rows first..first+count-1 as a view", function()
      local t = lgan.tensor { { 1, 2 }, { 3, 4 }, { 5, 6 } }
      local n = t:narrow(2, 2)
      assert.are.same({ { 3, 4 }, { 5, 6 } }, n:totable())
      n:set(1, 1, 30)
      assert.are.equal(30, t:get(2, 1))
    end)

    it("keeps its base alive", function()
      local weak = setmetatable({}, { __mode = "v" })
      local n
      do
        local base = lgan.tensor { 1, 2, 3, 4 }
        weak.base = base
        n = base:narrow(3, 2)
      end
      full_gc()
      assert.is_not_nil(weak.base)
      assert.are.same({ 3, 4 }, n:totable())
    end)

    it("rejects a range past the end", function()
      local t = lgan.tensor(3, 2)
      assert.has_error(function() t:narrow(2, 3) end,
        "Tensor:narrow: count must be in [1, 2], got 3")
      assert.has_error(function() t:narrow(4, 1) end,
        "Tensor:narrow: first must be in [1, 3], got 4")
    end)

    it("takes Torch7's narrow(1, first, count)", function()
      local t = lgan.tensor { { 1, 2 }, { 3, 4 }, { 5, 6 } }
      assert.are.same({ { 3, 4 }, { 5, 6 } }, t:narrow(1, 2, 2):totable())
      assert.are.same({ { 1, 2 } }, t:narrow(1.0, 1, 1):totable())
      t:narrow(1, 3, 1):set(1, 2, 60)
      assert.are.equal(60, t:get(3, 2))
      assert.has_error(function() t:narrow(1, 3, 2) end,
        "Tensor:narrow: count must be in [1, 1], got 2")
    end)

    it("refuses another dim of Torch7's form, saying why", function()
      local t = lgan.tensor(3, 4)
      assert.has_error(function() t:narrow(2, 1, 2) end,
        "Tensor:narrow: dim must be 1, got 2; narrow works along the "
          .. "first dimension only")
      assert.has_error(function() t:narrow(1.5, 1, 2) end,
        "Tensor:narrow: dim must be an integer, got 1.5")
    end)
  end)

  describe("clone", function()
    it("copies into new storage", function()
      local t = lgan.tensor { 1, 2 }
      local c = t:clone()
      c:set(1, 5)
      assert.are.same({ 1, 2 }, t:totable())
      assert.are.same({ 5, 2 }, c:totable())
    end)
  end)

  describe("copy", function()
    it("copies the numbers of a tensor with as many elements", function()
      local t = lgan.tensor(2, 2)
      assert.are.equal(t, t:copy(lgan.tensor { 1, 2, 3, 4 }))
      assert.are.same({ { 1, 2 }, { 3, 4 } }, t:totable())
    end)

    it("names both shapes when the counts differ", function()
      assert.has_error(function()
        lgan.tensor(2):copy(lgan.tensor(3))
      end, "Tensor:copy: sizes differ: 2 and 3")
      assert.has_error(function() lgan.tensor(2):copy({ 1, 2 }) end,
        "Tensor:copy: argument 2: expected lgan.Tensor, got table")
    end)
  end)

  describe("fill and zero", function()
    it("set every element and return the tensor", function()
      local t = lgan.tensor(2, 2)
      assert.are.equal(t, t:fill(2.5))
      assert.are.same({ 2.5, 2.5, 2.5, 2.5 }, values(t))
      assert.are.equal(t, t:zero())
      assert.are.same({ 0, 0, 0, 0 }, values(t))
    end)
  end)

  describe("sum, mean, max and min", function()
    it("reduce over every element", function()
      local t = lgan.tensor { { 1, -2 }, { 7, 0.5 } }
      assert.are.equal(6.5, t:sum())
      assert.are.equal(1.625, t:mean())
      assert.are.equal(7, t:max())
      assert.are.equal(-2, t:min())
    end)

    it("sum in doubles, past float32's precision", function()
      local t = lgan.ones(20000000 // 1000, 1000)
      assert.are.equal(2e7, t:sum())
      t:fill(0.1)
      assert.is_true(math.abs(t:sum() - 2e7 * f32(0.1)) < 1e-3)
    end)

    it("let NaN through max and min", function()
      local t = lgan.tensor { 1, 2, 3 }
      t:view(3)[2] = 0 / 0
      assert.is_true(t:max() ~= t:max())
      assert.is_true(t:min() ~= t:min())
    end)
  end)

  describe("count_nonfinite", function()
    it("counts NaN and infinities", function()
      local t = lgan.tensor(5)
      assert.are.equal(0, t:count_nonfinite())
      t[1] = math.huge
      t[2] = -math.huge
      t[4] = 0 / 0
      assert.are.equal(3, t:count_nonfinite())
    end)
  end)

  describe("arithmetic", function()
    local a, b
    before_each(function()
      a = lgan.tensor { { 1, 2 }, { 3, 4 } }
      b = lgan.tensor { { 0.5, -1 }, { 2, 8 } }
    end)

    it("adds, subtracts and negates element by element", function()
      assert.are.same({ { 1.5, 1 }, { 5, 12 } }, (a + b):totable())
      assert.are.same({ { 0.5, 3 }, { 1, -4 } }, (a - b):totable())
      assert.are.same({ { -1, -2 }, { -3, -4 } }, (-a):totable())
    end)

    it("takes a number on either side", function()
      assert.are.same({ { 2, 3 }, { 4, 5 } }, (a + 1):totable())
      assert.are.same({ { 2, 3 }, { 4, 5 } }, (1 + a):totable())
      assert.are.same({ { 9, 8 }, { 7, 6 } }, (10 - a):totable())
      assert.are.same({ { 0, 1 }, { 2, 3 } }, (a - 1):totable())
      assert.are.same({ { 2, 4 }, { 6, 8 } }, (a * 2):totable())
      assert.are.same({ { 2, 4 }, { 6, 8 } }, (2 * a):totable())
      assert.are.same({ { 0.5, 1 }, { 1.5, 2 } }, (a / 2):totable())
    end)

    it("makes new tensors and leaves the operands alone", function()
      local c = a + b
      c:fill(0)
      assert.are.same({ { 1, 2 }, { 3, 4 } }, a:totable())
    end)

    it("multiplies tensors as matrices, as Torch7 does", function()
      assert.are.same({ { 4.5, 15 }, { 9.5, 29 } }, (a * b):totable())
    end)

    it("names both shapes when they differ", function()
      assert.has_error(function() return a + lgan.tensor(2, 3) end,
        "Tensor:__add: shapes differ: 2x2 and 2x3")
      assert.has_error(function() return a - lgan.tensor(4) end,
        "Tensor:__sub: shapes differ: 2x2 and 4")
    end)

    it("rejects a string operand and tensor / tensor", function()
      assert.has_error(function() return a + "x" end,
        "Tensor:__add: right operand must be a number, got string")
      assert.has_error(function() return "x" - a end,
        "Tensor:__sub: left operand must be a number, got string")
      assert.has_error(function() return a / b end,
        "Tensor:__div: only tensor / number is defined; use cdiv for "
          .. "element-wise division")
      assert.has_error(function() return 2 / a end,
        "Tensor:__div: only tensor / number is defined; use cdiv for "
          .. "element-wise division")
    end)
  end)

  describe("cmul and cdiv", function()
    it("multiply and divide element by element into a new tensor",
      function()
        local a, b = lgan.tensor { 1, 2, 3 }, lgan.tensor { 4, 4, -2 }
        assert.are.same({ 4, 8, -6 }, a:cmul(b):totable())
        assert.are.same({ 0.25, 0.5, -1.5 }, a:cdiv(b):totable())
        assert.are.same({ 1, 2, 3 }, a:totable())
      end)

    it("want two tensors of one shape", function()
      assert.has_error(function() lgan.tensor(2):cmul(2) end,
        "Tensor:cmul: argument 2: expected lgan.Tensor, got number")
      assert.has_error(function()
        lgan.tensor(2):cdiv(lgan.tensor(3))
      end, "Tensor:cdiv: shapes differ: 2 and 3")
    end)
  end)

  describe("add and mul", function()
    it("work in place and return the tensor", function()
      local t = lgan.tensor { 1, 2 }
      assert.are.equal(t, t:add(lgan.tensor { 3, 4 }))
      assert.are.same({ 4, 6 }, t:totable())
      t:add(1):mul(3)
      assert.are.same({ 15, 21 }, t:totable())
    end)

    it("reject a tensor of another shape or a string", function()
      assert.has_error(function()
        lgan.tensor(2):add(lgan.tensor(3))
      end, "Tensor:add: shapes differ: 2 and 3")
      assert.has_error(function() lgan.tensor(2):mul("x") end,
        "Tensor:mul: argument 2 must be a number, got string")
    end)
  end)

  describe("matmul", function()
    it("multiplies matrices as worked out by hand", function()
      local a = lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
      local b = lgan.tensor { { 7, 8 }, { 9, 10 }, { 11, 12 } }
      assert.are.same({ { 58, 64 }, { 139, 154 } }, a:matmul(b):totable())
      assert.are.same({ { 39, 54, 69 }, { 49, 68, 87 }, { 59, 82, 105 } },
        lgan.matmul(b, a):totable())
    end)

    it("multiplies a matrix by a vector, and takes a dot product",
      function()
        local a = lgan.tensor { { 1, 2, 3 }, { 4, 5, 6 } }
        local v = lgan.tensor { 1, 0, -1 }
        local y = a * v
        assert.are.same({ 2 }, y:size())
        assert.are.same({ -2, -2 }, y:totable())
        assert.are.equal(32, lgan.tensor { 1, 2, 3 }:matmul(
          lgan.tensor { 4, 5, 6 }))
      end)

    it("agrees with a product worked out in Lua on random matrices",
      function()
        local rng = lgan.Generator(17)
        local a, b = rng:randn(7, 5), rng:randn(5, 9)
        local c = a:matmul(b)
        assert.are.same({ 7, 9 }, c:size())
        for i = 1, 7 do
          for j = 1, 9 do
            local s = 0
            for k = 1, 5 do s = s + a:get(i, k) * b:get(k, j) end
            assert.is_true(math.abs(c:get(i, j) - s) < 1e-5)
          end
        end
      end)

    it("names both shapes when they do not fit", function()
      assert.has_error(function()
        return lgan.tensor(2, 3) * lgan.tensor(2, 2)
      end, "matmul: inner sizes differ: 2x3 times 2x2")
      assert.has_error(function()
        return lgan.tensor(2) * lgan.tensor(2, 2)
      end, "matmul: cannot multiply 2 by 2x2 (1-D or 2-D operands, "
        .. "vector on the right)")
      assert.has_error(function()
        return lgan.tensor(2, 2, 2):matmul(lgan.tensor(2, 2))
      end, "matmul: cannot multiply 2x2x2 by 2x2 (1-D or 2-D operands, "
        .. "vector on the right)")
      assert.has_error(function()
        return lgan.tensor(2, 2):matmul("b")
      end, "matmul: argument 2: expected lgan.Tensor, got string")
    end)
  end)

  describe("tobytes and frombytes", function()
    it("write and read little-endian float32", function()
      local t = lgan.tensor { 1.5, -2, 0.1 }
      local bytes = t:tobytes()
      assert.are.equal(string.pack("<fff", 1.5, -2, 0.1), bytes)
      local u = lgan.tensor(3)
      assert.are.equal(u, u:frombytes(bytes))
      assert.are.same(t:totable(), u:totable())
    end)

    it("want exactly 4 bytes per element", function()
      assert.has_error(function() lgan.tensor(2):frombytes("abc") end,
        "Tensor:frombytes: 3 bytes for a 2 float32 tensor, expected 8")
    end)
  end)

  describe("totable", function()
    it("nests like the tensor", function()
      local t = lgan.tensor(2, 1, 2)
      t:view(4):copy(lgan.tensor { 1, 2, 3, 4 })
      assert.are.same({ { { 1, 2 } }, { { 3, 4 } } }, t:totable())
    end)
  end)

  describe("__tostring", function()
    it("shows the numbers row by row, then the class and size",
      function()
        local s = tostring(lgan.tensor { { 1, 2, 3 }, { 4, 5, 6.5 } })
        assert.are.equal("1 2 3\n4 5 6.5\n[lgan.Tensor of size 2x3]", s)
        assert.matches("%[lgan%.Tensor of size 2x3%]$",
          tostring(lgan.tensor(2, 3)))
      end)

    it("shortens a large tensor", function()
      local s = tostring(lgan.tensor(100))
      assert.matches("%.%.%.\n%[lgan%.Tensor of size 100%]$", s)
      assert.is_true(#s < 300)
    end)
  end)

  describe("lgan.type", function()
    it("names lgan classes and Lua types without raising", function()
      assert.are.equal("lgan.Tensor", lgan.type(lgan.tensor(1)))
      assert.are.equal("number", lgan.type(3))
      assert.are.equal("nil", lgan.type(nil))
      assert.are.equal("table", lgan.type({}))
      assert.are.equal("table",
        lgan.type(setmetatable({}, { __name = "other" })))
    end)
  end)
end)
