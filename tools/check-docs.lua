-- check-docs.lua: every public Lua function of lua/lgan and every
-- function declared in csrc's headers has a doc comment above it.  Run by
-- `make doc` after LDoc; prints what lacks one and exits 1 if anything
-- does.
--
--   lua5.4 tools/check-docs.lua

local missing = {}

local function lines_of(path)
  local list = {}
  for line in io.lines(path) do list[#list + 1] = line end
  return list
end

local function files(pattern)
  local p = assert(io.popen("ls " .. pattern))
  local list = {}
  for f in p:lines() do list[#list + 1] = f end
  p:close()
  return list
end

-- Lua: `function a.b(` or `function A:b(` at the start of a line, whose
-- name does not start with "_", needs a `--` comment right above it.
for _, path in ipairs(files("lua/lgan/*.lua")) do
  local lines = lines_of(path)
  for i, line in ipairs(lines) do
    local name = line:match("^function ([%w_]+[.:][%w_]+)%(")
    if name and not name:match("[.:]_") then
      local above = lines[i - 1] or ""
      if not above:match("^%s*%-%-") then
        missing[#missing + 1] = ("%s:%d: %s"):format(path, i, name)
      end
    end
  end
end

-- C: a declaration at the start of a line in a header, `type name(`,
-- needs a comment ending right above it, or follows a documented
-- declaration it belongs with (no blank line between them).
for _, path in ipairs(files("csrc/*.h")) do
  local lines = lines_of(path)
  local documented = false
  for i, line in ipairs(lines) do
    local name = not line:match("^%s") and not line:match("^typedef")
      and not line:match("^#") and line:match("([%a_][%w_]*)%(")
    if name and not line:match("^%s*/?%*") then
      local above = lines[i - 1] or ""
      if above:match("%*/%s*$") then
        documented = true
      elseif not (above:match(";%s*$") and documented) then
        documented = false
        missing[#missing + 1] = ("%s:%d: %s"):format(path, i, name)
      end
    elseif line == "" then
      documented = false
    end
  end
end

if #missing > 0 then
  io.stderr:write("check-docs: no doc comment above:\n  ",
    table.concat(missing, "\n  "), "\n")
  os.exit(1)
end
print("check-docs: every public function is documented")
