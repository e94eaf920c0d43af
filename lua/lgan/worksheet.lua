--- Practice worksheets: numbered generated digits to name, with the
-- answer key as JSON and as a second sheet.  One seed gives one sheet,
-- byte for byte.
-- @module lgan.worksheet

local core = require "lgan.core"
local gan_mod = require "lgan.gan"
local options = require "lgan.options"

local worksheet = {}

--- Random streams of a worksheet's seed (the noise uses the GAN's
-- sample stream).
worksheet.STREAM_CLASSES = 4

local LAYOUT = {
  cols = 5, scale = 3, margin = 40, gap = 24, label_scale = 2,
  title_scale = 3,
}

-- Checks the model and the items and seed of o.  Both entry points
-- (items, write) call it themselves, so that level 3 is always the
-- user's call: write reaching these checks through items would point
-- at write's own line.
local function check(model, o)
  if core.type(model) ~= "lgan.GAN" then
    error("worksheet: expected a conditional lgan.GAN, got "
      .. core.type(model), 3)
  end
  if model.classes < 1 then
    error("worksheet: the model has no classes; train it with "
      .. "--conditional", 3)
  end
  if math.type(o.items) ~= "integer" or o.items < 1 or o.items > 200 then
    error("worksheet: items must be an integer from 1 to 200, got "
      .. tostring(o.items), 3)
  end
  if math.type(o.seed) ~= "integer" then
    error("worksheet: seed must be an integer, got " .. tostring(o.seed), 3)
  end
  if o.classifier ~= nil and (type(o.classifier) ~= "table"
      or type(o.classifier.forward) ~= "function") then
    error("worksheet: classifier must be a classifier (lgan.classify.load "
      .. "or train), got " .. core.type(o.classifier), 3)
  end
  if math.type(o.tries) ~= "integer" or o.tries < 0 or o.tries > 1000 then
    error("worksheet: tries must be an integer from 0 to 1000, got "
      .. tostring(o.tries), 3)
  end
end

