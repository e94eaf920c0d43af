-- What the MPI test programs share: synthetic data, running lgan under
-- mpirun (Open MPI or MPICH) with a time limit, and reading runs back.
local core = require "lgan.core"
local support = require "spec.support"

local launch = {}

launch.quote = support.quote
launch.tmpdir = support.tmpdir

--- Writes n random 28 x 28 images (and labels) as MNIST's training
-- files in dir, from seed.
function launch.make_data(dir, n, seed)
  local g = core.Generator(seed)
  local bytes = {}
  for i = 1, n * 28 * 28 do bytes[i] = string.char(g:random_int(256) - 1) end
  core.write_idx(dir .. "/train-images-idx3-ubyte",
    core.bytes(table.concat(bytes), n, 28, 28))
  local labels = {}
  for i = 1, n do labels[i] = string.char(g:random_int(10) - 1) end
  core.write_idx(dir .. "/train-labels-idx1-ubyte",
    core.bytes(table.concat(labels), n))
end

-- Open MPI refuses to run as root without these, and places no more
-- processes than cores without --oversubscribe; MPICH needs neither.
local function mpirun_prefix(np)
  local p = io.popen("mpirun --version 2>&1")
  local version = p:read("a")
  p:close()
  local flags = version:find("Open MPI", 1, true) and " --oversubscribe"
    or ""
  return ("mpirun -np %d%s"):format(np, flags)
end

local ROOT = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"

--- The shell command that runs `lgan ARGS` on np processes (np nil: one,
-- without mpirun), ended after `limit` seconds; output to log.
function launch.command(np, args, log, limit)
  local run = np and mpirun_prefix(np) .. " " or ""
  return ("%s timeout -k 5 %d %slua5.4 bin/lgan %s >%s 2>&1"):format(
    ROOT, limit or 300, run, args, launch.quote(log))
end

--- Runs it; returns the exit status and the log's text.
function launch.run(np, args, log, limit)
  local _, _, status = os.execute(launch.command(np, args, log, limit))
  return status, support.read(log) or ""
end

--- The floats of a checkpoint tensor.
function launch.floats(t)
  local out, bytes, n = {}, t.bytes, #t.bytes // 4
  local chunk = 256
  for i = 0, n - 1, chunk do
    local k = math.min(chunk, n - i)
    local vals = { string.unpack("<" .. ("f"):rep(k), bytes, 4 * i + 1) }
    for j = 1, k do out[i + j] = vals[j] end
  end
  return out
end

--- Prints a line and exits 1.
function launch.fail(fmt, ...)
  io.stderr:write("FAIL: ", fmt:format(...), "\n")
  os.exit(1)
end

return launch
