-- GC-injection specs for memreg.map, memreg.createfile and r:flush (driver and format:
-- tests/lua/gc_injection.lua). `truncate` empties the mapped file from the
-- finalizer, as io.open(path, "wb") in the program does: the region must become
-- invalid (every call checks the file's size), never raise SIGBUS.
local memreg = require "memreg"

local path = (os.getenv("MEMREG_TEST_DIR") or "/tmp") .. "/gc_files_" ..
             (jit and "jit" or _VERSION:match("%d%.%d")) .. ".bin"

local function write_file(text)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
end

local truncate = {truncate = function() assert(io.open(path, "wb")):close() end}

local function mapped(mode)
    return function()
        write_file(("m"):rep(8192))
        return {region = memreg.map(path, mode)}
    end
end

local specs = {
    ["memreg.map"] = {
        {setup = function() write_file(("m"):rep(8192)) return {} end,
         call = function() return memreg.map(path) end, actions = truncate},
        {setup = function() write_file(("m"):rep(8192)) return {} end,
         call = function() return memreg.map(path, "w") end, actions = truncate},
    },
    ["memreg.createfile"] = {
        setup = function() os.remove(path) return {} end,
        call = function() return memreg.createfile(path, 4096) end,
        actions = truncate,
    },
    ["region.flush"] = {
        {setup = mapped("w"), call = function(o) return o.region:flush() end,
         actions = truncate},
        {setup = mapped("r"), call = function(o) return o.region:flush() end,
         actions = truncate},
    },
}
specs["memreg.create"] = specs["memreg.createfile"]  -- its deprecated name (0.1.0)

return specs
