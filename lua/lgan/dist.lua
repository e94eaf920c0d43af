--- Data-parallel training over MPI: the processes of one `mpirun` job,
-- a reducer that averages the fused step's gradients across them, and
-- the few collective calls a trainer needs.
--
-- Its C part, the module `lgan.mpi`, is built only on request (`make
-- MPI=1`, or the `lgan-mpi` rock) and links Open MPI or MPICH.  Without
-- it this module still loads: `available()` says why it cannot work,
-- and every other function raises that.
--
-- How a data-parallel step equals one process's step: each of the
-- `world` processes holds the same weights (broadcast from rank 0 at
-- the start) and takes rows `rank * b + 1` to `(rank + 1) * b` of every
-- global batch of `world * b` rows (`data.loader(...):slice(rank,
-- world)`: every process shuffles with the same generator, so all see
-- one order).  The fused step draws the noise (and a conditional
-- model's classes) of the whole global batch from the GAN's stream and
-- keeps its own rows, so every process's stream stays the same and the
-- noise is the one process's noise; after each network's backward pass
-- the reducer replaces its gradients, one flat buffer, by their average
-- over the processes (one `MPI_Allreduce` in place, then a scale by `1 /
-- world`), and the statistics likewise.  Adam then makes the same update
-- everywhere: the weights after any number of steps are those of one
-- process on the global batch, within float32 rounding (the sums over
-- the batch are split differently).
--
-- Random streams per process: lgan needs none so far, since every
-- random draw of training is made alike on every process.  Randomness
-- that should differ between processes (say, a per-process
-- augmentation) takes `Generator(seed, 16 + rank)`: streams 0 to 15 of
-- a seed are lgan's shared ones (`gan.STREAM`), and 16 + rank is a
-- stream of its own for each process, the same from run to run.
--
-- Errors: MPI calls on `MPI_COMM_WORLD` return their errors
-- (`MPI_ERRORS_RETURN`), which become Lua errors in MPI's own words; this
-- module never ends the process itself (`abort` is there for a program
-- that wants to).  A process that exits or dies without `finalize` makes
-- `mpirun` end the whole job.  Collective calls (all but `rank`, `size`,
-- `running` and `timings`) must be made by every process, in the same
-- order.
-- @module lgan.dist

local dist = {}

local ok, mpi = pcall(require, "lgan.mpi")
local why
if not ok then
  if tostring(mpi):find("module 'lgan.mpi' not found", 1, true) then
    why = "lgan was built without MPI (no lgan.mpi module); build it "
      .. "with `make MPI=1`, or install the lgan-mpi rock"
  else
    why = "cannot load lgan.mpi: " .. tostring(mpi)
  end
  mpi = nil
end

--- Whether MPI can be used: true, or false and the reason.
-- @treturn boolean
-- @treturn[opt] string why not
function dist.available()
  if mpi then return true end
  return false, why
end

local function need(fn)
  if not mpi then error(("dist.%s: %s"):format(fn, why), 3) end
  return mpi
end

--- Starts MPI (`MPI_Init_thread`, funneled: only this thread calls
-- MPI), unless the host program already has, and makes MPI's errors
-- return.  Call it once before the rest; run without `mpirun`, the
-- process is a world of one.
function dist.init()
  need("init").init()
end

--- Whether MPI is started and not finalized.
-- @treturn boolean
function dist.running()
  return mpi ~= nil and mpi.running()
end

--- This process's rank, from 0.
-- @treturn integer
function dist.rank()
  return need("rank").rank()
end

--- The number of processes in the job.
-- @treturn integer
function dist.size()
  return need("size").size()
end

--- The number of processes of the job on this machine, to share its
-- cores among them.  Collective.
-- @treturn integer
function dist.local_size()
  return need("local_size").local_size()
end

--- A new reducer (an `lgan.Reducer`) for `GAN.step_core:set_reducer`:
-- every step then averages each network's gradients and the statistics
-- over the processes.
-- @return the reducer
function dist.reducer()
  return need("reducer").reducer()
end

--- What a reducer has done: `{discriminator =, generator =, stats =}`,
-- each `{calls =, seconds =, values =}` (all-reduces made, seconds spent
-- in them, values reduced in all).
-- @param reducer from `dist.reducer()`
-- @treturn table
function dist.timings(reducer)
  return need("timings").timings(reducer)
end

--- Replaces a tensor's values by their average over the processes, in
-- place.  Collective.
-- @param t an `lgan.Tensor`
-- @return t
function dist.average(t)
  return need("average").average(t)
end

--- Gives every process the values root has in the tensor.  Collective.
-- @param t an `lgan.Tensor`, the same shape everywhere
-- @int[opt=0] root the rank whose values win
-- @return t
function dist.broadcast(t, root)
  return need("broadcast").broadcast(t, root)
end

--- Broadcasts every parameter of a module (an `nn.Sequential`, a
-- Linear, ...) from root, in the module's order.  Collective.
-- @param module anything with `parameters()`
-- @int[opt=0] root
function dist.broadcast_parameters(module, root)
  local m = need("broadcast_parameters")
  if type(module) ~= "table" or type(module.parameters) ~= "function" then
    error("dist.broadcast_parameters: expected a module, got "
      .. type(module), 2)
  end
  for _, p in ipairs((module:parameters())) do m.broadcast(p, root) end
end

--- Returns when every process has called it.  Collective.
function dist.barrier()
  need("barrier").barrier()
end

--- Ends MPI in this process (`MPI_Finalize`); nothing of this module
-- works afterwards.  Call it on every process at the end of a good run;
-- after a failure, exit instead, and `mpirun` ends the job.  Collective.
function dist.finalize()
  need("finalize").finalize()
end

--- `MPI_Abort`: ends every process of the job at once, with code as the
-- exit status.  For a program's failure path; lgan never calls it.
-- @int[opt=1] code
function dist.abort(code)
  need("abort").abort(code or 1)
end

return dist
