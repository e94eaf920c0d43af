-- bench.lua: lgan's fused GAN step against PyTorch's on the same CPU, and
-- against the GEMM ceiling.  Run by `make bench`:
--
--   lua5.4 bench/bench.lua [--repeats 5] [--quick]
--
-- For each batch size and thread count it times the full step of the mlp
-- preset (both updates) after a warm-up, REPEATS times, alternating with
-- bench/torch_gan.py (OMP_WAIT_POLICY=PASSIVE, same model, update and
-- Adam settings) when Debian's python3-torch is there, and runs
-- bench/gemm_bound on the step's GEMM shapes in each repeat, keeping its
-- best.  Medians are printed as a Markdown table on stdout; progress goes
-- to stderr.

local lgan = require "lgan"
local cjson = require "cjson"

local argparse = require "argparse"

local parser = argparse("bench.lua",
  "lgan's GAN step against PyTorch's and the GEMM ceiling.")
parser:option("--repeats", "Repeats per configuration.", "5")
  :convert(function(s)
    local n = math.tointeger(tonumber(s))
    if n and n > 0 then return n end
    return nil, "--repeats takes a positive integer, not '" .. s .. "'"
  end)
parser:flag("--quick", "A quarter of the steps, for a smoke run.")
local args = parser:parse()
local repeats, quick = args.repeats, args.quick

local here = arg[0]:match("^(.-)[^/]*$")
local gemm_bound = os.getenv("GEMM_BOUND") or "build/gemm_bound"
local python = "/usr/bin/python3"

local function median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

local function run_json(cmd)
  local p = assert(io.popen(cmd, "r"))
  local last
  for line in p:lines() do
    if line:match("^{") then last = cjson.decode(line) end
  end
  p:close()
  return last
end

local has_torch = os.execute(python .. " -c 'import torch' 2>/dev/null")

local function lgan_rate(gan, real, steps, warmup)
  for _ = 1, warmup do gan:step(real) end
  local t0 = lgan.core.clock()
  for _ = 1, steps do gan:step(real) end
  return steps / (lgan.core.clock() - t0)
end

-- torch.set_num_threads does not reach the OpenBLAS that Debian's
-- PyTorch does its matrix products with, which would run them on every
-- core whatever the thread count: OPENBLAS_NUM_THREADS holds it to it.
local function torch_rate(batch, threads, steps, warmup)
  local r = run_json(("OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=%d %s "
    .. "%storch_gan.py --bench --batch %d --threads %d --steps %d "
    .. "--warmup %d --repeats 1")
    :format(threads, python, here, batch, threads, steps, warmup))
  return r and r.steps_per_s
end

local configs = {}
for _, batch in ipairs { 64, 256 } do
  for _, threads in ipairs { 1, 2 } do
    configs[#configs + 1] = { batch = batch, threads = threads,
      steps = (batch == 64 and 300 or 80) // (quick and 4 or 1),
      warmup = quick and 5 or 20 }
  end
end

local rows = {}
for _, c in ipairs(configs) do
  lgan.set_threads(c.threads)
  local G, D = lgan.gan.build("mlp", lgan.Generator(1))
  local gan = lgan.GAN { generator = G, discriminator = D, seed = 1 }
  local real = lgan.Generator(2):rand(c.batch, 784):mul(2):add(-1)
  -- The ceiling is timed in every repeat too, and its best is kept: on a
  -- shared machine one reading of it can fall 10% short, which would
  -- flatter the share of it that lgan reaches.
  local mine, theirs, bound = {}, {}, nil
  for r = 1, repeats do
    io.stderr:write(("bench: batch %d, %d thread(s), repeat %d/%d\n")
      :format(c.batch, c.threads, r, repeats))
    mine[r] = lgan_rate(gan, real, c.steps, r == 1 and c.warmup or 2)
    if has_torch then
      theirs[#theirs + 1] = torch_rate(c.batch, c.threads, c.steps,
        c.warmup)
    end
    local b = run_json(("%s %d %d 20 100 256 512 1024 784 / 784 512 "
      .. "256 1"):format(gemm_bound, c.batch, c.threads))
    if b and (not bound or b.steps_per_s > bound.steps_per_s) then
      bound = b
    end
  end
  local row = { batch = c.batch, threads = c.threads, lgan = median(mine),
                torch = #theirs > 0 and median(theirs) or nil,
                bound = bound and bound.steps_per_s,
                gemm_gflops = bound and bound.gflops,
                openblas = bound and bound.openblas,
                core = bound and bound.core }
  rows[#rows + 1] = row
end

local cpu = "?"
local f = io.open("/proc/cpuinfo")
if f then
  for line in f:lines() do
    local name = line:match("^model name%s*:%s*(.-)%s*$")
    if name then cpu = name break end
  end
  f:close()
end
local blas = ""
for _, r in ipairs(rows) do
  if r.openblas then
    blas = (", OpenBLAS %s with its %s kernels"):format(
      r.openblas:match("OpenBLAS (%S+)") or r.openblas, r.core)
    break
  end
end
print(("Machine: %s, %d cores as seen by OpenBLAS%s; medians of %d "
  .. "repeats."):format(cpu, lgan.core.get_threads(), blas, repeats))
print("")
print("| batch | threads | lgan steps/s | lgan images/s | PyTorch steps/s "
  .. "| lgan / PyTorch | GEMM bound steps/s | share of bound |")
print("|---|---|---|---|---|---|---|---|")
for _, r in ipairs(rows) do
  print(("| %d | %d | %.1f | %.0f | %s | %s | %s | %s |"):format(r.batch,
    r.threads, r.lgan, r.lgan * r.batch,
    r.torch and ("%.1f"):format(r.torch) or "n/a",
    r.torch and ("%.2f"):format(r.lgan / r.torch) or "n/a",
    r.bound and ("%.1f (%.0f GFLOP/s)"):format(r.bound, r.gemm_gflops)
      or "n/a",
    r.bound and ("%.0f%%"):format(100 * r.lgan / r.bound) or "n/a"))
end
