-- luacheck settings: Lua 5.4, busted globals in specs.
std = "lua54"
max_line_length = 80
codes = true
self = false
files["spec/"] = { std = "+busted" }
exclude_files = { "build/", "data/", "runs/" }
