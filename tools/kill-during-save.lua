-- kill-during-save.lua: shows that a training process killed with
-- SIGKILL, at any moment and in particular in the middle of writing a
-- checkpoint, leaves the previous checkpoint whole.
--
--   lua5.4 tools/kill-during-save.lua [ROUNDS [DATA]]
--
-- Run from the checkout after `make`.  Trains on DATA (an MNIST-style
-- folder; by default 256 random 28 x 28 images made in a temporary
-- folder, 8 batches of 32 per epoch, so that saving the 24 MB checkpoint
-- after every epoch is most of the time) and, ROUNDS times (default 20),
-- starts `lgan train` (resuming from the checkpoint once there is one),
-- kills it with SIGKILL and checks that the run folder's checkpoint
-- loads and passes every check `lgan train --resume` makes.  Odd rounds
-- kill at a random moment within 1.5 s; even rounds wait until a
-- temporary checkpoint file appears, that is in the middle of a save,
-- and kill then.  A round where the kill left a temporary file behind
-- is counted as "killed during a save"; the temporary file is removed
-- before the next round.
--
-- Prints one line per round and a summary; exits 0 if every checkpoint
-- loaded, 1 otherwise.

package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath

local core = require "lgan.core"
local checkpoint = require "lgan.checkpoint"
local train = require "lgan.train"

local rounds = math.tointeger(tonumber(arg[1] or "20"))
local data = arg[2]
if not rounds or rounds < 1 then
  io.stderr:write("usage: lua5.4 tools/kill-during-save.lua [ROUNDS [DATA]]\n")
  os.exit(2)
end

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir " .. quote(p)))
  return p
end

local work = tmpdir()
if not data then
  data = work .. "/data"
  assert(os.execute("mkdir " .. quote(data)))
  local g = core.Generator(7)
  local n = 256
  local bytes = {}
  for i = 1, n * 28 * 28 do bytes[i] = string.char(g:random_int(256) - 1) end
  core.write_idx(data .. "/train-images-idx3-ubyte",
    core.bytes(table.concat(bytes), n, 28, 28))
  core.write_idx(data .. "/train-labels-idx1-ubyte", core.bytes(n))
  core.write_idx(data .. "/t10k-images-idx3-ubyte", core.bytes(1, 28, 28))
  core.write_idx(data .. "/t10k-labels-idx1-ubyte", core.bytes(1))
end
local run = work .. "/run"
local file = run .. "/checkpoint.safetensors"

-- Names of the temporary checkpoint files in the run folder.
local function leftovers()
  local names = {}
  local p = io.popen("ls -a " .. quote(run) .. " 2>/dev/null")
  for name in p:lines() do
    if name:match("^checkpoint%.safetensors%.tmp%-") then
      names[#names + 1] = name
    end
  end
  p:close()
  return names
end

local seed = tonumber(os.getenv("KILL_SEED") or "") or os.time()
math.randomseed(seed)
local lgan = "exec lua5.4 bin/lgan train --epochs 1000000 --threads 1 "
local failures, in_save = 0, 0
print(("kill-during-save: %d rounds in %s, random seed %d"):format(rounds,
  work, seed))

for round = 1, rounds do
  local cmd
  if core.path_kind(file) == "file" then
    cmd = lgan .. "--resume " .. quote(run)
  else
    cmd = lgan .. "--batch-size 32 --data " .. quote(data) .. " --out "
      .. quote(run)
  end
  local wait
  if round % 2 == 1 then
    wait = ("sleep %.3f"):format(0.2 + 1.3 * math.random())
  else
    -- Until a temporary checkpoint file exists (give up after 20 s).
    wait = "i=0; while [ $i -lt 20000 ] && ! ls " .. quote(run)
      .. "/checkpoint.safetensors.tmp-* >/dev/null 2>&1; do i=$((i+1)); "
      .. "done"
  end
  local script = cmd .. " >/dev/null 2>&1 & p=$!; " .. wait
    .. "; kill -KILL $p 2>/dev/null; wait $p"
  os.execute("sh -c " .. quote(script) .. " 2>/dev/null")

  local tmp = leftovers()
  if #tmp > 0 then in_save = in_save + 1 end
  local status
  if core.path_kind(file) ~= "file" then
    status = "no checkpoint yet"
  else
    local ok, err = pcall(function()
      local ck = checkpoint.load(file)
      train.resume(ck, {})
      return ck
    end)
    if ok then
      status = "checkpoint loads"
    else
      status = "BROKEN: " .. tostring(err)
      failures = failures + 1
    end
  end
  print(("round %2d: killed %s; %s%s"):format(round,
    round % 2 == 1 and "at random" or "in a save",
    status, #tmp > 0 and " (killed during a save)" or ""))
  for _, name in ipairs(tmp) do os.remove(run .. "/" .. name) end
end

print(("kill-during-save: %d rounds, %d killed during a save, %d broken "
  .. "checkpoints"):format(rounds, in_save, failures))
os.execute("rm -rf " .. quote(work))
os.exit(failures == 0 and 0 or 1)
