-- Struct views: memreg.cdef / typeof / sizeof / alignof / offsetof, r:view, r:array.
local t = require "harness"
local memreg = require "memreg"

memreg.cdef[[
typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;
struct header { uint16_t kind; uint32_t len; };
typedef struct packet {
    struct header hdr;
    double weight;
    int16_t samples[4];
    rgba_pixel colors[2];
    bool flag;
    void *next;
    char tag;
} packet;
union number { int32_t i; float f; uint8_t bytes[4]; };
]]

t.test("sizes, alignments and offsets follow the C ABI", function()
    t.eq(memreg.sizeof("rgba_pixel"), 4)
    t.eq(memreg.alignof("rgba_pixel"), 1)
    t.eq(memreg.sizeof("struct header"), 8)
    t.eq(memreg.offsetof("struct header", "len"), 4)
    t.eq(memreg.offsetof("packet", "weight"), 8)
    t.eq(memreg.offsetof("packet", "samples[2]"), 20)
    t.eq(memreg.offsetof("packet", "colors[1].blue"), 30)
    t.eq(memreg.offsetof("packet", "next"), 40)
    t.eq(memreg.sizeof("packet"), 56)
    t.eq(memreg.sizeof("union number"), 4)
    t.eq(memreg.sizeof("double"), 8)
    t.eq(memreg.sizeof("uint8_t[16]"), 16)
    t.eq(memreg.alignof("double"), 8)
end)

t.test("typeof gives a reusable ctype", function()
    local T = memreg.typeof("rgba_pixel")
    t.eq(memreg.sizeof(T), 4)
    t.eq(tostring(T), "ctype<rgba_pixel>")
    t.eq(memreg.typeof("rgba_pixel") == T, true)
    local img = memreg.new(8):array(T, 2)
    t.eq(tostring(memreg.typeof(img)), "ctype<rgba_pixel[2]>")
    t.eq(memreg.sizeof(img), 8)
end)

