-- GC-injection specs for r:pack, r:unpack and memreg.packsize (driver and format:
-- tests/lua/gc_injection.lua). pack converts numbers to strings ('z'), each an
-- allocation where a finalizer can free, resize or reset the region; unpack pushes
-- many strings, each an allocation too.
local memreg = require "memreg"
local unpack = unpack or table.unpack

-- Under the torture Lua every allocation is a full collection and the driver's runs
-- grow with the square of a call's allocations: 8 values there (each allocation
-- point of the loops is still reached), 24 on stock Luas, where a step inside a call
-- is rare and more allocations make one likelier.
local count = os.getenv("MEMREG_LUA_TORTURE") == "1" and 8 or 24
local values = {}
for i = 1, count do values[i] = i + 0.5 end
local pack_format = ("z"):rep(count)
local numbers = {}  -- an integer and a float per pair, for "<i4 d"
for i = 1, count do numbers[2 * i - 1], numbers[2 * i] = i, i + 0.5 end
local unpack_format = ("c16 z"):rep(count)

local function packed(r)
    for i = 0, count - 1 do r:pack(i * 32, "c16 z", ("s"):rep(16), "v" .. i) end
    return r
end

-- A pack case on the region `make` gives (with the objects it needs).
local function pack_case(make)
    return {
        setup = make,
        call = function(o) return o.region:pack(0, pack_format, unpack(values)) end,
        -- (the action can also come after the call, before the driver disarms it)
        check = function(o, ok)
            if ok and o.region:valid() and #o.region >= 4096 then
                assert(o.region:unpack(0, "z") == "1.5", "pack wrote its values")
            end
        end,
    }
end

local function unpack_case(make)
    return {
        setup = function() local o = make() packed(o.region) return o end,
        call = function(o) return o.region:unpack(0, unpack_format) end,
        check = function(_, ok, first, second)
            if ok then assert(first == ("s"):rep(16) and second == "v0", "unpack read the data") end
        end,
    }
end

local function plain() return {region = memreg.new(4096)} end
local function from_heap()
    local h = memreg.heap()
    return {heap = h, region = h:alloc(4096)}
end
local function from_arena()
    local a = memreg.arena(1024)
    return {arena = a, region = a:alloc(4096)}
end
local function sub()
    local p = memreg.new(8192)
    return {parent = p, region = p:sub(64, 4096)}
end

return {
    ["region.pack"] = {pack_case(plain), pack_case(from_heap), pack_case(from_arena),
                       pack_case(sub)},
    ["region.unpack"] = {
        unpack_case(plain), unpack_case(from_heap), unpack_case(from_arena), unpack_case(sub),
        -- Numbers only: read straight from the region (pushing numbers allocates nothing).
        {setup = function()
             local r = memreg.new(4096)
             r:pack(0, ("<i4 d"):rep(count), unpack(numbers))
             return {region = r}
         end,
         call = function(o) return o.region:unpack(0, ("<i4 d"):rep(count)) end},
    },
    ["memreg.packsize"] = {
        setup = function() return {} end,
        call = function() return memreg.packsize("!8 b i4 d c3") end,
    },
}
