--- Sample images as PNG files.
-- @module lgan.image

local core = require "lgan.core"

local image = {}

--- Writes n images as one grayscale PNG of tiles, left to right, top to
-- bottom, over a temporary file renamed into place.
--
-- @tparam string path the PNG file
-- @param t an `lgan.Tensor`, n x (height * width) or n x height x width
-- @tparam[opt] table opts
--
--  - `lo`, `hi` (0, 1): the value range; lo is black, hi white, values
--    outside are clamped and NaN is an error.  Say {lo = -1, hi = 1} for
--    a Tanh generator.
--  - `rows`, `cols`: the grid; by default cols = ceil(sqrt(n)) and rows
--    as many as n needs (10 x 10 for 100 images); given one, the other
--    follows.  Tiles past n keep the pad colour.
--  - `height`, `width` (28, 28, or t's last two sizes when t is 3-D).
--  - `pad` (2): pixels between tiles and around the edge.
--  - `pad_value` (0): grey level of the padding, 0..255.
-- @treturn integer the PNG's width
-- @treturn integer its height
function image.save_grid(path, t, opts)
  local ok, w, h = pcall(core.write_png_grid, path, t, opts)
  if not ok then
    if type(w) == "string" then
      w = w:gsub("^write_png_grid:", "image.save_grid:")
    end
    error(w, 2)
  end
  return w, h
end

return image
