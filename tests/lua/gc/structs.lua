-- GC-injection specs for struct views, arrays, ctypes and the C-declaration registry:
-- memreg.cdef/typeof/sizeof/alignof/offsetof/constant, r:view, r:array and every metamethod
-- of views and ctypes (format: the top of tests/lua/gc_injection.lua).
--
-- Besides the standard actions (free/resize the region or the parent, call again),
-- the finalizer here also redefines names (cdef drops the name cache, so a type the
-- call is using is no longer cached) and finalizes, by hand, the view or ctype the
-- call is working on (its raw __gc: the object must then be refused, never used).
local memreg = require "memreg"

memreg.cdef [[
typedef struct gc_point { int32_t x, y; } gc_point;
struct gc_bits { uint8_t lo : 3, hi : 5; int16_t delta : 7; };
enum { GC_CONSTANT = 7 << 2 };
typedef struct gc_shape { uint8_t kind; gc_point corners[4]; char name[12]; double area; } gc_shape;
struct gc_link { void *next; };
struct gc_vls { uint16_t n; gc_point tail[?]; };
]]
local shape_size = memreg.sizeof("gc_shape")

local redefined = 0
local function redefine()
    redefined = redefined + 1
    memreg.cdef("typedef struct { int x; } gc_redefined_" .. redefined .. ";")
end
local function kill(value)
    if value ~= nil then debug.getmetatable(value).__gc(value) end
end

-- Hostile actions of this area (added to the standard ones).
local actions = {
    cdef = function() redefine() end,
    kill_view = function(o) kill(o.view) end,
    kill_ctype = function(o) kill(o.ctype) end,
}

-- A region for a gc_shape, its bytes numbered, a view of it and its ctype.
local function shape()
    local r = memreg.new(shape_size * 2)
    for i = 0, #r - 1 do r:write_u8(i, i % 251) end
    return {region = r, view = r:view("gc_shape"), ctype = memreg.typeof("gc_shape")}
end
-- The same through a sub-region: the parent is what the finalizer frees or shrinks.
local function shape_in_sub()
    local p = memreg.new(shape_size * 4)
    local r = p:sub(shape_size, shape_size * 2)
    return {region = r, parent = p, view = r:view("gc_shape", shape_size), ctype = memreg.typeof("gc_shape")}
end
-- A region holding a struct gc_bits and its view.
local function bits()
    local r = memreg.new(4)
    for i = 0, #r - 1 do r:write_u8(i, 0xA5) end
    return {region = r, view = r:view("struct gc_bits")}
end
local function array()
    local r = memreg.new(8 * 16)
    for i = 0, #r - 1 do r:write_u8(i, i) end
    return {region = r, view = r:array("gc_point", 16)}
end

