-- The core's path helpers: make_dirs, same_file, can_write_in, path_kind.

local core = require "lgan.core"
local support = require "spec.support"
local quote, tmpdir = support.quote, support.tmpdir

describe("lgan.core (paths)", function()
  local dir

  setup(function() dir = tmpdir() end)
  teardown(function() os.execute("rm -rf " .. quote(dir)) end)

  describe("make_dirs", function()
    it("makes every missing folder of a path, and takes one that is there",
      function()
        local deep = dir .. "/a/b/c/"
        assert.is_true(core.make_dirs(deep))
        assert.are.equal("directory", core.path_kind(dir .. "/a/b/c"))
        assert.is_true(core.make_dirs(deep))
        assert.is_true(core.make_dirs(dir .. "//a//b"))
      end)

    it("names the part that is a file, and runs no shell", function()
      local file = dir .. "/plain"
      assert(io.open(file, "w")):close()
      local ok, why = core.make_dirs(file .. "/under")
      assert.is_nil(ok)
      assert.are.equal(("cannot create the folder %s/under: %s is a file")
        :format(file, file), why)
      -- Shell syntax in a name is only a name.
      local odd = dir .. "/x$(touch " .. dir .. "/ran)'; echo"
      assert.is_true(core.make_dirs(odd))
      assert.are.equal("directory", core.path_kind(odd))
      assert.is_nil(core.path_kind(dir .. "/ran"))
      ok, why = core.make_dirs("")
      assert.is_nil(ok)
      assert.are.equal("cannot create a folder with an empty name", why)
    end)
  end)

  describe("same_file", function()
    it("sees one file through other spellings and links", function()
      local file = dir .. "/one"
      assert(io.open(file, "w")):close()
      assert(os.execute(("ln -s %s %s"):format(quote(file),
        quote(dir .. "/link"))))
      assert.is_true(core.same_file(file, dir .. "/../"
        .. dir:match("[^/]+$") .. "/one"))
      assert.is_true(core.same_file(file, dir .. "/link"))
      assert.is_false(core.same_file(file, dir))
      assert.is_false(core.same_file(file, dir .. "/missing"))
      assert.is_false(core.same_file(dir .. "/missing", dir .. "/missing"))
    end)
  end)

  describe("can_write_in", function()
    it("takes a folder and says why not for anything else", function()
      assert.is_true(core.can_write_in(dir))
      local ok, why = core.can_write_in(dir .. "/missing")
      assert.is_nil(ok)
      assert.are.equal("cannot write in " .. dir .. "/missing: No such file "
        .. "or directory", why)
      assert(io.open(dir .. "/f", "w")):close()
      ok, why = core.can_write_in(dir .. "/f")
      assert.is_nil(ok)
      assert.are.equal("cannot write in " .. dir .. "/f: not a folder", why)
      ok, why = core.can_write_in("/proc/self")
      assert.is_nil(ok)
      assert.truthy(why:find("^cannot write in /proc/self: "), why)
    end)
  end)
end)
