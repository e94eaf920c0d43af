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

return support
