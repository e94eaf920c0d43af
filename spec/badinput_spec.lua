-- Bad input at the door (issue 6): every userdata type's methods called
-- with '.' instead of ':', sizes as integral floats, fractions, zero,
-- negative, NaN and overflowing products, non-finite learning rates,
-- probabilities outside [0, 1] and slopes out of range.  Each case
-- asserts the exact message: the function, the argument and what came.

local lgan = require "lgan"
local core = require "lgan.core"
local nn, optim = lgan.nn, lgan.optim

local nan, inf = 0 / 0, math.huge

local function message(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error")
  return err
end

-- Checks each case {f, args..., expected message}.
local function check(cases)
  for _, case in ipairs(cases) do
    local n = #case
    assert.are.equal(case[n], message(case[1], table.unpack(case, 2, n - 1)))
  end
end

local function small_gan()
  local rng = lgan.Generator(1)
  return lgan.GAN {
    generator = nn.Sequential { nn.Linear(2, 4, rng), nn.Tanh() },
    discriminator = nn.Sequential { nn.Linear(4, 1, rng), nn.Sigmoid() },
  }
end

-- The methods of a userdata type, from its metatable.
local function methods(u)
  local mt = getmetatable(u)
  local index = type(mt.__index) == "table" and mt.__index or mt.methods
  local names = {}
  for name in pairs(index) do names[#names + 1] = name end
  table.sort(names)
  return index, names
end

describe("bad input", function()
  describe("a method called with '.'", function()
    -- Per type: a value, its class, how its messages name it, a value
    -- of another lgan type, and the hint its messages end with.
    local gan = small_gan()
    local types = {
      { lgan.tensor(2), "lgan.Tensor", "Tensor", core.bytes(1), "" },
      { core.bytes(2), "lgan.ByteTensor", "ByteTensor", lgan.tensor(1),
        "" },
      { lgan.Generator(1), "lgan.Generator", "Generator", lgan.tensor(1),
        "" },
      { core.activation("ReLU"), "lgan.Layer", "Layer", lgan.tensor(1),
        " (call methods with ':')" },
      { gan.g_optim.core, "lgan.Optimizer", "Optimizer", lgan.tensor(1),
        "" },
      { gan.step_core, "lgan.GANStep", "GAN", lgan.tensor(1),
        " (call methods with ':')" },
    }

    for _, ty in ipairs(types) do
      local value, class, prefix, other, hint = table.unpack(ty)
      it("raises for every method of " .. class, function()
        local index, names = methods(value)
        assert.is_true(#names >= 3)
        for _, name in ipairs(names) do
          -- Aliases answer with the name of what they alias; matmul is
          -- also the function lgan.matmul.
          local alias = { nElement = "numel", reshape = "view" }
          local fn = name == "matmul" and "matmul"
            or prefix .. ":" .. (alias[name] or name)
          assert.are.equal(("%s: argument 1: expected %s, got no value%s")
            :format(fn, class, hint), message(index[name]))
          assert.are.equal(("%s: argument 1: expected %s, got number%s")
            :format(fn, class, hint), message(index[name], 2))
          assert.are.equal(("%s: argument 1: expected %s, got %s%s")
            :format(fn, class, lgan.type(other), hint),
            message(index[name], other))
        end
      end)
    end

    it("raises for every method of lgan's Lua classes", function()
      local data, train = require "lgan.data", require "lgan.train"
      local support = require "spec.support"
      local dir = support.tmpdir()
      local rng = lgan.Generator(1)
      local lin = nn.Linear(2, 3, rng)
      local instances = {
        lin, nn.Sequential { lin }, nn.ReLU(), nn.BCELoss(), gan,
        optim.Adam(lin, {}),
        data.loader(core.bytes(4, 28, 28), 2, rng, 0, 1),
        train.new { data = support.fake_mnist(dir, 64), out = dir .. "/r",
                    batch_size = 32 },
      }
      local checked = 0
      for _, value in ipairs(instances) do
        -- Its class and the classes above it, each naming its own methods.
        local cls = getmetatable(value)
        while type(cls) == "table" do
          local label = cls.__name:match("([^.]+)$")
          for name, f in pairs(cls) do
            if type(f) == "function" and name:sub(1, 2) ~= "__" then
              assert.are.equal(("%s:%s: call it as a method, with ':'")
                :format(label, name), message(f, 2))
              checked = checked + 1
            end
          end
          local meta = getmetatable(cls)
          cls = meta and meta.__index
        end
      end
      os.execute("rm -rf " .. support.quote(dir))
      assert.is_true(checked >= 30, tostring(checked))
    end)

    it("names the method of a Layer by its kind once given one", function()
      local relu = core.activation("ReLU")
      assert.are.equal("ReLU:forward: argument 2: expected lgan.Tensor, "
        .. "got no value", message(relu.forward, relu))
    end)
  end)

  describe("sizes", function()
    it("accept integral floats", function()
      local g = lgan.Generator(1)
      assert.are.same({ 2, 3 }, lgan.tensor(2.0, 3.0):size())
      assert.are.equal("integer", math.type(lgan.tensor(2.0):size(1)))
      assert.are.same({ 2, 3 }, lgan.ones(2.0, 3.0):size())
      assert.are.same({ 2, 3 }, g:randn(2.0, 3.0):size())
      assert.are.same({ 2, 3 }, core.bytes(2.0, 3.0):size())
      assert.are.same({ 3, 2 }, lgan.tensor(6):view(3.0, 2.0):size())
      assert.are.equal(3, nn.Linear(2.0, 3.0, g).out_features)
      assert.are.same({ 2, 4 }, small_gan():sample(2.0):size())
    end)

    it("refuse fractions, naming the size", function()
      local g = lgan.Generator(1)
      check {
        { lgan.tensor, 2.5, "tensor: size 1 must be an integer, got 2.5" },
        { lgan.tensor, 2, 3.5, "tensor: size 2 must be an integer, got 3.5" },
        { lgan.ones, 0.5, "ones: size 1 must be an integer, got 0.5" },
        { g.randn, g, 1, 1.25,
          "Generator:randn: size 2 must be an integer, got 1.25" },
        { core.bytes, 1.5, "bytes: size 1 must be an integer, got 1.5" },
        { nn.Linear, 2.5, 3, g,
          "Linear: in_features must be a positive integer, got 2.5" },
        { small_gan().sample, small_gan(), 1.5,
          "GAN:sample: n must be a positive integer, got 1.5" },
      }
    end)

    it("refuse zero and negative sizes", function()
      local g = lgan.Generator(1)
      check {
        { lgan.tensor, 0, "tensor: size 1 must be in [1, 2147483647], got 0" },
        { lgan.tensor, 2, -3,
          "tensor: size 2 must be in [1, 2147483647], got -3" },
        { lgan.tensor, -0.0,
          "tensor: size 1 must be in [1, 2147483647], got 0" },
        { lgan.ones, math.mininteger, "ones: size 1 must be in "
          .. "[1, 2147483647], got -9223372036854775808" },
        { g.rand, g, 0, "Generator:rand: size 1 must be in "
          .. "[1, 2147483647], got 0" },
        { core.bytes, 3, 0, "bytes: size 2 must be in [1, 2147483647], "
          .. "got 0" },
        { nn.Linear, 0, 3, g,
          "Linear: in_features must be a positive integer, got 0" },
        { nn.Linear, 3, -1, g,
          "Linear: out_features must be a positive integer, got -1" },
      }
    end)

    it("refuse NaN and infinities", function()
      check {
        { lgan.tensor, nan, "tensor: size 1 must be an integer, got nan" },
        { lgan.tensor, 2, inf, "tensor: size 2 must be an integer, got inf" },
        { lgan.tensor, -inf, "tensor: size 1 must be an integer, got -inf" },
      }
    end)

    it("refuse sizes and products past 2^31 - 1 elements", function()
      local g = lgan.Generator(1)
      local limit = "sizes must be 1 to 4 integers of at least 1 whose "
        .. "product is at most 2147483647"
      check {
        { lgan.tensor, 2 ^ 40, 2 ^ 40, "tensor: size 1 must be in "
          .. "[1, 2147483647], got 1099511627776" },
        { lgan.tensor, 2 ^ 31, "tensor: size 1 must be in "
          .. "[1, 2147483647], got 2147483648" },
        { lgan.tensor, 46341, 46341, "tensor: " .. limit },
        { lgan.tensor, 2 ^ 31 - 1, 2 ^ 31 - 1, 2 ^ 31 - 1, 2 ^ 31 - 1,
          "tensor: " .. limit },
        { lgan.ones, 65536, 65536, "ones: " .. limit },
        { g.randn, g, 65536, 32768, "Generator:randn: " .. limit },
        { core.bytes, 65536, 65536, "bytes: " .. limit },
        { nn.Linear, 65536, 65536, g, "Linear: 65536 x 65536 weights are "
          .. "more than lgan's limit of 2147483647 elements in a tensor" },
        { nn.Linear, 2 ^ 40, 2 ^ 40, g, "Linear: 1099511627776 x "
          .. "1099511627776 weights are more than lgan's limit of "
          .. "2147483647 elements in a tensor" },
      }
    end)

    it("refuse a table whose rows multiply past the limit", function()
      local row = {}
      for i = 1, 65536 do row[i] = 0 end
      local rows = {}
      for i = 1, 65536 do rows[i] = row end
      assert.are.equal("tensor: sizes must be 1 to 4 integers of at least "
        .. "1 whose product is at most 2147483647",
        message(lgan.tensor, rows))
    end)
  end)

  describe("learning rates", function()
    local function module() return nn.Linear(2, 2, lgan.Generator(1)) end

    it("refuse NaN and infinities, at creation and later", function()
      local adam = optim.Adam(module())
      check {
        { optim.Adam, module(), { lr = nan },
          "Adam: lr must be finite, got nan" },
        { optim.Adam, module(), { lr = inf },
          "Adam: lr must be finite, got inf" },
        { optim.SGD, module(), { lr = -inf },
          "SGD: lr must be finite, got -inf" },
        { optim.SGD, module(), { lr = nan, momentum = 0.9 },
          "SGD: lr must be finite, got nan" },
        { adam.core.set_lr, adam.core, nan,
          "Optimizer:set_lr: lr must be finite, got nan" },
        { adam.core.set_lr, adam.core, inf,
          "Optimizer:set_lr: lr must be finite, got inf" },
        { adam.core.set_lr, adam.core, -1,
          "Optimizer:set_lr: lr must be >= 0, got -1.0" },
        { lgan.GAN, { generator = nn.Sequential { module() },
                      discriminator = nn.Sequential { module() },
                      lr = nan }, "Adam: lr must be finite, got nan" },
      }
    end)

    it("refuse NaN and out-of-range betas and momentum", function()
      check {
        { optim.Adam, module(), { betas = { nan, 0.999 } },
          "Adam: beta1 must be finite, got nan" },
        { optim.Adam, module(), { betas = { 0.5, 1 } },
          "Adam: beta2 must be in [0.0, 0.999999999], got 1.0" },
        { optim.SGD, module(), { momentum = 1.5 },
          "SGD: momentum must be in [0.0, 1.0], got 1.5" },
        { optim.Adam, module(), { eps = inf },
          "Adam: eps must be finite, got inf" },
      }
    end)
  end)

  describe("probabilities", function()
    local bce, logits = nn.BCELoss(), nn.BCEWithLogitsLoss()
    local half = lgan.tensor { 0.5, 0.5 }

    it("refuse predictions outside [0, 1] to BCELoss", function()
      check {
        { bce.forward, bce, lgan.tensor { 0.5, 1.5 }, lgan.tensor { 1, 0 },
          "BCELoss: prediction 2 is 1.5, outside [0, 1]" },
        { bce.forward, bce, lgan.tensor { -0.1, 0.5 }, 1,
          "BCELoss: prediction 1 is -0.1, outside [0, 1]" },
        { bce.forward, bce, lgan.tensor { 0.5, nan }, 0,
          "BCELoss: prediction 2 is nan, outside [0, 1]" },
        { bce.forward, bce, lgan.tensor { inf }, 0,
          "BCELoss: prediction 1 is inf, outside [0, 1]" },
        { core.bce, lgan.tensor { 1.0000001 }, 1,
          "BCELoss: prediction 1 is 1.0000001, outside [0, 1]" },
      }
    end)

    it("refuse targets outside [0, 1] to both BCE losses", function()
      check {
        { bce.forward, bce, half, lgan.tensor { 1, 2 },
          "BCELoss: target 2 is 2, outside [0, 1]" },
        { bce.forward, bce, half, -1,
          "BCELoss: target must be in [0, 1], got -1" },
        { bce.forward, bce, half, nan, "BCELoss: target must be finite, "
          .. "got nan" },
        { logits.forward, logits, lgan.tensor { 5, -5 },
          lgan.tensor { 1, nan },
          "BCEWithLogitsLoss: target 2 is nan, outside [0, 1]" },
        { logits.forward, logits, half, 1.5,
          "BCEWithLogitsLoss: target must be in [0, 1], got 1.5" },
      }
    end)

    it("take any logit, infinities included, to BCEWithLogitsLoss",
      function()
        local loss = logits:forward(lgan.tensor { inf, -inf },
          lgan.tensor { 1, 0 })
        assert.are.equal(0, loss)
      end)

    it("refuse labels outside [0, 1] to the GAN", function()
      local step = small_gan().step_core
      check {
        { step.set_labels, step, 1.5, 0,
          "GAN:set_labels: real label must be in [0, 1], got 1.5" },
        { step.set_labels, step, 1, -0.1,
          "GAN:set_labels: fake label must be in [0, 1], got -0.1" },
        { step.set_labels, step, nan, 0,
          "GAN:set_labels: real label must be finite, got nan" },
      }
    end)
  end)

  describe("slopes", function()
    it("refuse LeakyReLU slopes outside [0, 1) and non-finite", function()
      check {
        { nn.LeakyReLU, 1, "LeakyReLU: slope must be in [0, 1), got 1.0" },
        { nn.LeakyReLU, -0.5,
          "LeakyReLU: slope must be in [0, 1), got -0.5" },
        { nn.LeakyReLU, 2 ^ 40, "LeakyReLU: slope must be in [0, 1), "
          .. "got 1099511627776.0" },
        { nn.LeakyReLU, nan, "LeakyReLU: slope must be finite, got nan" },
        { nn.LeakyReLU, -inf, "LeakyReLU: slope must be finite, got -inf" },
        { nn.LeakyReLU, "0.2",
          "LeakyReLU: slope must be a number, got string" },
        { core.activation, "LeakyReLU", 1,
          "LeakyReLU: slope must be in [0, 1), got 1.0" },
      }
      assert.are.equal("nn.LeakyReLU(0)", tostring(nn.LeakyReLU(0)))
    end)
  end)

  describe("option tables", function()
    local support = require "spec.support"
    local train = require "lgan.train"
    local dir

    setup(function()
      dir = support.tmpdir()
      assert(os.execute("mkdir " .. support.quote(dir .. "/data")))
      support.fake_mnist(dir .. "/data", 64)
    end)
    teardown(function() os.execute("rm -rf " .. support.quote(dir)) end)

    -- Each case: a function, its arguments, and the message, which
    -- names the function, the unknown key and the keys it knows.
    it("refuse an unknown key in the trainer's options and hooks",
      function()
        local known = " (expected one of data, out, epochs, batch_size, "
          .. "seed, threads, preset, lr, beta1, beta2, grid, conditional, "
          .. "dist)"
        local t = train.new { data = dir .. "/data", out = dir .. "/run",
                              batch_size = 32 }
        local cases = {
          { train.new, { data = dir .. "/data", epoch = 2 },
            "train.new: unknown option 'epoch'" .. known },
          { train.new, { batchsize = 32 },
            "train.new: unknown option 'batchsize'" .. known },
          { train.resume, dir .. "/run", { epoch = 2 },
            "train.resume: unknown option 'epoch'" .. known },
          { t.run, t, { epochs = print }, "Trainer:run: unknown hook "
            .. "'epochs' (expected one of step, epoch, interrupted)" },
        }
        for _, case in ipairs(cases) do
          local n = #case
          assert.are.equal(case[n],
            support.err(case[1], table.unpack(case, 2, n - 1)))
        end
        -- Nothing was trained or written.
        assert.are.equal("data", support.listing(dir))
      end)

    it("refuse MNIST images that are not 28 x 28 before any training",
      function()
        local wide = dir .. "/wide"
        assert(os.execute("mkdir " .. support.quote(wide)))
        core.write_idx(wide .. "/train-images-idx3-ubyte",
          core.bytes(64, 14, 56))
        core.write_idx(wide .. "/train-labels-idx1-ubyte", core.bytes(64))
        assert.are.equal("data.mnist: " .. wide .. "/train-images-idx3-ubyte "
          .. "holds images of 14 x 56, expected 28 x 28",
          support.err(train.new, { data = wide, out = dir .. "/w" }))
      end)
  end)

  describe("generator arguments", function()
    it("refuse non-finite means, spreads and bounds", function()
      local g, t = lgan.Generator(1), lgan.tensor(3)
      check {
        { g.normal_, g, t, nan, 1,
          "Generator:normal_: mean must be finite, got nan" },
        { g.normal_, g, t, 0, inf,
          "Generator:normal_: std must be finite, got inf" },
        { g.uniform_, g, t, "0", 1,
          "Generator:uniform_: lo must be a number, got string" },
        { g.set_state, g, {}, "Generator:set_state: not a generator "
          .. "state (expected 82 lowercase hex digits from state())" },
        { g.uniform_, g, t, 1, 0,
          "Generator:uniform_: lo must not be above hi, got lo=1.0, hi=0.0" },
        { g.uniform_, g, t, -1e300, 1e300,
          "Generator:uniform_: lo is -1e+300, beyond float32's range" },
        { g.normal_, g, t, 0, -1,
          "Generator:normal_: std must be at least 0, got -1.0" },
      }
      -- An empty span is allowed, as PyTorch's uniform_(a, a) is.
      assert.are.same({ 2, 2, 2 }, g:uniform_(t, 2, 2):totable())
    end)
  end)

  describe("GAN options", function()
    local function gan_with(opts)
      local rng = lgan.Generator(1)
      opts.generator = nn.Sequential { nn.Linear(2, 4, rng), nn.Tanh() }
      opts.discriminator = nn.Sequential { nn.Linear(4, 1, rng),
                                           nn.Sigmoid() }
      return lgan.GAN(opts)
    end

    it("name the option and what came", function()
      check {
        { gan_with, { range = "x" },
          "GAN: range must be {lo, hi} with lo below hi, got string" },
        { gan_with, { range = { 1, 0 } },
          "GAN: range must be {lo, hi} with lo below hi, got {1, 0}" },
        { gan_with, { g_optim = {} }, "GAN: g_optim must be an optimizer "
          .. "(lgan.optim.Adam or SGD), got table" },
        { gan_with, { real_label = 2 },
          "GAN: real_label must be a number in [0, 1], got 2" },
      }
    end)

    it("close now, or at the end of a <close> block", function()
      local x = lgan.tensor(2, 4)
      local kept
      do
        local g <close> = gan_with {}
        g:step(x)
        kept = g
      end
      assert.are.equal("GAN:step: the step was closed",
        message(kept.step, kept, x))
      local g = gan_with {}
      g:close()
      g:close()
      assert.are.same({ 3, 4 }, g:sample(3):size())
    end)
  end)

  describe("SGD options", function()
    it("refuse Nesterov without momentum, as PyTorch does", function()
      local m = nn.Linear(2, 2, lgan.Generator(1))
      check {
        { optim.SGD, m, { lr = 0.1, nesterov = true },
          "SGD: nesterov needs a momentum above 0 and no dampening" },
        { optim.SGD, m, { lr = 0.1, momentum = 0.9, nesterov = "yes" },
          "SGD: nesterov must be true or false, got string" },
      }
    end)
  end)

  describe("files", function()
    it("name the saving function and the folder that is missing",
      function()
        local gan = require "lgan.gan"
        local G, D = gan.build("mlp", lgan.Generator(4), 784, 10)
        local g = lgan.GAN { generator = G, discriminator = D, classes = 10 }
        local nowhere = os.tmpname() .. "-missing"
        check {
          { lgan.checkpoint.save, nowhere .. "/c.safetensors", g,
            "checkpoint.save: " .. nowhere .. "/c.safetensors: No such "
            .. "file or directory" },
          { lgan.worksheet.write, g, { dir = nowhere },
            "worksheet: cannot write in " .. nowhere .. ": No such file or "
            .. "directory" },
          { lgan.worksheet.write, g, { dir = "/tmp", title = {} },
            "worksheet: title must be a string, got table" },
        }
      end)
  end)

  describe("trainer options", function()
    it("name the option, and no line of lgan's", function()
      local train = require "lgan.train"
      check {
        { train.new, { epochs = 0 },
          "train: epochs must be an integer from 1 to 1000000, got 0" },
        { train.new, { seed = 0.5 },
          "train: seed must be an integer, got 0.5" },
        { train.new, { preset = "x" },
          "train: unknown preset \"x\" (expected mlp or seed)" },
      }
    end)
  end)

  describe("classify", function()
    it("checks the model, the data and the batch size", function()
      local classify = require "lgan.classify"
      local m = nn.Sequential { nn.Linear(784, 10, lgan.Generator(1)) }
      local images, labels = core.bytes(4, 28, 28), core.bytes(4)
      check {
        { classify.predict, nil, lgan.tensor(1, 784), "classify.predict: "
          .. "model must be a classifier (an nn module), got nil" },
        { classify.evaluate, m, images, labels, 0, "classify.evaluate: "
          .. "batch_size must be a positive integer, got 0" },
        { classify.evaluate, m, lgan.tensor(4, 784), labels,
          "classify.evaluate: images must be an lgan.ByteTensor (as "
          .. "data.mnist gives), got lgan.Tensor" },
        { classify.evaluate, m, images, core.bytes(3),
          "classify.evaluate: 4 images but 3 labels" },
      }
    end)
  end)
end)
