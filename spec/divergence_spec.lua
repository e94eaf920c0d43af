-- Training that diverges stops with the step and the value, and leaves
-- the last good checkpoint as it was.
local train = require "lgan.train"
local support = require "spec.support"

describe("lgan.train", function()
  local dir = support.tmpdir()
  teardown(function() os.execute("rm -rf " .. support.quote(dir)) end)
  support.fake_mnist(dir, 128)

  local function trainer(epochs)
    return train.new { data = dir, out = dir .. "/run", epochs = epochs,
                       batch_size = 32, seed = 5 }
  end

  describe("run", function()
    it("stops at the step whose loss is NaN and keeps the checkpoint",
      function()
        local t = trainer(1)
        t:run()
        local path = t:checkpoint_path()
        local before = support.read(path)

        local resumed = train.resume(dir .. "/run", { epochs = 2 })
        local w = resumed.model.discriminator.modules[1].weight
        -- set() refuses NaN, fill() does not.
        w:fill(0 / 0)
        assert.are.equal("train: d_loss became NaN at step 5; training "
          .. "stopped", support.err(resumed.run, resumed))
        assert.are.equal(before, support.read(path))
      end)

    it("refuses to save weights that are not finite", function()
      local t = trainer(1)
      local b = t.model.generator.modules[1].bias
      b:fill(math.huge)
      assert.are.equal("train: 256 values of generator parameter 2 became "
        .. "NaN or infinite by step 0; training stopped, and " .. dir
        .. "/run/x.safetensors was left as it was",
        support.err(t.save_checkpoint, t, dir .. "/run/x.safetensors"))
      assert.is_nil(support.read(dir .. "/run/x.safetensors"))
    end)
  end)
end)
