--- A minimal class helper shared by lgan's Lua classes.
-- `class(name, parent)` returns a class table; calling it makes an
-- instance through the class's `__init`.  Instances answer `lgan.type`
-- with the class name.
--
-- An `__init` runs one frame below the user's call: level 1 is `__init`
-- itself, level 2 the constructor here, level 3 the user's `Class(...)`.
-- Its argument checks therefore raise at level 3 (a helper of `__init`,
-- one more); level 2 would blame this file's line instead of the call.
-- @module lgan.class

-- Whether value is an instance of cls or of a class below it.
local function is_instance(value, cls)
  if type(value) ~= "table" then return false end
  local c = getmetatable(value)
  while type(c) == "table" do
    if c == cls then return true end
    local meta = getmetatable(c)
    c = meta and meta.__index
  end
  return false
end

local function construct(c, ...)
  local self = setmetatable({}, c)
  self:__init(...)
  return self
end

-- Every method defined on a class (a function under a name not starting
-- with "__") checks that it was called on an instance: `m.forward(x)`
-- for `m:forward(x)` is a common slip, and would otherwise fail somewhere
-- inside lgan with a message about nil.  The check names the method as
-- "Class:method", the class without its "lgan." path.
local function define(cls, key, value)
  if type(key) == "string" and type(value) == "function"
      and key:sub(1, 2) ~= "__" then
    local method, label = value, ("%s:%s"):format(
      cls.__name:match("([^.]+)$"), key)
    value = function(self, ...)
      if not is_instance(self, cls) then
        error(label .. ": call it as a method, with ':'", 2)
      end
      return method(self, ...)
    end
  end
  rawset(cls, key, value)
end

local function class(name, parent)
  local cls = {}
  cls.__index = cls
  cls.__name = name
  cls.parent = parent
  setmetatable(cls, { __index = parent, __call = construct,
                      __newindex = define })
  if parent then
    for _, meta in ipairs { "__tostring" } do
      cls[meta] = cls[meta] or parent[meta]
    end
  end
  return cls
end

return class
