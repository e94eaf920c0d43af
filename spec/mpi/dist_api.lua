-- lgan.dist on two real MPI processes: rank and size, the average and
-- the broadcast, a reducer's timings after fused steps, and the errors.
-- Every rank checks; rank 0 prints the summary.  Run by `make mpi-test`
-- under mpirun -np 2 (see launch.lua for the flags).
local lgan = require "lgan"
local dist = require "lgan.dist"
local support = require "spec.support"

local passed = 0
local function check(what, ok, detail)
  if not ok then
    io.stderr:write(("FAIL (rank %s): %s %s\n"):format(
      dist.running() and dist.rank() or "?", what, detail or ""))
    os.exit(1)
  end
  passed = passed + 1
end

assert(dist.available())
dist.init()
dist.init()
local rank, world = dist.rank(), dist.size()
check("two processes", world == 2 and (rank == 0 or rank == 1))
check("both on this machine", dist.local_size() == 2)

local t = lgan.tensor { rank + 1, 10 * (rank + 1), -1 }
check("average returns its tensor", dist.average(t) == t)
check("average", t[1] == 1.5 and t[2] == 15 and t[3] == -1,
  tostring(t))

local b = lgan.tensor { rank, rank }
dist.broadcast(b, 1)
check("broadcast from rank 1", b[1] == 1 and b[2] == 1)
dist.broadcast(b:fill(rank + 5))
check("broadcast from rank 0 by default", b[1] == 5)

check("a root past the world",
  support.err(dist.broadcast, b, 2) == "dist.broadcast: argument 2: "
    .. "expected a rank from 0 to 1, got 2")
check("not a tensor", support.err(dist.average, {}) == "dist.average: "
  .. "argument 1: expected lgan.Tensor, got table")

-- Three fused steps through the reducer: one all-reduce per network and
-- one for the statistics each step, over whole flat buffers.
local G, D = lgan.gan.build("mlp", lgan.Generator(1), 784, 0)
local gan = lgan.GAN { generator = G, discriminator = D, seed = 1 }
local reducer = dist.reducer()
gan.step_core:set_reducer(reducer)
local real = lgan.Generator(5 + rank):rand(8, 784)
local st
for _ = 1, 3 do st = gan:step(real) end
local times = dist.timings(reducer)
check("D reduced once a step", times.discriminator.calls == 3
  and times.discriminator.values == 3 * 533505)
check("G reduced once a step", times.generator.calls == 3
  and times.generator.values == 3 * 1486352)
check("statistics reduced", times.stats.calls == 3
  and times.stats.values == 12 and times.generator.seconds >= 0)
-- The statistics are the average of both ranks', the same on each.
local mine = lgan.tensor { st.d_loss, st.g_loss }
local rank0 = dist.broadcast(mine:clone(), 0)
check("the same statistics on both ranks",
  mine:tobytes() == rank0:tobytes())
-- And the same weights.
local w = G.modules[1].weight:clone()
dist.broadcast(w, 1)
check("the same weights on both ranks",
  w:tobytes() == G.modules[1].weight:tobytes())
check("timings of another reducer", support.err(dist.timings,
  lgan.core.single_reducer()) == "dist.timings: argument 1: expected a "
  .. "reducer from dist.reducer(), got userdata")

dist.barrier()
dist.finalize()
dist.finalize()
check("not running after finalize", not dist.running())
check("calls after finalize", support.err(dist.rank) == "dist.rank: MPI "
  .. "is not running (call init first)")
check("no second start", support.err(dist.init) == "dist.init: MPI was "
  .. "finalized; it cannot start again in this process")
if rank == 0 then
  print(("dist_api: all %d checks hold"):format(passed))
end
