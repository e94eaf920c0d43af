-- Worksheets: one seed, one sheet, byte for byte.
local lgan = require "lgan"
local core = require "lgan.core"
local worksheet = require "lgan.worksheet"
local support = require "spec.support"
local read = support.read

local function model(classes)
  local G, D = lgan.gan.build("mlp", lgan.Generator(8), 784, classes)
  return lgan.GAN { generator = G, discriminator = D, classes = classes }
end

describe("lgan.worksheet", function()
  local dir = os.tmpname()
  os.remove(dir)
  teardown(function() os.execute("rm -rf " .. dir) end)

  describe("write", function()
    it("writes the same three files for the same seed", function()
      os.execute("mkdir -p " .. dir .. "/a " .. dir .. "/b " .. dir .. "/c")
      local m = model(10)
      local d1 = worksheet.write(m, { items = 7, seed = 5, dir = dir .. "/a" })
      local d2 = worksheet.write(m, { items = 7, seed = 5, dir = dir .. "/b" })
      worksheet.write(m, { items = 7, seed = 6, dir = dir .. "/c" })
      assert.are.same(d1, d2)
      for _, f in ipairs { "worksheet.png", "answers.png", "answers.json" } do
        assert.are.equal(read(dir .. "/a/" .. f), read(dir .. "/b/" .. f))
      end
      assert.are_not.equal(read(dir .. "/a/worksheet.png"),
        read(dir .. "/c/worksheet.png"))
    end)

    it("keys each item to the digit it was drawn for", function()
      local m = model(10)
      os.execute("mkdir -p " .. dir .. "/k")
      local digits = worksheet.write(m, { items = 4, seed = 2,
                                          dir = dir .. "/k" })
      local key = require("cjson").decode(read(dir .. "/k/answers.json"))
      assert.are.equal(4, #key.answers)
      for i, entry in ipairs(key.answers) do
        assert.are.equal(i, entry.item)
        assert.are.equal(digits[i], entry.digit)
      end
      local w, h = core.read_png(dir .. "/k/worksheet.png")
      assert.is_true(w > 28 * 3 * 4 and h > 28 * 3)
    end)

    it("refuses a model without classes", function()
      assert.has_error(function()
        worksheet.write(model(0), { items = 3, dir = dir })
      end, "worksheet: the model has no classes; train it with "
        .. "--conditional")
    end)

    it("checks the item count", function()
      assert.has_error(function()
        worksheet.write(model(10), { items = 0, dir = dir })
      end, "worksheet: items must be an integer from 1 to 200, got 0")
    end)

    it("refuses an unknown option, writing nothing", function()
      os.execute("mkdir -p " .. dir .. "/u")
      assert.has_error(function()
        worksheet.write(model(10), { item = 3, dir = dir .. "/u" })
      end, "worksheet.write: unknown option 'item' (expected one of items, "
        .. "seed, dir, title, classifier, tries)")
      assert.are.equal("", support.listing(dir .. "/u"))
      assert.has_error(function()
        worksheet.items(model(10), { items = 3, dir = dir })
      end, "worksheet.items: unknown option 'dir' (expected one of items, "
        .. "seed, classifier, tries)")
    end)
  end)

  describe("with a classifier", function()
    -- A classifier that reads every image as a 0.
    local zeros = { forward = function(_, x)
      local logits = core.tensor(x:size()[1], 10)
      for i = 1, x:size()[1] do logits:set(i, 1, 1) end
      return logits
    end }

    it("draws again each item it reads otherwise, and names those left",
      function()
        local m = model(10)
        local plain, digits = worksheet.items(m, { items = 12, seed = 3 })
        local x, same, disputed, guess = worksheet.items(m, { items = 12,
          seed = 3, classifier = zeros, tries = 2 })
        assert.are.same(digits, same)
        local expected = {}
        for k, d in ipairs(digits) do
          if d ~= 0 then expected[#expected + 1] = k end
          assert.are.equal(0, guess[k])
          local row_same = plain[k]:totable()[1] == x[k]:totable()[1]
          -- Only the disputed items were drawn again.
          assert.are.equal(d == 0, row_same, "item " .. k)
        end
        assert.is_true(#expected > 0)
        assert.are.same(expected, disputed)
        -- No tries: the sheet without a classifier.
        local untried = worksheet.items(m, { items = 12, seed = 3,
          classifier = zeros, tries = 0 })
        assert.are.same(plain:totable(), untried:totable())
        assert.has_error(function()
          worksheet.items(m, { items = 3, classifier = "c" })
        end, "worksheet: classifier must be a classifier (lgan.classify.load "
          .. "or train), got string")
      end)
  end)

  describe("drawing", function()
    it("refuses an unknown option and options that are no table",
      function()
        local canvas = core.tensor(40, 40)
        assert.has_error(function()
          core.draw_text(canvas, 0, 0, "7", { size = 2 })
        end, "draw_text: unknown option 'size' (expected one of scale, "
          .. "value)")
        assert.has_error(function() core.draw_text(canvas, 0, 0, "7", 2) end,
          "draw_text: opts must be a table, got number")
        assert.has_error(function()
          core.draw_image(canvas, 0, 0, core.tensor(4), { heigth = 2,
                                                          width = 2 })
        end, "draw_image: unknown option 'heigth' (expected one of height, "
          .. "width, scale, lo, hi, invert)")
        core.draw_image(canvas, 0, 0, core.tensor(4), { height = 2,
          width = 2, scale = 2, lo = 0, hi = 1, invert = true })
        assert.are.equal(1, canvas:get(1, 1))
      end)
  end)
end)
