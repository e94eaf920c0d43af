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

local function class(name, parent)
  local cls = {}
  cls.__index = cls
  cls.__name = name
  if parent then
    setmetatable(cls, { __index = parent, __call = function(c, ...)
      local self = setmetatable({}, c)
      self:__init(...)
      return self
    end })
    for _, meta in ipairs { "__tostring" } do
      cls[meta] = cls[meta] or parent[meta]
    end
  else
    setmetatable(cls, { __call = function(c, ...)
      local self = setmetatable({}, c)
      self:__init(...)
      return self
    end })
  end
  cls.parent = parent
  return cls
end

return class
