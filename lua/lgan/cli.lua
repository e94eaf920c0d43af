--- The `lgan` command: option parsing (argparse) and progress on
-- stderr.  The only part of lgan that writes to a terminal.
-- @module lgan.cli

local argparse = require "argparse"

local cli = {}

-- Options of `lgan train` that a resumed run takes from its checkpoint
-- unless given again; their defaults are train.defaults.
local TRAIN_KEYS = { "data", "epochs", "batch_size", "seed", "preset", "lr",
                     "conditional" }

-- Converters for options that take numbers.  Each names its option and
-- what it takes, where argparse's own message for a value its converter
-- refuses ("malformed argument '1.5'") names neither.
local function integer_of(text)
  local n = tonumber(text)
  return n and math.tointeger(n)
end

local NUMBERS = {
  positive = { "a positive integer", function(text)
    local n = integer_of(text)
    return n and n >= 1 and n or nil
  end },
  whole = { "a non-negative integer", function(text)
    local n = integer_of(text)
    return n and n >= 0 and n or nil
  end },
  integer = { "an integer", integer_of },
  rate = { "a number between 0 and 1", function(text)
    local n = tonumber(text)
    return n and n > 0 and n < 1 and n or nil
  end },
}

local function parser()
  local p = argparse("lgan", "Train generative adversarial networks.")
  p:command_target("command")
  -- The options that take numbers, for join_negative.
  local numeric = {}
  -- Adds to cmd the option name, which takes a number of the given kind
  -- (a key of NUMBERS); help and default as for cmd:option.
  -- A positive option may have a largest value, max, named with it.
  local function number(cmd, name, kind, help, default, max)
    local what, convert = NUMBERS[kind][1], NUMBERS[kind][2]
    if max then what = ("an integer from 1 to %d"):format(max) end
    numeric[name] = true
    return cmd:option(name, help, default):convert(function(text)
      local n = convert(text)
      if n == nil or max and n > max then
        return nil, ("%s takes %s, got '%s'"):format(name, what, text)
      end
      return n
    end)
  end
  local MAX_THREADS = 256

  -- No argparse defaults for train's options: an option left out is
  -- nil, so that --resume can tell it from one given again.
  local t = p:command("train", "Train a GAN on MNIST.")
  t:option("--data", "Folder with the MNIST IDX files (default data/mnist; "
    .. "with --resume, the run's).")
  t:option("--out", "Run folder for grids, metrics and checkpoints "
    .. "(default runs/PRESET-seedSEED).")
  t:option("--resume", "Carry on the run in this folder from its "
    .. "checkpoint.safetensors; options given again must agree with it.")
    :argname("<run>")
  number(t, "--epochs", "positive", "Epochs to train, counted from the "
    .. "start of the run (default 5; with --resume, the run's).", nil,
    1000000)
  number(t, "--batch-size", "positive", "Images per step (default 64).",
    nil, 65536)
  number(t, "--seed", "integer", "Seed of every random stream (default 1).")
  number(t, "--threads", "positive", "OpenBLAS threads (default: all "
    .. "cores; with --resume, as many as the run used).", nil, MAX_THREADS)
  t:option("--preset", "Model: mlp (LeakyReLU/Tanh, the default) or seed "
    .. "(ReLU/Sigmoid)."):choices { "mlp", "seed" }
  number(t, "--lr", "rate", "Adam learning rate (default 2e-4).")
  t:flag("--conditional", "Learn one class per digit from MNIST's labels "
    .. "(a conditional GAN): samples can then be drawn by class.")
  t:flag("--distributed", "Train data-parallel on the processes of an "
    .. "MPI job (mpirun -np N lgan train --distributed ...; needs lgan "
    .. "built with MPI=1): --batch-size is each process's share of a "
    .. "global batch N times as large; only rank 0 writes and reports; "
    .. "--threads defaults to a machine's cores over the job's processes "
    .. "on it.")

  local s = p:command("sample", "Generate images from a checkpoint.")
  s:option("--checkpoint", "A checkpoint.safetensors file, or a run "
    .. "folder holding one."):count(1):argname("<file>")
  number(s, "--n", "positive", "Images to generate.", "100", 1000000)
  number(s, "--seed", "integer", "Seed of the noise (stream 3 of the seed, "
    .. "as the training grids use).", "1")
  s:option("--png", "Write a grid of the images to this PNG file.")
    :argname("<file>")
  s:option("--idx", "Write the images as IDX3 unsigned bytes, n x 28 x "
    .. "28, as MNIST's image files are.")
    :argname("<file>")
  s:option("--tensors", "Write the generator's input z [n, z_dim] (and "
    .. "a one-hot class per row in a conditional model) and the images x "
    .. "[n, x_dim] as float32 tensors in a safetensors file (what "
    .. "bench/torch_load.py compares against).")
    :argname("<file>")
  number(s, "--threads", "positive", "OpenBLAS threads (default: all "
    .. "cores).", nil, MAX_THREADS)
  number(s, "--class", "whole", "Draw every image of this class (a "
    .. "conditional model; default: classes 0, 1, ... in turn).")

  local i = p:command("info", "Show what a checkpoint holds.")
  i:argument("checkpoint", "A checkpoint.safetensors file, or a run "
    .. "folder holding one.")
    :args("?")
  -- As the other commands take it, too.
  i:option("--checkpoint", "The same, given as the other commands take it.")
    :target("checkpoint_option"):argname("<file>")

  local c = p:command("classify", "Train the digit classifier that marks "
    .. "generated items.")
  c:option("--data", "Folder with the MNIST IDX files.", "data/mnist")
  c:option("--out", "Where to save it (safetensors).",
    "runs/classifier.safetensors"):argname("<file>")
  number(c, "--epochs", "positive", "Epochs to train.", "10")
  number(c, "--seed", "integer", "Seed of its random streams.", "1")
  number(c, "--threads", "positive", "OpenBLAS threads (default: all "
    .. "cores).", nil, MAX_THREADS)

  local sc = p:command("score", "How often the classifier sees the class "
    .. "each generated digit was drawn for, per class.")
  sc:option("--checkpoint", "A conditional model's checkpoint (or "
    .. "its run folder)."):count(1):argname("<file>")
  sc:option("--classifier", "A classifier from lgan classify.",
    "runs/classifier.safetensors"):argname("<file>")
  number(sc, "--n", "positive", "Digits per class.", "100", 100000)
  number(sc, "--seed", "integer", "Seed of the noise.", "1")

  local w = p:command("worksheet", "A printable sheet of generated "
    .. "digits to name, with its answer key.")
  w:option("--checkpoint", "A conditional model's checkpoint (or "
    .. "its run folder)."):count(1):argname("<file>")
  number(w, "--items", "positive", "Digits on the sheet.", "20", 200)
  number(w, "--seed", "integer", "Seed: one seed, one sheet.", "1")
  w:option("--out", "Folder for worksheet.png, answers.png and "
    .. "answers.json."):count(1):argname("<dir>")
  w:option("--classifier", "Check each item with this classifier: one "
    .. "it reads as another digit is drawn again (--tries times at most), "
    .. "and any still read otherwise are named.")
    :argname("<file>")
  number(w, "--tries", "whole", "Draws again per disputed item, with "
    .. "--classifier (default 20).")
  return p, numeric
