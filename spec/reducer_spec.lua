-- The reducing path of the fused step (data-parallel training) with a
-- reducer for one process: gradients move into one flat buffer per
-- network, and every number stays as it was.
local lgan = require "lgan"

local function run(with_reducer)
  local G, D = lgan.gan.build("mlp", lgan.Generator(1), 784, 0)
  local gan = lgan.GAN { generator = G, discriminator = D, seed = 3 }
  if with_reducer then
    gan.step_core:set_reducer(lgan.core.single_reducer())
  end
  local data = lgan.Generator(4)
  local losses = {}
  for _ = 1, 4 do
    local st = gan:step(data:rand(16, 784))
    losses[#losses + 1] = ("%a %a"):format(st.d_loss, st.g_loss)
  end
  collectgarbage()
  local params, grads = G:parameters()
  return table.concat(losses, " "), params[1]:tobytes(), grads[1]:tobytes()
end

describe("GAN", function()
  describe("set_reducer", function()
    it("changes nothing alone: same losses, weights and gradients",
      function()
        local l1, w1, g1 = run(false)
        local l2, w2, g2 = run(true)
        assert.are.equal(l1, l2)
        assert.are.equal(w1, w2)
        assert.are.equal(g1, g2)
      end)

    it("wants a reducer", function()
      local G, D = lgan.gan.build("mlp", lgan.Generator(1))
      local gan = lgan.GAN { generator = G, discriminator = D }
      assert.has_error(function() gan.step_core:set_reducer({}) end,
        "GAN:set_reducer: argument 2: expected lgan.Reducer, got table")
    end)
  end)
end)
