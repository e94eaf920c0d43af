-- mpi_bench.lua: what data-parallel training costs and gains on this
-- machine.  Run by `make mpi-bench` (needs `make MPI=1`):
--
--   lua5.4 bench/mpi_bench.lua [--steps 200]
--
-- It times the fused step of the mlp preset on random batches (the
-- step alone: no loader, no files) for one process and for two MPI
-- processes, with OpenBLAS on one thread per process, and, on two
-- processes, MPI_Allreduce alone over buffers of the generator's and
-- the discriminator's gradient sizes.  A Markdown table goes to stdout,
-- and what it predicts for processes on separate machines.
--
-- Each measurement is a run of this script as a worker (`--worker`),
-- under mpirun for two processes.

local lgan = require "lgan"

local args = {}
for i = 1, #arg do args[i] = arg[i] end

local function option(name, default)
  for i, a in ipairs(args) do
    if a == name then return args[i + 1] end
  end
  return default
end

local STEPS = math.tointeger(tonumber(option("--steps", "200")))
local WARMUP = 20

-- The gradient counts of the mlp preset: 784 -> 512 -> 256 -> 1 and
-- 100 -> 256 -> 512 -> 1024 -> 784, weights and biases.
local D_GRADS = 784 * 512 + 512 + 512 * 256 + 256 + 256 + 1
local G_GRADS = 100 * 256 + 256 + 256 * 512 + 512 + 512 * 1024 + 1024
  + 1024 * 784 + 784

-- Worker: one measurement, printed as one line of key=value pairs.
local function worker()
  local what = option("--worker")
  local batch = math.tointeger(tonumber(option("--batch", "64")))
  local threads = math.tointeger(tonumber(option("--threads", "1")))
  lgan.set_threads(threads)
  local dist
  if option("--distributed", "no") == "yes" then
    dist = require "lgan.dist"
    dist.init()
  end
  local rank, world = dist and dist.rank() or 0, dist and dist.size() or 1
  local clock = lgan.core.clock
  local out = {}

  if what == "step" then
    local G, D = lgan.gan.build("mlp", lgan.Generator(1), 784, 0)
    local gan = lgan.GAN { generator = G, discriminator = D, seed = 1 }
    local reducer
    if dist then
      reducer = dist.reducer()
      gan.step_core:set_reducer(reducer)
      dist.broadcast_parameters(G)
      dist.broadcast_parameters(D)
    end
    local real = lgan.Generator(2 + rank):rand(batch, 784):mul(2):add(-1)
    for _ = 1, WARMUP do gan:step(real) end
    local before = reducer and dist.timings(reducer)
    if dist then dist.barrier() end
    local t0 = clock()
    for _ = 1, STEPS do gan:step(real) end
    if dist then dist.barrier() end
    local seconds = clock() - t0
    out.steps_per_s = STEPS / seconds
    out.images_per_s = STEPS * batch * world / seconds
    if reducer then
      local after = dist.timings(reducer)
      for _, net in ipairs { "discriminator", "generator", "stats" } do
        out[net .. "_ms"] = 1000 * (after[net].seconds
          - before[net].seconds) / STEPS
      end
    end
  elseif what == "allreduce" then
    for _, case in ipairs { { "g", G_GRADS }, { "d", D_GRADS } } do
      local t = lgan.zeros(case[2]):fill(rank + 1)
      for _ = 1, 5 do dist.average(t) end
      dist.barrier()
      local t0 = clock()
      for _ = 1, STEPS do dist.average(t) end
      out[case[1] .. "_ms"] = 1000 * (clock() - t0) / STEPS
    end
  end
  if rank == 0 then
    local keys = {}
    for k in pairs(out) do keys[#keys + 1] = k end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      parts[#parts + 1] = ("%s=%.6g"):format(k, out[k])
    end
    io.stdout:write("RESULT ", table.concat(parts, " "), "\n")
  end
  if dist then dist.finalize() end
end

-- Driver: runs the workers, prints the table.
local function run(np, worker_args)
  local env = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
  local launcher = ""
  if np then
    local p = io.popen("mpirun --version 2>&1")
    local openmpi = p:read("a"):find("Open MPI", 1, true)
    p:close()
    launcher = ("mpirun -np %d %s"):format(np,
      openmpi and "--oversubscribe " or "")
    worker_args = worker_args .. " --distributed yes"
  end
  local cmd = ("%s timeout 600 %slua5.4 %s --steps %d %s"):format(env,
    launcher, arg[0], STEPS, worker_args)
  io.stderr:write("mpi_bench: ", cmd, "\n")
  local p = io.popen(cmd)
  local text = p:read("a")
  p:close()
  local line = text:match("RESULT ([^\n]*)")
  if not line then error("mpi_bench: no result from: " .. cmd, 0) end
  local r = {}
  for k, v in line:gmatch("([%w_]+)=(%S+)") do r[k] = tonumber(v) end
  return r
end

local function driver()
  local rows = {}
  local function row(label, r)
    rows[#rows + 1] = ("| %s | %.1f | %.0f | %s | %s |"):format(label,
      r.steps_per_s, r.images_per_s,
      r.discriminator_ms and ("%.2f"):format(r.discriminator_ms) or "-",
      r.generator_ms and ("%.2f"):format(r.generator_ms) or "-")
  end
  row("1 process, batch 64, 1 thread",
    run(nil, "--worker step --batch 64 --threads 1"))
  row("1 process, batch 64, 2 threads",
    run(nil, "--worker step --batch 64 --threads 2"))
  row("2 processes x batch 32 (global 64), 1 thread each",
    run(2, "--worker step --batch 32 --threads 1"))
  row("2 processes x batch 64 (global 128), 1 thread each",
    run(2, "--worker step --batch 64 --threads 1"))
  local ar = run(2, "--worker allreduce")

  print("| run | steps/s | images/s | D all-reduce ms/step | "
    .. "G all-reduce ms/step |")
  print("|---|---|---|---|---|")
  for _, r in ipairs(rows) do print(r) end
  print()
  print(("MPI_Allreduce alone, 2 processes on this machine: G gradients "
    .. "(%d floats, %.2f MB) %.2f ms, D gradients (%d floats, %.2f MB) "
    .. "%.2f ms"):format(G_GRADS, G_GRADS * 4 / 1e6, ar.g_ms, D_GRADS,
    D_GRADS * 4 / 1e6, ar.d_ms))
  -- A ring all-reduce sends and receives 2 (p - 1) / p of the buffer
  -- per process: the whole buffer once each way for two processes.
  local bytes = (G_GRADS + D_GRADS) * 4
  for _, gbit in ipairs { 1, 10, 25, 100 } do
    local ms = 1000 * 2 * 0.5 * bytes * 8 / (gbit * 1e9)
    print(("at %d Gb/s, the two all-reduces of a step move %.1f MB and "
      .. "take at least %.1f ms per step"):format(gbit, bytes / 1e6, ms))
  end
end

if option("--worker") then worker() else driver() end
