-- Checkpoints (lua/lgan/checkpoint.lua) and resuming a training run
-- (lua/lgan/train.lua), on a small data set the spec makes: 256 random
-- 28 x 28 images, batches of 32, so 8 steps an epoch.

local cjson = require "cjson"
local core = require "lgan.core"
local checkpoint = require "lgan.checkpoint"
local gan = require "lgan.gan"
local nn = require "lgan.nn"
local train = require "lgan.train"
local support = require "spec.support"
local make_data = support.fake_mnist
local quote = support.quote
local tmpdir = support.tmpdir
local read = support.read
local write = support.write
local listing = support.listing
local err = support.err

-- A checkpoint's tensors (name -> bytes) and its lgan metadata without
-- the training time, which is all that may differ between a resumed run
-- and a straight one.
local function state(path)
  local ck = checkpoint.load(path)
  local bytes = {}
  for name, t in pairs(ck.tensors) do bytes[name] = t.bytes end
  ck.meta.seconds = nil
  return bytes, ck.meta, ck
end

-- metrics.csv without the seconds column.
local function losses(run)
  local rows = {}
  for line in io.lines(run .. "/metrics.csv") do
    rows[#rows + 1] = line:gsub(",[^,]*$", "")
  end
  return rows
end

local function assert_same_run(a, b)
  local ta, ma = state(a .. "/checkpoint.safetensors")
  local tb, mb = state(b .. "/checkpoint.safetensors")
  local names = 0
  for name, bytes in pairs(ta) do
    names = names + 1
    assert.is_true(bytes == tb[name], name .. " differs")
  end
  for name in pairs(tb) do assert.is_truthy(ta[name], name) end
  assert.are.equal(42, names)
  assert.are.same(ma, mb)
  assert.are.same(losses(a), losses(b))
end

-- The header (decoded) and the data of a safetensors file.
local function split(path)
  local s = read(path)
  local n = string.unpack("<I8", s)
  return cjson.decode(s:sub(9, 8 + n)), s:sub(9 + n)
end

-- Writes dst as src with its header changed by edit(header, data).
local function rewrite(src, dst, edit)
  local header, data = split(src)
  edit(header, data)
  local json = cjson.encode(header)
  write(dst, string.pack("<I8", #json) .. json .. data)
end

describe("lgan.checkpoint", function()
  local dir, data

  setup(function()
    dir = tmpdir()
    data = make_data(dir, 256)
  end)
  teardown(function() os.execute("rm -rf " .. quote(dir)) end)

  local function new_trainer(out, opts)
    local o = { data = data, out = dir .. "/" .. out, batch_size = 32,
                epochs = 1 }
    for k, v in pairs(opts or {}) do o[k] = v end
    return train.new(o)
  end

  describe("save", function()
    it("names tensors as PyTorch's state dict, weights [out, in]",
      function()
      local t = new_trainer("names"):run()
      local ck = checkpoint.load(t:checkpoint_path())
      local shapes = {}
      for _, name in ipairs(ck.names) do
        shapes[name] = table.concat(ck.tensors[name].shape, "x")
      end
      assert.are.equal("256x100", shapes["generator.0.weight"])
      assert.are.equal("256", shapes["generator.0.bias"])
      assert.are.equal("784x1024", shapes["generator.6.weight"])
      assert.are.equal("1x256", shapes["discriminator.4.weight"])
      assert.are.equal("512x784",
        shapes["optim.discriminator.0.weight.exp_avg_sq"])
      assert.are.equal("784", shapes["optim.generator.6.bias.exp_avg"])
      assert.are.equal(42, #ck.names)
      assert.are.equal(t.model.generator.modules[1].weight:tobytes(),
        ck.tensors["generator.0.weight"].bytes)
    end)

    it("stores the run's state in the metadata", function()
      local t = new_trainer("meta"):run()
      local m = checkpoint.load(t:checkpoint_path()).meta
      assert.are.equal("lgan.checkpoint", m.format)
      assert.are.equal(1, m.version)
      assert.are.equal("mlp", m.architecture.preset)
      assert.are.same({ kind = "LeakyReLU", slope = 0.2 },
        m.architecture.generator[2])
      assert.are.same({ kind = "Linear", in_features = 100,
                        out_features = 256 }, m.architecture.generator[1])
      assert.are.same({ kind = "Tanh" }, m.architecture.generator[8])
      assert.are.equal(32, m.hyper.batch_size)
      assert.are.equal(2e-4, m.hyper.lr)
      assert.are.equal(8, m.step)
      assert.are.equal(1, m.epoch)
      assert.are.equal(8, m.optim.generator.step)
      assert.are.same({ epoch = 1, position = 8, images = 256,
                        rng_state = t.loader:state().rng_state }, m.loader)
      assert.are.equal(t.model.rng:state(), m.rng.noise)
      assert.are.equal(t.loader.rng:state(), m.rng.shuffle)
    end)

    it("writes a header that ends on an 8-byte boundary", function()
      local t = new_trainer("align"):run()
      local n = string.unpack("<I8", read(t:checkpoint_path()))
      assert.are.equal(0, n % 8)
    end)

    it("writes the same bytes for the same state", function()
      local model = gan.GAN((function()
        local G, D = gan.build("mlp", core.Generator(1))
        return { generator = G, discriminator = D, seed = 3 }
      end)())
      checkpoint.save(dir .. "/a.safetensors", model, { note = "x" })
      checkpoint.save(dir .. "/b.safetensors", model, { note = "x" })
      assert.are.equal(read(dir .. "/a.safetensors"),
        read(dir .. "/b.safetensors"))
      assert.are.same({ note = "x" },
        checkpoint.load(dir .. "/a.safetensors").meta.info)
    end)

    it("refuses what is not a GAN", function()
      assert.are.equal("checkpoint.save: expected an lgan.GAN or a trainer, "
        .. "got number", err(checkpoint.save, dir .. "/x", 3))
      assert.are.equal("checkpoint.save: path must be a string, got nil",
        err(checkpoint.save, nil, {}))
    end)
  end)

  describe("gan", function()
    it("rebuilds a GAN that steps on exactly as the saved one", function()
      local t = new_trainer("rebuild"):run()
      local copy = checkpoint.gan(checkpoint.load(t:checkpoint_path()))
      local batch = core.Generator(5):rand(32, 784)
      local a = t.model:step(batch)
      local b = copy:step(batch)
      assert.are.same(a, b)
      assert.are.equal(t.model.generator.modules[7].weight:tobytes(),
        copy.generator.modules[7].weight:tobytes())
    end)
  end)

  describe("gan (SGD)", function()
    it("rebuilds SGD optimizers with their settings", function()
      local optim = require "lgan.optim"
      local G, D = gan.build("mlp", core.Generator(4))
      local model = gan.GAN { generator = G, discriminator = D, seed = 2,
        g_optim = optim.SGD(G, { lr = 0.05, momentum = 0.9, dampening = 0.1,
                                 nesterov = false, weight_decay = 0.01 }),
        d_optim = optim.SGD(D, { lr = 0.02 }) }
      local real = core.Generator(5):rand(8, 784)
      model:step(real)
      local path = dir .. "/sgd.safetensors"
      checkpoint.save(path, model)
      local copy = checkpoint.gan(checkpoint.load(path))
      assert.are.same(model.g_optim:config(), copy.g_optim:config())
      assert.are.same(model.d_optim:config(), copy.d_optim:config())
      assert.are.same(model:step(real), copy:step(real))
    end)
  end)

  describe("gan (conditional)", function()
    it("keeps the classes and steps on exactly", function()
      local G, D = gan.build("mlp", core.Generator(4), 784, 3)
      local model = gan.GAN { generator = G, discriminator = D, seed = 7,
                              classes = 3 }
      local real = core.Generator(5):rand(8, 784)
      local labels = core.tensor { 0, 1, 2, 0, 1, 2, 0, 1 }
      model:step(real, labels)
      local path = dir .. "/cgan.safetensors"
      checkpoint.save(path, model)
      local ck = checkpoint.load(path)
      assert.are.same({ 100, 784, 3 }, { ck.meta.architecture.z_dim,
        ck.meta.architecture.x_dim, ck.meta.architecture.classes })
      local copy = checkpoint.gan(ck)
      assert.are.equal(3, copy.classes)
      assert.are.same(model:step(real, labels), copy:step(real, labels))
      assert.are.equal(model:sample(6):tobytes(), copy:sample(6):tobytes())
    end)
  end)

  describe("restore", function()
    it("refuses another architecture and changes nothing", function()
      local t = new_trainer("restore"):run()
      local ck = checkpoint.load(t:checkpoint_path())
      local init = core.Generator(2)
      local G = nn.Sequential { nn.Linear(100, 128, init), nn.ReLU(),
                                nn.Linear(128, 784, init), nn.Tanh() }
      local _, D = gan.build("mlp", init)
      local other = gan.GAN { generator = G, discriminator = D }
      local before = G.modules[1].weight:tobytes()
      local rng = other.rng:state()
      assert.are.equal(("checkpoint.restore: %s holds another architecture: "
        .. "generator layer 0 is Linear(100 -> 256) in the checkpoint, "
        .. "Linear(100 -> 128) in the model"):format(ck.path),
        err(checkpoint.restore, ck, other))
      assert.are.equal(before, G.modules[1].weight:tobytes())
      assert.are.equal(rng, other.rng:state())
    end)
  end)

  describe("resume", function()
    it("2 epochs, then a third, equal 3 straight, bit for bit", function()
      new_trainer("straight", { epochs = 3 }):run()
      new_trainer("resumed", { epochs = 2 }):run()
      local t = train.resume(dir .. "/resumed", { epochs = 3 })
      assert.are.equal(16, t.step)
      local _, how = t:run()
      assert.are.equal("done", how)
      assert_same_run(dir .. "/straight", dir .. "/resumed")
    end)

    it("a new trainer refuses a folder holding a run, leaving it whole",
      function()
        new_trainer("taken"):run()
        local path = dir .. "/taken/checkpoint.safetensors"
        local before = read(path)
        local metrics = read(dir .. "/taken/metrics.csv")
        local t = new_trainer("taken", { seed = 2 })
        assert.are.equal(path, t:earlier_run_file())
        assert.are.equal(("train: %s/taken holds a run already (%s); carry "
          .. "it on with train.resume, or give another out"):format(dir,
          path), err(t.run, t))
        assert.are.equal(before, read(path))
        assert.are.equal(metrics, read(dir .. "/taken/metrics.csv"))
        -- The trainer that made the run may go on with it.
        local again = new_trainer("again", { epochs = 1 })
        again:run()
        again.opts.epochs = 2
        assert.are.equal("done", select(2, again:run()))
      end)

    it("keeps every row and the clock when a hook raises, and checks "
      .. "hooks", function()
        local t = new_trainer("hook", { epochs = 2 })
        local ok, e = pcall(t.run, t, { step = function(i)
          if i.step == 5 then error("hook failed", 0) end
        end })
        assert.is_false(ok)
        assert.are.equal("hook failed", e)
        local rows = {}
        for line in io.lines(dir .. "/hook/metrics.csv") do
          rows[#rows + 1] = line
        end
        assert.are.equal(1 + 5, #rows)
        assert.is_true(t.seconds > 0)
        t:run()
        local steps, last = {}, -1
        for line in io.lines(dir .. "/hook/metrics.csv") do
          local step, secs = line:match("^(%d+),.*,([%d.]+)$")
          if step then
            steps[#steps + 1] = tonumber(step)
            assert.is_true(tonumber(secs) >= last, line)
            last = tonumber(secs)
          end
        end
        assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                          16 }, steps)
        assert.are.equal("Trainer:run: hook step must be a function, got "
          .. "number", err(t.run, t, { step = 5 }))
      end)

    it("resumes mid-epoch exactly", function()
      new_trainer("straight2", { epochs = 2 }):run()
      local t = new_trainer("mid", { epochs = 2 })
      local calls = 0
      local _, how = t:run { interrupted = function()
        calls = calls + 1
        return t.step == 11
      end }
      assert.are.equal("interrupted", how)
      assert.are.equal(11, t.step)
      local ck = checkpoint.load(t:checkpoint_path())
      assert.are.same({ 2, 3, 1 }, { ck.meta.loader.epoch,
        ck.meta.loader.position, ck.meta.epoch })
      -- Rows of the steps after the checkpoint (as a killed run would
      -- leave) are dropped when the run carries on.
      local f = assert(io.open(dir .. "/mid/metrics.csv", "a"))
      f:write("12,2,9,9,9,9,9\n13,2,9")
      f:close()
      local r = train.resume(dir .. "/mid")
      assert.are.equal("done", select(2, r:run()))
      assert_same_run(dir .. "/straight2", dir .. "/mid")
    end)

    it("resumes exactly after an interruption at an epoch's end", function()
      local t = new_trainer("edge", { epochs = 2 })
      local _, how = t:run { interrupted = function()
        return t.step == 8
      end }
      assert.are.equal("interrupted", how)
      assert.are.same({ 8, 1 }, { t.step, t.epoch })
      train.resume(dir .. "/edge"):run()
      assert_same_run(dir .. "/straight2", dir .. "/edge")
    end)

    it("refuses options that disagree, naming both values", function()
      new_trainer("opts"):run()
      local path = dir .. "/opts/checkpoint.safetensors"
      local before = read(path)
      assert.are.equal(("train.resume: batch_size is 32 in %s, not 64")
        :format(path), err(train.resume, dir .. "/opts",
          { batch_size = 64 }))
      assert.are.equal(("train.resume: preset is mlp in %s, not seed")
        :format(path), err(train.resume, path, { preset = "seed" }))
      assert.are.equal(("train.resume: lr is 0.0002 in %s, not 0.001")
        :format(path), err(train.resume, path, { lr = 1e-3 }))
      assert.are.equal(before, read(path))
      assert.are.equal(0, #train.disagreements(checkpoint.load(path),
        { batch_size = 32, lr = 2e-4, preset = "mlp", seed = 1 }))
    end)

    it("refuses a checkpoint of another architecture", function()
      local t = new_trainer("arch")
      local init = core.Generator(2)
      local G = nn.Sequential { nn.Linear(100, 128, init), nn.LeakyReLU(0.2),
                                nn.Linear(128, 784, init), nn.Tanh() }
      local _, D = gan.build("mlp", init)
      t.model = gan.GAN { generator = G, discriminator = D, seed = 1 }
      t:run()
      local path = t:checkpoint_path()
      local before, files = read(path), listing(dir .. "/arch")
      assert.are.equal(("train.resume: %s holds another architecture than "
        .. "preset mlp: generator layer 0 is Linear(100 -> 128) in the "
        .. "checkpoint, Linear(100 -> 256) in the model"):format(path),
        err(train.resume, dir .. "/arch", { epochs = 2 }))
      assert.are.equal(before, read(path))
      assert.are.equal(files, listing(dir .. "/arch"))
    end)

    it("refuses data with another number of images", function()
      new_trainer("count"):run()
      local other = tmpdir()
      make_data(other, 128)
      assert.are.equal(("train.resume: %s/count/checkpoint.safetensors was "
        .. "trained on 256 images; %s holds 128"):format(dir, other),
        err(train.resume, dir .. "/count", { data = other }))
      os.execute("rm -rf " .. quote(other))
    end)

    it("refuses a checkpoint of a GAN alone", function()
      local G, D = gan.build("mlp", core.Generator(1))
      local path = dir .. "/bare.safetensors"
      checkpoint.save(path, gan.GAN { generator = G, discriminator = D })
      assert.are.equal(("train.resume: %s holds a GAN but not a training "
        .. "run to resume"):format(path), err(train.resume, path))
    end)
  end)

  describe("load", function()
    local good, bad

    setup(function()
      local t = new_trainer("good")
      t:run()
      good = t:checkpoint_path()
      bad = dir .. "/bad/checkpoint.safetensors"
      assert(os.execute("mkdir -p " .. quote(dir .. "/bad")))
    end)

    -- Makes bad from good with make(), then checks that loading it (and
    -- resuming from its folder) fails with the message, which may be a
    -- pattern when plain is false, and changes no file.
    local function refused(make, message, plain)
      make()
      local bytes = read(bad)
      local files = listing(dir .. "/bad")
      for _, load in ipairs { checkpoint.load,
                              function(p) return train.resume(p) end } do
        local e = err(load, bad)
        local prefix = "checkpoint.load: " .. bad .. ": "
        assert.are.equal(prefix, e:sub(1, #prefix))
        if plain == false then
          assert.matches(message, e:sub(#prefix + 1))
        else
          assert.are.equal(message, e:sub(#prefix + 1))
        end
        assert.are.equal(bytes, read(bad))
        assert.are.equal(files, listing(dir .. "/bad"))
      end
    end

    local function edit(f)
      return function() rewrite(good, bad, f) end
    end

    it("loads what save wrote", function()
      local ck = checkpoint.load(good)
      assert.are.equal(good, ck.path)
      assert.are.equal(42, #ck.names)
    end)

    it("refuses a file too short for a header", function()
      refused(function() write(bad, read(good):sub(1, 5)) end,
        "the file is 5 bytes, too short for a safetensors header "
        .. "(8-byte length, then JSON)")
    end)

    it("refuses a truncated file", function()
      local s = read(good)
      refused(function() write(bad, s:sub(1, #s // 2)) end,
        "^tensor [%w%._]+: data_offsets %[%d+, %d+%] fall outside the %d+ "
        .. "bytes of data$", false)
    end)

    it("refuses a header length past the end of the file", function()
      local s = read(good)
      refused(function()
        write(bad, string.pack("<I8", #s) .. s:sub(9))
      end, ("header length %d runs past the end of the file (%d bytes); "
        .. "the file is truncated"):format(#s, #s))
    end)

    it("refuses an absurd header length", function()
      local s = read(good)
      refused(function()
        write(bad, string.pack("<I8", 1 << 40) .. s:sub(9))
      end, "header length 1099511627776 is over the limit of 104857600 "
        .. "bytes; the file is not a safetensors file or is corrupt")
      refused(function()
        write(bad, string.pack("<i8", -1) .. s:sub(9))
      end, "^header length 18446744073709551616 is over the limit", false)
    end)

    it("refuses a header that is not JSON", function()
      refused(function()
        local json = '{"a": nope}'
        write(bad, string.pack("<I8", #json) .. json)
      end, "^the header is not JSON %(.+%)$", false)
    end)

    it("refuses a header that is not an object", function()
      refused(function()
        write(bad, string.pack("<I8", 6) .. "[1, 2]")
      end, "the header is not a JSON object")
      refused(function()
        write(bad, string.pack("<I8", 4) .. "3.25")
      end, "the header is not a JSON object")
    end)

    it("refuses a tensor whose shape does not fit the architecture",
      function()
      refused(edit(function(h)
        h["generator.0.weight"].shape = { 100, 256 }
      end), "tensor generator.0.weight has shape [100, 256], but the "
        .. "architecture needs [256, 100]")
    end)

    it("refuses a dtype other than F32", function()
      refused(edit(function(h)
        h["generator.0.bias"].dtype = "F16"
      end), "tensor generator.0.bias has dtype F16; lgan reads F32 only")
    end)

    it("refuses entries without dtype, shape or data_offsets", function()
      for _, key in ipairs { "dtype", "shape", "data_offsets" } do
        local what = key == "dtype" and "no dtype"
          or key == "shape" and "no shape (a list of sizes)"
          or "no data_offsets (a list of two byte offsets)"
        refused(edit(function(h) h["generator.2.bias"][key] = nil end),
          "tensor generator.2.bias: " .. what)
      end
    end)

    it("refuses overlapping data offsets", function()
      refused(edit(function(h)
        h["optim.generator.0.bias.exp_avg_sq"].data_offsets =
          h["optim.generator.0.bias.exp_avg"].data_offsets
      end), "^tensors optim%.generator%.0%.bias%.exp_avg and "
        .. "optim%.generator%.0%.bias%.exp_avg_sq overlap %(data_offsets "
        .. "%[(%d+), (%d+)%] and %[%1, %2%]%)$", false)
      refused(edit(function(h)
        local o = h["generator.0.bias"].data_offsets
        h["generator.0.bias"].data_offsets = { o[1] + 4, o[2] + 4 }
      end), "^tensors generator%.0%.bias and generator%.0%.weight overlap",
      false)
    end)

    it("refuses data offsets outside the file", function()
      local _, data_bytes = split(good)
      refused(edit(function(h)
        h["generator.0.bias"].data_offsets = { #data_bytes,
                                               #data_bytes + 1024 }
      end), ("tensor generator.0.bias: data_offsets [%d, %d] fall outside "
        .. "the %d bytes of data"):format(#data_bytes, #data_bytes + 1024,
        #data_bytes))
    end)

    it("refuses data offsets that do not match the shape", function()
      refused(edit(function(h)
        h["generator.0.bias"].data_offsets = { 0, 100 }
      end), "tensor generator.0.bias: data_offsets [0, 100] hold 100 bytes, "
        .. "but shape [256] of F32 needs 1024")
    end)

    it("refuses missing and extra tensors", function()
      refused(edit(function(h) h["generator.2.bias"] = nil end),
        "tensor generator.2.bias is missing")
      refused(edit(function(h)
        h["optim.generator.0.bias.exp_avg_sq"] = nil
      end), "tensor optim.generator.0.bias.exp_avg_sq is missing")
      refused(edit(function(h)
        h["generator.9.weight"] = { dtype = "F32", shape = { 0 },
                                    data_offsets = { 0, 0 } }
      end), "tensor generator.9.weight is not part of the stored "
        .. "architecture")
    end)

    it("refuses a file without lgan's metadata", function()
      refused(edit(function(h) h.__metadata__ = nil end),
        "not an lgan checkpoint (no lgan entry in __metadata__)")
      refused(edit(function(h) h.__metadata__ = { lgan = 1 } end),
        "__metadata__ must map strings to strings; lgan is a number")
      refused(edit(function(h)
        local m = cjson.decode(h.__metadata__.lgan)
        m.version = 2
        h.__metadata__.lgan = cjson.encode(m)
      end), "checkpoint format version 2; this lgan reads version 1")
    end)

    it("refuses metadata whose architecture does not chain", function()
      refused(edit(function(h)
        local m = cjson.decode(h.__metadata__.lgan)
        m.architecture.generator[3].in_features = 300
        h.__metadata__.lgan = cjson.encode(m)
      end), "architecture.generator[3]: Linear takes 300 features but gets "
        .. "256")
    end)

    it("refuses a file that does not exist", function()
      assert.matches("^checkpoint.load: cannot open .*nothing.safetensors",
        err(checkpoint.load, dir .. "/nothing.safetensors"))
    end)

    it("says that a folder is a folder", function()
      assert.are.equal("checkpoint.load: " .. dir .. "/bad: it is a folder, "
        .. "not a file", err(checkpoint.load, dir .. "/bad"))
    end)
  end)

  describe("kind", function()
    it("tells what a file is from its header", function()
      local k = dir .. "/kinds"
      assert(os.execute("mkdir -p " .. quote(k)))
      local G, D = gan.build("mlp", core.Generator(1))
      checkpoint.save(k .. "/gan.safetensors",
        gan.GAN { generator = G, discriminator = D })
      checkpoint.save_tensors(k .. "/t.safetensors", { w = core.tensor(2) },
        { format = "mine" })
      write(k .. "/notes.txt", "not tensors")
      write(k .. "/short", string.pack("<I8", 100) .. "{}")
      assert.are.equal("checkpoint", checkpoint.kind(k .. "/gan.safetensors"))
      local kind, meta = checkpoint.kind(k .. "/t.safetensors")
      assert.are.same({ "safetensors", { format = "mine" } }, { kind, meta })
      assert.are.equal("other", checkpoint.kind(k .. "/notes.txt"))
      assert.are.equal("other", checkpoint.kind(k .. "/short"))
      assert.are.equal("folder", checkpoint.kind(k))
      assert.is_nil(checkpoint.kind(k .. "/none"))
    end)
  end)

  describe("save_tensors and load_tensors", function()
    it("round-trip tensors and metadata", function()
      local path = dir .. "/t.safetensors"
      local a = core.Generator(1):randn(3, 4)
      local b = core.tensor { 1, 2, 3 }
      checkpoint.save_tensors(path, { a = a, b = b }, { note = "hi" })
      local t, m = checkpoint.load_tensors(path)
      assert.are.equal(a:tobytes(), t.a:tobytes())
      assert.are.same({ 3, 4 }, t.a:size())
      assert.are.same({ 1, 2, 3 }, t.b:totable())
      assert.are.same({ note = "hi" }, m)
    end)

    it("refuses a shape whose size would wrap around", function()
      local path = dir .. "/huge.safetensors"
      local header = cjson.encode { w = { dtype = "F32",
        shape = { 4294967296, 4294967296 }, data_offsets = { 0, 0 } } }
      write(path, string.pack("<I8", #header) .. header)
      assert.are.equal("checkpoint.load_tensors: " .. path .. ": tensor w: "
        .. "shape [4294967296, 4294967296] holds more than 2147483647 "
        .. "values", err(checkpoint.load_tensors, path))
    end)
  end)

  describe("write_file_atomic", function()
    it("writes a tensor's float32 little-endian bytes", function()
      local path = dir .. "/floats.bin"
      local t = core.tensor { 1.5, -2 }
      core.write_file_atomic(path, { "x", t })
      assert.are.equal("x" .. string.pack("<ff", 1.5, -2), read(path))
    end)

    it("replaces a file whole, from a string or pieces", function()
      local path = dir .. "/atomic.txt"
      core.write_file_atomic(path, "old")
      core.write_file_atomic(path, { "n", "e", "w" })
      assert.are.equal("new", read(path))
      assert.are.equal("write_file_atomic: data[2] must be a string or an "
        .. "lgan.Tensor, got number",
        err(core.write_file_atomic, path, { "a", 1 }))

      assert.are.equal("new", read(path))
      assert.matches("^write_file_atomic: .*/no/such/dir/x: No such file",
        err(core.write_file_atomic, dir .. "/no/such/dir/x", "x"))
    end)

    it("leaves the last checkpoint whole when SIGKILL hits a save",
      function()
      local p = io.popen("KILL_SEED=1 lua5.4 tools/kill-during-save.lua 4 "
        .. quote(data))
      local out = p:read("a")
      local ok = p:close()
      assert.is_true(ok, out)
      assert.matches("4 rounds, %d killed during a save, 0 broken", out)
      assert.matches("killed in a save; checkpoint loads %(killed during a "
        .. "save%)", out)
    end)
  end)

  describe("catch_interrupt", function()
    it("turns SIGINT into a flag that interrupted() reads once", function()
      local pid = read("/proc/self/stat"):match("^(%d+)")
      core.catch_interrupt(true)
      assert.is_false(core.interrupted())
      -- popen, not os.execute: system() ignores SIGINT while it waits.
      local p = io.popen("kill -INT " .. pid)
      p:close()
      local seen = core.interrupted()
      core.catch_interrupt(false)
      assert.is_true(seen)
      assert.is_false(core.interrupted())
    end)
  end)
end)