end

-- argparse takes every word that starts with '-' for an option, even
-- where an option's value is due, so `--epochs -1` fails as "unknown
-- option '-1'" before any converter sees the -1; it has no setting to
-- read such a word as a value.  A word that starts like a negative
-- number after an option that takes a number is therefore joined to it,
-- `--epochs=-1`, which argparse does read as the value: the converter
-- then accepts it (--seed) or says what the option takes.  Words after
-- "--" are left alone, as argparse leaves them.
local function join_negative(argv, numeric)
  local out, i = {}, 1
  while i <= #argv do
    local word, after = argv[i], argv[i + 1]
    if word == "--" then
      table.move(argv, i, #argv, #out + 1, out)
      break
    elseif numeric[word] and after and after:match("^%-%.?%d") then
      out[#out + 1] = word .. "=" .. after
      i = i + 2
    else
      out[#out + 1] = word
      i = i + 1
    end
  end
  return out
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

-- "--batch-size" for "batch_size".
local function flag(key)
  return "--" .. key:gsub("_", "-")
end

-- A trainer for the command line's options: a new run, or one resumed.
local function make_trainer(args)
  local train = require "lgan.train"
  local given = {}
  for _, key in ipairs(TRAIN_KEYS) do given[key] = args[key] end
  given.threads = args.threads
  given.dist = args.dist
  if not args.resume then
    given.out = args.out
    local trainer = train.new(given)
    -- A new run never replaces one that is there: that is --resume's
    -- job.  Asked here, before the run, to say so in the command's terms.
    if trainer:writes() then
      trainer:refuse_earlier_run(("carry on with --resume %s")
        :format(trainer.opts.out), "choose another --out")
    end
    return trainer, false
  end

  local core = require "lgan.core"
  local checkpoint = require "lgan.checkpoint"
  local run = args.resume:gsub("(.)/+$", "%1")
  if args.out and args.out:gsub("(.)/+$", "%1") ~= run then
    error(("--out %s differs from --resume %s: a resumed run carries on "
      .. "in its own folder"):format(args.out, args.resume), 0)
  end
  local file = run
  if core.path_kind(run) == "directory" then
    file = run .. "/checkpoint.safetensors"
  end
  local ck = checkpoint.load(file)
  for _, d in ipairs(train.disagreements(ck, given)) do
    error(("%s %s disagrees with the checkpoint %s, which has %s %s")
      :format(flag(d.key), tostring(d.given), file, flag(d.key),
        tostring(d.stored)), 0)
  end
  local trainer = train.resume(ck, given)
  if ck.meta.threads and trainer.opts.threads ~= ck.meta.threads then
    io.stderr:write(("lgan: note: the run used %d threads, this resume "
      .. "%d; OpenBLAS may round differently, so the result can differ in "
      .. "the last bits from an uninterrupted run\n")
      :format(ck.meta.threads, trainer.opts.threads))
  end
  return trainer, true
end

-- Draws RUN/losses.png from RUN/metrics.csv, or says why not; and names
-- the sheet of a row per epoch that a finished run wrote.
local function draw_losses(out, how)
  local plot = require "lgan.plot"
  local png = out .. "/losses.png"
  local ok, why = plot.losses(out .. "/metrics.csv", png, "lgan: " .. out)
  if ok then
    io.stderr:write("lgan: loss curves -> ", png, "\n")
  else
    io.stderr:write("lgan: ", why, "\n")
  end
  if how == "done" then
    io.stderr:write("lgan: a row per epoch -> ", out, "/timelapse.png\n")
  end
end

-- Starts MPI for --distributed: every process of the job runs this.
-- Without --threads, a new run shares each machine's cores among the
-- job's processes there (OpenBLAS would give each process all of them).
local function start_dist(args)
  local core = require "lgan.core"
  local dist = require "lgan.dist"
  local ok, why = dist.available()
  if not ok then error("train --distributed: " .. why, 0) end
  dist.init()
  args.dist = dist
  local here = dist.local_size()
  if args.threads == nil and not args.resume then
    args.threads = math.max(1, core.get_threads() // here)
  end
end

-- The distributed run: rank 0 reports, every rank trains.  Ctrl-C
-- reaches mpirun, which ends the job; a resumed run starts from the
-- last epoch's checkpoint.
local function run_distributed(args, trainer)
  local core = require "lgan.core"
  local o = trainer.opts
  local hooks = {}
  if trainer:writes() then
    hooks = cli.progress(o.epochs, core.stderr_is_terminal())
  end
  local step_hook = hooks.step
  if step_hook then
    hooks.step = function(info)
      info.stats_batch_size = o.batch_size * trainer.world
      step_hook(info)
    end
  end
  local _, how = trainer:run(hooks)
  if trainer:writes() then draw_losses(o.out, how) end
  args.dist.finalize()
  return 0
end

local function run_train(args)
  local core = require "lgan.core"
  -- MNIST's bytes and the model's tensors are most of the Lua heap and
  -- live all run; Lua's default pause (200%) would let garbage grow as
  -- large as they are before collecting it.  A pause of 100% keeps the
  -- process under 100 MB.
  collectgarbage("incremental", 100)
  if args.distributed then start_dist(args) end
  local trainer, resumed = make_trainer(args)
  local o = trainer.opts
  local say = trainer:writes()
  if say and resumed then
    local l = trainer.loader:state()
    io.stderr:write(("lgan: resuming %s at step %d (epoch %d done, "
      .. "batch %d of epoch %d), training to epoch %d\n"):format(o.out,
      trainer.step, trainer.epoch, l.position, l.epoch, o.epochs))
  elseif say then
    local share = ""
    if args.dist then
      share = (" on each of %d processes (global batch %d)")
        :format(trainer.world, o.batch_size * trainer.world)
    end
    io.stderr:write(("lgan: training %s on %s, %d images, batch %d%s, "
      .. "run folder %s\n"):format(o.preset, o.data, #trainer.images,
      o.batch_size, share, o.out))
  end
  if trainer.epoch >= o.epochs then
    if say then
      io.stderr:write(("lgan: the run has done %d of %d epochs already; "
        .. "give --epochs to train more\n"):format(trainer.epoch,
        o.epochs))
    end
    if args.dist then args.dist.finalize() end
    return 0
  end
  if args.dist then return run_distributed(args, trainer) end

  local hooks = cli.progress(o.epochs, core.stderr_is_terminal())
  local step_hook = hooks.step
  if step_hook then
    hooks.step = function(info)
      info.stats_batch_size = o.batch_size
      step_hook(info)
    end
  end
  function hooks.interrupted()
    if not core.interrupted() then return false end
    io.stderr:write("\nlgan: interrupted; finishing the step and writing "
      .. "the checkpoint (Ctrl-C again to quit at once)\n")
    return true
  end

  core.catch_interrupt(true)
  local ok, result, how = pcall(trainer.run, trainer, hooks)
  core.catch_interrupt(false)
  if not ok then error(result, 0) end
  draw_losses(o.out, how)
  if how == "interrupted" then
    local l = trainer.loader:state()
    io.stderr:write(("lgan: stopped at step %d (epoch %d, batch %d); "
      .. "checkpoint %s; carry on with: lgan train --resume %s\n")
      :format(trainer.step, l.epoch, l.position, trainer:checkpoint_path(),
        o.out))
    return 130
  end
  return 0
end

-- The folder a file path goes in: "." for a bare name, "/" for one at
-- the root.
local function folder_of(path)
  local folder = path:match("^(.*)/[^/]*$")
  if folder == nil then return "." end
  return folder == "" and "/" or folder
end

local function run_sample(args)
  local core = require "lgan.core"
  local checkpoint = require "lgan.checkpoint"
  local gan = require "lgan.gan"
  local image = require "lgan.image"
  if not (args.png or args.idx or args.tensors) then
    error("sample: say where to write: --png, --idx and/or --tensors", 0)
  end
  args.checkpoint = checkpoint.file_in(args.checkpoint, "sample")
  -- Outputs never overwrite the checkpoint read, nor each other, however
  -- the paths are spelt; and each has a folder to go to before any is
  -- written, so that a run does not stop half done.
  local seen = { { "--checkpoint", args.checkpoint } }
  for _, key in ipairs { "png", "idx", "tensors" } do
    local path = args[key]
    if path then
      for _, earlier in ipairs(seen) do
        if path == earlier[2] or core.same_file(path, earlier[2]) then
          error(("sample: --%s and %s name the same file %s"):format(key,
            earlier[1], path), 0)
        end
      end
      local folder = folder_of(path)
      if core.path_kind(folder) ~= "directory" then
        error(("sample: --%s %s: there is no folder %s"):format(key, path,
          folder), 0)
      end
      seen[#seen + 1] = { "--" .. key, path }
    end
  end
  if args.threads then core.set_threads(args.threads) end
  local ck = checkpoint.load(args.checkpoint)
  local arch = ck.meta.architecture
  local G = checkpoint.generator(ck)
  local z = core.Generator(args.seed, gan.STREAM.sample)
    :randn(args.n, arch.z_dim)
  if args.class and (arch.classes == 0 or args.class < 0
      or args.class >= arch.classes) then
    error(arch.classes == 0 and "sample: --class needs a conditional model "
      .. "(lgan train --conditional)" or ("sample: --class must be from 0 "
      .. "to %d"):format(arch.classes - 1), 0)
  end
  if arch.classes > 0 then
    -- A conditional model gets the --class asked for, or classes 0, 1,
    -- ... in turn as GAN:sample gives them, beside the noise.
    local labels = {}
    for k = 1, args.n do labels[k] = args.class or (k - 1) % arch.classes end
    z = core.cat { z, core.one_hot(labels, arch.classes) }
  end
  local x = G:forward(z)
  local lo, hi = arch.range[1], arch.range[2]
  local side = math.tointeger(math.sqrt(arch.x_dim))
  if (args.png or args.idx) and (not side or side * side ~= arch.x_dim) then
    error(("sample: images of %d values are not square; only --tensors "
      .. "can hold them"):format(arch.x_dim), 0)
  end
  if args.png then
    image.save_grid(args.png, x, { lo = lo, hi = hi, height = side,
                                   width = side })
    io.stderr:write("lgan: ", args.n, " images -> ", args.png, "\n")
  end
  if args.idx then
    core.write_idx(args.idx, x:view(args.n, side, side), lo, hi)
    io.stderr:write("lgan: ", args.n, " images -> ", args.idx, "\n")
  end
  if args.tensors then
    checkpoint.save_tensors(args.tensors, { z = z, x = x },
      { source = args.checkpoint, seed = tostring(args.seed) })
    io.stderr:write("lgan: z and x -> ", args.tensors, "\n")
  end
  return 0
end

-- A number as the checkpoint holds it, briefly.
local function show(v)
  if math.type(v) == "float" and v == math.floor(v) and math.abs(v) < 2^53
  then
    return ("%d"):format(v)
  elseif type(v) == "number" then
    return ("%.6g"):format(v)
  end
  return tostring(v)
end

local function run_info(args)
  local checkpoint = require "lgan.checkpoint"
  if args.checkpoint and args.checkpoint_option then
    error("info: name the checkpoint once, not as an argument and with "
      .. "--checkpoint", 0)
  end
  local path = args.checkpoint or args.checkpoint_option
  if not path then
    error("info: name a checkpoint file or run folder: lgan info RUN", 0)
  end
  local ck = checkpoint.load(checkpoint.file_in(path, "info"))
  local m = ck.meta
  local a = m.architecture
  local out = {}
  local function say(fmt, ...) out[#out + 1] = fmt:format(...) end
  local function layers(list)
    local parts = {}
    for i, l in ipairs(list) do
      if l.kind == "Linear" then
        parts[i] = ("Linear(%d -> %d)"):format(l.in_features, l.out_features)
      elseif l.kind == "LeakyReLU" then
        parts[i] = ("LeakyReLU(%s)"):format(show(l.slope))
      else
        parts[i] = l.kind
      end
    end
    return table.concat(parts, ", ")
  end
  local function fields(t, keys)
    local parts = {}
    for _, k in ipairs(keys) do
      if t[k] ~= nil then parts[#parts + 1] = k .. " " .. show(t[k]) end
    end
    return table.concat(parts, ", ")
  end

  say("%s: lgan checkpoint, format version %d", ck.path, m.version)
  say("preset: %s", a.preset or "(none: a GAN saved by a script)")
  say("generator: %s", layers(a.generator))
  say("discriminator: %s", layers(a.discriminator))
  say("z_dim %d, x_dim %d, classes %d, pixel range [%s, %s]", a.z_dim,
    a.x_dim, a.classes, show(a.range[1]), show(a.range[2]))
  say("hyper-parameters: %s", fields(m.hyper, { "seed", "batch_size", "lr",
    "beta1", "beta2", "real_label", "fake_label", "grid", "world" }))
  for _, net in ipairs { "generator", "discriminator" } do
    local o = m.optim[net]
    say("optimizer (%s): %s, step %d, %s", net, o.kind, o.step,
      fields(o.config, { "lr", "beta1", "beta2", "eps", "weight_decay",
        "momentum" }))
  end
  if m.step then
    local l = m.loader
    say("progress: step %d, %d of %d epochs done, loader at batch %d of "
      .. "epoch %d, %s s of training", m.step, m.epoch, m.epochs or 0,
      l.position, l.epoch, show(m.seconds or 0))
    say("data: %s (%d images)", tostring(m.data), l.images)
  end
  local rngs = {}
  for _, k in ipairs { "noise", "sample", "shuffle" } do
    if m.rng[k] then rngs[#rngs + 1] = k .. " " .. m.rng[k] end
  end
  say("generator states: %s", table.concat(rngs, ", "))
  if m.info then
    local ok, cjson = pcall(require, "cjson")
    if ok then say("info: %s", cjson.encode(m.info)) end
  end
  local total = 0
  say("tensors (%d):", #ck.names)
  for _, name in ipairs(ck.names) do
    local t = ck.tensors[name]
    local n = 1
    for _, size in ipairs(t.shape) do n = n * size end
    total = total + n
    local dims = {}
    for k, size in ipairs(t.shape) do dims[k] = tostring(size) end
    say("  %-42s F32 [%s]", name, table.concat(dims, ", "))
  end
  say("%d values, %.1f MB", total, total * 4 / 1e6)
  io.stdout:write(table.concat(out, "\n"), "\n")
  return 0
end

local function run_classify(args)
  local core = require "lgan.core"
  local classify = require "lgan.classify"
  -- Refused before the training, not after it: --out may replace only
  -- a classifier.
  local why = classify.occupied(args.out)
  if why then
    error(("classify: --out %s %s; choose another --out")
      :format(args.out, why), 0)
  end
  local folder = folder_of(args.out)
  local ok, reason = core.make_dirs(folder)
  if ok then ok, reason = core.can_write_in(folder) end
  if not ok then
    error(("classify: --out %s: %s"):format(args.out, reason), 0)
  end
  if args.threads then core.set_threads(args.threads) end
  io.stderr:write(("lgan: training the classifier on %s, %d epochs\n")
    :format(args.data, args.epochs))
  local model, accuracy = classify.train {
    data = args.data, epochs = args.epochs, seed = args.seed,
    hooks = { epoch = function(i)
      io.stderr:write(("epoch %d/%d  loss %.4f  test accuracy %.2f%%\n")
        :format(i.epoch, i.epochs, i.loss, 100 * i.accuracy))
    end },
  }
  classify.save(args.out, model, accuracy)
  io.stderr:write(("lgan: classifier (%.2f%% on the test set) -> %s\n")
    :format(100 * accuracy, args.out))
  return 0
end

-- A conditional GAN from a checkpoint, or an error saying why not.
local function conditional_model(path, what)
  local checkpoint = require "lgan.checkpoint"
  path = checkpoint.file_in(path, what)
  local model = checkpoint.gan(checkpoint.load(path))
  if model.classes == 0 then
    error(("%s: %s holds a model without classes; train one with lgan "
      .. "train --conditional"):format(what, path), 0)
  end
  return model
end

local function run_score(args)
  local core = require "lgan.core"
  local classify = require "lgan.classify"
  local gan = require "lgan.gan"
  local model = conditional_model(args.checkpoint, "score")
  local judge = classify.load(args.classifier)
  local rng = core.Generator(args.seed, gan.STREAM.sample)
  local lines, right_all = {}, 0
  lines[1] = "| class | read as drawn | share |"
  lines[2] = "|---|---|---|"
  for class = 0, model.classes - 1 do
    local labels = {}
    for k = 1, args.n do labels[k] = class end
    local x = model:sample(args.n, { rng = rng, labels = labels })
    -- The classifier reads pixels in [-1, 1]; map the model's range.
    local lo, hi = model.range[1], model.range[2]
    x = x:add(-lo):mul(2 / (hi - lo)):add(-1)
    local guess = classify.predict(judge, x)
    local right = 0
    for k = 1, args.n do
      if guess[k] == class then right = right + 1 end
    end
    right_all = right_all + right
    lines[#lines + 1] = ("| %d | %d / %d | %.1f%% |"):format(class, right,
      args.n, 100 * right / args.n)
  end
  local total = args.n * model.classes
  lines[#lines + 1] = ("| all | %d / %d | %.1f%% |"):format(right_all,
    total, 100 * right_all / total)
  io.stdout:write(table.concat(lines, "\n"), "\n")
  return 0
end

local function run_worksheet(args)
  local core = require "lgan.core"
  local worksheet = require "lgan.worksheet"
  -- Every input is read and checked before the folder is made: a bad
  -- one leaves nothing behind.
  if args.tries and not args.classifier then
    error("worksheet: --tries needs --classifier, which judges the items",
      0)
  end
  local model = conditional_model(args.checkpoint, "worksheet")
  local judge
  if args.classifier then
    local classify = require "lgan.classify"
    judge = classify.load(args.classifier)
  end
  local kind = core.path_kind(args.out)
  if kind ~= nil and kind ~= "directory" then
    error(("worksheet: --out %s is a file, expected a folder")
      :format(args.out), 0)
  elseif kind == nil then
    local ok, why = core.make_dirs(args.out)
    if not ok then error("worksheet: " .. why, 0) end
  end
  local digits, disputed, guess = worksheet.write(model, {
    items = args.items, seed = args.seed, dir = args.out,
    classifier = judge, tries = args.tries })
  io.stderr:write(("lgan: %d items -> %s/worksheet.png, answers.png, "
    .. "answers.json\n"):format(#digits, args.out))
  if judge then
    local wrong = {}
    for _, k in ipairs(disputed) do
      wrong[#wrong + 1] = ("item %d (drawn as %d, reads as %d)")
        :format(k, digits[k], math.tointeger(guess[k]))
    end
    io.stderr:write(("lgan: the classifier reads %d of %d items as their "
      .. "answers%s\n"):format(#digits - #wrong, #digits, #wrong > 0
        and (" after %d tries; check %s"):format(
          args.tries or worksheet.TRIES,
          table.concat(wrong, ", ")) or ""))
  end
  return 0
end

--- Runs the command line in argv; returns the exit status.
function cli.main(argv)
  local p, numeric = parser()
  local ok, args = p:pparse(join_negative(argv, numeric))
  if not ok then
    io.stderr:write("lgan: ", args, "\n", "Try 'lgan --help'.\n")
    return 2
  end
  local handlers = { train = run_train, sample = run_sample,
                     info = run_info, classify = run_classify,
                     score = run_score, worksheet = run_worksheet }
  local status
  ok, status = xpcall(handlers[args.command], debug.traceback, args)
  if not ok then
    -- An error from lgan names its function; the traceback helps only
    -- when something unexpected broke.
    local message = tostring(status)
    if os.getenv("LGAN_TRACEBACK") == nil then
      message = message:match("^(.-)\nstack traceback:") or message
      -- Where in lgan's Lua files the error was raised means nothing to
      -- someone at a shell; the message names the function already.
      message = message:gsub("^[^%s:]+%.lua:%d+: ", "")
    end
    -- In a distributed run, which process failed.  It exits without
    -- finalizing MPI, and mpirun then ends the others.
    if args.dist and args.dist.running() and args.dist.size() > 1 then
      message = ("rank %d: %s"):format(args.dist.rank(), message)
    end
    io.stderr:write("lgan: ", message, "\n")
    return 1
  end
  return status
end

return cli
