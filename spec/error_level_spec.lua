-- Where lgan's errors point: at the user's call (the line in this file)
-- or, for a fault in files, nowhere; never at a line of lgan's own code.
-- busted's has_error strips the position, so these read the raw message.
local lgan = require "lgan"
local nn = lgan.nn
local support = require "spec.support"

-- The raw message of the error f() raises.  f must call lgan in a
-- statement of its own (not `return g()`): a tail call drops the frame
-- that the position names.
local function raw(f)
  local ok, e = pcall(f)
  assert(not ok, "expected an error")
  return tostring(e)
end

-- Asserts that the message is text at a line of this file.
local function here(msg, text)
  assert.matches("^[^:]*error_level_spec%.lua:%d+: ", msg)
  assert.are.equal(text, (msg:gsub("^[^:]*:%d+: ", "")))
end

local function net(...) return nn.Sequential { ... } end

describe("error positions", function()
  describe("GAN", function()
    it("names the user's call for a module without a core layer", function()
      local msg = raw(function()
        local g = lgan.GAN { generator = net(nn.Linear(100, 784), nn.Tanh()),
          discriminator = net(nn.Linear(784, 10), nn.LogSoftmax()) }
        return g
      end)
      here(msg, "GAN: discriminator module 2 (nn.LogSoftmax()) has no core "
        .. "layer; the fused step takes Linear layers and activations")
      assert.is_nil(msg:find("class.lua", 1, true))
    end)

    it("says which net has no parameters, at the user's call", function()
      local d = net(nn.Linear(784, 1), nn.Sigmoid())
      local g = net(nn.Linear(100, 784), nn.Tanh())
      here(raw(function()
        local x = lgan.GAN { generator = net(), discriminator = d }
        return x
      end), "GAN: the generator has no parameters (an empty nn.Sequential)")
      here(raw(function()
        local x = lgan.GAN { generator = g, discriminator = net() }
        return x
      end), "GAN: the discriminator has no parameters (an empty "
        .. "nn.Sequential)")
      here(raw(function()
        local x = lgan.GAN { generator = g, discriminator = net(nn.Tanh()) }
        return x
      end), "GAN: the discriminator has no parameters (no Linear layer)")
    end)
  end)

  describe("gan.build", function()
    it("checks rng and x_dim itself", function()
      here(raw(function()
        local g = lgan.gan.build("mlp", 5)
        return g
      end), "gan.build: rng must be an lgan.Generator, got number")
      here(raw(function()
        local g = lgan.gan.build("mlp", lgan.Generator(1), 0)
        return g
      end), "gan.build: x_dim must be a positive integer, got 0")
    end)
  end)

  describe("Sequential:reset", function()
    it("checks rng at the user's call", function()
      local s = net(nn.Linear(2, 2))
      here(raw(function()
        s:reset("x")
      end), "Sequential:reset: rng must be an lgan.Generator, got string")
    end)
  end)

  describe("worksheet", function()
    local worksheet = require "lgan.worksheet"
    local function model(classes)
      local G, D = lgan.gan.build("mlp", lgan.Generator(8), 784, classes)
      return lgan.GAN { generator = G, discriminator = D, classes = classes }
    end

    it("write's checks point at its caller, not at worksheet.lua",
      function()
        local m0, m10 = model(0), model(10)
        local no_classes = "worksheet: the model has no classes; train it "
          .. "with --conditional"
        here(raw(function()
          worksheet.write(m0, { items = 3, dir = "/nonexistent" })
        end), no_classes)
        here(raw(function()
          worksheet.write(m10, { items = 0, dir = "/nonexistent" })
        end), "worksheet: items must be an integer from 1 to 200, got 0")
        here(raw(function()
          worksheet.write("m", { dir = "/nonexistent" })
        end), "worksheet: expected a conditional lgan.GAN, got string")
        -- Called from C (pcall here, an embedding host's lua_pcall), the
        -- message has no position at all.
        local _, e = pcall(worksheet.write, m0, { dir = "/nonexistent" })
        assert.are.equal(no_classes, e)
        here(raw(function()
          worksheet.items(m0, { items = 3, seed = 1 })
        end), no_classes)
      end)
  end)

  describe("classify.train", function()
    local classify = require "lgan.classify"

    it("checks its own options", function()
      here(raw(function()
        classify.train { batch_size = 0 }
      end), "classify.train: batch_size must be a positive integer, got 0")
      here(raw(function()
        classify.train { epochs = "x" }
      end), "classify.train: epochs must be a positive integer, got x")
      here(raw(function()
        classify.train { data = 5 }
      end), "classify.train: data must be a folder's path, got number")
    end)

    it("passes on data.mnist's file errors without a position", function()
      local dir = support.tmpdir()
      local msg = raw(function()
        classify.train { data = dir .. "/none" }
      end)
      os.execute("rm -rf " .. support.quote(dir))
      assert.are.equal("data.mnist: folder " .. dir .. "/none does not "
        .. "exist", msg)
    end)
  end)

  it("leaves no check of lua/lgan at error's default level", function()
    -- error(msg) names the line of the check itself; every user-facing
    -- check gives a level.
    for _, name in ipairs { "class", "classify", "data", "dist", "gan",
                            "image", "init", "nn", "optim", "options",
                            "plot", "worksheet" } do
      local src = support.read("lua/lgan/" .. name .. ".lua")
      for call in src:gmatch("%f[%w_]error(%b())") do
        assert.is_truthy(call:match(",%s*[%w_%s%+%-]+%)$"),
          name .. ".lua: error" .. call .. " has no level")
      end
    end
  end)
end)