t.test("fields read and write the region's bytes", function()
    local r = memreg.new(memreg.sizeof("packet"))
    local p = r:view("packet")
    t.eq(p.hdr.kind, 0)  -- regions are zero-filled
    p.hdr.kind = 0x0102
    p.hdr.len = 70000
    p.weight = 2.5
    p.samples[3] = -2
    p.colors[1].green = 200
    p.flag = true
    p.tag = 65
    t.eq(r:read_u16(0), 0x0102)
    t.eq(r:read_u32(4), 70000)
    t.eq(r:read_f64(8), 2.5)
    t.eq(r:read_i16(22), -2)
    t.eq(r:read_u8(29), 200)
    t.eq(p.hdr.len, 70000)
    t.eq(p.samples[3], -2)
    t.eq(p.colors[1].green, 200)
    t.eq(p.flag, true)
    t.eq(p.tag, 65)
    t.eq(#p.samples, 4)
end)

t.test("unions share their bytes", function()
    local r = memreg.new(4)
    local u = r:view("union number")
    u.f = 1.0
    t.eq(u.i, 0x3f800000)
    t.eq(u.bytes[3], 0x3f)
end)

t.test("arrays are 0-based and bounded", function()
    local r = memreg.new(16)
    local img = r:array("rgba_pixel", 4)
    t.eq(#img, 4)
    for i = 0, 3 do img[i].alpha = 255; img[i].red = i end
    t.eq(r:read_u8(3), 255)
    t.eq(r:read_u8(12), 3)
    t.raises("view(index=4): outside rgba_pixel[4]", function() return img[4] end)
    t.raises("view(index=-1): outside rgba_pixel[4]", function() return img[-1] end)
    t.raises("index into rgba_pixel[4] must be an integer, got 1.5", function() return img[1.5] end)
    t.raises("index into rgba_pixel[4] expected, got string", function() return img.red end)
    local words = r:array("uint32_t", 2, 8)  -- at an offset
    t.eq(words[1], r:read_u32(12))
    t.raises("array(offset=12, count=8): outside region of size 16", r.array, r, "uint32_t", 2, 12)
    t.raises("array(offset=0, count=20): outside region of size 16", r.array, r, "rgba_pixel", 5)
    t.raises("view(offset=14, count=4): outside region of size 16", r.view, r, "rgba_pixel", 14)
end)

t.test("writes are checked conversions", function()
    local p = memreg.new(memreg.sizeof("packet")):view("packet")
    t.raises("bad argument #3 to 'view' (write_scalar(type=uint8_t, value=300): value does not fit)",
             function() p.colors[0].red = 300 end)
    t.raises("value is not a whole number", function() p.hdr.len = 1.5 end)
    t.raises("value does not fit", function() p.hdr.len = -1 end)
    t.raises("a number is not a bool", function() p.flag = 1 end)
    t.raises("a bool is not a number", function() p.weight = true end)
    t.raises("uint16_t field expects a number, got string", function() p.hdr.kind = "x" end)
    t.raises("cannot assign to a struct header member as a whole", function() p.hdr = 1 end)
    t.eq(p.colors[0].red, 0)  -- nothing was written
end)

t.test("unknown fields and bad keys name the type", function()
    local p = memreg.new(memreg.sizeof("packet")):view("packet")
    t.raises("bad argument #2 to 'view' (struct packet has no field 'weigth')", function() return p.weigth end)
    t.raises("struct header has no field 'size'", function() p.hdr.size = 1 end)
    t.raises("field name of struct packet expected, got number", function() return p[1] end)
    t.raises("double has no fields", function() return memreg.new(8):view("double").x end)
end)

t.test("pointer fields hold addresses", function()
    local other = memreg.new(4)
    local p = memreg.new(memreg.sizeof("packet")):view("packet")
    p.next = other
    t.eq(p.next, other:ptr())
    p.next = nil
    t.eq(p.next, memreg.new(0):ptr())  -- NULL
    p.next = other:ptr()
    t.eq(p.next, other:ptr())
    t.raises("expects a light userdata, a region or nil, got number", function() p.next = 5 end)
end)

t.test("views keep the region alive and fail once it is freed", function()
    local img = memreg.new(8):array("rgba_pixel", 2)  -- only the view refers to the region
    collectgarbage(); collectgarbage()
    img[1].blue = 9
    t.eq(img[1].blue, 9)
    local r = memreg.new(8)
    local v = r:array("rgba_pixel", 2)
    local px = v[0]
    r:free()
    t.raises("region is invalid (freed, resized or its arena reset)", function() return v[0] end)
    t.raises("region is invalid", function() px.red = 1 end)
    t.eq(tostring(px), "view<rgba_pixel> (invalid)")
end)

t.test("64-bit fields follow the binding's 64-bit policy", function()
    memreg.cdef[[ struct wide { int64_t i; uint64_t u; }; ]]
    local r = memreg.new(16)
    local w = r:view("struct wide")
    w.i = -2^53
    t.eq(w.i, -2^53)
    r:fill(255)
    t.eq(w.i, -1)
    if t.int64 then
        t.eq(w.u, -1)  -- 2^64 - 1: the integer with the same bits, as string.unpack("J")
        w.u = math.maxinteger
        t.eq(w.u, math.maxinteger)
    else
        t.raises("cannot be represented exactly by this Lua's numbers", function() return w.u end)
        w.u = 2^53
        t.eq(w.u, 2^53)
    end
end)

t.test("views of arena memory die with the arena's reset", function()
    local arena = memreg.arena(256)
    local img = arena:alloc(16):array("rgba_pixel", 4)
    img[3].alpha = 1
    t.eq(img[3].alpha, 1)
    local px = img[2]
    arena:reset()
    t.raises("region is invalid (freed, resized or its arena reset)", function() return img[0] end)
    t.raises("region is invalid", function() px.red = 1 end)
    local heap = memreg.heap{max = 4096}
    local h = heap:alloc(8):view("struct header")
    h.len = 5
    t.eq(h.len, 5)
end)

t.test("cdef errors and unknown types are reported", function()
    t.raises("bad argument #1 to 'cdef' (cdecl::define(line=1, column=", memreg.cdef,
             "typedef struct { int x } broken;")
    t.raises("bad argument #1 to 'sizeof' (", memreg.sizeof, "struct nosuch")
    t.raises("bad argument #2 to 'view' (", memreg.new(4).view, memreg.new(4), "no_such_type")
    t.raises("cannot have type void", memreg.new(4).view, memreg.new(4), "void")
    t.raises("bad argument #1 to 'sizeof' (ctype or type name expected, got number)", memreg.sizeof, 5)
    t.raises("bad argument #2 to 'offsetof' (", memreg.offsetof, "rgba_pixel", "nope")
    -- a failed cdef defines nothing
    t.raises("bad argument #1 to 'sizeof' (", memreg.sizeof, "broken")
end)

t.test("LuaJIT: FFI sees the same layout and the same bytes", function()
    if not jit then return end
    local ffi = require "ffi"
    ffi.cdef[[
        typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;
        struct header { uint16_t kind; uint32_t len; };
        typedef struct packet {
            struct header hdr; double weight; int16_t samples[4]; rgba_pixel colors[2];
            bool flag; void *next; char tag;
        } packet;
    ]]
    t.eq(memreg.sizeof("packet"), ffi.sizeof("packet"))
    for _, field in ipairs({"hdr", "weight", "samples", "colors", "flag", "next", "tag"}) do
        t.eq(memreg.offsetof("packet", field), ffi.offsetof("packet", field), field)
    end
    -- The lifetime rule: an FFI pointer does not keep the region alive, so keep a
    -- reference to the region (here `r`) for as long as the pointer is used.
    local r = memreg.new(memreg.sizeof("packet"))
    local p = ffi.cast("packet *", r:ptr())
    local v = r:view("packet")
    v.hdr.len = 123456
    v.colors[1].blue = 7
    t.eq(p.hdr.len, 123456)
    t.eq(p.colors[1].blue, 7)
    p.weight = 0.25
    p.samples[2] = -9
    t.eq(v.weight, 0.25)
    t.eq(v.samples[2], -9)
    local bytes = ffi.cast("uint8_t *", r:ptr())
    bytes[0] = 0x34
    t.eq(r:read_u8(0), 0x34)
end)

t.done()
