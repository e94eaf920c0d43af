-- The GAN (lua/lgan/gan.lua, csrc/gan.c, csrc/lua_gan.c): the presets,
-- the fused step against the same update written with the Lua modules,
-- reproducibility, allocations and bad input.

local lgan = require "lgan"
local nn, optim = lgan.nn, lgan.optim
local support = require "spec.support"
local values = support.values


-- Largest |a - b| over two lists of tensors, and over b alone.
local function max_diff(as, bs)
  local worst, scale = 0, 0
  assert.are.equal(#as, #bs)
  for i = 1, #as do
    local d = as[i] - bs[i]
    worst = math.max(worst, d:max(), -d:min())
    scale = math.max(scale, bs[i]:max(), -bs[i]:min())
  end
  return worst, scale
end

local function mean_sigmoid(logits)
  local s = 0
  for _, x in ipairs(values(logits)) do s = s + 1 / (1 + math.exp(-x)) end
  return s / logits:numel()
end

local function clones(ts)
  local out = {}
  for i, t in ipairs(ts) do out[i] = t:clone() end
  return out
end

-- A real batch of n images in [-1, 1].
local function batch(n, seed)
  return lgan.Generator(seed or 5):rand(n, 784) * 2 - 1
end

-- A fused GAN on the preset's nets, initialised from init_seed.
local function fused(preset, init_seed, seed, opts)
  local G, D = lgan.gan.build(preset, lgan.Generator(init_seed))
  local o = { generator = G, discriminator = D, seed = seed }
  for k, v in pairs(opts or {}) do o[k] = v end
  return lgan.GAN(o), G, D
end

-- The update the fused step is specified to make, written with the Lua
-- modules: z from the GAN's noise stream; D's loss is BCE from the
-- logits (D without its final Sigmoid) on real and fake, the sum of the
-- two means; D takes an Adam step; then G takes one on -log D(G(z)),
-- with the same fakes through the updated D.
local function reference(preset, init_seed, seed, labels)
  labels = labels or { real = 1, fake = 0 }
  local G, D = lgan.gan.build(preset, lgan.Generator(init_seed))
  local adam = { lr = 2e-4, betas = { 0.5, 0.999 } }
  local g_opt, d_opt = optim.Adam(G, adam), optim.Adam(D, adam)
  local logits = nn.Sequential { table.unpack(D.modules, 1, #D.modules - 1) }
  local noise = lgan.Generator(seed, lgan.gan.STREAM.noise)
  local crit = nn.BCEWithLogitsLoss()
  local ref = { G = G, D = D, g_opt = g_opt, d_opt = d_opt }

  -- Returns the statistics and D's gradients of its own step.
  function ref.step(real)
    local z = noise:randn(real:size(1), lgan.gan.Z_DIM)
    local fake = G:forward(z):clone()
    local st = {}

    D:zero_grad()
    local l_real = crit:forward(logits:forward(real), labels.real)
    st.d_real = mean_sigmoid(logits.output)
    logits:backward(real, crit:backward())
    local l_fake = crit:forward(logits:forward(fake), labels.fake)
    st.d_fake = mean_sigmoid(logits.output)
    logits:backward(fake, crit:backward())
    st.d_loss = l_real + l_fake
    local _, d_grads = D:parameters()
    d_grads = clones(d_grads)
    d_opt:step()

    G:zero_grad()
    st.g_loss = crit:forward(logits:forward(fake), 1)
    G:backward(z, logits:backward(fake, crit:backward()))
    g_opt:step()
    return st, d_grads
  end
  return ref
end

-- Tolerances for "within float32 rounding".  The fused step runs D once
-- over the stacked real and fake rows and sums in another order than the
-- modules do, so its numbers differ from the reference's in the last
-- float32 places.  Losses and D(x) agree to about 1e-8 (measured 4e-9).
-- Gradients agree to within 1e-6 of their largest element (measured
-- 5e-7).  Weights are the delicate part: Adam's update is about
-- lr * g / (|g| + eps), so where a gradient is near zero, a
-- rounding-sized change in it moves the update by a visible fraction of
-- lr = 2e-4.  The largest weight difference measured is 1.3e-6 (it
-- depends on the compiler's vectorisation), and it does not grow from 1
-- to 3 steps; a wrong update (G stepped through D before D's update, or
-- with fresh z) differs by 4e-4.  1e-5, 5% of lr, sits between.
local STAT_TOL = 1e-6
local GRAD_RTOL = 1e-5
local WEIGHT_TOL = 1e-5

-- Copies one net's weights and Adam moments into another's.
local function sync(from_net, from_opt, to_net, to_opt)
  local p1, p2 = from_net:parameters(), to_net:parameters()
  for i = 1, #p1 do p2[i]:copy(p1[i]) end
  local s1, s2 = from_opt:state().params, to_opt:state().params
  for i = 1, #s1 do
    s2[i][3]:copy(s1[i][3])
    s2[i][4]:copy(s1[i][4])
  end
end

-- Steps the fused GAN and the reference on each batch of the list (or
-- `steps` times on one batch) and compares them as above after every
-- step; returns the largest weight differences of G and D.  Before each
-- step after the first the reference takes the fused GAN's weights and
-- moments, so that every step is compared from one state: over several
-- steps, rounding-sized differences can move a LeakyReLU input across
-- zero, and the two runs then part by more than rounding, as any two
-- float32 computations of the same net would.
local function assert_matches(fgan, G, D, ref, steps, real)
  local batches = real and {} or steps
  if real then
    for i = 1, steps do batches[i] = real end
  end
  steps = #batches
  local dg, dd = 0, 0
  for step = 1, steps do
    real = batches[step]
    if step > 1 then
      sync(G, fgan.g_optim, ref.G, ref.g_opt)
      sync(D, fgan.d_optim, ref.D, ref.d_opt)
    end
    local st = fgan:step(real)
    local want, d_grads = ref.step(real)
    for _, key in ipairs { "d_loss", "g_loss", "d_real", "d_fake" } do
      assert(math.abs(st[key] - want[key]) <= STAT_TOL,
        ("step %d %s: fused %.10g, modules %.10g"):format(step, key,
          st[key], want[key]))
    end
    do
      local _, fused_d = D:parameters()
      local diff, scale = max_diff(fused_d, d_grads)
      assert(diff <= GRAD_RTOL * scale, ("D gradients differ by %.3g of "
        .. "%.3g"):format(diff, scale))
      local _, fused_g = G:parameters()
      local _, ref_g = ref.G:parameters()
      diff, scale = max_diff(fused_g, ref_g)
      assert(diff <= GRAD_RTOL * scale, ("G gradients differ by %.3g of "
        .. "%.3g"):format(diff, scale))
    end
    dg = math.max(dg, (max_diff(G:parameters(), ref.G:parameters())))
    dd = math.max(dd, (max_diff(D:parameters(), ref.D:parameters())))
    assert(dg <= WEIGHT_TOL, ("step %d: G weights differ by %.3g")
      :format(step, dg))
    assert(dd <= WEIGHT_TOL, ("step %d: D weights differ by %.3g")
      :format(step, dd))
  end
  return dg, dd
end

describe("lgan.gan", function()
  describe("build", function()
    local function shape(seq)
      local out = {}
      for i, m in ipairs(seq.modules) do out[i] = tostring(m) end
      return table.concat(out, " ")
    end

    it("makes the reference MLP nets of the mlp preset", function()
      local G, D, p = lgan.gan.build("mlp", lgan.Generator(1))
      assert.are.equal("nn.Linear(100 -> 256) nn.LeakyReLU(0.2) "
        .. "nn.Linear(256 -> 512) nn.LeakyReLU(0.2) "
        .. "nn.Linear(512 -> 1024) nn.LeakyReLU(0.2) "
        .. "nn.Linear(1024 -> 784) nn.Tanh()", shape(G))
      assert.are.equal("nn.Linear(784 -> 512) nn.LeakyReLU(0.2) "
        .. "nn.Linear(512 -> 256) nn.LeakyReLU(0.2) "
        .. "nn.Linear(256 -> 1) nn.Sigmoid()", shape(D))
      assert.are.same({ -1, 1 }, p.range)
    end)

    it("makes the textbook's ReLU and Sigmoid nets of the seed preset",
      function()
        local G, D, p = lgan.gan.build("seed", lgan.Generator(1))
        assert.are.equal("nn.Linear(100 -> 256) nn.ReLU() "
          .. "nn.Linear(256 -> 512) nn.ReLU() "
          .. "nn.Linear(512 -> 1024) nn.ReLU() "
          .. "nn.Linear(1024 -> 784) nn.Sigmoid()", shape(G))
        assert.are.equal("nn.Linear(784 -> 512) nn.ReLU() "
          .. "nn.Linear(512 -> 256) nn.ReLU() "
          .. "nn.Linear(256 -> 1) nn.Sigmoid()", shape(D))
        assert.are.same({ 0, 1 }, p.range)
      end)

    it("draws the generator's weights first, from the given rng",
      function()
        local G1 = lgan.gan.build("mlp", lgan.Generator(9))
        local G2 = lgan.gan.build("mlp", lgan.Generator(9))
        local first = nn.Linear(100, 256, lgan.Generator(9))
        assert.are.same(values(first.weight),
          values(G1.modules[1].weight))
        assert.are.same(values(G1.modules[7].bias),
          values(G2.modules[7].bias))
      end)

    it("rejects an unknown preset", function()
      assert.has_error(function()
        lgan.gan.build("dcgan", lgan.Generator(1))
      end, 'gan.build: unknown preset "dcgan" (expected mlp or seed)')
    end)
  end)

  describe("GAN", function()
    describe("step", function()
      local B = 8

      it("matches the update written with the modules, after 1 step",
        function()
          local g, G, D = fused("mlp", 1, 7)
          assert_matches(g, G, D, reference("mlp", 1, 7), 1, batch(B))
        end)

      it("matches the update written with the modules, after 3 steps",
        function()
          local g, G, D = fused("mlp", 1, 7)
          assert_matches(g, G, D, reference("mlp", 1, 7), 3, batch(B))
        end)

      it("matches it for the seed preset (ReLU, Sigmoid output)",
        function()
          local g, G, D = fused("seed", 2, 3)
          local real = lgan.Generator(6):rand(B, 784)
          assert_matches(g, G, D, reference("seed", 2, 3), 2, real)
        end)

      it("matches it with smoothed labels", function()
        local g, G, D = fused("mlp", 4, 8, { real_label = 0.9,
          fake_label = 0.1 })
        assert_matches(g, G, D, reference("mlp", 4, 8,
          { real = 0.9, fake = 0.1 }), 2, batch(B))
      end)

      it("returns the statistics in their ranges", function()
        local st = fused("mlp", 1, 7):step(batch(B))
        assert.is_true(st.d_real > 0 and st.d_real < 1)
        assert.is_true(st.d_fake > 0 and st.d_fake < 1)
        assert.is_true(st.d_loss > 0 and st.g_loss > 0)
        -- At initialisation D guesses: each BCE is near log 2.
        assert.is_true(math.abs(st.d_loss - 2 * math.log(2)) < 0.1)
        assert.is_true(math.abs(st.g_loss - math.log(2)) < 0.1)
      end)

      it("gives the same losses bit for bit for the same seed", function()
        local a, b = fused("mlp", 1, 11), fused("mlp", 1, 11)
        for step = 1, 5 do
          local real = batch(B, step)
          local sa, sb = a:step(real), b:step(real)
          for _, key in ipairs { "d_loss", "g_loss", "d_real", "d_fake" } do
            assert(sa[key] == sb[key], ("step %d %s: %.17g and %.17g")
              :format(step, key, sa[key], sb[key]))
          end
        end
      end)

      it("gives other losses for another seed", function()
        local real = batch(B)
        local base = fused("mlp", 1, 11):step(real)
        local other_noise = fused("mlp", 1, 12):step(real)
        local other_init = fused("mlp", 2, 11):step(real)
        assert.are_not.equal(base.g_loss, other_noise.g_loss)
        assert.are_not.equal(base.d_fake, other_noise.d_fake)
        -- Same noise, same real batch, other weights.
        assert.are_not.equal(base.d_real, other_init.d_real)
      end)

      it("is not disturbed by sampling between steps", function()
        local a, b = fused("mlp", 1, 11), fused("mlp", 1, 11)
        local real = batch(B)
        a:step(real)
        b:step(real)
        b:sample(5)
        assert.are.same(a:step(real), b:step(real))
      end)

      -- The step splits every stage among lgan.set_threads() threads;
      -- each thread draws its own rows of the noise after skipping the
      -- rows before them.  3 threads split 5 rows of 7 noise values
      -- unevenly, so some parts start halfway through a Box-Muller pair.
      -- Weights are not compared there: at one step Adam moves each by
      -- about lr * sign(g), so where g is within rounding of 0 the two
      -- runs may move it opposite ways.
      describe("with another thread count", function()
        local before
        before_each(function() before = lgan.get_threads() end)
        after_each(function() lgan.set_threads(before) end)

        for _, threads in ipairs { 1, 3 } do
          it(("matches the modules with %d thread(s)"):format(threads),
            function()
              lgan.set_threads(threads)
              local g, G, D = fused("mlp", 1, 7)
              assert_matches(g, G, D, reference("mlp", 1, 7), 2, batch(B))
            end)
        end

        it("draws the same noise with 1 and 3 threads", function()
          local function small_gan()
            local rng = lgan.Generator(3)
            local G = nn.Sequential { nn.Linear(7, 16, rng),
              nn.LeakyReLU(0.2), nn.Linear(16, 12, rng), nn.Tanh() }
            local D = nn.Sequential { nn.Linear(12, 8, rng),
              nn.LeakyReLU(0.2), nn.Linear(8, 1, rng), nn.Sigmoid() }
            return lgan.GAN { generator = G, discriminator = D, seed = 4 },
              G, D
          end
          local real = lgan.Generator(8):rand(5, 12) * 2 - 1
          lgan.set_threads(1)
          local one, G1, D1 = small_gan()
          local st1 = { one:step(real), one:step(real) }
          lgan.set_threads(3)
          local three, G3, D3 = small_gan()
          local st3 = { three:step(real), three:step(real) }
          for step = 1, 2 do
            for _, key in ipairs { "d_loss", "g_loss", "d_real", "d_fake" } do
              assert(math.abs(st1[step][key] - st3[step][key]) <= STAT_TOL,
                ("step %d %s: %.10g with 1 thread, %.10g with 3"):format(
                  step, key, st1[step][key], st3[step][key]))
            end
          end
          for _, nets in ipairs { { G1, G3 }, { D1, D3 } } do
            local _, grads1 = nets[1]:parameters()
            local _, grads3 = nets[2]:parameters()
            local diff, scale = max_diff(grads3, grads1)
            assert(diff <= GRAD_RTOL * scale, ("gradients differ by %.3g "
              .. "of %.3g"):format(diff, scale))
          end
        end)
      end)

      it("takes a batch of one", function()
        local g, G, D = fused("mlp", 1, 7)
        assert_matches(g, G, D, reference("mlp", 1, 7), 1, batch(1))
      end)

      it("names the shapes when the batch does not fit", function()
        local g = fused("mlp", 1, 7)
        assert.has_error(function() g:step(lgan.tensor(4, 783)) end,
          "GAN:step: real batch has shape 4x783, expected n x 784")
        assert.has_error(function() g:step(lgan.tensor(784)) end,
          "GAN:step: real batch has shape 784, expected n x 784")
      end)

      it("refuses a batch holding NaN or inf, leaving the model as it was",
        function()
          local g, G = fused("mlp", 1, 7)
          local before = clones(G:parameters())
          local x = batch(4)
          x:narrow(1, 3, 1):mul(0):add(1):mul(1e38):mul(1e38)
          assert.has_error(function() g:step(x) end, "GAN:step: real batch "
            .. "holds inf at row 3, column 1; the model is left as it was")
          x:mul(0)
          assert.has_error(function() g:step(x) end, "GAN:step: real batch "
            .. "holds NaN at row 3, column 1; the model is left as it was")
          assert.are.equal(0, (max_diff(G:parameters(), before)))
        end)

      it("rejects a string where the batch belongs", function()
        assert.has_error(function() fused("mlp", 1, 7):step("x") end,
          "GAN:step: argument 2: expected lgan.Tensor, got string")
      end)

      it("asks for ':' when called with '.'", function()
        local g = fused("mlp", 1, 7)
        assert.has_error(function() g.step(batch(2)) end,
          "GAN:step: call it as a method, with ':'")
      end)
    end)

    describe("allocations", function()
      it("stops growing after the first step at a batch size", function()
        local g = fused("mlp", 1, 7)
        local real = batch(16)
        g:step(real)
        local after_first = g:allocations()
        for _ = 1, 3 do g:step(real) end
        assert.are.equal(after_first, g:allocations())
        -- Smaller batches fit in the same workspace.
        g:step(real:narrow(1, 8))
        g:step(real:narrow(1, 1))
        assert.are.equal(after_first, g:allocations())
        -- A larger one makes it grow, once.
        local big = batch(32)
        g:step(big)
        assert.are.equal(after_first + 1, g:allocations())
        g:step(big)
        g:step(real)
        assert.are.equal(after_first + 1, g:allocations())
      end)

      it("keeps matching the modules in a workspace grown for a larger "
        .. "batch", function()
          local g, G, D = fused("mlp", 1, 7)
          assert_matches(g, G, D, reference("mlp", 1, 7),
            { batch(8, 1), batch(16, 2), batch(4, 3) })
        end)
    end)

    describe("sample", function()
      it("gives n images in the model's pixel range", function()
        local g = fused("mlp", 1, 7)
        local s = g:sample(5)
        assert.are.same({ 5, 784 }, s:size())
        assert.is_true(s:max() <= 1 and s:min() >= -1)
        assert.are.equal(0, s:count_nonfinite())
      end)

      it("uses the noise it is given", function()
        local g, G = fused("mlp", 1, 7)
        local z = lgan.Generator(3):randn(4, 100)
        local expected = G:forward(z):totable()
        assert.are.same(expected, g:sample(4, { z = z }):totable())
      end)

      it("draws the same samples for the same seed", function()
        local a, b = fused("mlp", 1, 7), fused("mlp", 1, 7)
        assert.are.same(a:sample(3):totable(), b:sample(3):totable())
        assert.are_not.same(a:sample(3):totable(), a:sample(3):totable())
      end)

      it("rejects a bad n, a bad z and a '.' call", function()
        local g = fused("mlp", 1, 7)
        assert.has_error(function() g:sample(0) end,
          "GAN:sample: n must be a positive integer, got 0")
        -- Named before any tensor is made: 1e8 rows of the widest layer
        -- (1024) are more than a tensor holds.
        assert.has_error(function() g:sample(1e8) end,
          "GAN:sample: n is 100000000, above this generator's limit of "
          .. "2097151 (n rows of its widest layer, 1024 values each, must "
          .. "fit in one tensor of at most 2147483647 values)")
        assert.has_error(function()
          g:sample(2, { z = lgan.tensor(2, 99) })
        end, "GAN:sample: z has 99 columns, expected 100 (the generator's "
          .. "noise size)")
        assert.has_error(function() g.sample(3) end,
          "GAN:sample: call it as a method, with ':'")
      end)

      it("refuses a z of other than n rows, or not n x z_dim", function()
        local g = fused("mlp", 1, 7)
        local rng = lgan.Generator(3)
        assert.has_error(function()
          g:sample(3, { z = rng:randn(4, 100) })
        end, "GAN:sample: z has 4 rows, expected n = 3")
        assert.has_error(function()
          g:sample(3, { z = rng:randn(3, 101) })
        end, "GAN:sample: z has 101 columns, expected 100 (the "
          .. "generator's noise size)")
        assert.has_error(function()
          g:sample(1, { z = rng:randn(100) })
        end, "GAN:sample: z must be n x 100, got a tensor of size 100")
        assert.has_error(function() g:sample(3, { z = { 1, 2, 3 } }) end,
          "GAN:sample: z must be an lgan.Tensor, got table")
        -- n is checked with z too: z gives the noise, not the count.
        assert.has_error(function()
          g:sample(nil, { z = rng:randn(3, 100) })
        end, "GAN:sample: n must be a positive integer, got nil")
      end)

      it("refuses an unknown option, and an rng beside z", function()
        local g = fused("mlp", 1, 7)
        local z = lgan.Generator(3):randn(2, 100)
        assert.has_error(function() g:sample(2, { Z = z }) end,
          "GAN:sample: unknown option 'Z' (expected one of z, rng, labels)")
        assert.has_error(function()
          g:sample(2, { z = z, rng = lgan.Generator(4) })
        end, "GAN:sample: rng is unused when z is given")
        assert.has_error(function() g:sample(2, 5) end,
          "GAN:sample: opts must be a table, got number")
      end)

      it("refuses labels of other than n rows in a conditional model",
        function()
          local G, D = lgan.gan.build("mlp", lgan.Generator(2), 784, 3)
          local g = lgan.GAN { generator = G, discriminator = D,
                               classes = 3 }
          assert.are.same({ 2, 784 },
            g:sample(2, { labels = { 0, 2 } }):size())
          assert.has_error(function()
            g:sample(3, { labels = { 0, 1 } })
          end, "GAN:sample: 2 labels, expected n = 3")
        end)
    end)

    describe("new", function()
      local function nets()
        return lgan.gan.build("mlp", lgan.Generator(1))
      end

      it("wants two Sequential nets and an integer seed", function()
        local G, D = nets()
        assert.has_error(function() lgan.GAN("x") end,
          "GAN: expected a table of options, got string")
        assert.has_error(function() lgan.GAN { generator = G } end,
          "GAN: discriminator must be an nn.Sequential, got nil")
        assert.has_error(function()
          lgan.GAN { generator = G, discriminator = nn.Linear(784, 1) }
        end, "GAN: discriminator must be an nn.Sequential, got "
          .. "lgan.nn.Linear")
        assert.has_error(function()
          lgan.GAN { generator = G, discriminator = D, seed = 1.5 }
        end, "GAN: seed must be an integer, got 1.5")
      end)

      it("refuses an unknown option, naming it and the known ones",
        function()
          local G, D = nets()
          assert.has_error(function()
            lgan.GAN { generator = G, discriminator = D, lrr = 1 }
          end, "GAN: unknown option 'lrr' (expected one of generator, "
            .. "discriminator, seed, lr, betas, g_optim, d_optim, "
            .. "real_label, fake_label, range, classes)")
        end)

      it("refuses lr and betas that both optimizers given leave unused",
        function()
          local G, D = nets()
          local function given(extra)
            local o = { generator = G, discriminator = D,
                        g_optim = optim.Adam(G), d_optim = optim.Adam(D) }
            for k, v in pairs(extra) do o[k] = v end
            return function() return lgan.GAN(o) end
          end
          assert.has_error(given { lr = 1 }, "GAN: lr is unused when "
            .. "g_optim and d_optim are both given; set it on those "
            .. "optimizers")
          assert.has_error(given { betas = { 0.5, 0.9 } }, "GAN: betas is "
            .. "unused when g_optim and d_optim are both given; set it on "
            .. "those optimizers")
        end)

      it("takes every option it documents", function()
        local G, D = nets()
        local g = lgan.GAN { generator = G, discriminator = D, seed = 3,
          lr = 1e-3, betas = { 0.6, 0.9 }, real_label = 0.9,
          fake_label = 0.1, range = { 0, 1 }, classes = 0 }
        assert.are.same({ 3, 0.9, 0.1, 0, 1 }, { g.seed, g.real_label,
          g.fake_label, g.range[1], g.range[2] })
        assert.are.equal(support.f32(1e-3), g.g_optim:config().lr)
        assert.are.equal(support.f32(0.6), g.d_optim:config().beta1)
        -- With one optimizer given, lr still sets the other.
        local sgd = optim.SGD(G, { lr = 0.1 })
        g = lgan.GAN { generator = G, discriminator = D, g_optim = sgd,
                       lr = 0.5 }
        assert.are.equal(sgd, g.g_optim)
        assert.are.equal(support.f32(0.5), g.d_optim:config().lr)
      end)

      it("names what does not fit between the nets", function()
        local rng = lgan.Generator(1)
        local function gan(g, d)
          return lgan.GAN { generator = nn.Sequential(g),
            discriminator = nn.Sequential(d) }
        end
        assert.has_error(function()
          gan({ nn.Linear(3, 4, rng) }, { nn.Linear(5, 1, rng) })
        end, "GAN: discriminator: takes 5 features but the generator "
          .. "gives 4 and there are 0 classes")
        assert.has_error(function()
          gan({ nn.Linear(3, 4, rng) }, { nn.Linear(4, 2, rng) })
        end, "GAN: discriminator: gives 2 outputs, expected 1")
        assert.has_error(function()
          gan({ nn.Linear(3, 4, rng) }, { nn.Linear(4, 1, rng), nn.Tanh() })
        end, "GAN: discriminator: must end in Linear or Sigmoid, not Tanh")
        assert.has_error(function()
          gan({ nn.ReLU(), nn.Linear(3, 4, rng) }, { nn.Linear(4, 1, rng) })
        end, "GAN: generator: layer 1 (ReLU) must follow a Linear layer")
        assert.has_error(function()
          gan({ nn.Linear(3, 4, rng), nn.Linear(5, 4, rng) },
            { nn.Linear(4, 1, rng) })
        end, "GAN: generator: layer 2 takes 5 features but the layer "
          .. "before gives 4")
      end)

      it("shows both nets in tostring", function()
        local G, D = nets()
        local s = tostring(lgan.GAN { generator = G, discriminator = D })
        assert.matches("^lgan%.GAN\ngenerator: nn%.Sequential {\n", s)
        assert.matches("discriminator: nn%.Sequential {\n  %(1%) "
          .. "nn%.Linear%(784 %-> 512%)", s)
      end)
    end)
  end)
end)
