-- Datasets and the batch loader (lua/lgan/data.lua).

local core = require "lgan.core"
local data = require "lgan.data"
local support = require "spec.support"
local tmpdir, err = support.tmpdir, support.err

-- n images of 2 x 3 pixels, image k all bytes k + offset; and n labels.
local function fake(n, offset)
  local images, labels = core.bytes(n, 2, 3), core.bytes(n)
  for k = 1, n do
    for i = 1, 2 do
      for j = 1, 3 do images:set(k, i, j, k + offset) end
    end
    labels:set(k, k % 10)
  end
  return images, labels
end

-- Writes a fake MNIST folder: 7 training and 4 test images.
local function write_mnist(dir, suffix, offset)
  local ti, tl = fake(7, offset)
  local si, sl = fake(4, offset)
  core.write_idx(dir .. "/train-images-idx3-ubyte" .. suffix, ti)
  core.write_idx(dir .. "/train-labels-idx1-ubyte" .. suffix, tl)
  core.write_idx(dir .. "/t10k-images-idx3-ubyte" .. suffix, si)
  core.write_idx(dir .. "/t10k-labels-idx1-ubyte" .. suffix, sl)
end

-- The item numbers in a batch made from fake(n, 0) with lo = 0, hi = 255.
local function items(batch)
  local ks = {}
  for r, row in ipairs(batch:totable()) do ks[r] = math.floor(row[1] + 0.5) end
  return ks
end

