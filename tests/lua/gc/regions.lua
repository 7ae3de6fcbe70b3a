-- GC-injection specs for memreg.new/fromstring/isregion and every region method and
-- metamethod (format: the top of tests/lua/gc_injection.lua).
local memreg = require "memreg"

local text = string.rep("0123456789abcdef", 128)  -- 2 KiB: past push_string's stack buffer

-- A region holding `n` bytes of text (a pattern, so copies can be compared).
local function bytes(n) return memreg.fromstring(text:sub(1, n)) end
local function region(n) return function() return {region = bytes(n or 64)} end end
-- A sub-region of 32 bytes at 16 of a 64-byte parent.
local function sub() local p = bytes(64) return {region = p:sub(16, 32), parent = p} end

local specs = {
    ["memreg.new"] = {setup = function() return {} end, call = function() return memreg.new(100) end},
    ["memreg.fromstring"] = {
        setup = function() return {} end,
        call = function() return memreg.fromstring(text) end,
    },
    ["memreg.isregion"] = {setup = region(), call = function(o) return memreg.isregion(o.region) end},
    ["region.len"] = {
        {setup = region(), call = function(o) return o.region:len() end},
        {setup = sub, call = function(o) return o.region:len() end},
    },
    ["region.__len"] = {setup = region(), call = function(o) return #o.region end},
    ["region.valid"] = {setup = sub, call = function(o) return o.region:valid() end},
    ["region.free"] = {
        {setup = region(), call = function(o) o.region:free() return o.region:valid() end},
        {setup = sub, call = function(o) o.region:free() return o.parent:valid(), o.region:valid() end},
    },
    ["region.__close"] = {
        setup = region(),
        call = function(o) debug.getmetatable(o.region).__close(o.region) return o.region:valid() end,
    },
    ["region.__gc"] = {
        {   -- called by hand on a live region: it is dead afterwards, its sub-regions too
            setup = sub,
            call = function(o)
                debug.getmetatable(o.parent).__gc(o.parent)
                debug.getmetatable(o.parent).__gc(o.parent)
                return o.parent:valid(), o.region:valid(), o.region:tostring()
            end,
        },
        {   -- with something that is not a region
            setup = region(),
            call = function(o)
                local gc = debug.getmetatable(o.region).__gc
                gc({}) gc("x") gc(newproxy and newproxy() or io.stdout) gc()
                return o.region:tostring()
            end,
        },
    },
    -- The state's owner of memreg objects (lifetime.hpp): only lua_close finalizes it,
    -- and calling it on the real owner would end the run's memreg objects
    -- (collected_test.lua does that last), so with everything but the owner.
    ["objects.__gc"] = {
        setup = region(),
        call = function(o)
            local gc = debug.getregistry()[memreg.registry_keys.objects].__gc
            gc(o.region) gc({}) gc("x") gc(newproxy and newproxy() or io.stdout) gc()
            return o.region:valid(), o.region:tostring(), #memreg.new(3)
        end,
    },
    ["region.__tostring"] = {
        setup = region(),
        call = function(o) return tostring(o.region) end,
        result = function(s) return (s:gsub(": .*$", "")) end,
    },
    ["region.resize"] = {
        {setup = region(), call = function(o) return o.region:resize(200) end},
        {setup = region(), call = function(o) return o.region:resize(8) end},
        {setup = sub, call = function(o) return pcall(o.region.resize, o.region, 8) end},
    },
    ["region.sub"] = {
        -- issue 9's example: the parent resized during the new userdata's allocation
        {setup = region(4096), call = function(o) return o.region:sub(0, 4096) end},
        {setup = region(), call = function(o) return o.region:sub(8) end},
        {setup = sub, call = function(o) return o.region:sub(4, 20) end},
    },
    ["region.ptr"] = {setup = region(), call = function(o) return o.region:ptr() end},
    ["region.tostring"] = {
        {setup = region(), call = function(o) return o.region:tostring(3, 40) end},
        {setup = region(2048), call = function(o) return o.region:tostring() end},
        {setup = sub, call = function(o) return o.region:tostring() end},
    },
    ["region.fill"] = {
        {setup = region(), call = function(o) o.region:fill(0x41, 2, 50) return o.region end},
        {setup = sub, call = function(o) o.region:fill(0x42) return o.parent end},
    },
    ["region.clear"] = {setup = region(), call = function(o) o.region:clear(4) return o.region end},
    ["region.copy"] = {
        {setup = region(), call = function(o) o.region:copy(0, "hello world") return o.region end},
        {setup = region(), call = function(o) o.region:copy(1, o.region, 0, 40) return o.region end},
        {   -- from another region, which the finalizer frees
            setup = function() local s = bytes(64) return {region = bytes(64), source = s, parent = s} end,
            call = function(o) o.region:copy(0, o.source, 8) return o.region end,
        },
    },
    ["region.read_string"] = {
        {setup = region(), call = function(o) return o.region:read_string(5, 20) end},
        {setup = region(2048), call = function(o) return o.region:read_string(1, 2000) end},
    },
    ["region.write_string"] = {
        setup = region(),
        call = function(o) return o.region:write_string(3, "hostile finalizers", 10), o.region end,
    },
    ["region.write_cstring"] = {
        setup = region(),
        call = function(o) return o.region:write_cstring(3, "terminated"), o.region end,
    },
    ["region.read_cstring"] = {
        {
            setup = function() local r = bytes(64) r:write_u8(40, 0) return {region = r} end,
            call = function(o) return o.region:read_cstring(2) end,
        },
        {
            setup = function() local r = bytes(2048) r:write_u8(2000, 0) return {region = r} end,
            call = function(o) return o.region:read_cstring(0) end,
        },
    },
    ["region.write_ptr"] = {
        setup = function() local s = bytes(8) return {region = bytes(64), parent = s, target = s} end,
        call = function(o) o.region:write_ptr(8, o.target) return o.region:read_ptr(8) == o.target:ptr() end,
    },
    ["region.read_ptr"] = {
        setup = region(),
        call = function(o) o.region:write_ptr(0, nil) return o.region:read_ptr(0) end,
    },
}

-- read_T / write_T: one value, and a batch bigger than LUA_MINSTACK (lua_checkstack).
local sizes = {i8 = 1, u8 = 1, i16 = 2, u16 = 2, i32 = 4, u32 = 4, i64 = 8, u64 = 8, f32 = 4, f64 = 8}
for suffix, size in pairs(sizes) do
    local read, write = "read_" .. suffix, "write_" .. suffix
    specs["region." .. read] = {
        {setup = region(), call = function(o) return o.region[read](o.region, 8) end},
        {setup = region(size * 30), call = function(o) return o.region[read](o.region, 0, 30, "be") end},
    }
    local values = {}
    for i = 1, 30 do values[i] = i * 3 end
    specs["region." .. write] = {
        {setup = region(), call = function(o) o.region[write](o.region, 8, 77) return o.region end},
        {
            setup = region(size * 30),
            call = function(o)
                o.region[write](o.region, 0, (unpack or table.unpack)(values))
                return o.region
            end,
        },
    }
end

-- The deprecated names (0.1.0): the same functions, the same cases.
for old, new in pairs{readstring = "read_string", writestring = "write_string",
                      writecstring = "write_cstring", cstring = "read_cstring"} do
    specs["region." .. old] = specs["region." .. new]
end

return specs
