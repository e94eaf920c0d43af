--- Option tables: every lgan function that takes one refuses a key it
-- does not read, so that a misspelt option (`lrr = 1`) is an error
-- instead of a default silently used.
-- @module lgan.options

local options = {}

-- How a key shows in a message: 'lrr' for a name, [1] for anything else.
local function shown(key)
  if type(key) == "string" then return ("'%s'"):format(key) end
  return ("[%s]"):format(tostring(key))
end

--- Raises `fn: unknown option 'key' (expected one of a, b, ...)` when
-- opts holds a key that is not in known; of several, the message names
-- the first in sorted order, so that it is the same every time.
-- Nothing happens when opts is nil.
-- @tparam[opt] table opts the caller's options
-- @tparam {string,...} known the keys fn reads, in the order to list them
-- @string fn the function, as messages name it
-- @int level where the error points, as `error`'s level counted from
--   the function that calls check
-- @string[opt="option"] noun what the keys are ("hook", ...)
function options.check(opts, known, fn, level, noun)
  if opts == nil then return end
  local names = {}
  for _, k in ipairs(known) do names[k] = true end
  local bad
  for k in pairs(opts) do
    if not names[k] and (bad == nil or shown(k) < shown(bad)) then
      bad = k
    end
  end
  if bad ~= nil then
    error(("%s: unknown %s %s (expected one of %s)"):format(fn,
      noun or "option", shown(bad), table.concat(known, ", ")), level + 1)
  end
end

return options
