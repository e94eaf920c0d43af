-- PNG sample grids (csrc/png.c, csrc/lua_io.c, lua/lgan/image.lua).

local core = require "lgan.core"
local image = require "lgan.image"
local support = require "spec.support"
local tmpdir = support.tmpdir
local slurp = support.read
local spit = support.write
local err = support.err

-- The PNG at path as rows of grey levels.
local function pixels(path)
  local w, h, c, b = core.read_png(path)
  assert.are.equal(1, c)
  assert.are.same({ h, w }, b:size())
  local rows = {}
  for y = 1, h do
    rows[y] = {}
    for x = 1, w do rows[y][x] = b:get(y, x) end
  end
  return rows
end

describe("lgan.core (PNG)", function()
  local dir

  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  describe("write_png_grid", function()
    it("lays out tiles with padding, mapping [lo, hi] to 0..255", function()
      local path = dir .. "/g.png"
      local t = core.tensor { { 0, 1, 0.5, 0.25, 0.75, 1 },
                              { 1, 0, 0, 0, 0, 0.2 } }
      local w, h = core.write_png_grid(path, t, { rows = 1, cols = 2,
        height = 2, width = 3, pad = 1, pad_value = 9 })
      assert.are.equal(9, w)
      assert.are.equal(4, h)
      assert.are.same({
        { 9, 9, 9, 9, 9, 9, 9, 9, 9 },
        { 9, 0, 255, 128, 9, 255, 0, 0, 9 },
        { 9, 64, 191, 255, 9, 0, 0, 51, 9 },
        { 9, 9, 9, 9, 9, 9, 9, 9, 9 },
      }, pixels(path))
    end)

    it("clamps values outside the range, infinities too", function()
      local path = dir .. "/c.png"
      local t = core.tensor { { -2, -1, 0, 1, 3, 1 / 0, -1 / 0, 0.5 } }
      core.write_png_grid(path, t, { height = 1, width = 8, pad = 0,
        lo = -1, hi = 1 })
      assert.are.same({ { 0, 0, 128, 255, 255, 255, 0, 191 } },
        pixels(path))
    end)

    it("leaves tiles past n in the pad colour", function()
      local path = dir .. "/p.png"
      local t = core.ones(3, 1)
      core.write_png_grid(path, t, { rows = 2, cols = 2, height = 1,
        width = 1, pad = 1, pad_value = 100 })
      assert.are.same({
        { 100, 100, 100, 100, 100 },
        { 100, 255, 100, 255, 100 },
        { 100, 100, 100, 100, 100 },
        { 100, 255, 100, 100, 100 },
        { 100, 100, 100, 100, 100 },
      }, pixels(path))
    end)

    it("takes height and width from an n x h x w tensor", function()
      local path = dir .. "/3d.png"
      local w, h = core.write_png_grid(path, core.tensor(2, 3, 5),
        { rows = 1, cols = 2, pad = 0 })
      assert.are.equal(10, w)
      assert.are.equal(3, h)
    end)

    it("defaults to 28 x 28 tiles, square-ish grids, pad 2", function()
      local w, h = core.write_png_grid(dir .. "/a.png",
        core.tensor(100, 784))
      assert.are.same({ 302, 302 }, { w, h })
      w, h = core.write_png_grid(dir .. "/b.png", core.tensor(12, 784))
      assert.are.same({ 4 * 30 + 2, 3 * 30 + 2 }, { w, h })
      w, h = core.write_png_grid(dir .. "/c.png", core.tensor(12, 784),
        { rows = 2 })
      assert.are.same({ 6 * 30 + 2, 2 * 30 + 2 }, { w, h })
    end)

    it("refuses NaN, naming the image and the pixel", function()
      local nan = 0 / 0
      local t = core.tensor { { 0, 0, 0, 0, 0, 0 },
                              { 0, 0, 0, 0, nan, 0 } }
      assert.are.equal("write_png_grid: image 2 has NaN at pixel 5 (row 2, "
        .. "column 2)", err(core.write_png_grid, dir .. "/n.png", t,
          { height = 2, width = 3 }))
    end)

    it("checks every option, naming it", function()
      local t, p = core.tensor(3, 784), dir .. "/o.png"
      local cases = {
        { { rows = -1 }, "opts.rows must be a positive integer, got -1" },
        { { cols = 1.5 }, "opts.cols must be a positive integer, got 1.5" },
        { { height = "28" },
          "opts.height must be a positive integer, got string" },
        { { pad = -1 }, "opts.pad must be a non-negative integer, got -1" },
        { { pad_value = 300 },
          "opts.pad_value must be an integer in 0..255, got 300" },
        { { lo = 1, hi = 0 }, "opts.lo must be below opts.hi, got lo=1, "
          .. "hi=0" },
        { { hi = math.huge }, "opts.hi must be a finite number, got inf" },
        { { colums = 3 }, "unknown option 'colums' (expected one of rows, "
          .. "cols, height, width, lo, hi, pad, pad_value)" },
        { { 3 }, "unknown option [1] (expected one of rows, cols, height, "
          .. "width, lo, hi, pad, pad_value)" },
        { { rows = 1, cols = 2 },
          "3 images do not fit a grid of 1 rows and 2 columns" },
        { { height = 28, width = 27 },
          "t has rows of 784 values, but height x width is 28 x 27 = 756" },
      }
      for _, case in ipairs(cases) do
        assert.are.equal("write_png_grid: " .. case[2],
          err(core.write_png_grid, p, t, case[1]))
      end
    end)

    it("checks t and opts themselves", function()
      local p = dir .. "/o.png"
      assert.are.equal("write_png_grid: argument 2: expected lgan.Tensor, "
        .. "got table", err(core.write_png_grid, p, {}, {}))
      assert.are.equal("write_png_grid: opts must be a table, got number",
        err(core.write_png_grid, p, core.tensor(1, 784), 5))
      assert.are.equal("write_png_grid: t must be n x (height*width) or n "
        .. "x height x width, got 784",
        err(core.write_png_grid, p, core.tensor(784), {}))
      assert.are.equal("write_png_grid: t is 2x3x5 but opts gives height "
        .. "3, width 4", err(core.write_png_grid, p, core.tensor(2, 3, 5),
          { width = 4 }))
    end)

    it("leaves an existing file as it was when a write fails", function()
      local path = dir .. "/keep.png"
      spit(path, "precious")
      local t = core.tensor { { 0 / 0 } }
      err(core.write_png_grid, path, t, { height = 1, width = 1 })
      assert.are.equal("precious", slurp(path))
      local missing = dir .. "/none/x.png"
      assert.are.equal("write_png_grid: " .. missing .. ": No such file or "
        .. "directory", err(core.write_png_grid, missing,
          core.tensor(1, 784)))
      local p = io.popen("ls -A " .. dir)
      assert.are.equal("keep.png", p:read("a"):gsub("\n", ""))
      p:close()
    end)
  end)

  describe("read_png", function()
    it("says why a file cannot be read", function()
      assert.are.equal("read_png: " .. dir .. "/none.png: No such file or "
        .. "directory", err(core.read_png, dir .. "/none.png"))
      spit(dir .. "/x.png", "not a png")
      assert.matches("^read_png: .*/x%.png: not an image stb can read",
        err(core.read_png, dir .. "/x.png"))
    end)
  end)
end)

describe("lgan.image", function()
  local dir

  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  describe("save_grid", function()
    it("writes a grid with the defaults", function()
      local path = dir .. "/s.png"
      local w, h = image.save_grid(path, core.ones(4, 784), { lo = -1 })
      assert.are.same({ 62, 62 }, { w, h })
      local rows = pixels(path)
      assert.are.equal(0, rows[1][1])
      assert.are.equal(255, rows[3][3])
    end)

    it("names itself in errors", function()
      assert.are.equal("image.save_grid: opts.rows must be a positive "
        .. "integer, got 0", err(image.save_grid, dir .. "/s.png",
          core.ones(4, 784), { rows = 0 }))
    end)

    it("refuses an unknown option, writing nothing", function()
      assert.are.equal("image.save_grid: unknown option 'range' (expected "
        .. "one of rows, cols, height, width, lo, hi, pad, pad_value)",
        err(image.save_grid, dir .. "/s.png", core.ones(4, 784),
          { range = { -1, 1 } }))
      assert.are.equal("", support.listing(dir))
    end)
  end)
end)
