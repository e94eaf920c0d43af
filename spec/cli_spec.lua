-- The lgan command (lua/lgan/cli.lua), run as a program: train with
-- --resume and Ctrl-C, sample and info.  On small data the spec makes.

local core = require "lgan.core"
local checkpoint = require "lgan.checkpoint"
local plot = require "lgan.plot"
local support = require "spec.support"
local make_data = support.fake_mnist
local quote = support.quote
local tmpdir, read = support.tmpdir, support.read

-- Runs a shell command line; returns the exit status, stdout, stderr.
local function sh(cmd)
  local out, errf = os.tmpname(), os.tmpname()
  local _, _, status = os.execute(("{ %s; } >%s 2>%s"):format(cmd,
    quote(out), quote(errf)))
  local o, e = read(out), read(errf)
  os.remove(out)
  os.remove(errf)
  return status, o, e
end

-- Runs `lgan args...` from the checkout.
local function lgan(args)
  return sh("lua5.4 bin/lgan " .. args)
end

-- Runs `lgan args...`, which must fail with status 1 and print nothing
-- on stdout; returns what it wrote on stderr.
local function refused(args)
  local status, out, e = lgan(args)
  assert.are.equal(1, status, e)
  assert.are.equal("", out)
  return e
end

-- A run's checkpoint tensors and metrics without the seconds column.
local function outcome(run)
  local ck = checkpoint.load(run .. "/checkpoint.safetensors")
  local bytes = {}
  for name, t in pairs(ck.tensors) do bytes[name] = t.bytes end
  local rows = {}
  for line in io.lines(run .. "/metrics.csv") do
    rows[#rows + 1] = line:gsub(",[^,]*$", "")
  end
  return bytes, rows, ck
end

describe("lgan command", function()
  local dir, data, run, trained

  setup(function()
    dir = tmpdir()
    data = dir .. "/data"
    assert(os.execute("mkdir " .. quote(data)))
    make_data(data, 256)
    run = dir .. "/run"
    local status, _, e = lgan(("train --data %s --out %s --epochs 1 "
      .. "--batch-size 32 --threads 1"):format(quote(data), quote(run)))
    assert.are.equal(0, status, e)
    trained = e
  end)
  teardown(function() os.execute("rm -rf " .. quote(dir)) end)

  describe("train", function()
    it("writes grids, metrics, a checkpoint and the loss curves", function()
      assert.are.equal("file", core.path_kind(run .. "/epoch-001.png"))
      assert.are.equal("file",
        core.path_kind(run .. "/checkpoint.safetensors"))
      local _, rows = outcome(run)
      assert.are.equal(9, #rows)
      assert.are.equal("file", core.path_kind(run .. "/timelapse.png"))
      assert.truthy(trained:find("lgan: a row per epoch -> " .. run
        .. "/timelapse.png\n", 1, true), trained)
      if plot.have_gnuplot() then
        local w, h = core.read_png(run .. "/losses.png")
        assert.are.same({ 1000, 700 }, { w, h })
      end
    end)

    it("refuses a folder that holds another run's files, or a file for "
      .. "a folder, printing nothing else", function()
        local metrics = read(run .. "/metrics.csv")
        local other = dir .. "/metrics-only"
        assert(os.execute("mkdir " .. quote(other)))
        local f = assert(io.open(other .. "/metrics.csv", "w"))
        f:write(metrics)
        f:close()
        local status, o, e = lgan(("train --data %s --out %s --epochs 1 "
          .. "--batch-size 32"):format(quote(data), quote(other)))
        assert.are.equal(1, status)
        assert.are.equal("", o)
        assert.truthy(e:find("train: " .. other .. " holds a run already ("
          .. other .. "/metrics.csv); it has no checkpoint to carry on "
          .. "from, so remove its files, or choose another --out", 1, true),
          e)
        assert.are.equal(metrics, read(other .. "/metrics.csv"))
        local png = run .. "/epoch-001.png"
        status, o, e = lgan(("train --data %s --out %s --epochs 1 "
          .. "--batch-size 32"):format(quote(data), quote(png)))
        assert.are.equal(1, status)
        assert.are.equal("", o)
        assert.are.equal("lgan: train: cannot create the folder " .. png
          .. ": " .. png .. " is a file", e:match("[^\n]*\n$"):sub(1, -2))
      end)

    it("refuses to resume with options that disagree", function()
      local before = read(run .. "/checkpoint.safetensors")
      local metrics = read(run .. "/metrics.csv")
      local status, _, e = lgan(("train --resume %s --batch-size 64 "
        .. "--epochs 2"):format(quote(run)))
      assert.are.equal(1, status)
      assert.are.equal(("lgan: --batch-size 64 disagrees with the "
        .. "checkpoint %s/checkpoint.safetensors, which has --batch-size "
        .. "32\n"):format(run), e)
      status, _, e = lgan(("train --resume %s --preset seed")
        :format(quote(run)))
      assert.are.equal(1, status)
      assert.matches("lgan: %-%-preset seed disagrees with the checkpoint "
        .. ".*, which has %-%-preset mlp", e)
      status, _, e = lgan(("train --resume %s --out %s/elsewhere")
        :format(quote(run), quote(dir)))
      assert.are.equal(1, status)
      assert.matches("differs from %-%-resume", e)
      assert.are.equal(before, read(run .. "/checkpoint.safetensors"))
      assert.are.equal(metrics, read(run .. "/metrics.csv"))
    end)

    it("names the option and what it takes for a bad number", function()
      local cases = {
        { "--epochs 1.5",
          "--epochs takes an integer from 1 to 1000000, got '1.5'" },
        -- argparse would take -1 for an option of its own.
        { "--epochs -1",
          "--epochs takes an integer from 1 to 1000000, got '-1'" },
        { "--epochs=-1",
          "--epochs takes an integer from 1 to 1000000, got '-1'" },
        { "--batch-size 0",
          "--batch-size takes an integer from 1 to 65536, got '0'" },
        { "--batch-size 1e12",
          "--batch-size takes an integer from 1 to 65536, got '1e12'" },
        { "--threads two",
          "--threads takes an integer from 1 to 256, got 'two'" },
        { "--threads 100000",
          "--threads takes an integer from 1 to 256, got '100000'" },
        { "--seed 0.5", "--seed takes an integer, got '0.5'" },
        { "--lr 2", "--lr takes a number between 0 and 1, got '2'" },
        { "--lr -1e-3", "--lr takes a number between 0 and 1, got '-1e-3'" },
      }
      for _, case in ipairs(cases) do
        local status, _, e = lgan(("train --data %s --out %s/never %s")
          :format(quote(data), quote(dir), case[1]))
        assert.are.equal(2, status, case[1])
        assert.are.equal("lgan: " .. case[2] .. "\nTry 'lgan --help'.\n", e)
      end
      assert.is_nil(core.path_kind(dir .. "/never"))
    end)

    it("refuses images that are not 28 x 28, naming the file", function()
      local wide = dir .. "/wide"
      assert(os.execute("mkdir " .. quote(wide)))
      core.write_idx(wide .. "/train-images-idx3-ubyte",
        core.bytes(64, 14, 56))
      core.write_idx(wide .. "/train-labels-idx1-ubyte", core.bytes(64))
      local status, _, e = lgan(("train --data %s --out %s/w")
        :format(quote(wide), quote(dir)))
      assert.are.equal(1, status)
      assert.are.equal("lgan: data.mnist: " .. wide .. "/train-images-idx3-"
        .. "ubyte holds images of 14 x 56, expected 28 x 28\n", e)
      assert.is_nil(core.path_kind(dir .. "/w"))
    end)

    it("refuses to resume from a broken checkpoint, changing nothing",
      function()
      local broken = dir .. "/broken"
      assert(os.execute("mkdir " .. quote(broken)))
      local f = assert(io.open(broken .. "/checkpoint.safetensors", "wb"))
      f:write(string.pack("<I8", 1000) .. "{}")
      f:close()
      local status, _, e = lgan("train --resume " .. quote(broken))
      assert.are.equal(1, status)
      assert.are.equal(("lgan: checkpoint.load: %s/checkpoint.safetensors: "
        .. "header length 1000 runs past the end of the file (10 bytes); "
        .. "the file is truncated\n"):format(broken), e)
      assert.are.equal(string.pack("<I8", 1000) .. "{}",
        read(broken .. "/checkpoint.safetensors"))
    end)

    it("stops on Ctrl-C with status 130 and resumes exactly", function()
      local big = dir .. "/big"
      assert(os.execute("mkdir " .. quote(big)))
      make_data(big, 4096)
      local common = ("--data %s --epochs 2 --batch-size 8 --threads 1 ")
        :format(quote(big))
      local straight, stopped = dir .. "/straight", dir .. "/stopped"
      local status, _, e = lgan("train " .. common .. "--out "
        .. quote(straight))
      assert.are.equal(0, status, e)

      -- Ctrl-C in the second epoch: once the first epoch's grid exists.
      status, _, e = sh(("lua5.4 bin/lgan train %s--out %s & p=$!; "
        .. "while [ ! -f %s/epoch-001.png ]; do sleep 0.01; done; "
        .. "sleep 0.3; kill -INT $p; wait $p"):format(common,
          quote(stopped), quote(stopped)))
      assert.are.equal(130, status, e)
      assert.matches("lgan: interrupted; finishing the step", e)
      assert.matches("carry on with: lgan train %-%-resume", e)
      local _, rows, ck = outcome(stopped)
      assert.are.equal(2, ck.meta.loader.epoch)
      assert.is_true(ck.meta.loader.position < 512)
      assert.are.equal(ck.meta.step + 1, #rows)

      status, _, e = lgan("train --resume " .. quote(stopped))
      assert.are.equal(0, status, e)
      local ta, ra = outcome(straight)
      local tb, rb = outcome(stopped)
      for name, bytes in pairs(ta) do
        assert.is_true(bytes == tb[name], name .. " differs")
      end
      assert.are.same(ra, rb)
    end)
  end)

  describe("sample", function()
    it("writes a PNG grid, IDX images and the tensors", function()
      local png, idx, st = dir .. "/s.png", dir .. "/s.idx",
        dir .. "/s.safetensors"
      local status, _, e = lgan(("sample --checkpoint %s "
        .. "--n 100 --seed 1 --png %s --idx %s --tensors %s"):format(
        quote(run .. "/checkpoint.safetensors"), quote(png), quote(idx),
        quote(st)))
      assert.are.equal(0, status, e)
      -- Seed 1 draws the noise of the run's grids (seed 1, stream 3):
      -- the same picture as the last epoch's.
      assert.are.equal(read(run .. "/epoch-001.png"), read(png))
      local images = core.read_idx(idx)
      assert.are.same({ 100, 28, 28 }, images:size())
      local t = checkpoint.load_tensors(st)
      assert.are.same({ 100, 100 }, t.z:size())
      assert.are.same({ 100, 784 }, t.x:size())
      -- The IDX bytes are the images mapped from [-1, 1] to 0..255.
      local x = t.x:get(1, 1)
      local byte = images:get(1, 1, 1)
      assert.is_true(math.abs((x + 1) / 2 * 255 - byte) <= 1)
    end)

    it("never writes over the checkpoint, however its path is spelt, and "
      .. "checks every output's folder before writing", function()
        local file = run .. "/checkpoint.safetensors"
        local before = read(file)
        local other = run .. "/../" .. run:match("[^/]+$")
          .. "/checkpoint.safetensors"
        assert.are.equal("lgan: sample: --png and --checkpoint name the "
          .. "same file " .. other .. "\n", refused(("sample --checkpoint "
          .. "%s --n 4 --png %s"):format(quote(run), quote(other))))
        assert.are.equal(before, read(file))
        local png = dir .. "/half.png"
        assert.are.equal("lgan: sample: --idx " .. dir .. "/nowhere/x.idx: "
          .. "there is no folder " .. dir .. "/nowhere\n",
          refused(("sample --checkpoint %s --n 4 --png %s --idx "
            .. "%s/nowhere/x.idx"):format(quote(run), quote(png),
            quote(dir))))
        assert.is_nil(core.path_kind(png))
      end)

    it("draws other noise for another seed", function()
      local a, b = dir .. "/a.idx", dir .. "/b.idx"
      local ck = quote(run .. "/checkpoint.safetensors")
      assert.are.equal(0, (lgan(("sample --checkpoint %s --n 4 --seed 2 "
        .. "--idx %s"):format(ck, quote(a)))))
      assert.are.equal(0, (lgan(("sample --checkpoint %s --n 4 --seed 3 "
        .. "--idx %s"):format(ck, quote(b)))))
      assert.are_not.equal(read(a), read(b))
    end)

    it("gives a conditional model classes 0, 1, ... in turn", function()
      local gan = require "lgan.gan"
      local G, D = gan.build("mlp", core.Generator(4), 784, 3)
      local model = gan.GAN { generator = G, discriminator = D, seed = 1,
                              classes = 3 }
      local path, st = dir .. "/cgan.safetensors", dir .. "/c.safetensors"
      checkpoint.save(path, model)
      local status, _, e = lgan(("sample --checkpoint %s --n 5 --seed 2 "
        .. "--tensors %s"):format(quote(path), quote(st)))
      assert.are.equal(0, status, e)
      local t = checkpoint.load_tensors(st)
      assert.are.same({ 5, 103 }, t.z:size())
      assert.are.same({ 0, 1, 0, 0, 0 }, { t.z:get(2, 101), t.z:get(2, 102),
        t.z:get(2, 103), t.z:get(3, 101), t.z:get(4, 102) })
      local z = core.Generator(2, gan.STREAM.sample):randn(5, 100)
      assert.are.equal(model:sample(5, { z = z }):tobytes(), t.x:tobytes())
    end)

    it("takes a negative seed and names a bad --n or --class", function()
      local ck = quote(run .. "/checkpoint.safetensors")
      local out = dir .. "/neg.idx"
      local status, _, e = lgan(("sample --checkpoint %s --n 2 --seed -2 "
        .. "--idx %s"):format(ck, quote(out)))
      assert.are.equal(0, status, e)
      assert.are.same({ 2, 28, 28 }, core.read_idx(out):size())
      status, _, e = lgan(("sample --checkpoint %s --n 0 --idx %s")
        :format(ck, quote(out)))
      assert.are.equal(2, status)
      assert.are.equal("lgan: --n takes an integer from 1 to 1000000, got "
        .. "'0'\nTry 'lgan --help'.\n", e)
      status, _, e = lgan(("sample --checkpoint %s --class -1 --idx %s")
        :format(ck, quote(out)))
      assert.are.equal(2, status)
      assert.are.equal("lgan: --class takes a non-negative integer, got "
        .. "'-1'\nTry 'lgan --help'.\n", e)
    end)

    it("asks where to write", function()
      local status, _, e = lgan("sample --checkpoint "
        .. quote(run .. "/checkpoint.safetensors"))
      assert.are.equal(1, status)
      assert.are.equal("lgan: sample: say where to write: --png, --idx "
        .. "and/or --tensors\n", e)
    end)
  end)

  describe("info", function()
    it("prints the architecture, progress and tensors", function()
      local status, out, e = lgan("info "
        .. quote(run .. "/checkpoint.safetensors"))
      assert.are.equal(0, status, e)
      assert.are.equal("", e)
      assert.matches("\npreset: mlp\n", out)
      assert.matches("\ngenerator: Linear%(100 %-> 256%), LeakyReLU%(0.2%), ",
        out)
      assert.matches("hyper%-parameters: seed 1, batch_size 32, lr 0.0002, "
        .. "beta1 0.5, beta2 0.999", out)
      assert.matches("progress: step 8, 1 of 1 epochs done, loader at batch "
        .. "8 of epoch 1", out)
      assert.matches("\n  generator%.0%.weight +F32 %[256, 100%]\n", out)
      assert.matches("\ntensors %(42%):\n", out)
    end)

    it("reads a run folder's checkpoint, and says what a folder lacks",
      function()
        local _, from_file = lgan("info "
          .. quote(run .. "/checkpoint.safetensors"))
        local status, out, e = lgan("info " .. quote(run))
        assert.are.equal(0, status, e)
        assert.are.equal(from_file, out)
        status, out, e = lgan("info " .. quote(data))
        assert.are.equal(1, status)
        assert.are.equal("", out)
        assert.are.equal("lgan: info: " .. data .. " is a folder with no "
          .. "checkpoint.safetensors in it; name a checkpoint file or a run "
          .. "folder\n", e)
        -- --checkpoint, as the other commands take it, says the same.
        status, out = lgan("info --checkpoint " .. quote(run))
        assert.are.equal(0, status)
        assert.are.equal(from_file, out)
        assert.are.equal("lgan: info: name a checkpoint file or run folder: "
          .. "lgan info RUN\n", refused("info"))
      end)
  end)

  describe("classify", function()
    it("refuses to replace a GAN checkpoint, leaving it whole", function()
      local file = run .. "/checkpoint.safetensors"
      local before = read(file)
      local status, _, e = lgan(("classify --data %s --epochs 1 --out %s")
        :format(quote(data), quote(file)))
      assert.are.equal(1, status)
      assert.are.equal("lgan: classify: --out " .. file .. " holds an lgan "
        .. "GAN checkpoint, not a classifier; choose another --out\n", e)
      assert.are.equal(before, read(file))
    end)

    it("refuses an --out it cannot write before training", function()
      local file = run .. "/epoch-001.png"
      assert.are.equal(("lgan: classify: --out %s/c.safetensors: cannot "
        .. "create the folder %s: %s is a file\n"):format(file, file, file),
        refused(("classify --data %s --epochs 1 --out %s/c.safetensors")
          :format(quote(data), quote(file))))
    end)
  end)

  describe("info", function()
    it("refuses a device rather than reading it without end", function()
      assert.are.equal("lgan: checkpoint.load: /dev/zero: it is not a "
        .. "regular file\n", refused("info /dev/zero"))
    end)
  end)

  describe("worksheet", function()
    it("takes --tries only with a classifier", function()
      local out = dir .. "/tries"
      assert.are.equal("lgan: worksheet: --tries needs --classifier, which "
        .. "judges the items\n", refused(("worksheet --checkpoint %s --out "
        .. "%s --tries 3"):format(quote(run), quote(out))))
      assert.is_nil(core.path_kind(out))
    end)

    it("checks the classifier before writing anything", function()
      local gan = require "lgan.gan"
      local G, D = gan.build("mlp", core.Generator(4), 784, 10)
      local path = dir .. "/sheet-model.safetensors"
      checkpoint.save(path, gan.GAN { generator = G, discriminator = D,
                                      classes = 10 })
      local out = dir .. "/sheet"
      local status, _, e = lgan(("worksheet --checkpoint %s --out %s "
        .. "--classifier %s/missing"):format(quote(path), quote(out),
          quote(dir)))
      assert.are.equal(1, status)
      assert.are.equal("lgan: classify.load: " .. dir .. "/missing does "
        .. "not exist\n", e)
      assert.is_nil(core.path_kind(out))
      status, _, e = lgan(("worksheet --checkpoint %s --out %s --classifier "
        .. "%s"):format(quote(path), quote(out), quote(path)))
      assert.are.equal(1, status)
      assert.are.equal("lgan: classify.load: " .. path .. " is not an lgan "
        .. "classifier\n", e)
      assert.is_nil(core.path_kind(out))
    end)
  end)
end)
