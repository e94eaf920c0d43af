--- The `lgan` command: option parsing (argparse) and progress on
-- stderr.  The only part of lgan that writes to a terminal.
-- @module lgan.cli

local argparse = require "argparse"

local cli = {}

local function parser()
  local p = argparse("lgan", "Train generative adversarial networks.")
  p:command_target("command")

  local t = p:command("train", "Train a GAN on MNIST.")
  t:option("--data", "Folder with the MNIST IDX files.", "data/mnist")
  t:option("--out", "Run folder for grids, metrics and checkpoints "
    .. "(default runs/PRESET-seedSEED).")
  t:option("--epochs", "Epochs to train.", "5"):convert(math.tointeger)
  t:option("--batch-size", "Images per step.", "64")
    :convert(math.tointeger)
  t:option("--seed", "Seed of every random stream.", "1")
    :convert(math.tointeger)
  t:option("--threads", "OpenBLAS threads (default: all cores).")
    :convert(math.tointeger)
  t:option("--preset", "Model: mlp (LeakyReLU/Tanh) or seed "
    .. "(ReLU/Sigmoid).", "mlp"):choices { "mlp", "seed" }
  t:option("--lr", "Adam learning rate.", "2e-4"):convert(tonumber)
  return p
end

local function fmt_time(s)
  s = math.floor(s + 0.5)
  if s >= 3600 then
    return ("%d:%02d:%02d"):format(s // 3600, s % 3600 // 60, s % 60)
  end
  return ("%d:%02d"):format(s // 60, s % 60)
end

--- Progress hooks writing to stderr: a redrawn bar on a terminal, one
-- line per epoch otherwise.
function cli.progress(epochs, is_terminal)
  local err = io.stderr
  local hooks = {}
  local last = -1
  if is_terminal then
    function hooks.step(info)
      local now = info.seconds
      if now - last < 0.2 and info.batch ~= info.batches then return end
      last = now
      local done = ((info.epoch - 1) * info.batches + info.batch)
      local total = epochs * info.batches
      local rate = info.step / math.max(info.seconds, 1e-9)
      local width = 24
      local filled = math.floor(width * info.batch / info.batches)
      err:write(("\r\27[Kepoch %d/%d [%s%s] %d/%d  %.0f img/s  left %s  "
        .. "D %.3f G %.3f"):format(info.epoch, epochs,
        ("#"):rep(filled), ("."):rep(width - filled), info.batch,
        info.batches, rate * info.stats_batch_size,
        fmt_time((total - done) / math.max(rate, 1e-9)),
        info.stats.d_loss, info.stats.g_loss))
      err:flush()
    end
  end
  function hooks.epoch(info)
    local s = info.stats
    err:write(("%sepoch %d/%d  step %d  %s  d_loss %.4f  g_loss %.4f  "
      .. "D(x) %.3f  D(G(z)) %.3f  -> %s\n"):format(
      is_terminal and "\r\27[K" or "", info.epoch, info.epochs, info.step,
      fmt_time(info.seconds), s.d_loss, s.g_loss, s.d_real, s.d_fake,
      info.grid))
    err:flush()
  end
  return hooks
end

local function run_train(args)
  local core = require "lgan.core"
  local train = require "lgan.train"
  local trainer = train.new {
    data = args.data, out = args.out, epochs = args.epochs,
    batch_size = args.batch_size, seed = args.seed,
    threads = args.threads, preset = args.preset, lr = args.lr,
  }
  local hooks = cli.progress(args.epochs, core.stderr_is_terminal())
  local step_hook = hooks.step
  if step_hook then
    hooks.step = function(info)
      info.stats_batch_size = args.batch_size
      step_hook(info)
    end
  end
  io.stderr:write(("lgan: training %s on %s, %d images, batch %d, "
    .. "run folder %s\n"):format(args.preset, args.data, #trainer.images,
    args.batch_size, trainer.opts.out))
  trainer:run(hooks)
  return 0
end

--- Runs the command line in argv; returns the exit status.
function cli.main(argv)
  local ok, args = parser():pparse(argv)
  if not ok then
    io.stderr:write("lgan: ", args, "\n", "Try 'lgan --help'.\n")
    return 2
  end
  local handlers = { train = run_train }
  local status
  ok, status = xpcall(handlers[args.command], debug.traceback, args)
  if not ok then
    -- An error from lgan names its function; the traceback helps only
    -- when something unexpected broke.
    local message = tostring(status)
    if os.getenv("LGAN_TRACEBACK") == nil then
      message = message:match("^(.-)\nstack traceback:") or message
    end
    io.stderr:write("lgan: ", message, "\n")
    return 1
  end
  return status
end

return cli