-- The classifier's reading of each image, and the items it reads as
-- another digit than the one drawn.
local function read_items(classifier, model, x, digits)
  local classify = require "lgan.classify"
  local lo, hi = model.range[1], model.range[2]
  local clo, chi = classify.RANGE[1], classify.RANGE[2]
  local scaled = x:clone():add(-lo):mul((chi - clo) / (hi - lo)):add(clo)
  local guess = classify.predict(classifier, scaled)
  local disputed = {}
  for k, d in ipairs(digits) do
    if guess[k] ~= d then disputed[#disputed + 1] = k end
  end
  return guess, disputed
end

-- The items of a checked model and options.  With a classifier, an item
-- it reads as another digit is drawn again (the same digit, the noise
-- stream's next draws), up to o.tries times, so that the key says what a
-- reader sees; the items still disputed after that are returned with
-- the classifier's readings.
local function draw_items(model, o)
  local pick = core.Generator(o.seed, worksheet.STREAM_CLASSES)
  local digits = {}
  for i = 1, o.items do digits[i] = pick:random_int(model.classes) - 1 end
  local noise = core.Generator(o.seed, gan_mod.STREAM.sample)
  local x = model:sample(o.items, { rng = noise, labels = digits })
  if not o.classifier then return x, digits, {}, nil end
  local guess, disputed = read_items(o.classifier, model, x, digits)
  for _ = 1, o.tries do
    if #disputed == 0 then break end
    local wanted = {}
    for j, k in ipairs(disputed) do wanted[j] = digits[k] end
    local again = model:sample(#disputed, { rng = noise, labels = wanted })
    for j, k in ipairs(disputed) do x[k]:copy(again[j]) end
    guess, disputed = read_items(o.classifier, model, x, digits)
  end
  return x, digits, disputed, guess
end

local ITEM_KEYS = { "items", "seed", "classifier", "tries" }

--- Draws per disputed item when a classifier is given and tries is not.
worksheet.TRIES = 20

local function item_options(o)
  return { items = o.items or 20, seed = o.seed or 1,
           classifier = o.classifier, tries = o.tries or worksheet.TRIES }
end

--- Draws the items: classes uniformly at random, then the images.
-- @param model a conditional lgan.GAN
-- @tparam table o `items` (20), `seed` (1); `classifier` (from
-- lgan.classify) to draw again each item it reads as another digit, up
-- to `tries` (20) times
-- @treturn Tensor images [items, 784] in the model's range
-- @treturn {int,...} the digit of each item
-- @treturn {int,...} the items the classifier still reads otherwise
-- @treturn[opt] {int,...} its reading of every item, with a classifier
function worksheet.items(model, o)
  if type(o) ~= "table" then
    error("worksheet.items: options must be a table, got " .. type(o), 2)
  end
  options.check(o, ITEM_KEYS, "worksheet.items", 2)
  local opts = item_options(o)
  check(model, opts)
  return draw_items(model, opts)
end

-- One sheet: a title, then the items in a grid, each with its number and,
-- on the answer key, its digit.
local function draw(images, digits, range, title, answers)
  local L = LAYOUT
  local n = #digits
  local rows = (n + L.cols - 1) // L.cols
  local tile = 28 * L.scale
  local _, label_h = core.text_size("0", L.label_scale)
  local cell_w = tile + L.gap
  local cell_h = label_h + 6 + tile + (answers and label_h + 6 or 0) + L.gap
  local _, title_h = core.text_size(title, L.title_scale)
  local width = 2 * L.margin + L.cols * cell_w - L.gap
  local height = 2 * L.margin + title_h + L.gap + rows * cell_h
  local canvas = core.tensor(height, width):fill(1)

  core.draw_text(canvas, L.margin, L.margin, title, { scale = L.title_scale })
  local top = L.margin + title_h + L.gap
  for i = 1, n do
    local x = L.margin + ((i - 1) % L.cols) * cell_w
    local y = top + ((i - 1) // L.cols) * cell_h
    core.draw_text(canvas, x, y, ("%d."):format(i),
      { scale = L.label_scale })
    core.draw_image(canvas, x, y + label_h + 6, images[i], {
      scale = L.scale, lo = range[1], hi = range[2], invert = true })
    if answers then
      core.draw_text(canvas, x, y + label_h + 6 + tile + 6,
        ("= %d"):format(digits[i]), { scale = L.label_scale })
    end
  end
  return canvas
end

local function save_png(path, canvas)
  local size = canvas:size()
  core.write_png_grid(path, canvas:view(1, size[1], size[2]),
    { rows = 1, cols = 1, pad = 0, lo = 0, hi = 1 })
end

local function answer_json(digits, seed)
  -- The key is written by hand-free JSON with a fixed key order (dkjson's
  -- keyorder), so that one seed gives the same bytes every time.
  local dkjson = require "dkjson"
  local list = {}
  for i, d in ipairs(digits) do list[i] = { item = i, digit = d } end
  return dkjson.encode({ seed = seed, items = #digits, answers = list }, {
    indent = true,
    keyorder = { "seed", "items", "answers", "item", "digit" },
  }) .. "\n"
end

--- Writes `worksheet.png`, `answers.png` and `answers.json` into dir.
-- @param model a conditional lgan.GAN
-- @tparam table o `items` (20), `seed` (1), `dir`, `title`, and
-- `classifier` and `tries` as for `items`; another key is an error
-- @treturn {int,...} the digits, item by item
-- @treturn {int,...} the items the classifier still reads otherwise
-- @treturn[opt] {int,...} its reading of every item, with a classifier
function worksheet.write(model, o)
  o = o or {}
  if type(o) ~= "table" then
    error("worksheet.write: options must be a table, got " .. type(o), 2)
  end
  options.check(o, { "items", "seed", "dir", "title", "classifier",
    "tries" }, "worksheet.write", 2)
  local opts = item_options(o)
  opts.dir, opts.title = o.dir, o.title or "Which digit is this?"
  check(model, opts)
  if type(opts.dir) ~= "string" then
    error("worksheet: dir must name a folder, got " .. type(opts.dir), 2)
  end
  if type(opts.title) ~= "string" then
    error("worksheet: title must be a string, got " .. core.type(opts.title),
      2)
  end
  -- Checked before the first file, so that the sheet is not left
  -- without its key.
  local writable, why = core.can_write_in(opts.dir)
  if not writable then error("worksheet: " .. why, 0) end
  local images, digits, disputed, guess = draw_items(model, opts)
  local range = model.range or { -1, 1 }
  save_png(opts.dir .. "/worksheet.png",
    draw(images, digits, range, opts.title, false))
  save_png(opts.dir .. "/answers.png",
    draw(images, digits, range, opts.title .. "  (answers)", true))
  core.write_file_atomic(opts.dir .. "/answers.json",
    answer_json(digits, opts.seed))
  return digits, disputed, guess
end

return worksheet