describe("lgan.data", function()
  local dir

  before_each(function() dir = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  describe("mnist", function()
    it("reads the four files, plain", function()
      write_mnist(dir, "", 0)
      local m = data.mnist(dir)
      assert.are.same({ 7, 2, 3 }, m.train.images:size())
      assert.are.same({ 7 }, m.train.labels:size())
      assert.are.same({ 4, 2, 3 }, m.test.images:size())
      assert.are.equal(3, m.test.labels:get(3))
      assert.are.equal(5, m.train.images:get(5, 2, 3))
    end)

    it("reads them gzip-compressed, preferring plain files", function()
      write_mnist(dir, ".gz", 100)
      local m = data.mnist(dir .. "/")
      assert.are.equal(105, m.train.images:get(5, 1, 1))
      write_mnist(dir, "", 0)
      assert.are.equal(5, data.mnist(dir).train.images:get(5, 1, 1))
    end)

    it("says when the folder does not exist", function()
      assert.are.equal("data.mnist: folder " .. dir .. "/x does not exist",
        err(data.mnist, dir .. "/x"))
    end)

    it("names missing files, the folder and `make data`", function()
      write_mnist(dir, "", 0)
      os.remove(dir .. "/t10k-labels-idx1-ubyte")
      assert.are.equal("data.mnist: folder " .. dir .. " lacks "
        .. "t10k-labels-idx1-ubyte[.gz]; run `make data` to fetch MNIST",
        err(data.mnist, dir))
      os.remove(dir .. "/train-images-idx3-ubyte")
      assert.are.equal("data.mnist: folder " .. dir .. " lacks "
        .. "train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]; "
        .. "run `make data` to fetch MNIST", err(data.mnist, dir))
    end)

    it("checks that images and labels agree", function()
      write_mnist(dir, "", 0)
      core.write_idx(dir .. "/train-labels-idx1-ubyte", core.bytes(6))
      assert.are.equal("data.mnist: " .. dir .. "/train-images-idx3-ubyte "
        .. "holds 7 images but " .. dir .. "/train-labels-idx1-ubyte holds "
        .. "6 labels", err(data.mnist, dir))
      core.write_idx(dir .. "/train-labels-idx1-ubyte", core.bytes(7, 1))
      assert.are.equal("data.mnist: " .. dir .. "/train-labels-idx1-ubyte "
        .. "holds lgan.ByteTensor of size 7x1, expected one label per "
        .. "image", err(data.mnist, dir))
    end)

    it("refuses images of another size than asked for, naming both",
      function()
        write_mnist(dir, "", 0)
        assert.are.same({ 7, 2, 3 },
          data.mnist(dir, nil, { 2, 3 }).train.images:size())
        assert.are.equal("data.mnist: " .. dir .. "/train-images-idx3-ubyte "
          .. "holds images of 2 x 3, expected 28 x 28",
          err(data.mnist, dir, "train", { 28, 28 }))
        assert.are.equal("data.mnist: size must be {height, width}, two "
          .. "integers, got 784", err(data.mnist, dir, nil, 784))
      end)

    it("passes on read_idx's errors", function()
      write_mnist(dir, "", 0)
      local f = assert(io.open(dir .. "/t10k-images-idx3-ubyte", "ab"))
      f:write("x")
      f:close()
      assert.are.equal("read_idx: " .. dir .. "/t10k-images-idx3-ubyte: "
        .. "trailing data: header says 24 bytes of data, file has 25",
        err(data.mnist, dir))
    end)

    it("refuses a label that is not a digit, naming file, record and value",
      function()
        write_mnist(dir, "", 0)
        -- Byte 20 of the file: 8 bytes of header, then record 12 from 0.
        local labels = {}
        for k = 1, 20 do labels[k] = string.char(k % 10) end
        labels[13] = string.char(42)
        core.write_idx(dir .. "/train-labels-idx1-ubyte",
          core.bytes(table.concat(labels), 20))
        local images = core.bytes(20, 2, 3)
        core.write_idx(dir .. "/train-images-idx3-ubyte", images)
        local bytes = support.read(dir .. "/train-labels-idx1-ubyte")
        assert.are.equal(42, bytes:byte(21))
        local ok, e = pcall(data.mnist, dir, "train")
        assert.is_false(ok)
        -- A fault of the file, not of a line of the caller: no position.
        assert.are.equal("data.mnist: " .. dir .. "/train-labels-idx1-ubyte: "
          .. "the label of record 12 (counting from 0) is 42, not a class "
          .. "from 0 to 9", e)
        -- 9 is the last digit; 10 is refused as well.
        labels[13] = string.char(9)
        labels[20] = string.char(10)
        core.write_idx(dir .. "/t10k-labels-idx1-ubyte.gz",
          core.bytes(table.concat(labels), 20))
        os.remove(dir .. "/t10k-labels-idx1-ubyte")
        core.write_idx(dir .. "/t10k-images-idx3-ubyte", images)
        assert.are.equal("data.mnist: " .. dir .. "/t10k-labels-idx1-ubyte.gz: "
          .. "the label of record 19 (counting from 0) is 10, not a class "
          .. "from 0 to 9", err(data.mnist, dir, "test"))
      end)
  end)

  describe("loader", function()
    local images = fake(10, 0)

    it("yields n // batch_size batches of a shuffle, reusing one tensor",
      function()
        local loader = data.loader(images, 3, core.Generator(1), 0, 255)
        assert.are.equal(3, #loader)
        local seen, first, count = {}, nil, 0
        for batch, k in loader:epoch() do
          count = count + 1
          assert.are.equal(count, k)
          assert.are.same({ 3, 6 }, batch:size())
          first = first or batch
          assert.are.equal(first, batch)
          for _, item in ipairs(items(batch)) do
            assert.is_nil(seen[item])
            seen[item] = true
          end
        end
        assert.are.equal(3, count)
        local n = 0
        for item in pairs(seen) do
          assert.is_true(item >= 1 and item <= 10)
          n = n + 1
        end
        assert.are.equal(9, n)
      end)

    it("scales bytes to [lo, hi]", function()
      local loader = data.loader(fake(4, 251), 4, core.Generator(2), -1, 1)
      local batch = loader:epoch()()
      assert.are.equal(1, batch:max())
      assert.are.near(252 / 255 * 2 - 1, batch:min(), 1e-6)
    end)

    it("draws the order from the generator, anew each epoch", function()
      local function orders(seed)
        local loader = data.loader(images, 5, core.Generator(seed), 0, 255)
        local out = {}
        for _ = 1, 3 do
          local epoch = {}
          for batch in loader:epoch() do
            for _, item in ipairs(items(batch)) do epoch[#epoch + 1] = item end
          end
          out[#out + 1] = table.concat(epoch, " ")
        end
        return out
      end
      local a, b = orders(7), orders(7)
      assert.are.same(a, b)
      assert.are_not.equal(a[1], a[2])
      assert.are_not.same(a, orders(8))
    end)

    it("resumes mid-epoch from state() and the generator's state",
      function()
        local g = core.Generator(42)
        local loader = data.loader(images, 2, g, 0, 255)
        for _ in loader:epoch() do end
        local it = loader:epoch()
        it()
        it()
        local saved, rng_saved = loader:state(), g:state()
        assert.are.equal(2, saved.epoch)
        assert.are.equal(2, saved.position)
        assert.are.equal("string", type(saved.rng_state))
        local rest = {}
        for batch in it do rest[#rest + 1] = items(batch) end
        local next_epoch = items(loader:epoch()())

        local g2 = core.Generator(0)
        g2:set_state(rng_saved)
        local resumed = data.loader(images, 2, g2, 0, 255)
        resumed:set_state(saved)
        local again = {}
        for batch in resumed:epoch() do again[#again + 1] = items(batch) end
        assert.are.same(rest, again)
        assert.are.same(next_epoch, items(resumed:epoch()()))
      end)

    it("continues an epoch left by break", function()
      local loader = data.loader(images, 2, core.Generator(3), 0, 255)
      local all = {}
      for batch, k in loader:epoch() do
        all[k] = items(batch)
        if k == 2 then break end
      end
      for batch, k in loader:epoch() do all[k] = items(batch) end
      assert.are.equal(5, #all)
      assert.are.same({ epoch = 1, position = 5 },
        { epoch = loader:state().epoch, position = loader:state().position })
    end)

    it("checks its arguments", function()
      local g = core.Generator(1)
      assert.are.equal("data.loader: 10 images make no full batch of 11",
        err(data.loader, images, 11, g, 0, 1))
      assert.are.equal("data.loader: batch_size must be a positive "
        .. "integer, got 0", err(data.loader, images, 0, g, 0, 1))
      assert.are.equal("data.loader: images must be an lgan.ByteTensor, "
        .. "got lgan.Tensor", err(data.loader, core.tensor(10), 2, g, 0, 1))
      assert.are.equal("data.loader: rng must be an lgan.Generator, got "
        .. "number", err(data.loader, images, 2, 5, 0, 1))
      assert.are.equal("data.loader: lo and hi must be finite numbers "
        .. "with lo < hi, got 1 and 0", err(data.loader, images, 2, g, 1, 0))
      assert.are.equal("data.loader: lo and hi must be finite numbers "
        .. "with lo < hi, got 0 and inf",
        err(data.loader, images, 2, g, 0, math.huge))
    end)

    it("checks a state before using it", function()
      local loader = data.loader(images, 2, core.Generator(1), 0, 1)
      assert.are.equal("data.loader:set_state: position must be an integer "
        .. "in 0..5, got 6", err(loader.set_state, loader,
          { epoch = 1, position = 6 }))
      assert.are.equal("data.loader:set_state: rng_state must be a string "
        .. "to resume inside an epoch, got nil",
        err(loader.set_state, loader, { epoch = 1, position = 2 }))
      assert.are.equal("data.loader:set_state: expected a table from "
        .. "state(), got string", err(loader.set_state, loader, "x"))
    end)

    it("hands each batch's classes beside it, in the same order",
      function()
        local n = 40
        local pictures, labels = core.bytes(n, 2, 2), core.bytes(n)
        for i = 1, n do
          pictures:set(i, 1, 1, i)
          labels:set(i, (i * 7) % 10)
        end
        local loader = data.loader(pictures, 8, core.Generator(3), 0, 255,
          labels)
        local seen = 0
        for batch, _, classes in loader:epoch() do
          assert.are.same({ 8, 1 }, classes:size())
          for r = 1, 8 do
            local item = batch:get(r, 1)
            assert.are.equal((item * 7) % 10, classes:get(r, 1))
            seen = seen + 1
          end
        end
        assert.are.equal(n, seen)
        assert.has_error(function()
          data.loader(pictures, 8, core.Generator(3), 0, 1, core.bytes(3))
        end, "data.loader: labels must be an lgan.ByteTensor of 40, one "
          .. "per image, got lgan.ByteTensor of size 3")
        assert.has_error(function()
          data.loader(pictures, 8, core.Generator(3), 0, 1, core.tensor(40))
        end, "data.loader: labels must be an lgan.ByteTensor of 40, one "
          .. "per image, got lgan.Tensor of size 40")
      end)
  end)

  describe("loader:slice", function()
    local images, labels = fake(12, 0)

    -- Every epoch's batches as lists of items, and of their classes.
    local function run(loader, epochs)
      local out, classes = {}, {}
      for _ = 1, epochs do
        for batch, k, c in loader:epoch() do
          out[#out + 1] = items(batch)
          classes[#out] = {}
          for r = 1, #batch do classes[#out][r] = c:get(r, 1) end
          assert.are.equal(#out % #loader == 0 and #loader
            or #out % #loader, k)
        end
      end
      return out, classes
    end

    it("hands each process its rows of the whole loader's batches",
      function()
        local whole, whole_classes = run(data.loader(images, 6,
          core.Generator(5), 0, 255, labels), 3)
        for rank = 0, 2 do
          local part = data.loader(images, 6, core.Generator(5), 0, 255,
            labels):slice(rank, 3)
          assert.are.equal(2, part.rows)
          assert.are.equal(2, #part)
          local got, got_classes = run(part, 3)
          assert.are.equal(#whole, #got)
          for b = 1, #whole do
            assert.are.same({ whole[b][2 * rank + 1], whole[b][2 * rank + 2] },
              got[b])
            assert.are.same({ whole_classes[b][2 * rank + 1],
              whole_classes[b][2 * rank + 2] }, got_classes[b])
          end
        end
      end)

    it("keeps the whole loader's state, and resumes with it", function()
      local a = data.loader(images, 4, core.Generator(9), 0, 255)
        :slice(1, 2)
      local it = a:epoch()
      it()
      local saved, rng = a:state(), a.rng:state()
      assert.are.same(1, saved.position)
      local rest = {}
      for batch in it do rest[#rest + 1] = items(batch) end
      local g = core.Generator(0)
      g:set_state(rng)
      local b = data.loader(images, 4, g, 0, 255):slice(1, 2)
      b:set_state(saved)
      local again = {}
      for batch in b:epoch() do again[#again + 1] = items(batch) end
      assert.are.same(rest, again)
    end)

    it("checks its arguments", function()
      local loader = data.loader(images, 6, core.Generator(1), 0, 1)
      assert.are.equal("data.loader:slice: a batch of 6 does not split "
        .. "into 4 equal parts", err(loader.slice, loader, 0, 4))
      assert.are.equal("data.loader:slice: rank must be an integer from 0 "
        .. "to 1, got 2", err(loader.slice, loader, 2, 2))
      assert.are.equal("data.loader:slice: world must be a positive "
        .. "integer, got 0", err(loader.slice, loader, 0, 0))
    end)
  end)
end)
