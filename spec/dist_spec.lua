-- lgan.dist (lua/lgan/dist.lua) and distributed training, without MPI:
-- its C part is replaced by a stand-in that plays one rank of a world,
-- so that what the trainer does on each rank shows in one process.  The
-- real thing runs under mpirun in `make mpi-test` (spec/mpi/).

local core = require "lgan.core"
local support = require "spec.support"
local train = require "lgan.train"
local err = support.err

-- lgan.dist loaded over a C part that `make` returns (a table, or a
-- function that raises, as a failing load does).
local function load_dist(make)
  package.loaded["lgan.dist"], package.loaded["lgan.mpi"] = nil, nil
  package.preload["lgan.mpi"] = function()
    return type(make) == "function" and make() or make
  end
  local dist = require "lgan.dist"
  package.preload["lgan.mpi"] = nil
  package.loaded["lgan.dist"], package.loaded["lgan.mpi"] = nil, nil
  return dist
end

-- A C part playing rank `rank` of `world`: its reducer changes nothing,
-- and broadcasts are noted in `sent` (the sizes of the tensors).
local function stand_in(rank, world, sent)
  local function none() end
  return {
    init = none, barrier = none, finalize = none, abort = none,
    running = function() return true end,
    rank = function() return rank end,
    size = function() return world end,
    local_size = function() return world end,
    reducer = function() return core.single_reducer() end,
    average = function(t) return t end,
    broadcast = function(t, root)
      sent[#sent + 1] = { t:numel(), root }
      return t
    end,
  }
end

-- 128 random images as MNIST's training files in dir.
local function make_data(dir)
  local g = core.Generator(4)
  local bytes = {}
  for i = 1, 128 * 784 do bytes[i] = string.char(g:random_int(256) - 1) end
  core.write_idx(dir .. "/train-images-idx3-ubyte",
    core.bytes(table.concat(bytes), 128, 28, 28))
  core.write_idx(dir .. "/train-labels-idx1-ubyte", core.bytes(128))
end

describe("lgan.dist", function()
  describe("available", function()
    it("says when lgan was built without MPI, and so does every call",
      function()
        local dist = load_dist(function()
          error("module 'lgan.mpi' not found:\n\tno file 'x/mpi.so'")
        end)
        local ok, why = dist.available()
        assert.is_false(ok)
        assert.are.equal("lgan was built without MPI (no lgan.mpi module); "
          .. "build it with `make MPI=1`, or install the lgan-mpi rock", why)
        assert.are.equal("dist.init: " .. why, err(dist.init))
        assert.are.equal("dist.rank: " .. why, err(dist.rank))
        assert.is_false(dist.running())
      end)

    it("passes on another failure to load it", function()
      local dist = load_dist(function()
        error("libmpi.so.40: cannot open", 0)
      end)
      local ok, why = dist.available()
      assert.is_false(ok)
      assert.matches("^cannot load lgan.mpi: .*libmpi.so.40: cannot open",
        why)
    end)
  end)

  describe("broadcast_parameters", function()
    it("sends every parameter of a module from root, in order", function()
      local sent = {}
      local dist = load_dist(stand_in(0, 2, sent))
      local G = require("lgan.gan").build("mlp", core.Generator(1))
      dist.broadcast_parameters(G, 1)
      assert.are.same({ { 25600, 1 }, { 256, 1 }, { 131072, 1 }, { 512, 1 },
        { 524288, 1 }, { 1024, 1 }, { 802816, 1 }, { 784, 1 } }, sent)
      assert.are.equal("dist.broadcast_parameters: expected a module, got "
        .. "number", err(dist.broadcast_parameters, 3))
    end)
  end)
end)

describe("lgan.train", function()
  local dir

  before_each(function()
    dir = support.tmpdir()
    make_data(dir)
  end)

  after_each(function()
    os.execute("rm -rf " .. support.quote(dir))
  end)

  local function trainer(rank, world, sent, extra)
    local opts = { data = dir, out = dir .. "/run", epochs = 1,
                   batch_size = 16, threads = 1, dist = load_dist(
                     stand_in(rank, world, sent)) }
    for k, v in pairs(extra or {}) do opts[k] = v end
    return train.new(opts)
  end

  describe("new with dist", function()
    it("takes rank 0's weights and its own rows of each global batch",
      function()
        local sent = {}
        local t = trainer(1, 2, sent)
        -- 4 Linear layers of G and 3 of D: a weight and a bias each.
        assert.are.equal(14, #sent)
        assert.are.equal(0, sent[1][2])
        assert.are.equal(32, t.loader.batch_size)
        assert.are.equal(16, t.loader.rows)
        assert.are.equal(4, #t.loader)
        assert.is_false(t:writes())
      end)

    it("says when the images make no global batch", function()
      assert.are.equal("train: 128 images make no global batch of 192 "
        .. "(64 on each of 3 processes)",
        err(trainer, 2, 3, {}, { batch_size = 64 }))
    end)

    it("writes nothing on a rank other than 0", function()
      local t = trainer(1, 2, {})
      local steps = 0
      t:run { step = function() steps = steps + 1 end }
      assert.are.equal(4, steps)
      assert.are.equal("train-images-idx3-ubyte train-labels-idx1-ubyte",
        support.listing(dir))
    end)

    it("refuses hooks.interrupted, which could differ between ranks",
      function()
        local t = trainer(0, 2, {})
        assert.are.equal("Trainer:run: hooks.interrupted is not supported "
          .. "in a distributed run", err(t.run, t,
            { interrupted = function() return false end }))
      end)
  end)

  describe("resume of a distributed run", function()
    it("needs as many processes as the run had", function()
      local t = trainer(0, 2, {})
      t:run()
      local file = dir .. "/run/checkpoint.safetensors"
      local ck = require("lgan.checkpoint").load(file)
      assert.are.equal(2, ck.meta.hyper.world)
      assert.are.equal(16, ck.meta.hyper.batch_size)
      assert.are.equal(("train.resume: %s was trained by 2 processes; "
        .. "resume it on as many (mpirun -np 2 ... --distributed), not 1")
        :format(file), err(train.resume, dir .. "/run"))
      assert.are.equal(("train.resume: %s was trained by 2 processes; "
        .. "resume it on as many (mpirun -np 2 ... --distributed), not 3")
        :format(file), err(train.resume, dir .. "/run",
          { dist = load_dist(stand_in(0, 3, {})) }))
      local again = train.resume(dir .. "/run",
        { dist = load_dist(stand_in(0, 2, {})), epochs = 2 })
      assert.are.equal(4, again.step)
      again:run()
      assert.are.equal(8, again.step)
    end)

    it("is refused to a run of one process", function()
      train.new { data = dir, out = dir .. "/one", epochs = 1,
                  batch_size = 32, threads = 1 }:run()
      local file = dir .. "/one/checkpoint.safetensors"
      assert.is_nil(require("lgan.checkpoint").load(file).meta.hyper.world)
      assert.are.equal(("train.resume: %s was trained by one process; "
        .. "resume it the same way, not on 2"):format(file),
        err(train.resume, dir .. "/one",
          { dist = load_dist(stand_in(0, 2, {})) }))
    end)
  end)
end)
