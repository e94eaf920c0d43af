-- Userdata lifecycles (csrc/lua_*.c): objects whose finaliser has
-- already run, finalisers run by hand, and the C module loaded again.
-- Each case ends in an error or in nothing at all, never in a crash; the
-- cases that matter at exit run in a child interpreter whose exit status
-- is checked, and `make check-memory` runs this file under valgrind.

local lgan = require "lgan"
local core = require "lgan.core"
local nn = lgan.nn

local function message(f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok)
  return err
end

-- A small GAN: 2 -> 3 -> 4 and 4 -> 1.
local function small_gan()
  local rng = lgan.Generator(1)
  return lgan.GAN {
    generator = nn.Sequential { nn.Linear(2, 3, rng), nn.ReLU(),
                                nn.Linear(3, 4, rng), nn.Tanh() },
    discriminator = nn.Sequential { nn.Linear(4, 1, rng), nn.Sigmoid() },
    seed = 2,
  }
end

-- Runs src in a fresh lua5.4 with this process's module paths; returns
-- whether it exited with status 0, and what it printed.
local function run_child(src)
  local file = os.tmpname()
  local f = assert(io.open(file, "w"))
  f:write(src)
  f:close()
  local p = assert(io.popen("lua5.4 " .. file .. " 2>&1"))
  local out = p:read("a")
  local ok, how, code = p:close()
  os.remove(file)
  return ok and how == "exit" and code == 0, out
end

describe("lifecycle", function()
  describe("GANStep", function()
    it("refuses every method once closed, and closes twice", function()
      local s = small_gan().step_core
      s:close()
      s:close()
      assert.are.equal("GAN:step: the step was closed",
        message(s.step, s, lgan.tensor(2, 4)))
      assert.are.equal("GAN:set_labels: the step was closed",
        message(s.set_labels, s, 1, 0))
    end)

    it("is closed by its finaliser called by hand", function()
      local s = small_gan().step_core
      getmetatable(s).__gc(s)
      assert.are.equal("GAN:step: the step was closed",
        message(s.step, s, lgan.tensor(2, 4)))
      getmetatable(s).__close(s)
    end)

    it("is closed at the end of a to-be-closed variable", function()
      local outer
      do
        local s <close> = small_gan().step_core
        outer = s
        s:step(lgan.tensor(2, 4))
      end
      assert.are.equal("GAN:step: the step was closed",
        message(outer.step, outer, lgan.tensor(2, 4)))
    end)

    it("raises, not crashes, when brought back after its finaliser",
      function()
        local saved = {}
        do
          local s = small_gan().step_core
          -- Marked for finalisation after s, so finalised before it:
          -- this finaliser resurrects s, whose own finaliser still runs.
          setmetatable({}, { __gc = function() saved.s = s end })
        end
        collectgarbage()
        collectgarbage()
        assert.are.equal("lgan.GANStep", lgan.type(saved.s))
        assert.are.equal("GAN:step: the step was closed",
          message(saved.s.step, saved.s, lgan.tensor(2, 4)))
      end)
  end)

  describe("objects that hold others' addresses", function()
    -- Under `make check-memory` a freed tensor or layer used here would
    -- be reported; without valgrind the results show the same objects.
    it("an optimizer keeps its tensors when state()'s tables are emptied",
      function()
        local opt, value
        do
          local w, g = lgan.tensor { 1, 2 }, lgan.tensor { 1, 1 }
          opt, value = core.optimizer("sgd", { { w, g } }, { lr = 0.5 }), w
          local st = opt:state()
          st.params[1][1], st.params[1][2] = nil, nil
          st.params[1] = nil
        end
        collectgarbage()
        collectgarbage()
        opt:step()
        assert.are.same({ 0.5, 1.5 }, value:totable())
        assert.are.equal(value, opt:state().params[1][1])
      end)

    it("a GAN step keeps its layers when the caller's lists change",
      function()
        local rng = lgan.Generator(1)
        local step, g_layers, d_layers
        do
          local G = nn.Sequential { nn.Linear(2, 3, rng), nn.Tanh(),
                                    nn.Linear(3, 4, rng) }
          local D = nn.Sequential { nn.Linear(4, 1, rng), nn.Sigmoid() }
          local g_opt, d_opt = lgan.optim.Adam(G), lgan.optim.Adam(D)
          g_layers, d_layers = G:core_layers(), D:core_layers()
          step = core.ganstep(g_layers, d_layers, g_opt.core, d_opt.core,
            rng)
        end
        for i = 1, #g_layers do g_layers[i] = core.activation("ReLU") end
        d_layers[1] = "not a layer"
        collectgarbage()
        collectgarbage()
        local stats = step:step(lgan.tensor(2, 4))
        assert.are.equal("number", type(stats.d_loss))
      end)
  end)

  describe("finalised objects of the other types", function()
    it("stay usable when a finaliser resurrects them", function()
      local saved = {}
      do
        local t = lgan.tensor { 1, 2, 3 }
        local view = t:view(3, 1)
        local b = core.bytes("abc", 3)
        local g = lgan.Generator(4)
        local layer = nn.Linear(3, 2, g)
        local opt = lgan.optim.Adam(layer)
        setmetatable({}, { __gc = function()
          saved.view, saved.b, saved.g = view, b, g
          saved.layer, saved.opt = layer, opt
        end })
      end
      collectgarbage()
      collectgarbage()
      assert.are.same({ { 1 }, { 2 }, { 3 } }, saved.view:totable())
      assert.are.equal("abc", saved.b:bytes())
      assert.are.equal("number", type(saved.g:uniform()))
      local y = saved.layer:forward(lgan.tensor { { 1, 2, 3 } })
      saved.layer:backward(lgan.tensor { { 1, 2, 3 } }, y)
      saved.opt:step()
    end)
  end)

  describe("the C module loaded again", function()
    it("works beside objects made by the first load", function()
      local t = lgan.tensor { 1, 2 }
      local loaded = package.loaded["lgan.core"]
      package.loaded["lgan.core"] = nil
      local again = require "lgan.core"
      package.loaded["lgan.core"] = loaded
      assert.are_not.equal(loaded, again)
      local u = again.tensor { 3, 4 }
      assert.are.same({ 4, 6 }, (t + u):totable())
      assert.are.equal("lgan.Tensor", again.type(t))
      assert.are.equal("Tensor:sum: argument 1: expected lgan.Tensor, "
        .. "got no value", message(u.sum))
    end)

    it("leaves the process to exit cleanly, closed objects included",
      function()
        local ok, out = run_child [[
          local lgan = require "lgan"
          local nn = lgan.nn
          local rng = lgan.Generator(1)
          local function gan()
            return lgan.GAN {
              generator = nn.Sequential { nn.Linear(2, 4, rng), nn.Tanh() },
              discriminator = nn.Sequential { nn.Linear(4, 1, rng),
                                              nn.Sigmoid() },
            }
          end
          local closed = gan()
          closed.step_core:close()
          local open = gan()
          open:step(lgan.tensor(3, 4))
          -- A finaliser that runs at exit, after lgan's objects became
          -- garbage, and uses them.
          setmetatable({}, { __gc = function()
            pcall(open.step, open, lgan.tensor(3, 4))
            pcall(closed.step, closed, lgan.tensor(3, 4))
          end })
          for _ = 1, 3 do
            package.loaded["lgan.core"] = nil
            package.loaded["lgan"] = nil
            local again = require "lgan"
            again.tensor { 1, 2 }:sum()
          end
          print("done")
          os.exit(0, true)
        ]]
        assert.are.equal("done\n", out)
        assert.is_true(ok)
      end)
  end)
end)
