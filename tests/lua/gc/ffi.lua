-- GC-injection specs for memreg.ffi (format: the top of tests/lua/gc_injection.lua).
-- memreg.ffi is Lua over memreg's region methods; these runs check that a finalizer
-- which frees or resizes the region under C data, or calls the function again, in
-- the middle of an ffi call leaves either a correct result or a Lua error.
local memreg = require "memreg"
local ffi = require "memreg.ffi"

ffi.cdef [[
typedef struct { uint8_t red, green, blue, alpha; } gc_ffi_pixel;
typedef struct { int32_t x, y; char name[8]; } gc_ffi_item;
struct gc_ffi_vls { uint8_t n; gc_ffi_item items[?]; };
]]

-- C data over a region the standard actions free and resize.
local function pixels()
    local r = memreg.new(64)
    for i = 0, 63 do r:write_u8(i, i) end
    return {region = r, img = ffi.cast("gc_ffi_pixel *", r)}
end
local function items()
    local r = memreg.new(64)
    r:write_string(8, "name")
    return {region = r, item = ffi.cast("gc_ffi_item *", r)}
end
-- An array object (not a pointer) whose region the standard actions free and resize.
local function pixel_array()
    local img = ffi.new("gc_ffi_pixel[?]", 16)
    for i = 0, 15 do img[i].red, img[i].green, img[i].alpha = i, 2 * i, 255 end
    return {img = img, region = ffi.region_of(img)}
end
-- An array object none of whose elements has been asked yet (its element cache is
-- made inside the call, at the second index asked).
local function fresh_array()
    return {img = ffi.new("gc_ffi_pixel[8]", {{1, 2}, {3, 4}, {5, 6}})}
end
local function nothing() return {} end
-- metatype can be given once per type: each run declares its own.
local declared = 0
local function fresh_type()
    declared = declared + 1
    local name = "gc_ffi_meta_" .. declared
    ffi.cdef("typedef struct { int v; } " .. name .. ";")
    return {name = name}
end
local function twice(self) return self.v * 2 end

-- After a run, C data either reads its memory or, when the region was freed or
-- resized under it, raises "region is invalid"; nothing else.
local function reads_back(o)
    local read_ok, err = pcall(function() return o.img[15].alpha end)
    assert(read_ok or tostring(err):find("region is invalid", 1, true), tostring(err))
end

