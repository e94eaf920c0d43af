-- What several specs need: temporary folders, whole files, error text.
local support = {}

--- s quoted for the shell.
function support.quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

--- A new empty folder.
function support.tmpdir()
  local p = os.tmpname()
  os.remove(p)
  assert(os.execute("mkdir " .. support.quote(p)))
  return p
end

--- The bytes of a file, or nil if it cannot be opened.
function support.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

--- Writes s as the whole of a file.
function support.write(path, s)
  local f = assert(io.open(path, "wb"))
  f:write(s)
  f:close()
end

--- The names in a folder, sorted, as one string.
function support.listing(dir)
  local p = io.popen("ls -A " .. support.quote(dir))
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  return table.concat(names, " ")
end

--- The message of the error f(...) raises, without a Lua position.
function support.err(f, ...)
  local ok, e = pcall(f, ...)
  if ok then error("expected an error", 2) end
  return (tostring(e):gsub("^[%w_/%.%-]+%.lua:%d+: ", ""))
end

--- Writes a small made-up MNIST into dir (which must exist): n random
-- 28 x 28 training images with random labels, and a one-image test set.
function support.fake_mnist(dir, n)
  local core = require "lgan.core"
  local g = core.Generator(7)
  local bytes, labels = {}, {}
  for i = 1, n * 28 * 28 do bytes[i] = string.char(g:random_int(256) - 1) end
  for i = 1, n do labels[i] = string.char(g:random_int(10) - 1) end
  core.write_idx(dir .. "/train-images-idx3-ubyte",
    core.bytes(table.concat(bytes), n, 28, 28))
  core.write_idx(dir .. "/train-labels-idx1-ubyte",
    core.bytes(table.concat(labels), n))
  core.write_idx(dir .. "/t10k-images-idx3-ubyte", core.bytes(1, 28, 28))
  core.write_idx(dir .. "/t10k-labels-idx1-ubyte", core.bytes(1))
  return dir
end

--- x rounded to float32, as a tensor stores it.
function support.f32(x)
  return (string.unpack("<f", string.pack("<f", x)))
end

--- A tensor's elements as a flat Lua list.
function support.values(t)
  local flat, out = t:view(t:numel()), {}
  for i = 1, #flat do out[i] = flat[i] end
  return out
end

--- Central difference of f() in the i-th element of t, divided by the
-- step actually stored: x0 +- h rounded to float32.
function support.central(f, t, i, h)
  local flat = t:view(t:numel())
  local x0 = flat[i]
  flat:set(i, x0 + h)
  local up = flat[i]
  local f_up = f()
  flat:set(i, x0 - h)
  local down = flat[i]
  local f_down = f()
  flat:set(i, x0)
  return (f_up - f_down) / (up - down)
end

return support
