-- A process of a data-parallel run killed mid-run (SIGKILL): the job
-- must end, not hang, with mpirun saying which rank died, and the last
-- checkpoint must stay whole and resume on as many processes (and be
-- refused on one).  Rank 1 is killed first; the resumed run then loses
-- rank 0, the one that writes, and is resumed once more to its end.
-- Every mpirun runs under a time limit, so a hang fails the test.
--
-- Run by `make mpi-test`:
--
--   LUA_CPATH='build/?.so;;' LUA_PATH='lua/?.lua;lua/?/init.lua;;' \
--     lua5.4 spec/mpi/kill_rank.lua
local checkpoint = require "lgan.checkpoint"
local core = require "lgan.core"
local launch = require "spec.mpi.launch"
local support = require "spec.support"

-- 40 steps of 2 x 32 images an epoch.
local STEPS_PER_EPOCH, LIMIT = 40, 180
local q = launch.quote

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("a")
  p:close()
  return out
end

local function sleep(s)
  os.execute(("sleep %g"):format(s))
end

-- The processes whose parent is pid.
local function children(pid)
  local list = {}
  for c in sh(("pgrep -P %d"):format(pid)):gmatch("%d+") do
    list[#list + 1] = math.tointeger(tonumber(c))
  end
  return list
end

-- The rank an MPI process was started as, from its environment.
local function rank_of(pid)
  local env = support.read(("/proc/%d/environ"):format(pid)) or ""
  local r = env:match("OMPI_COMM_WORLD_RANK=(%d+)")
    or env:match("PMI_RANK=(%d+)")
  return r and math.tointeger(tonumber(r))
end

-- The process of the given rank below pid (mpirun, or what started it).
local function find_rank(pid, rank)
  for _, c in ipairs(children(pid)) do
    if rank_of(c) == rank then return c end
    local below = find_rank(c, rank)
    if below then return below end
  end
end

-- Steps done so far, from metrics.csv.
local function steps_done(run)
  local text = support.read(run .. "/metrics.csv") or ""
  local _, lines = text:gsub("\n", "")
  return math.max(0, lines - 1)
end

-- Starts `lgan ARGS` on two processes in the background; returns the
-- pid of its time limit and the file its exit status will be in.
local function start(args, log)
  local status = log .. ".status"
  os.remove(status)
  local cmd = launch.command(2, args, log, LIMIT)
  local pid = sh(("(%s; echo $? >%s) >/dev/null 2>&1 & echo $!")
    :format(cmd, q(status)))
  return math.tointeger(tonumber(pid:match("%d+"))), status
end

-- Waits for the background job; its exit status, or nil after limit s.
local function finish(status_file, limit)
  for _ = 1, limit * 10 do
    local s = support.read(status_file)
    if s and s:match("%d") then return math.tointeger(tonumber(s)) end
    sleep(0.1)
  end
end

-- Runs from `args` until `after` steps are in metrics.csv, then kills
-- the given rank; checks that the job ends and how.
local function kill_during(args, run, after, rank, log)
  local shell = start(args, log)
  local waited = 0
  while steps_done(run) < after do
    sleep(0.2)
    waited = waited + 0.2
    if waited > LIMIT then launch.fail("no progress in %s", run) end
  end
  -- Rows reach metrics.csv in blocks; a second more is mid-epoch.
  local saved = steps_done(run)
  sleep(1)
  local victim = find_rank(shell, rank)
  if not victim then launch.fail("rank %d not found", rank) end
  local t0 = core.clock()
  os.execute(("kill -KILL %d"):format(victim))
  local status = finish(log .. ".status", LIMIT + 10)
  local took = core.clock() - t0
  local text = support.read(log) or ""
  -- timeout(1) exits 124, or 137 after its KILL, when the limit is hit;
  -- mpirun exits 137 too when a rank died of SIGKILL.
  if status == nil or status == 124 or took >= LIMIT - 1 then
    launch.fail("the job did not end after rank %d died (status %s)\n%s",
      rank, tostring(status), text)
  end
  if status == 0 then
    launch.fail("the job ended well although rank %d died\n%s", rank, text)
  end
  local said = text:match("[^\n]*process rank %d[^\n]*signal 9[^\n]*")
  print(("kill_rank: rank %d killed a second after step %d reached "
    .. "metrics.csv; the job ended %.1f s later with status %d: %s")
    :format(rank, saved, took, status,
      said or "(mpirun gave no line naming the rank)"))
  return text
end

-- The run's checkpoint: it must load, whole, at an epoch's end.
local function check_checkpoint(run)
  local ok, ck = pcall(checkpoint.load, run .. "/checkpoint.safetensors")
  if not ok then launch.fail("the checkpoint is broken: %s", ck) end
  local m = ck.meta
  if m.step ~= m.epoch * STEPS_PER_EPOCH or m.hyper.world ~= 2 then
    launch.fail("checkpoint at step %d, epoch %d, world %s",
      m.step, m.epoch, tostring(m.hyper.world))
  end
  print(("kill_rank: the checkpoint loads whole: epoch %d, step %d")
    :format(m.epoch, m.step))
  return m
end

local dir = launch.tmpdir()
launch.make_data(dir, 2 * 32 * STEPS_PER_EPOCH, 3)
local run = dir .. "/run"
local flags = ("--distributed --data %s --batch-size 32 --threads 1 "
  .. "--seed 2"):format(q(dir))

-- Rank 1 dies in epoch 3.
kill_during(("train %s --out %s --epochs 40"):format(flags, q(run)), run,
  2 * STEPS_PER_EPOCH + 10, 1, dir .. "/first.log")
local m = check_checkpoint(run)

-- One process may not carry on a run of two.
local status, text = launch.run(nil, ("train --resume %s"):format(q(run)),
  dir .. "/one.log", LIMIT)
if status ~= 1 or not text:find("trained by 2 processes", 1, true) then
  launch.fail("resuming on one process: status %d\n%s", status, text)
end
print("kill_rank: one process may not resume it: "
  .. text:match("lgan: ([^\n]*)"))

-- Resumed on two, it loses rank 0 (the writer) two epochs on.
kill_during(("train %s --resume %s"):format(flags, q(run)), run,
  m.step + 2 * STEPS_PER_EPOCH + 5, 0, dir .. "/second.log")
m = check_checkpoint(run)

-- Resumed again, it runs to one epoch more.
local target = m.epoch + 1
status, text = launch.run(2, ("train %s --resume %s --epochs %d")
  :format(flags, q(run), target), dir .. "/third.log", LIMIT)
if status ~= 0 then launch.fail("the last resume: status %d\n%s", status,
  text) end
m = check_checkpoint(run)
if m.epoch ~= target then
  launch.fail("the last resume ended at epoch %d, not %d", m.epoch, target)
end
os.execute("rm -rf " .. q(dir))
print("kill_rank: all checks hold")