local specs = {
    ["ffi.new"] = {
        {setup = nothing, same = false,
         call = function() return ffi.new("gc_ffi_item[?]", 2, {{x = 1, name = "abc"}, {2}}) end,
         check = function(_, ok, v)
             if ok then assert(ffi.string(v[0].name) == "abc" and v[1].x == 2) end
         end},
        -- a variable-length struct: its tail has the count given, and is checked
        {setup = nothing, same = false,
         call = function() return ffi.new("struct gc_ffi_vls", 3, {3, {{x = 1}, {}, {y = 9, name = "z"}}}) end,
         check = function(_, ok, v)
             if ok then
                 assert(v.n == 3 and v.items[0].x == 1 and v.items[2].y == 9 and ffi.string(v.items[2].name) == "z")
                 assert(not pcall(function() return v.items[3] end), "the tail's count is 3")
                 assert(ffi.sizeof(v) == 4 + 3 * 16)
             end
         end},
    },
    ["ffi.typeof"] = {setup = nothing, same = false,
                      call = function() return ffi.typeof("gc_ffi_item[?]") end},
    ["ffi.cdef"] = {setup = nothing,
                    call = function() ffi.cdef("typedef struct { int q; } gc_ffi_again;") end},
    ["ffi.sizeof"] = {
        {setup = pixels, call = function(o) return ffi.sizeof(o.img), ffi.sizeof("gc_ffi_item") end},
        {setup = nothing, call = function()
            return ffi.sizeof("struct gc_ffi_vls", 4), ffi.sizeof("gc_ffi_item[?]", 2), pcall(ffi.sizeof, "struct gc_ffi_vls", -1)
        end, result = function(a, b, ok) return a, b, ok end},
    },
    ["ffi.alignof"] = {setup = nothing, call = function() return ffi.alignof("gc_ffi_item") end},
    ["ffi.offsetof"] = {setup = nothing, call = function() return ffi.offsetof("gc_ffi_item", "name") end},
    ["ffi.istype"] = {setup = pixels, call = function(o) return ffi.istype("gc_ffi_pixel *", o.img) end},
    ["ffi.string"] = {setup = items, call = function(o) return ffi.string(o.item.name), ffi.string(o.item, 16) end},
    ["ffi.copy"] = {setup = pixels, call = function(o) ffi.copy(o.img, o.img[4], 32) end, check = reads_back},
    ["ffi.fill"] = {setup = pixels, call = function(o) ffi.fill(o.img, 64, 7) end, check = reads_back},
    ["ffi.cast"] = {
        {setup = pixels, same = false,
         call = function(o) return ffi.cast("gc_ffi_item *", o.region), ffi.cast("int", o.img[3].green) end},
        -- a number to a pointer: converted as an int64_t store is (truncated)
        {setup = nothing, call = function() return tostring(ffi.cast("gc_ffi_item *", 4096.9)) end},
    },
    ["ffi.gc"] = {setup = pixels, same = false,
                  call = function(o) return ffi.gc(o.img, function() end) end},
    ["ffi.metatype"] = {setup = fresh_type, same = false,
                        call = function(o) return ffi.metatype(o.name, {__index = {twice = twice}}) end,
                        check = function(o, ok, ct) if ok then assert(ct(21):twice() == 42) end end},
    -- The C accessors (ffi/access.hpp): fields and elements read and written in C, and
    -- array elements made there; a finalizer that frees or resizes the region leaves a
    -- result or "region is invalid".
    ["ffi.struct.__index"] = {setup = pixels, call = function(o)
        local p = o.img[5]
        return p.red, p.green, p.alpha, o.img.blue
    end},
    ["ffi.struct.__newindex"] = {setup = pixels, call = function(o)
        local p = o.img[5]
        p.red = 300; p.green = true; p.blue = -2.7; p.alpha = o.img[1].red
        return p.red, p.green, p.blue, p.alpha
    end, check = reads_back},
    ["ffi.array.__index"] = {
        {setup = pixel_array, call = function(o)
            return o.img[3].green, o.img[3].alpha, o.img[4].red, o.img[3] == o.img[3]
        end},
        {setup = items, call = function(o)
            local name = o.item.name
            return name[0], name[3], name[1]
        end},
        {setup = fresh_array, call = function(o)
            local a, b = o.img[0], o.img[1]  -- the second index installs the cache
            return a.red, b.green, o.img[2].red, o.img[1] == b, o.img[0].green
        end},
    },
    -- The element cache of a walked array (its metatable's __index is a table whose
    -- own __index this is): a miss makes the element and caches it.
    ["ffi.array.cache.__index"] = {setup = pixel_array, call = function(o)
        local s = 0  -- a few misses: under the torture Lua every allocation is a step
        for i = 3, 6 do s = s + o.img[i].red + o.img[i].green end
        local a, b = o.img[2], o.img[9]
        return s, a.green, b.green, o.img[9] == b, o.img[2].red
    end},
    ["ffi.array.__newindex"] = {
        {setup = pixel_array, call = function(o)
            o.img[2] = o.img[1]; o.img[3] = {red = 9}
            return o.img[2].red, o.img[2].green, o.img[3].red, o.img[3].alpha
        end},
        {setup = items, call = function(o)
            local name = o.item.name
            name[0] = 65; name[1] = 66.9; name[7] = true
            return ffi.string(name, 8)
        end},
    },
    ["ffi.abi"] = {setup = nothing, call = function() return ffi.abi("le"), ffi.abi("64bit") end},
    ["ffi.region_of"] = {setup = pixels, same = false,
                         call = function(o) return ffi.region_of(o.img) end},
}
-- LuaJIT: C data are its ffi's, so the C accessors' metamethods are not memreg's
if jit then
    for _, name in ipairs {"ffi.struct.__index", "ffi.struct.__newindex", "ffi.array.__index",
                           "ffi.array.__newindex", "ffi.array.cache.__index"} do
        specs[name] = nil
    end
end
return specs
