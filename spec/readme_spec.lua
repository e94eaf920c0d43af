-- Every Lua block of README.md runs as written: in a folder of its own,
-- with a small made-up MNIST in data/mnist where the README expects it.
local core = require "lgan.core"
local support = require "spec.support"
local read = support.read

local function lua_blocks(text)
  local blocks = {}
  for block in text:gmatch("```lua\n(.-)```") do
    blocks[#blocks + 1] = block
  end
  return blocks
end

-- IDX files of n random images and labels, named as MNIST's.
local function fake_mnist(dir, n_train, n_test)
  os.execute("mkdir -p " .. dir)
  local rng = core.Generator(17)
  for _, split in ipairs { { "train", n_train }, { "t10k", n_test } } do
    local name, n = split[1], split[2]
    local images = core.bytes(n, 28, 28)
    local labels = core.bytes(n)
    for i = 1, n do
      labels:set(i, rng:random_int(10) - 1)
      for _ = 1, 40 do
        images:set(i, rng:random_int(28), rng:random_int(28), 255)
      end
    end
    core.write_idx(("%s/%s-images-idx3-ubyte"):format(dir, name), images)
    core.write_idx(("%s/%s-labels-idx1-ubyte"):format(dir, name), labels)
  end
end

describe("README.md", function()
  local top = io.popen("pwd"):read("l")
  local blocks = lua_blocks(read(top .. "/README.md"))

  it("has Lua blocks to run", function()
    assert.is_true(#blocks >= 1)
  end)

  for i, block in ipairs(blocks) do
    it(("block %d runs as written"):format(i), function()
      local dir = os.tmpname()
      os.remove(dir)
      fake_mnist(dir .. "/data/mnist", 256, 32)
      local f = assert(io.open(dir .. "/block.lua", "w"))
      f:write(block)
      f:close()
      local cmd = ("cd '%s' && LUA_PATH='%s/lua/?.lua;%s/lua/?/init.lua;;' "
        .. "LUA_CPATH='%s/build/?.so;;' lua5.4 block.lua 2>&1")
        :format(dir, top, top, top)
      local p = io.popen(cmd)
      local output = p:read("a")
      local ok = p:close()
      os.execute("rm -rf '" .. dir .. "'")
      assert.is_true(ok, output)
    end)
  end
end)
