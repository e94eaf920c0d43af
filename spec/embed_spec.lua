-- examples/embed/host.c, the C host of the README, run as a program
-- (make test builds it): what it writes and what it refuses.

local core = require "lgan.core"
local checkpoint = require "lgan.checkpoint"
local gan = require "lgan.gan"
local support = require "spec.support"
local quote, tmpdir, read = support.quote, support.tmpdir, support.read

local function host(args)
  local errf = os.tmpname()
  local _, _, status = os.execute(("build/embed/host %s 2>%s >/dev/null")
    :format(args, quote(errf)))
  local e = read(errf)
  os.remove(errf)
  return status, e
end

describe("the embedding host", function()
  local dir, model

  setup(function()
    dir = tmpdir()
    model = dir .. "/model.safetensors"
    local G, D = gan.build("mlp", core.Generator(4), 784, 10)
    checkpoint.save(model, gan.GAN { generator = G, discriminator = D,
                                     classes = 10 })
  end)
  teardown(function() os.execute("rm -rf " .. quote(dir)) end)

  it("writes a worksheet into a folder named anything, running no shell",
    function()
      local out = dir .. "/sheet $(touch " .. dir .. "/ran) `x`"
      local status, e = host(("%s %s 3 1"):format(quote(model), quote(out)))
      assert.are.equal(0, status, e)
      assert.are.equal("file", core.path_kind(out .. "/answers.json"))
      assert.is_nil(core.path_kind(dir .. "/ran"))
    end)

  it("makes no folder for a checkpoint it cannot read", function()
    local out = dir .. "/never"
    local status, e = host(("%s/missing %s"):format(quote(dir), quote(out)))
    assert.are.equal(1, status)
    assert.are.equal(("host: checkpoint.load: cannot open %s/missing: No "
      .. "such file or directory\n"):format(dir), e)
    assert.is_nil(core.path_kind(out))
  end)

  it("names a count that is not a whole number", function()
    local status, e = host(("%s %s/n abc"):format(quote(model), quote(dir)))
    assert.are.equal(2, status)
    assert.are.equal("host: ITEMS must be a positive integer, not 'abc'\n",
      e)
  end)
end)
