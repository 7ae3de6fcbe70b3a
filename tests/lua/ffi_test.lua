-- memreg.ffi: LuaJIT's FFI C-data API on every Lua version (docs/ffi.md).
local t = require "harness"
local ffi = require "memreg.ffi"
local memreg = require "memreg"

ffi.cdef [[
typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;
typedef struct { int x, y; } ffi_pt;
typedef struct { ffi_pt a; uint8_t b[3]; } ffi_outer;
typedef union { int i; float f; } ffi_un;
struct ffi_node { struct ffi_node *next; int v; char name[8]; };
enum ffi_color { FFI_RED, FFI_GREEN = 5, FFI_BLUE };
typedef struct { double x, y; } ffi_point;
]]

-- The name LuaJIT's own ffi gives a typedef'd anonymous struct ('struct 97'): memreg.ffi
-- prints that on LuaJIT (as LuaJIT does), and 'struct NAME' on the other Luas.
local real_ffi = jit and require "ffi"
local function anon(name)
    if real_ffi then return tostring(real_ffi.typeof(name)):match("^ctype<(.*)>$") end
    return "struct " .. name
end

local function elements(a, n)
    local out = {}
    for i = 0, n - 1 do out[#out + 1] = tostring(a[i]) end
    return table.concat(out, " ")
end

t.test("module: loaded by require, the same module each time, with os and arch", function()
    t.eq(require "memreg.ffi", ffi, "require")
    t.eq(type(ffi.os), "string", "os")
    t.eq(type(ffi.arch), "string", "arch")
    t.eq(ffi.abi("32bit") ~= ffi.abi("64bit"), true, "one word size")
    t.eq(ffi.abi("le") ~= ffi.abi("be"), true, "one byte order")
    t.eq(ffi.abi("no such"), false, "unknown abi")
    t.raises("bad argument #1 to 'abi' (string expected, got nil)", ffi.abi)
    t.eq(ffi.abi("64bit"), ffi.sizeof("void *") == 8, "64bit")
end)

t.test("new: zero-filled scalars, arrays, structs and VLAs", function()
    local a = ffi.new("int[4]")
    t.eq(elements(a, 4), "0 0 0 0")
    local v = ffi.new("rgba_pixel[?]", 3)
    t.eq(v[2].alpha, 0)
    t.eq(ffi.sizeof(v), 12, "sizeof a VLA object")
    local p = ffi.new("ffi_pt")
    t.eq(p.x + p.y, 0)
    t.raises("bad argument #2 to 'new' (size of 'int [?]' expected, got nil)", ffi.new, "int[?]")
    t.raises("bad argument #2 to 'new' (size of 'int [?]' expected, got -1)", ffi.new, "int[?]", -1)
    t.raises("bad argument #2 to 'new' (size of 'int [?]' expected, got 1.5)", ffi.new, "int[?]", 1.5)
    t.raises("bad argument #1 to 'new' (C type expected, got nil)", ffi.new)
    t.raises("unknown type name 'no_such_t'", ffi.new, "no_such_t")
    t.raises("cannot create an object of type 'void'", ffi.new, "void")
end)

t.test("initializers: LuaJIT's rules", function()
    t.eq(elements(ffi.new("int[?]", 4, 7), 4), "7 7 7 7", "one initializer repeats")
    t.eq(elements(ffi.new("int[4]", {5}), 4), "5 5 5 5", "one table element repeats")
    t.eq(elements(ffi.new("int[?]", 4, {5}), 4), "5 0 0 0", "not in a VLA")
    t.eq(elements(ffi.new("int[4]", 1, 2), 4), "1 2 0 0", "two initializers: zero-fill")
    t.eq(elements(ffi.new("int[3]", {[0] = 4, 5}), 3), "4 5 0", "a zero-based table")
    local o = ffi.new("ffi_outer", {{1, 2}, {3, 4, 5}})
    t.eq(o.a.x .. " " .. o.a.y .. " " .. elements(o.b, 3), "1 2 3 4 5", "nested tables")
    o = ffi.new("ffi_outer", {a = {x = 9}, b = {7}})
    t.eq(o.a.x .. " " .. o.a.y .. " " .. elements(o.b, 3), "9 0 7 7 7", "by name")
    local p = ffi.new("ffi_pt", 3, 4)
    t.eq(p.x * 10 + p.y, 34, "positional")
    t.eq(ffi.new("ffi_un", 3).i, 3, "a union: its first field")
    t.eq(ffi.string(ffi.new("char[5]", "hello!!"), 5), "hello", "a string, cut to the array")
    local c = ffi.new("char[8]", "hi")
    t.eq(ffi.string(c) .. tostring(c[2]), "hi0", "a string and its zero")
    local copy = ffi.new("ffi_pt", p)
    t.eq(copy.y, 4, "a C data object of the same type is copied")
    t.raises("too many initializers for 'int [2]'", ffi.new, "int[2]", 1, 2, 3)
    t.raises("too many initializers for '" .. anon("ffi_pt") .. "'", ffi.new, "ffi_pt", 1, 2, 3)
    t.raises("too many initializers for 'int [2]'", ffi.new, "int[2]", {1, 2, 3})
    t.raises("too many initializers for 'int'", ffi.new, "int", 1, 2)
    t.raises("cannot convert 'string' to 'int [2]'", ffi.new, "int[2]", "ab")
    t.raises("cannot convert '" .. anon("ffi_pt") .. "' to '" .. anon("ffi_outer") .. "'", ffi.new, "ffi_outer", p)
end)

t.test("stores convert as LuaJIT does: truncation, modulo 2^N, booleans", function()
    local u8 = ffi.new("uint8_t[5]", 300, -1, 255.9, true, -0.5)
    t.eq(elements(u8, 5), "44 255 255 1 0")
    local i8 = ffi.new("int8_t[3]", 200, -129, -3.9)
    t.eq(elements(i8, 3), "-56 127 -3")
    local u32 = ffi.new("uint32_t[2]", -1, 2 ^ 32 + 5)
    t.eq(elements(u32, 2), "4294967295 5")
    local p = ffi.new("ffi_pt", 3.9, -3.9)
    t.eq(p.x .. " " .. p.y, "3 -3")
    local b = ffi.new("bool[3]", 1, 0, true)
    t.eq(elements(b, 3), "true false true")
    local d = ffi.new("double[1]", true)
    t.eq(d[0], 1)
    local i64 = ffi.new("int64_t[2]", -2.5, 2 ^ 40)
    t.eq(i64[0] == -2 and i64[1] == 2 ^ 40, true, "int64")
    t.raises("cannot convert 'string' to 'int'", function() p.x = "12" end)
    t.raises("cannot convert 'table' to 'int'", function() p.x = {} end)
    t.raises("cannot convert 'nil' to 'int'", function() p.x = nil end)
    t.raises("cannot convert 'nil' to 'bool'", function() b[0] = nil end)
end)

t.test("field and element stores (the C accessors) convert as initializers do", function()
    ffi.cdef [[ typedef struct { uint8_t u8; int8_t i8; uint16_t u16; int32_t i32; uint32_t u32;
                                 int64_t i64; uint64_t u64; float f; double d; bool b; char c; } ffi_all; ]]
    local s = ffi.new("ffi_all")
    s.u8 = 300; s.i8 = 200; s.u16 = -1; s.i32 = -7.9; s.u32 = -1.5
    t.eq(s.u8 .. " " .. s.i8 .. " " .. s.u16 .. " " .. s.i32 .. " " .. s.u32, "44 -56 65535 -7 4294967295")
    s.u8 = 2.9; s.i8 = -3.9; s.u16 = true; s.i32 = false; s.u32 = 0 / 0
    t.eq(s.u8 .. " " .. s.i8 .. " " .. s.u16 .. " " .. s.i32 .. " " .. s.u32, "2 -3 1 0 0")
    if not jit then
        -- Where LuaJIT's result is the CPU's (x64 stores INT32_MIN for a double out of
        -- int32's range or infinite), memreg.ffi takes it modulo 2^32 and stores 0.
        s.i32 = 2 ^ 32 + 5; t.eq(s.i32, 5, "int32 modulo 2^32")
        s.i32 = math.huge; s.u8 = -math.huge
        t.eq(s.i32 .. " " .. s.u8, "0 0", "infinities store 0")
    end
    s.i64 = -2.5; s.u64 = 2 ^ 40 + 0.5
    t.eq(s.i64 == -2 and s.u64 == 2 ^ 40, true, "64-bit")
    s.f = 0.5; s.d = true
    t.eq(s.f .. " " .. tostring(s.d == 1), "0.5 true")
    s.b = 0.25; t.eq(s.b, true, "bool: not 0")
    s.b = 0; t.eq(s.b, false)
    s.b = true; t.eq(s.b, true)
    s.c = 65; t.eq(s.c, 65)
    s.i32 = ffi.new("int", 7); t.eq(s.i32, 7, "a boxed scalar")
    t.raises("cannot convert 'string' to 'int'", function() s.i32 = "1" end)
    local a = ffi.new("int16_t[3]")
    a[0] = 70000; a[1] = -1.9; a[2] = true
    t.eq(elements(a, 3), "4464 -1 1")
    a[1.5] = 9; t.eq(a[1], 9, "a fractional index is truncated")
    t.raises("cannot convert 'table' to 'short'", function() a[0] = {} end)
    t.raises("index 3 is outside 'short [3]' (valid: 0 to 2)", function() a[3] = 1 end)
    local v = ffi.new("double[?]", 2)
    v[1] = 2.5
    t.eq(v[1], 2.5)
    t.raises("index 2 is outside 'double [?]' (valid: 0 to 1)", function() return v[2] end)
end)

t.test("array elements: one object per index while it is the last used, == by address", function()
    local img = ffi.new("rgba_pixel[4]")
    local a, b = img[1], img[2]
    a.red = 5; b.red = 6
    t.eq(a.red .. " " .. b.red .. " " .. img[1].red, "5 6 5", "an old element keeps its index")
    t.eq(img[2] == b and img[1] == a and a ~= b, true, "==")
    if not jit then  -- LuaJIT's ffi makes a new reference each time (== by address)
        t.eq(rawequal(img[3], img[3]), true, "the same object while its index is the last used")
    end
    local inner = ffi.new("ffi_outer[2]")
    inner[1].a.y = 4; inner[1].b[2] = 300
    t.eq(inner[1].a.y .. " " .. inner[1].b[2], "4 44", "nested aggregates")
end)

if not jit then  -- the element cache is memreg.ffi's on PUC Lua
t.test("a walked array's element cache: hits allocate nothing, misses and errors as before", function()
    local img = ffi.new("rgba_pixel[?]", 8)
    for i = 0, 7 do img[i].red = i; img[i].green = 2 * i end
    local cache = debug.getmetatable(img).__index
    t.eq(type(cache), "table", "walking the array gave it an element cache")
    local keys = 0
    for _ in pairs(cache) do keys = keys + 1 end
    t.eq(keys, 1, "the cache holds the last element only")
    t.eq(getmetatable(img), "ffi", "still protected")
    local name = anon("rgba_pixel") .. " [?]"
    t.eq(tostring(img):find("cdata<" .. name .. ">: 0x", 1, true), 1, tostring(img))
    local e = img[5]
    t.eq(rawequal(img[5], e), true, "a hit is the cached element")
    collectgarbage("stop")
    local before = collectgarbage("count")
    for _ = 1, 1000 do local _ = img[5] end
    t.eq(collectgarbage("count"), before, "a hit allocates nothing")
    collectgarbage("restart")
    t.eq(img[5.9].red, 5, "a fractional index is truncated")
    t.eq(img[3].green .. " " .. e.green, "6 10", "an old element keeps its index")
    t.raises("index 8 is outside '" .. name .. "' (valid: 0 to 7)", function() return img[8] end)
    t.raises("index -1 is outside '" .. name .. "' (valid: 0 to 7)", function() return img[-1] end)
    t.raises("'" .. name .. "' cannot be indexed with 'red'", function() return img.red end)
    t.raises("'" .. name .. "' cannot be indexed with NaN", function() return img[0 / 0] end)
    img[3] = {red = 9}
    t.eq(img[3].red .. " " .. img[3].green, "9 0", "whole elements are still stored through __newindex")
    t.eq(img[3] == img[3] and img[3] ~= img[4], true, "==")
    local r = ffi.region_of(img)
    local cached = img[4]
    r:free()
    t.raises("region is invalid", function() return img[4].red end)
    t.raises("region is invalid", function() return cached.red end)
    t.raises("region is invalid", function() img[6].red = 1 end)
end)
end

if not jit then  -- the C accessors are memreg.ffi's on PUC Lua (LuaJIT's are its ffi's)
t.test("the C accessors check what they are given", function()
    local img = ffi.new("rgba_pixel[2]")
    local e = img[0]
    local index = debug.getmetatable(e).__index
    t.raises("bad argument #1 to '__index' (cdata expected, got number)", index, 5, "red")
    t.raises("bad argument #1 to '__index' (cdata expected, got number)",
             debug.getmetatable(img).__index, 5, 0)
    t.raises("bad argument #1 to '__newindex' (cdata expected, got boolean)",
             debug.getmetatable(e).__newindex, true, "red", 1)
    t.raises("cdata expected, got a table without memory", index, {}, "red")
    rawset(e, "\0off", -1)
    t.raises("cdata expected, got a table without memory", function() return e.red end)
    rawset(e, "\0off", 2 ^ 40)
    t.raises("outside", function() return e.red end)
    rawset(e, "\0off", 0)
    rawset(e, "\0reg", io.stdout)
    t.raises("cdata expected, got a table without memory", function() e.red = 1 end)
    local ro = ffi.cast("rgba_pixel *", memreg.fromstring("abcd"):sub(0))
    t.eq(ro.green, 98)
end)
end

t.test("the rgba program: VLA, fields, truncation", function()
    local n = 64
    local img = ffi.new("rgba_pixel[?]", n)
    local f = 255 / (n - 1)
    for i = 0, n - 1 do
        img[i].green = i * f
        img[i].alpha = 255
    end
    for i = 0, n - 1 do
        local y = 0.3 * img[i].red + 0.59 * img[i].green + 0.11 * img[i].blue
        img[i].red = y; img[i].green = y; img[i].blue = y
    end
    local sum = 0
    for i = 0, n - 1 do sum = sum + img[i].red + img[i].green + img[i].blue + img[i].alpha end
    t.eq(sum, 30618)  -- what LuaJIT's FFI gives
end)

t.test("every index is bounds-checked", function()
    local a = ffi.new("int[4]")
    t.raises("index 4 is outside 'int [4]' (valid: 0 to 3)", function() return a[4] end)
    t.raises("index -1 is outside 'int [4]' (valid: 0 to 3)", function() a[-1] = 1 end)
    local v = ffi.new("rgba_pixel[?]", 2)
    t.raises("index 2 is outside '" .. anon("rgba_pixel") .. " [?]' (valid: 0 to 1)", function() return v[2] end)
    t.raises("'int [4]' cannot be indexed with 'x'", function() return a.x end)
    t.raises("'int [4]' cannot be indexed with NaN", function() return a[0 / 0] end)
    t.eq(a[1.7], 0, "a fraction is truncated")
    local p = ffi.new("ffi_pt")
    t.raises("'" .. anon("ffi_pt") .. "' has no member named 'z'", function() return p.z end)
    t.raises("'" .. anon("ffi_pt") .. "' has no member named 'z'", function() p.z = 1 end)
    local q = ffi.cast("ffi_pt *", p)
    t.eq(q[0].x, 0)
    t.raises("index 1 of '" .. anon("ffi_pt") .. " *' is outside its memory (8 bytes of 8 at offset 0)",
             function() return q[1] end)
end)

t.test("C data dies with its memory: freed, resized", function()
    local p = ffi.new("ffi_pt", 1, 2)
    local r = ffi.region_of(p)
    t.eq(memreg.isregion(r), true, "region_of")
    local mem = memreg.new(16)
    local img = ffi.cast("rgba_pixel *", mem)
    local e = img[1]
    mem:resize(4096)
    t.raises("region is invalid", function() return e.red end)
    t.raises("region is invalid", function() img[0].red = 1 end)
    t.raises("region is invalid", ffi.fill, img, 1)
    r:free()
    t.raises("region is invalid", function() return p.x end)
    t.raises("region is invalid", function() p.y = 3 end)
    t.raises("region is invalid", ffi.string, ffi.cast("char *", p), 2)
    t.raises("bad argument #1 to 'region_of' (cdata expected, got number)", ffi.region_of, 1)
end)

t.test("C data over arenas, heaps and mapped files: reset, free and truncation raise", function()
    local arena = memreg.arena()
    local px = ffi.cast("rgba_pixel *", arena:alloc(16))
    px[1].red = 9
    local e = px[1]
    t.eq(e.red, 9, "an arena's memory")
    arena:reset()
    t.raises("region is invalid", function() return px[1].red end)
    t.raises("region is invalid", function() return e.red end)
    t.raises("region is invalid", function() e.red = 1 end)
    local heap = memreg.heap()
    local hr = heap:alloc(8)
    local q = ffi.cast("int32_t *", hr)
    q[1] = 5
    t.eq(q[1], 5, "a heap's memory")
    hr:free()
    t.raises("region is invalid", function() return q[1] end)
    -- a mapped file: memreg.ffi asks the region whether its file was truncated
    local path = (os.getenv("MEMREG_TEST_DIR") or ".") .. "/ffi_test_" .. t.version .. ".bin"
    local f = assert(io.open(path, "wb")); f:write(("x"):rep(64)); f:close()
    local m = memreg.map(path, "w")
    local bytes = ffi.cast("uint8_t *", m)
    t.eq(bytes[63], 120)
    bytes[0] = 65
    t.eq(m:read_u8(0), 65, "written through")
    assert(io.open(path, "wb")):close()
    t.raises("region is invalid", function() return bytes[63] end)
    t.raises("region is invalid", function() bytes[0] = 1 end)
    m:free()
    os.remove(path)
end)

t.test("element references: the same element is ==; without their object, as docs/ffi.md says", function()
    local img = ffi.new("rgba_pixel[?]", 4)
    t.eq(img[1] == img[1], true, "two references to one element")
    t.eq(img[1] == img[2], false)
    t.eq(type(img), jit and "cdata" or "table")
    local e = img[2]
    e.green = 7
    t.eq(img[2].green, 7, "written through")
    img = nil
    collectgarbage(); collectgarbage()
    if jit then
        -- LuaJIT: an element reference does not keep its object's memory alive; once the
        -- object is collected the reference raises instead of reading freed memory.
        t.raises("region is invalid", function() return e.green end)
        t.raises("region is invalid", function() e.green = 1 end)
    else
        t.eq(e.green, 7, "every object keeps its memory alive")
    end
end)

t.test("C data over any region", function()
    local r = memreg.new(16)
    r:write_u8(0, 10, 20, 30, 40)
    local px = ffi.cast("rgba_pixel *", r)
    t.eq(px.green, 20, "p.field")
    t.eq(px[3].alpha, 0, "p[i]")
    px[1].red = 7
    t.eq(r:read_u8(4), 7, "written through")
    t.raises("is outside its memory", function() return px[4] end)
    local view = ffi.region_of(px)
    t.eq(view:ptr() == r:ptr() and #view == #r, true, "region_of: a view of the region")
    view:free()
    t.raises("region is invalid", function() return px.red end)
    t.eq(r:read_u8(0), 10, "retiring the view leaves the region")
end)

t.test("pointers: NULL is nil, pointers into memreg memory dereference", function()
    local a = ffi.new("struct ffi_node", {v = 1})
    local b = ffi.new("struct ffi_node", {v = 2, name = "bee"})
    t.eq(a.next, nil, "NULL reads as nil")
    t.eq(a.next == nil, true)
    a.next = b
    t.eq(a.next.v, 2, "through the pointer")
    t.eq(ffi.string(a.next.name), "bee")
    t.eq(a.next == ffi.cast("struct ffi_node *", b), true, "same address")
    a.next = nil
    t.eq(a.next, nil, "set to NULL")
    local null = ffi.cast("int *", nil)
    t.eq(tostring(null), "cdata<int *>: NULL")
    t.raises("attempt to dereference a NULL 'int *'", function() return null[0] end)
    local outside = ffi.cast("int *", 4096)
    t.eq(tostring(outside), "cdata<int *>: 0x00001000")
    t.raises("cannot dereference 'int *' 0x1000: not memory of a region of this Lua state",
             function() return outside[0] end)
    t.raises("cannot convert 'number' to 'struct ffi_node *'", function() a.next = 5 end)
    t.raises("'void *' cannot be dereferenced", function() return ffi.cast("void *", a)[0] end)
end)

t.test("typeof: ctypes print LuaJIT's names and construct", function()
    t.eq(tostring(ffi.typeof("int8_t")), "ctype<char>")
    t.eq(tostring(ffi.typeof("uint8_t")), "ctype<unsigned char>")
    t.eq(tostring(ffi.typeof("int16_t")), "ctype<short>")
    t.eq(tostring(ffi.typeof("uint32_t")), "ctype<unsigned int>")
    t.eq(tostring(ffi.typeof("int64_t")), "ctype<int64_t>")
    t.eq(tostring(ffi.typeof("double")), "ctype<double>")
    t.eq(tostring(ffi.typeof("bool")), "ctype<bool>")
    t.eq(tostring(ffi.typeof("enum ffi_color")), "ctype<enum ffi_color>")
    t.eq(tostring(ffi.typeof("struct ffi_node *")), "ctype<struct ffi_node *>")
    t.eq(tostring(ffi.typeof("int[3][2]")), "ctype<int [3][2]>")
    t.eq(tostring(ffi.typeof("rgba_pixel[?]")), "ctype<" .. anon("rgba_pixel") .. " [?]>")
    local pt = ffi.typeof("ffi_pt")
    local p = pt(1, 2)
    t.eq(p.y, 2, "a ctype constructs")
    t.eq(ffi.typeof(p), pt, "typeof(cdata)")
    t.eq(ffi.istype(pt, p), true)
    t.eq(ffi.istype("ffi_outer", p), false)
    t.eq(ffi.istype("int", 1), false, "a number is no cdata")
    t.eq(ffi.istype("int32_t", ffi.new("int")), true, "the same type by two names")
    local vla = ffi.typeof("int[?]")
    t.eq(ffi.sizeof(vla(5)), 20)
    t.eq(tostring(ffi.new("int", 10)):match("^cdata<int>: 0x%x+$") ~= nil, true, "tostring")
    t.raises("bad argument #1 to 'typeof' (C type expected, got number)", ffi.typeof, 1)
end)

t.test("sizeof, alignof, offsetof", function()
    t.eq(ffi.sizeof("rgba_pixel"), 4)
    t.eq(ffi.sizeof("int[?]", 5), 20)
    t.raises("bad argument #2 to 'sizeof' (size of 'int [?]' expected, got nil)", ffi.sizeof, "int[?]")
    t.eq(ffi.alignof("ffi_point"), ffi.alignof("double"))
    t.eq(ffi.offsetof("ffi_pt", "y"), 4)
    t.eq(ffi.offsetof("ffi_pt", "nope"), nil)
    t.raises("bad argument #2 to 'sizeof' (size of 'int [?]' expected, got -2)", ffi.sizeof, "int[?]", -2)
end)

t.test("variable-length structs: ffi.new(\"struct vls\", n), sizeof(ct, n), checked tails", function()
    ffi.cdef [[
    struct ffi_vls { double d; uint8_t c; int32_t tail[?]; };
    typedef struct { uint16_t n; ffi_pt pts[?]; } ffi_pts;
    typedef int32_t ffi_ints[?];
    ]]
    -- The struct's size: the tail's offset 12 rounded up to double's alignment (4 on i686).
    local vls_fixed = memreg.sizeof("void *") == 4 and 12 or 16
    local v = ffi.new("struct ffi_vls", 3)
    t.eq(ffi.sizeof(v), vls_fixed + 12, "LuaJIT's size: the struct's size + 3 elements")
    t.eq(ffi.sizeof("struct ffi_vls", 3), vls_fixed + 12)
    t.raises("bad argument #2 to 'sizeof' (size of 'struct ffi_vls' expected, got nil)", ffi.sizeof, "struct ffi_vls")
    t.eq(ffi.offsetof("struct ffi_vls", "tail"), 12)
    t.eq(tostring(ffi.typeof(v)), "ctype<struct ffi_vls>")
    t.eq(tostring(ffi.typeof(v.tail)), "ctype<int [?]>")
    t.eq(elements(v.tail, 3), "0 0 0", "zero-filled")
    v.tail[2] = 7
    v.d = 1.5
    t.eq(v.tail[2] + v.d, 8.5)
    t.eq(ffi.region_of(v):read_i32(20), 7, "tail[2] at 12 + 8")
    t.raises("index 3 is outside 'int [?]' (valid: 0 to 2)", function() return v.tail[3] end)
    t.raises("index -1 is outside 'int [?]' (valid: 0 to 2)", function() v.tail[-1] = 1 end)
    -- initializers reach the tail with the count given
    local w = ffi.new("struct ffi_vls", 4, {2.5, 1, {9, 8}})
    t.eq(w.d .. " " .. w.c .. " " .. elements(w.tail, 4), "2.5 1 9 8 0 0")
    w = ffi.new("struct ffi_vls", 2, {tail = {5}})
    t.eq(elements(w.tail, 2), "5 0", "by name, not repeated (a VLA)")
    w.tail = {3, 4}
    t.eq(elements(w.tail, 2), "3 4", "assigning the tail as a whole")
    local P = ffi.typeof("ffi_pts")
    local pts = P(2, {2, {{1, 2}, {3, 4}}})
    t.eq(pts.n .. " " .. pts.pts[1].x .. " " .. pts.pts[1].y, "2 3 4", "a ctype constructs with a count")
    t.eq(ffi.sizeof(pts), 4 + 16)
    t.raises("index 2 is outside '" .. anon("ffi_pt") .. " [?]' (valid: 0 to 1)", function() return pts.pts[2] end)
    -- through a pointer the count is unknown: the tail is bounded by the memory, which
    -- holds 4 elements (28 bytes from offset 12: the struct's padding is counted; 3 on
    -- i686, without padding)
    local p = ffi.cast("struct ffi_vls *", v)
    local held = vls_fixed == 16 and 4 or 3
    t.eq(p.tail[2], 7)
    if held == 4 then t.eq(p.tail[3], 0) end
    t.raises(("index %d is outside 'int [?]' (valid: 0 to %d)"):format(held, held - 1),
             function() return p.tail[held] end)
    -- a typedef of a VLA
    t.eq(ffi.sizeof("ffi_ints", 5), 20)
    t.eq(ffi.sizeof(ffi.new("ffi_ints", 5)), 20)
    t.eq(ffi.sizeof("int[?][3]", 2), 24, "only the outermost dimension is variable")
    -- errors: the count, and '[?]' where it is not allowed
    t.raises("bad argument #2 to 'new' (size of 'struct ffi_vls' expected, got nil)", ffi.new, "struct ffi_vls")
    t.raises("bad argument #2 to 'new' (size of 'struct ffi_vls' expected, got -1)", ffi.new, "struct ffi_vls", -1)
    t.raises("bad argument #2 to 'new' (size of 'struct ffi_vls' expected, got 0.5)", ffi.new, "struct ffi_vls", 0.5)
    if vls_fixed == 12 then  -- i686: the size overflows a 32-bit size_t before the region maximum
        t.raises("bad argument #2 to 'new' (count of 'struct ffi_vls': layout::size(type=struct ffi_vls, count=1073741824): the size 12 + 1073741824 * 4 overflows size_t (at most 4294967295))",
                 ffi.new, "struct ffi_vls", 2^30)
    else
        t.raises("bad argument #2 to 'new' (count of 'struct ffi_vls': the size 4294967312 of struct ffi_vls for 1073741824 elements is larger than the maximum region size 4294967296)",
                 ffi.new, "struct ffi_vls", 2^30)
    end
    t.raises("bad argument #2 to 'sizeof' (count of 'int [?]': number has no integer representation, got 1.0000000000000001e+300)",
             ffi.sizeof, "int[?]", 1e300)
    t.raises("'[?]' (a variable-length array) is only allowed in the outermost dimension", ffi.new, "int[3][?]", 2)
    t.raises("an array of void has no size", ffi.new, "void[?]", 2)
    t.raises("the variable-length array member 'a' must be the last member", ffi.cdef,
             "struct ffi_bad { int a[?]; int b; };")
    t.raises("has the variable-length type struct ffi_vls", ffi.cdef, "struct ffi_bad2 { struct ffi_vls v; };")
end)

t.test("string, copy, fill: bounded by the memory", function()
    local buf = ffi.new("uint8_t[?]", 8)
    ffi.copy(buf, "abc")
    t.eq(ffi.string(buf), "abc")
    t.eq(ffi.string(buf, 4), "abc\0")
    ffi.copy(buf, "xyzw", 2)
    t.eq(ffi.string(buf, 3), "xyc")
    local other = ffi.new("uint8_t[8]", 1, 2, 3)
    ffi.copy(buf, other, 3)
    t.eq(elements(buf, 4), "1 2 3 0")
    ffi.fill(buf, 8, 10)
    t.eq(elements(buf, 8), "10 10 10 10 10 10 10 10")
    ffi.fill(buf, 2)
    t.eq(elements(buf, 3), "0 0 10")
    -- LuaJIT writes past the array; memreg.ffi refuses.
    t.raises("outside region of size 5", ffi.fill, ffi.new("unsigned char[?]", 5), 20, 10)
    t.raises("outside region of size 8", ffi.copy, buf, ("x"):rep(9))
    t.raises("outside region of size 8", ffi.string, buf, 9)
    ffi.fill(buf, 8, 65)
    t.raises("cstring", ffi.string, buf)  -- no zero byte inside the memory
    t.raises("bad argument #1 to 'string' (cdata expected, got nil)", ffi.string, nil)
    t.raises("bad argument #1 to 'copy' (cdata expected, got string)", ffi.copy, "a", "b")
    t.raises("bad argument #2 to 'copy' (cdata expected, got number)", ffi.copy, buf, 1, 1)
    t.raises("bad argument #3 to 'copy' (number expected, got nil)", ffi.copy, buf, other)
    t.raises("bad argument #1 to 'fill' (cdata expected, got nil)", ffi.fill, nil, 1)
end)

t.test("cast: pointers over the same memory, numbers from scalars", function()
    local a = ffi.new("int", 1)
    local arr = ffi.new("int[?]", 2, 100, 200)
    local pa = ffi.cast("int *", a)
    t.eq(ffi.cast("int", pa), 1, "a scalar's value as the address, as in LuaJIT")
    local p = ffi.cast("int *", arr)
    t.eq(p[1], 200)
    p[0] = 7
    t.eq(arr[0], 7, "the same memory")
    t.eq(ffi.cast("uint8_t", 257), 1, "modulo 2^8")
    t.eq(ffi.cast("int32_t", -3.7), -3)
    t.raises("invalid C type for cast: '" .. anon("ffi_pt") .. "'", ffi.cast, "ffi_pt", 1)
    t.raises("cannot convert 'string' to 'int *'", ffi.cast, "int *", "x")
end)

t.test("gc: finalizers run once, can be replaced and removed", function()
    local ran = {}
    local p = ffi.gc(ffi.new("ffi_pt", 3, 4), function(o) ran[#ran + 1] = o.x end)
    t.eq(p.y, 4, "returned unchanged")
    p = nil
    collectgarbage(); collectgarbage()
    t.eq(#ran, 1, "ran")
    t.eq(ran[1], 3, "with the object")
    local q = ffi.gc(ffi.new("ffi_pt"), function() ran[#ran + 1] = "old" end)
    ffi.gc(q, function() ran[#ran + 1] = "new" end)
    local r = ffi.gc(ffi.new("ffi_pt"), function() ran[#ran + 1] = "removed" end)
    ffi.gc(r, nil)
    q, r = nil, nil
    collectgarbage(); collectgarbage()
    t.eq(table.concat(ran, " ", 2), "new")
    t.raises("bad argument #1 to 'gc' (cdata expected, got table)", ffi.gc, {}, print)
end)

t.test("metatype: methods and metamethods", function()
    local point
    point = ffi.metatype("ffi_point", {
        __add = function(a, b) return point(a.x + b.x, a.y + b.y) end,
        __len = function(a) return math.sqrt(a.x * a.x + a.y * a.y) end,
        __tostring = function(a) return ("(%g, %g)"):format(a.x, a.y) end,
        __index = {area = function(a) return a.x * a.x + a.y * a.y end},
    })
    local a = point(3, 4)
    t.eq(a:area(), 25)
    t.eq(tostring(a + point(0.5, 8)), "(3.5, 12)")
    t.eq(#a, 5, "__len (a userdata proxy on Lua 5.1 and LuaJIT)")
    t.eq(ffi.istype(point, a) and ffi.sizeof(a), 16, "a proxy is C data to every function")
    local gone = false
    ffi.gc(point(1, 1), function(p) gone = p.x == 1 end)
    collectgarbage(); collectgarbage()
    t.eq(gone, true, "ffi.gc on a proxy")
    local arr = ffi.new("ffi_point[2]")
    t.eq(arr[1]:area(), 0, "elements of an array get the metatype")
    t.raises("cannot change a protected metatable", ffi.metatype, "ffi_point", {})
    t.raises("bad argument #2 to 'metatype' (table expected, got nil)", ffi.metatype, "ffi_pt")
    t.raises("bad argument #1 to 'metatype' (struct or union type expected, got 'int [3]')",
             ffi.metatype, "int[3]", {})
    t.raises("bad argument #1 to 'metatype' (struct or union type expected, got '" ..
             anon("ffi_point") .. " [2]')", ffi.metatype, "ffi_point[2]", {})
    t.raises("bad argument #1 to 'metatype' (struct or union type expected, got 'int *')",
             ffi.metatype, "int*", {})
    t.raises("'" .. anon("ffi_point") .. "' has no member named 'nope'", function() return a.nope end)
end)

t.test("ffi.C: enum constants", function()
    t.eq(ffi.C.FFI_RED, 0)
    t.eq(ffi.C.FFI_BLUE, 6)
    t.raises("missing declaration for symbol 'printf'", function() return ffi.C.printf end)
    t.raises("cannot assign to ffi.C.x", function() ffi.C.x = 1 end)
end)

t.test("cdef: errors name the place", function()
    t.raises("bad argument #1 to 'cdef' (string expected, got nil)", ffi.cdef)
    t.raises("line=1", ffi.cdef, "struct { int x }")
end)

t.done()
