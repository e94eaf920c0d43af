-- The conditional fused step against the same update written with the
-- Lua modules: one-hot labels joined to both nets' inputs.
local lgan = require "lgan"
local nn, optim, core = lgan.nn, lgan.optim, lgan.core

local B, C = 8, 3

local function build()
  local G, D = lgan.gan.build("mlp", lgan.Generator(4), 784, C)
  return G, D
end

local function max_diff(a, b)
  local d = a - b
  return math.max(d:max(), -d:min())
end

describe("GAN (conditional)", function()
  describe("step", function()
    it("matches the update written step by step (seed 4, noise seed 7)",
      function()
        local real = lgan.Generator(5):rand(B, 784)
        local labels = lgan.tensor(B)
        for i = 1, B do labels[i] = (i - 1) % C end

        local G1, D1 = build()
        local gan = lgan.GAN { generator = G1, discriminator = D1,
                               seed = 7, classes = C }
        local st = gan:step(real, labels)

        local G2, D2 = build()
        local adam = { lr = 2e-4, betas = { 0.5, 0.999 } }
        local go, dopt = optim.Adam(G2, adam), optim.Adam(D2, adam)
        local Dl = nn.Sequential { table.unpack(D2.modules, 1,
          #D2.modules - 1) }
        local noise = lgan.Generator(7, lgan.gan.STREAM.noise)
        local z = noise:randn(B, 100)
        local fake_labels = {}
        for i = 1, B do fake_labels[i] = noise:random_int(C) - 1 end
        local g_in = core.cat { z, core.one_hot(fake_labels, C) }
        local fake = G2:forward(g_in):clone()
        local real_in = core.cat { real, core.one_hot(labels, C) }
        local fake_in = core.cat { fake, core.one_hot(fake_labels, C) }
        local bce = nn.BCEWithLogitsLoss()

        D2:zero_grad()
        local lr = bce:forward(Dl:forward(real_in), 1)
        Dl:backward(real_in, bce:backward())
        local lf = bce:forward(Dl:forward(fake_in), 0)
        Dl:backward(fake_in, bce:backward())
        dopt:step()
        G2:zero_grad()
        local lg = bce:forward(Dl:forward(fake_in), 1)
        local grad_in = Dl:backward(fake_in, bce:backward())
        -- The pixels' columns of the gradient at D's input.
        local grad_fake = lgan.tensor(B, 784)
        for r = 1, B do
          for c = 1, 784 do grad_fake:set(r, c, grad_in:get(r, c)) end
        end
        G2:backward(g_in, grad_fake)
        go:step()

        assert.is_true(math.abs(st.d_loss - (lr + lf)) < 1e-5)
        assert.is_true(math.abs(st.g_loss - lg) < 1e-5)
        local p1, p2 = G1:parameters(), G2:parameters()
        for i = 1, #p1 do assert.is_true(max_diff(p1[i], p2[i]) < 1e-5) end
        p1, p2 = D1:parameters(), D2:parameters()
        for i = 1, #p1 do assert.is_true(max_diff(p1[i], p2[i]) < 1e-5) end
      end)

    it("takes the labels as a Lua list too, as sample does", function()
      local real = lgan.Generator(5):rand(B, 784)
      local list, tensor = {}, lgan.tensor(B)
      for i = 1, B do list[i] = (i - 1) % C; tensor[i] = list[i] end
      local function model()
        local G, D = build()
        return lgan.GAN { generator = G, discriminator = D, seed = 7,
                          classes = C }
      end
      local a, b = model(), model()
      assert.are.same(a:step(real, tensor), b:step(real, list))
      assert.are.same(a:sample(B, { labels = tensor }):totable(),
        b:sample(B, { labels = list }):totable())
    end)

    it("tells missing labels from labels of the wrong type or length",
      function()
        local G, D = build()
        local g = lgan.GAN { generator = G, discriminator = D, classes = C }
        local real = lgan.tensor(2, 784)
        assert.has_error(function() g:step(real) end, "GAN:step: a "
          .. "conditional model needs labels: a tensor or a list of 2 "
          .. "classes, one per real row")
        assert.has_error(function() g:step(real, "0 1") end, "GAN:step: "
          .. "labels must be an lgan.Tensor or a list of classes, got string")
        assert.has_error(function() g:step(real, { 0, 1, 2 }) end,
          "GAN:step: 3 labels (a list) for 2 real rows; expected one per row")
        assert.has_error(function() g:step(real, lgan.tensor(3, 1)) end,
          "GAN:step: 3 labels (a tensor of size 3x1) for 2 real rows; "
          .. "expected one per row")
        local ok, e = pcall(g.sample, g, 2, { labels = { 0, C } })
        assert.is_false(ok)
        assert.truthy(e:find("^GAN:sample: label 2 is " .. C), e)
        assert.has_error(function() g:step(real, { 0, "1" }) end,
          "GAN:step: label 2 is string, expected a class from 0 to 2")
        assert.has_error(function() g:step(real, { 0, 3 }) end,
          "GAN:step: label 2 is 3, expected a class from 0 to 2")
      end)
  end)
end)
