-- IDX files and lgan.ByteTensor (csrc/idx.c, csrc/lua_io.c).

local core = require "lgan.core"
local support = require "spec.support"
local tmpdir = support.tmpdir
local slurp = support.read
local spit = support.write
local listing = support.listing
local err = support.err

-- Big-endian uint32.
local function u32(n)
  return string.pack(">I4", n)
end

describe("lgan.core (IDX)", function()
  local dir

  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  describe("write_idx", function()
    it("writes the header and bytes of a ByteTensor", function()
      local path = dir .. "/a.idx"
      core.write_idx(path, core.bytes("\1\2\3\4\5\6", 2, 3))
      assert.are.equal("\0\0\8\2" .. u32(2) .. u32(3) .. "\1\2\3\4\5\6",
        slurp(path))
    end)

    it("compresses when the path ends in .gz", function()
      local path = dir .. "/a.idx.gz"
      local b = core.bytes(string.rep("\0\9\200\255", 250), 10, 5, 5, 4)
      core.write_idx(path, b)
      assert.are.equal("\31\139", slurp(path):sub(1, 2))
      local p = io.popen("gzip -dc " .. path)
      local plain = p:read("a")
      p:close()
      assert.are.equal("\0\0\8\4" .. u32(10) .. u32(5) .. u32(5) .. u32(4)
        .. b:bytes(), plain)
    end)

    it("maps a float tensor from [lo, hi] to 0..255, clamped", function()
      local path = dir .. "/f.idx"
      local t = core.tensor { { 0, 0.5, 1 }, { -1, 2, 0.25 } }
      core.write_idx(path, t, 0, 1)
      assert.are.equal("\0\0\8\2" .. u32(2) .. u32(3)
        .. "\0\128\255\0\255\64", slurp(path))
      core.write_idx(path, core.tensor { -1, 0, 1 }, -1, 1)
      assert.are.equal("\0\0\8\1" .. u32(3) .. "\0\128\255", slurp(path))
    end)

    it("leaves no temporary file behind", function()
      core.write_idx(dir .. "/a.idx", core.bytes(3))
      core.write_idx(dir .. "/a.idx", core.bytes(4))
      assert.are.equal("a.idx", listing(dir))
    end)

    it("refuses a float tensor without a range", function()
      assert.are.equal("write_idx: a float tensor needs its value range: "
        .. "write_idx(path, t, lo, hi)",
        err(core.write_idx, dir .. "/f.idx", core.tensor(2)))
      assert.are.equal("write_idx: lo must be below hi, got lo=1, hi=0",
        err(core.write_idx, dir .. "/f.idx", core.tensor(2), 1, 0))
    end)

    it("refuses a range for a ByteTensor", function()
      assert.are.equal("write_idx: lo and hi apply to float tensors only, "
        .. "not to an lgan.ByteTensor",
        err(core.write_idx, dir .. "/b.idx", core.bytes(2), 0, 1))
    end)

    it("refuses what is not a tensor", function()
      assert.are.equal("write_idx: argument 2: expected lgan.ByteTensor "
        .. "or lgan.Tensor, got table",
        err(core.write_idx, dir .. "/b.idx", {}))
      assert.are.equal("write_idx: path must be a string, got nil",
        err(core.write_idx, nil, core.bytes(2)))
    end)

    it("leaves an existing file as it was when a write fails", function()
      local path = dir .. "/keep.idx"
      spit(path, "precious")
      local t = core.tensor { 0, 0 / 0, 1 }
      assert.are.equal("write_idx: t has NaN at element 2",
        err(core.write_idx, path, t, 0, 1))
      assert.are.equal("precious", slurp(path))

      os.execute("mkdir " .. dir .. "/sub.idx")
      spit(dir .. "/sub.idx/x", "")
      assert.are.equal("write_idx: " .. dir .. "/sub.idx: Is a directory",
        err(core.write_idx, dir .. "/sub.idx", core.bytes(2)))
      assert.are.equal("keep.idx sub.idx", listing(dir))
    end)

    it("names the path when the folder is missing", function()
      local path = dir .. "/none/a.idx"
      assert.are.equal("write_idx: " .. path .. ": No such file or "
        .. "directory", err(core.write_idx, path, core.bytes(2)))
    end)
  end)

  describe("read_idx", function()
    it("reads back what write_idx wrote, plain and gzip", function()
      local b = core.bytes(string.rep("\1\0\255\128\7", 24), 2, 3, 4, 5)
      for _, name in ipairs { "a.idx", "a.idx.gz" } do
        core.write_idx(dir .. "/" .. name, b)
        local r = core.read_idx(dir .. "/" .. name)
        assert.are.same({ 2, 3, 4, 5 }, r:size())
        assert.are.equal(b:bytes(), r:bytes())
      end
    end)

    it("reads a file gzip compressed", function()
      local b = core.bytes(string.rep("\3\1\4\1\5", 200), 1000)
      core.write_idx(dir .. "/a", b)
      assert(os.execute("gzip " .. dir .. "/a"))
      assert.are.equal(b:bytes(), core.read_idx(dir .. "/a.gz"):bytes())
    end)

    it("refuses a file that is not IDX", function()
      local path = dir .. "/x.zip"
      spit(path, "PK\3\4 and more")
      assert.are.equal("read_idx: " .. path .. ": not an IDX file (magic "
        .. "bytes 50 4b 03 04)", err(core.read_idx, path))
      spit(path, "\0\0\5\1" .. u32(1) .. "x")
      assert.are.equal("read_idx: " .. path .. ": not an IDX file (magic "
        .. "bytes 00 00 05 01)", err(core.read_idx, path))
      spit(path, "ab")
      assert.are.equal("read_idx: " .. path .. ": not an IDX file (2 bytes "
        .. "long)", err(core.read_idx, path))
      spit(path, "")
      assert.are.equal("read_idx: " .. path .. ": empty file",
        err(core.read_idx, path))
    end)

    it("refuses element types other than unsigned byte", function()
      local path = dir .. "/f.idx"
      spit(path, "\0\0\13\1" .. u32(1) .. "abcd")
      assert.are.equal("read_idx: " .. path .. ": IDX data type 0x0d "
        .. "(float32) is not supported, only 0x08 (unsigned byte)",
        err(core.read_idx, path))
    end)

    it("refuses headers with bad dimensions", function()
      local path = dir .. "/d.idx"
      spit(path, "\0\0\8\0")
      assert.are.equal("read_idx: " .. path .. ": IDX header gives 0 "
        .. "dimensions, lgan reads 1 to 4", err(core.read_idx, path))
      spit(path, "\0\0\8\5" .. string.rep(u32(1), 5) .. "x")
      assert.are.equal("read_idx: " .. path .. ": IDX header gives 5 "
        .. "dimensions, lgan reads 1 to 4", err(core.read_idx, path))
      spit(path, "\0\0\8\2" .. u32(3) .. u32(0))
      assert.are.equal("read_idx: " .. path .. ": IDX header gives size 0 "
        .. "for dimension 2", err(core.read_idx, path))
      spit(path, "\0\0\8\2" .. u32(65536) .. u32(65536))
      assert.are.equal("read_idx: " .. path .. ": IDX header gives more "
        .. "than 2147483647 elements, lgan's limit",
        err(core.read_idx, path))
    end)

    it("refuses a truncated file, naming both sizes", function()
      local path = dir .. "/t.idx"
      spit(path, "\0\0\8\3" .. u32(60000) .. u32(28) .. u32(28)
        .. string.rep("\0", 1000))
      assert.are.equal("read_idx: " .. path .. ": truncated: header says "
        .. "47040000 bytes of data, file has 1000", err(core.read_idx, path))
      spit(path, "\0\0\8\3" .. u32(1))
      assert.are.equal("read_idx: " .. path .. ": truncated: header ends "
        .. "after 8 of 16 bytes", err(core.read_idx, path))
      spit(path, "\0\0\8\1" .. u32(3) .. "abcd")
      assert.are.equal("read_idx: " .. path .. ": trailing data: header "
        .. "says 3 bytes of data, file has 4", err(core.read_idx, path))
    end)

    it("refuses a truncated or damaged gzip file", function()
      local path = dir .. "/t.idx.gz"
      local b = core.bytes(20000)
      for i = 1, 20000 do b:set(i, (i * 7919) % 251) end
      core.write_idx(path, b)
      local gz = slurp(path)
      spit(path, gz:sub(1, #gz // 2))
      assert.matches("^read_idx: " .. path:gsub("%p", "%%%0")
        .. ": truncated: ", err(core.read_idx, path))
      spit(path, gz:sub(1, -9) .. "\0\0\0\0" .. gz:sub(-4))
      assert.are.equal("read_idx: " .. path .. ": damaged gzip data "
        .. "(incorrect data check)", err(core.read_idx, path))
    end)

    it("says why a file cannot be opened", function()
      assert.are.equal("read_idx: " .. dir .. "/none: No such file or "
        .. "directory", err(core.read_idx, dir .. "/none"))
      assert.are.equal("read_idx: " .. dir .. ": Is a directory",
        err(core.read_idx, dir))
      assert.are.equal("read_idx: path must be a string, got number",
        err(core.read_idx, 3))
    end)
  end)
end)

describe("lgan.core (ByteTensor)", function()
  describe("bytes", function()
    it("makes zeros, or holds a string's bytes", function()
      local z = core.bytes(2, 3)
      assert.are.equal(string.rep("\0", 6), z:bytes())
      assert.are.equal("\1\2\3\4", core.bytes("\1\2\3\4", 2, 2):bytes())
    end)

    it("refuses a string of the wrong length and bad sizes", function()
      assert.are.equal("bytes: string has 3 bytes, 2x2 needs 4",
        err(core.bytes, "abc", 2, 2))
      assert.are.equal("bytes: expected 1 to 4 sizes, got 0",
        err(core.bytes))
      assert.are.equal("bytes: size 2 must be in [1, 2147483647], got 0",
        err(core.bytes, 2, 0))
    end)
  end)

  describe("shape", function()
    local b = core.bytes(4, 2, 3)

    it("answers size, dim, numel, # and tostring", function()
      assert.are.same({ 4, 2, 3 }, b:size())
      assert.are.equal(3, b:size(3))
      assert.are.equal(3, b:dim())
      assert.are.equal(24, b:numel())
      assert.are.equal(4, #b)
      assert.are.equal("lgan.ByteTensor of size 4x2x3", tostring(b))
      assert.are.equal("lgan.ByteTensor", core.type(b))
    end)

    it("refuses a dimension out of range", function()
      assert.are.equal("ByteTensor:size: dimension must be in [1, 3], "
        .. "got 4", err(b.size, b, 4))
    end)
  end)

  describe("get and set", function()
    it("index from 1, row-major", function()
      local b = core.bytes("\1\2\3\4\5\6", 2, 3)
      assert.are.equal(6, b:get(2, 3))
      assert.are.equal(2, b:get(1, 2))
      assert.are.equal(b, b:set(2, 1, 255))
      assert.are.equal("\1\2\3\255\5\6", b:bytes())
    end)

    it("check indices and values", function()
      local b = core.bytes(2, 3)
      assert.are.equal("ByteTensor:get: index 2 must be in [1, 3], got 4",
        err(b.get, b, 1, 4))
      assert.are.equal("ByteTensor:get: expected 2 indices, got 1",
        err(b.get, b, 1))
      assert.are.equal("ByteTensor:set: value must be in [0, 255], got 256",
        err(b.set, b, 1, 1, 256))
      assert.are.equal("ByteTensor:get: argument 1: expected "
        .. "lgan.ByteTensor, got table", err(b.get, {}, 1))
    end)
  end)

  describe("gather", function()
    -- Item k (of 5) holds the bytes 10k, 10k + 1, 10k + 2, 10k + 3.
    local b = core.bytes(5, 2, 2)
    for k = 1, 5 do
      for i = 1, 2 do
        for j = 1, 2 do b:set(k, i, j, 10 * k + 2 * (i - 1) + j - 1) end
      end
    end

    it("copies items perm[first..] as rows, scaled to [lo, hi]", function()
      local out = b:gather({ 5, 2, 4, 1 }, 2, 2, nil, 0, 255)
      assert.are.same({ { 20, 21, 22, 23 }, { 40, 41, 42, 43 } },
        out:totable())
      local again = b:gather({ 3, 1 }, 1, 2, out, -1, 1)
      assert.are.equal(out, again)
      assert.are.near(30 / 255 * 2 - 1, out:get(1, 1), 1e-7)
      assert.are.near(13 / 255 * 2 - 1, out:get(2, 4), 1e-7)
    end)

    it("maps 0 and 255 exactly to lo and hi", function()
      local e = core.bytes("\0\255", 2, 1)
      assert.are.same({ { -1 }, { 1 } }, e:gather({ 1, 2 }, 1, 2, nil,
        -1, 1):totable())
      assert.are.same({ { 0 }, { 1 } }, e:gather({ 1, 2 }, 1, 2):totable())
    end)

    it("allocates nothing when given out", function()
      local out = core.tensor(2, 4)
      local perm = { 1, 2, 3, 4, 5 }
      b:gather(perm, 1, 2, out, 0, 1)
      collectgarbage("stop")
      local before = collectgarbage("count")
      for _ = 1, 1000 do b:gather(perm, 3, 2, out, 0, 1) end
      local grown = collectgarbage("count") - before
      collectgarbage("restart")
      assert.is_true(grown < 1, "grew by " .. grown .. " KB")
    end)

    it("checks perm, the range and out, changing nothing", function()
      local out = core.tensor(2, 4):fill(7)
      assert.are.equal("ByteTensor:gather: perm[2] is 6, expected an "
        .. "index in 1..5", err(b.gather, b, { 1, 6 }, 1, 2, out))
      assert.are.equal("ByteTensor:gather: perm[1] is string, expected "
        .. "an index in 1..5", err(b.gather, b, { "1", 2 }, 1, 2, out))
      assert.are.equal(56, out:sum())
      assert.are.equal("ByteTensor:gather: perm has 3 entries, too few "
        .. "for 2 from entry 3", err(b.gather, b, { 1, 2, 3 }, 3, 2, out))
      assert.are.equal("ByteTensor:gather: out is 3x4, expected 2x4",
        err(b.gather, b, { 1, 2 }, 1, 2, core.tensor(3, 4)))
      assert.are.equal("ByteTensor:gather: perm must be a table, got nil",
        err(b.gather, b, nil, 1, 2))
      assert.are.equal("ByteTensor:gather: lo must be below hi, got lo=1, "
        .. "hi=-1", err(b.gather, b, { 1, 2 }, 1, 2, out, 1, -1))
    end)
  end)

  describe("tofloat", function()
    it("keeps the shape and scales to [lo, hi]", function()
      local f = core.bytes("\0\51\255\102", 2, 2):tofloat(-1, 1)
      assert.are.same({ 2, 2 }, f:size())
      assert.are.equal(-1, f:get(1, 1))
      assert.are.equal(1, f:get(2, 1))
      assert.are.near(-0.6, f:get(1, 2), 1e-6)
      assert.are.near(0.2, core.bytes("\51", 1):tofloat():get(1), 1e-7)
    end)
  end)
end)
