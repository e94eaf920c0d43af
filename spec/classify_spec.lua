-- Classification: log-softmax, cross-entropy, the classifier's file.
local lgan = require "lgan"
local core = require "lgan.core"
local nn = lgan.nn
local support = require "spec.support"

local function close(a, b, tol)
  return math.abs(a - b) <= tol
end

-- Central differences of f (a number) at each element of x, in the
-- float32 steps x can hold.
local function numeric_grad(f, x, h)
  local g = lgan.tensor(table.unpack(x:size()))
  local flat, gflat = x:view(x:numel()), g:view(x:numel())
  for i = 1, x:numel() do
    local keep = flat[i]
    flat[i] = keep + h
    local up, up_x = f(), flat[i]
    flat[i] = keep - h
    local down, down_x = f(), flat[i]
    flat[i] = keep
    gflat[i] = (up - down) / (up_x - down_x)
  end
  return g
end

describe("lgan.nn (classification)", function()
  describe("LogSoftmax", function()
    it("gives rows whose exponentials sum to 1", function()
      local y = nn.LogSoftmax():forward(lgan.tensor { { 1, 2, 3 },
                                                      { 1000, 0, -1000 } })
      for r = 1, 2 do
        local total = 0
        for c = 1, 3 do total = total + math.exp(y:get(r, c)) end
        assert.is_true(close(total, 1, 1e-6))
      end
      assert.are.equal(0, y:get(2, 1))
    end)

    it("has the gradient of its forward (seed 21, step 1e-2)", function()
      local x = lgan.Generator(21):randn(3, 5)
      local w = lgan.Generator(22):randn(3, 5)
      local m = nn.LogSoftmax()
      local function f() return m:forward(x):cmul(w):sum() end
      local numeric = numeric_grad(f, x, 1e-2)
      m:forward(x)
      local analytic = m:backward(x, w)
      for i = 1, 3 do
        for j = 1, 5 do
          assert.is_true(close(analytic:get(i, j), numeric:get(i, j), 2e-3))
        end
      end
    end)
  end)

  describe("CrossEntropyLoss", function()
    it("equals ClassNLLLoss of LogSoftmax, and a hand value", function()
      local x = lgan.tensor { { 1, 2, 3 }, { 3, 2, 1 } }
      local t = lgan.tensor { 2, 1 }
      local ce = nn.CrossEntropyLoss():forward(x, t)
      local nll = nn.ClassNLLLoss():forward(nn.LogSoftmax():forward(x), t)
      local lse = math.log(math.exp(1) + math.exp(2) + math.exp(3))
      assert.is_true(close(ce, ((lse - 3) + (lse - 2)) / 2, 1e-6))
      assert.is_true(close(ce, nll, 1e-6))
    end)

    it("has the gradient of its forward (seed 23, step 1e-2)", function()
      local x = lgan.Generator(23):randn(4, 6)
      local t = lgan.tensor { 0, 5, 2, 3 }
      local loss = nn.CrossEntropyLoss()
      local numeric = numeric_grad(function() return loss:forward(x, t) end,
        x, 1e-2)
      loss:forward(x, t)
      local analytic = loss:backward()
      for i = 1, 4 do
        for j = 1, 6 do
          assert.is_true(close(analytic:get(i, j), numeric:get(i, j), 1e-3))
        end
      end
    end)

    it("stays finite for huge logits", function()
      local v = nn.CrossEntropyLoss():forward(lgan.tensor { { 1e30, -1e30 } },
        lgan.tensor { 1 })
      -- 1e30 in float32 is 1.0000000150e30.
      assert.is_true(close(v, 2e30, 1e23))
      assert.are.equal(0, nn.CrossEntropyLoss():forward(
        lgan.tensor { { 1e30, -1e30 } }, lgan.tensor { 0 }))
    end)

    it("names a target outside the classes", function()
      assert.has_error(function()
        nn.CrossEntropyLoss():forward(lgan.tensor { { 1, 2 } },
          lgan.tensor { 2 })
      end, "CrossEntropyLoss: target 1 is 2.0, expected a class from 0 to 1")
      assert.has_error(function()
        nn.CrossEntropyLoss():forward(lgan.tensor { { 1, 2 } },
          lgan.tensor { 0, 1 })
      end, "CrossEntropyLoss: 2 targets for 1 rows")
    end)
  end)

  describe("argmax", function()
    it("gives each row's class from 0", function()
      local a = core.argmax(lgan.tensor { { 1, 5, 2 }, { 9, 0, 1 } })
      assert.are.same({ 1, 0 }, a:totable())
    end)
  end)
end)

