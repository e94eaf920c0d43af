-- Data-parallel training equals one process on the global batch: 50
-- steps of `lgan train` on 2 MPI processes with batch 32 each, against
-- one process with batch 64, on the same synthetic images (one epoch,
-- one data order).  The sums over the batch are split differently,
-- nothing else, so the weights and Adam's moments agree but for float32
-- rounding and what training makes of it.
--
-- It makes a lot of it.  Adam divides each gradient by its own running
-- size, so a gradient near zero moves its weight by a full step either
-- way on a rounding difference: after one step the largest difference
-- is already 0.6% of that step.  And over the steps a few such weights
-- steer the rest: on OpenBLAS's Haswell kernels the runs agree within
-- 3e-7 for 6 steps and part by 5e-4 in single weights by step 8, while
-- the losses still agree to six digits; one process whose learning rate
-- is nudged by one part in 10^7 parts from itself as far.  So each
-- tensor is compared as a whole: the root mean square of the difference
-- must stay under 2% of the root mean square of what training moved it
-- (measured: at most 1% after 50 steps), which a wrong slice of data or
-- noise, or a gradient averaged wrongly, exceeds many times over.
--
-- The conditional model is checked over 20 steps: on this random data
-- it magnifies rounding differences sooner.
--
-- Run by `make mpi-test`:
--
--   LUA_CPATH='build/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;' \
--     lua5.4 spec/mpi/equal_steps.lua
local checkpoint = require "lgan.checkpoint"
local core = require "lgan.core"
local gan = require "lgan.gan"
local launch = require "spec.mpi.launch"

local SEED = 5
-- The root mean square of a tensor's difference allowed, against that
-- of how far training moved its values from where they started; and the
-- difference allowed in a loss or mean D output in metrics.csv, over
-- the first EARLY_STEPS and after them (measured: 1e-6 over the first 6
-- steps, 1.7e-4 by step 40).
local RMS_OF_CHANGE, EARLY_STEPS, METRIC_EARLY, METRIC = 0.02, 5, 1e-5, 1e-3

-- The initial weights of the seed's run, by checkpoint name.
local function initial(conditional)
  local G, D = gan.build("mlp", core.Generator(SEED, gan.STREAM.init), 784,
    conditional and 10 or 0)
  local out = {}
  for prefix, net in pairs { generator = G, discriminator = D } do
    local k = 0
    for i, m in ipairs(net.modules) do
      if m.weight then
        out[("%s.%d.weight"):format(prefix, i - 1)] = m.weight
        out[("%s.%d.bias"):format(prefix, i - 1)] = m.bias
        k = k + 1
      end
    end
  end
  return out
end

local function tensor_floats(t)
  local out = {}
  local flat = t:view(t:numel())
  for i = 1, t:numel() do out[i] = flat[i] end
  return out
end

local function metrics(run)
  local rows = {}
  for line in io.lines(run .. "/metrics.csv") do rows[#rows + 1] = line end
  return rows
end

local function compare(one, two, conditional, steps)
  local a = checkpoint.load(one .. "/checkpoint.safetensors")
  local b = checkpoint.load(two .. "/checkpoint.safetensors")
  if b.meta.hyper.world ~= 2 or b.meta.hyper.batch_size ~= 32 then
    launch.fail("%s: expected world 2 and batch 32 in the checkpoint", two)
  end
  if a.meta.step ~= steps or b.meta.step ~= steps then
    launch.fail("expected %d steps, got %s and %s", steps,
      tostring(a.meta.step), tostring(b.meta.step))
  end
  local start = initial(conditional)
  local worst, worst_name = 0, ""
  for _, name in ipairs(a.names) do
    local x, y = launch.floats(a.tensors[name]), launch.floats(b.tensors[name])
    local s = start[name] and tensor_floats(start[name])
    local diff, moved = 0, 0
    for i = 1, #x do
      diff = diff + (x[i] - y[i]) ^ 2
      moved = moved + (x[i] - (s and s[i] or 0)) ^ 2
    end
    local ratio = moved > 0 and math.sqrt(diff / moved) or 0
    if ratio > RMS_OF_CHANGE or (moved == 0 and diff > 0) then
      launch.fail("%s differs by %.3g (root mean square) of what %d steps "
        .. "moved it, above %g", name, ratio, steps, RMS_OF_CHANGE)
    end
    if ratio > worst then worst, worst_name = ratio, name end
  end
  local ma, mb = metrics(one), metrics(two)
  if #ma ~= steps + 1 or #mb ~= steps + 1 then
    launch.fail("metrics.csv: %d and %d lines, expected %d", #ma, #mb,
      steps + 1)
  end
  for i = 2, #ma do
    local u, v = {}, {}
    for f in ma[i]:gmatch("[^,]+") do u[#u + 1] = tonumber(f) end
    for f in mb[i]:gmatch("[^,]+") do v[#v + 1] = tonumber(f) end
    for k = 1, 6 do
      local allowed = u[1] <= EARLY_STEPS and METRIC_EARLY or METRIC
      if math.abs(u[k] - v[k]) > allowed then
        launch.fail("metrics.csv line %d: %s against %s", i, ma[i], mb[i])
      end
    end
  end
  print(("equal_steps%s: %d steps, %d tensors agree; the largest "
    .. "difference is %.2g (root mean square) of what training moved %s")
    :format(conditional and " (conditional)" or "", steps, #a.names, worst,
      worst_name))
end

local dir = launch.tmpdir()
for _, case in ipairs { { false, 50 }, { true, 20 } } do
  local conditional, steps = case[1], case[2]
  local data = ("%s/data%d"):format(dir, steps)
  assert(os.execute("mkdir " .. launch.quote(data)))
  launch.make_data(data, 64 * steps, 7)
  local flags = ("--data %s --epochs 1 --threads 1 --seed %d%s")
    :format(launch.quote(data), SEED, conditional and " --conditional"
      or "")
  local one, two = data .. "/one", data .. "/two"
  local status, log = launch.run(nil, ("train %s --batch-size 64 --out %s")
    :format(flags, launch.quote(one)), data .. "/one.log")
  if status ~= 0 then
    launch.fail("one process: status %d\n%s", status, log)
  end
  status, log = launch.run(2, ("train --distributed %s --batch-size 32 "
    .. "--out %s"):format(flags, launch.quote(two)), data .. "/two.log")
  if status ~= 0 then
    launch.fail("two processes: status %d\n%s", status, log)
  end
  compare(one, two, conditional, steps)
end
os.execute("rm -rf " .. launch.quote(dir))
print("equal_steps: both cases hold")
