-- GC-injection specs for memreg-lua's host functions (src/lua/host.cpp), the host API
-- as a C library uses it (format: the top of tests/lua/gc_injection.lua).
local memreg = require "memreg"

local function bytes() return memreg.fromstring(string.rep("host", 16)) end

return {
    -- check_region: the bytes are resolved inside the host function.
    ["host.checksum_region"] = {
        setup = function() return {region = bytes()} end,
        call = function(o) return host.checksum_region(o.region) end,
    },
    -- A raw address (r:ptr()) is the caller's promise that the memory lives: the
    -- region is kept out of the hostile actions' reach (not in `region`).
    ["host.checksum"] = {
        setup = function() return {memory = bytes()} end,
        call = function(o) return host.checksum(o.memory:ptr(), #o.memory) end,
    },
}