-- A view returned by a call: if it is still usable, write it whole (a sanitizer build
-- sees a view that spans past its region), and then it must lie inside its region.
local function write_shape(v) v.kind = 1; v.corners[3].y = -1; v.name[11] = 65; v.area = 0.5 end
local function writes_whole(o, ok, v)
    if not ok or v == nil then return end
    local is_array, n = pcall(function() return #v end)
    local usable = pcall(function() return is_array and v[0] or v.kind end)
    if not usable then return end
    -- Freeing a sub-region (o.region with o.parent) leaves its memory, and views made
    -- from it before, alive: it is the parent's, which must then hold the view.
    local memory = (o.parent and not o.region:valid()) and o.parent or o.region
    assert(memory:valid() and #memory >= memreg.sizeof(v), "a usable view outlives its region's bytes")
    local last = is_array and v[n - 1] or v
    if memreg.typeof(last) == memreg.typeof("gc_shape") then write_shape(last) else last.y = 7 end
end
-- Describes a view for the comparison with the undisturbed run.
local function describe_view(v)
    if v == nil then return "nil" end
    return tostring(memreg.typeof(v)) .. " sizeof " .. memreg.sizeof(v)
end

local function case(setup, call, extra)
    local c = {setup = setup, call = call, actions = actions}
    for k, v in pairs(extra or {}) do c[k] = v end
    return c
end

return {
    ["memreg.cdef"] = {
        case(function() return {} end, function()
            redefined = redefined + 1
            memreg.cdef("typedef struct { uint8_t a; int32_t b[3]; } gc_cdef_" .. redefined .. ";")
            return memreg.sizeof("gc_cdef_" .. redefined)
        end),
        -- a failed definition changes nothing, even with a finalizer defining in between
        case(function() return {} end, function()
            return pcall(memreg.cdef, "typedef struct { int x } gc_broken;"), memreg.sizeof("gc_shape")
        end, {result = function(ok, size) return ok, size end}),
    },
    ["memreg.typeof"] = {
        case(function() return {} end, function() return tostring(memreg.typeof("gc_shape[3]")) end),
        -- a variable-length type's fixed type for a count, and a refused count
        case(function() return {} end, function()
            local T = memreg.typeof("struct gc_vls", 3)
            return tostring(T), memreg.sizeof(T), pcall(memreg.typeof, "gc_point[?]", -1)
        end, {result = function(s, n, ok) return s, n, ok end}),
        case(shape, function(o) return tostring(memreg.typeof(o.view)) end),
        case(shape, function(o) return tostring(memreg.typeof(o.ctype)) end),
    },
    ["memreg.sizeof"] = {
        case(function() return {} end, function() return memreg.sizeof("gc_point[7]") end),
        case(shape, function(o) return memreg.sizeof(o.view), memreg.sizeof(o.ctype) end),
        case(function() return {} end, function()  -- variable-length types: a count, or nil
            return memreg.sizeof("struct gc_vls", 5), memreg.sizeof("gc_point[?]", 2), pcall(memreg.sizeof, "struct gc_vls")
        end, {result = function(a, b, ok) return a, b, ok end}),
    },
    ["memreg.alignof"] = {
        case(function() return {} end, function() return memreg.alignof("struct gc_shape") end),
        case(shape, function(o) return memreg.alignof(o.view), memreg.alignof(o.ctype) end),
    },
    ["memreg.offsetof"] = {
        case(function() return {} end, function() return memreg.offsetof("gc_shape", "corners[2].y") end),
        case(shape, function(o) return memreg.offsetof(o.view, "name"), memreg.offsetof(o.ctype, "area") end),
    },
    ["memreg.constant"] = {
        case(function() return {} end, function()
            return memreg.constant("GC_CONSTANT"), memreg.constant("gc_no_such_constant")
        end, {result = function(a, b) return a, b end}),
    },
    ["region.view"] = {
        case(shape, function(o) return o.region:view("gc_shape") end,
             {check = writes_whole, result = describe_view}),
        case(shape, function(o) return o.region:view(o.ctype, shape_size) end,
             {check = writes_whole, result = describe_view}),
        case(shape_in_sub, function(o) return o.region:view("gc_shape") end,
             {check = writes_whole, result = describe_view}),
        -- a variable-length struct's fixed type for 3 elements, its tail written whole
        case(shape, function(o)
            local v = o.region:view(memreg.typeof("struct gc_vls", 3))
            v.n = 3; v.tail[2].y = -1
            return v.tail[2].y, #v.tail
        end),
    },
    ["region.array"] = {
        case(array, function(o) return o.region:array("gc_point", 16) end,
             {check = writes_whole, result = describe_view}),
        case(shape_in_sub, function(o) return o.region:array(o.ctype, 1) end,
             {check = writes_whole, result = describe_view}),
    },
    ["view.__index"] = {
        case(shape, function(o) return o.view.kind, o.view.area, o.view.corners[3].y end),
        case(shape, function(o) return o.view.corners end,  -- a nested view is allocated
             {check = function(o, ok, v)
                 if ok and pcall(function() return v[0] end) then
                     assert(o.region:valid(), "a usable nested view of an invalid region")
                     v[3].y = 1
                 end
             end, result = describe_view}),
        case(array, function(o) return o.view[15] end,  -- an element view
             {check = function(o, ok, v)
                 if ok and pcall(function() return v.x end) then
                     assert(o.region:valid() and #o.region >= 128, "a usable element past its region")
                     v.y = 2
                 end
             end, result = describe_view}),
        case(shape_in_sub, function(o) return o.view.name[11] end),
        case(bits, function(o) return o.view.lo, o.view.hi, o.view.delta end),
    },
    ["view.__newindex"] = {
        case(shape, function(o)
            o.view.kind = 200; o.view.corners[1].x = -5; o.view.area = 2.25
            return o.region:read_u8(0), o.view.corners[1].x, o.view.area
        end),
        case(shape, function(o)  -- a pointer-sized write from a region value
            local link = o.region:view("struct gc_link")
            link.next = o.region
            return link.next == o.region:ptr()
        end),
        case(bits, function(o)  -- bit-fields, and a refused write that changes nothing
            o.view.hi = 31; o.view.delta = -64
            return o.view.lo, o.view.hi, o.view.delta, pcall(function() o.view.lo = 8 end), o.view.lo
        end, {result = function(a, b, c, ok, d) return a, b, c, ok, d end}),
    },
    ["view.__len"] = {
        case(array, function(o) return #o.view end),
        case(shape, function(o) return #o.view.corners, #o.view.name end),
    },
    ["view.__tostring"] = {
        case(shape, function(o) return tostring(o.view) end,
             {result = function(s) return (s:gsub(": .*$", "")) end}),
        case(shape_in_sub, function(o) return tostring(o.view.corners) end,
             {result = function(s) return (s:gsub(": .*$", "")) end}),
    },
    ["view.__gc"] = {
        -- by hand, twice: the view is dead afterwards, its region lives on
        case(shape, function(o)
            kill(o.view); kill(o.view)
            return pcall(function() return o.view.kind end), o.region:read_u8(1)
        end, {result = function(ok, byte) return ok, byte end}),
        -- with something that is not a view
        case(shape, function(o)
            local gc = debug.getmetatable(o.view).__gc
            return pcall(gc, o.region), pcall(gc, o.ctype), pcall(gc, {}), o.view.kind
        end, {result = function(a, b, c, kind) return a, b, c, kind end}),
    },
    ["ctype.__tostring"] = case(shape, function(o) return tostring(o.ctype) end),
    ["ctype.__eq"] = case(shape, function(o)
        return o.ctype == memreg.typeof("gc_shape"), o.ctype == memreg.typeof("gc_point"), o.ctype == o.view
    end),
    ["ctype.__gc"] = {
        case(shape, function(o)
            kill(o.ctype); kill(o.ctype)
            return pcall(tostring, o.ctype), memreg.sizeof("gc_shape")
        end, {result = function(ok, size) return ok, size end}),
        case(shape, function(o)
            local gc = debug.getmetatable(o.ctype).__gc
            return pcall(gc, o.view), pcall(gc, "gc_shape"), tostring(o.ctype)
        end, {result = function(a, b, s) return a, b, s end}),
    },
    -- Only with wrong arguments: finalizing the real registry would end cdef for the run
    -- (struct_test.lua and struct_close_test.lua test that).
    ["cdecl_registry.__gc"] = case(function() return {} end, function()
        local registry = debug.getregistry()[memreg.registry_keys.cdecl]
        local gc = debug.getmetatable(registry).__gc
        return pcall(gc, memreg.new(8)), pcall(gc, {}), memreg.sizeof("gc_point")
    end, {result = function(a, b, size) return a, b, size end}),
}