describe("lgan.classify", function()
  local classify = require "lgan.classify"
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  teardown(function() os.execute("rm -rf " .. dir) end)

  describe("save and load", function()
    it("give back the same predictions", function()
      local model = classify.build(lgan.Generator(5))
      local x = lgan.Generator(6):randn(7, 784)
      local path = dir .. "/c.safetensors"
      classify.save(path, model, 0.5)
      local again, accuracy = classify.load(path)
      assert.are.equal(0.5, accuracy)
      assert.are.same(classify.predict(model, x):totable(),
        classify.predict(again, x):totable())
    end)

    it("refuses a file that is not a classifier", function()
      local path = dir .. "/other.safetensors"
      require("lgan.checkpoint").save_tensors(path,
        { w = lgan.tensor(2) })
      assert.has_error(function() classify.load(path) end,
        "classify.load: " .. path .. " is not an lgan classifier")
      assert.has_error(function() classify.load(dir .. "/none") end,
        "classify.load: " .. dir .. "/none does not exist")
    end)

    it("replaces a classifier, and nothing else", function()
      local checkpoint = require "lgan.checkpoint"
      local model = classify.build(lgan.Generator(5))
      local path = dir .. "/again.safetensors"
      classify.save(path, model, 0.5)
      classify.save(path, model, 0.25)
      assert.are.equal(0.25, select(2, classify.load(path)))

      local G, D = lgan.gan.build("mlp", lgan.Generator(1))
      local gan_file = dir .. "/gan.safetensors"
      checkpoint.save(gan_file, lgan.GAN { generator = G, discriminator = D })
      local other = dir .. "/tensors.safetensors"
      checkpoint.save_tensors(other, { w = lgan.tensor(2) })
      local text = dir .. "/notes.txt"
      support.write(text, "not tensors")
      local cases = {
        { gan_file, "holds an lgan GAN checkpoint, not a classifier" },
        { other, "holds other safetensors tensors, not a classifier" },
        { text, "is not a safetensors file, so not a classifier" },
        { dir, "is a folder" },
      }
      for _, case in ipairs(cases) do
        local before = support.read(case[1])
        assert.are.equal(("classify.save: %s %s; a classifier replaces "
          .. "only another classifier"):format(case[1], case[2]),
          support.err(classify.save, case[1], model, 0.5))
        assert.are.equal(before, support.read(case[1]))
      end
    end)
  end)

  describe("train", function()
    it("refuses an unknown option or hook before reading any data",
      function()
        assert.are.equal("classify.train: unknown option 'epoch' (expected "
          .. "one of data, epochs, batch_size, lr, seed, hooks)",
          support.err(classify.train, { epoch = 1, data = dir .. "/none" }))
        assert.are.equal("classify.train: unknown hook 'step' (expected "
          .. "one of epoch)", support.err(classify.train,
            { hooks = { step = print }, data = dir .. "/none" }))
      end)

    it("refuses MNIST files of images that are not 28 x 28", function()
      local data = dir .. "/wide"
      os.execute("mkdir -p " .. data)
      core.write_idx(data .. "/train-images-idx3-ubyte", core.bytes(4, 14,
        56))
      core.write_idx(data .. "/train-labels-idx1-ubyte", core.bytes(4))
      core.write_idx(data .. "/t10k-images-idx3-ubyte", core.bytes(1, 28,
        28))
      core.write_idx(data .. "/t10k-labels-idx1-ubyte", core.bytes(1))
      assert.are.equal("data.mnist: " .. data .. "/train-images-idx3-ubyte "
        .. "holds images of 14 x 56, expected 28 x 28",
        support.err(classify.train, { data = data }))
    end)
  end)

  describe("evaluate", function()
    it("counts right answers per class", function()
      local model = classify.build(lgan.Generator(5))
      local images = core.bytes(20, 28, 28)
      local labels = core.bytes(20)
      local guess = classify.predict(model,
        images:tofloat(-1, 1):view(20, 784))
      for i = 1, 20 do
        labels:set(i, i <= 5 and guess[i] or (guess[i] + 1) % 10)
      end
      local accuracy, per_class = classify.evaluate(model, images, labels, 6)
      assert.are.equal(5 / 20, accuracy)
      local total = 0
      for c = 1, 10 do total = total + per_class[c][2] end
      assert.are.equal(20, total)
    end)
  end)
end)
