-- LuaJIT's FFI over a memreg region: ffi.cast("uint8_t*", r:ptr()).
--
-- The lifetime rule: a cdata pointer made from r:ptr() does not keep the region
-- alive and is not checked. It is good while r is reachable from Lua and valid —
-- not after r:free(), r:resize() (the memory may move: cast r:ptr() again), an
-- arena's reset, or r being collected. Keep r in a local (or upvalue) for as long
-- as the pointer is used.
local t = require "harness"
local memreg = require "memreg"

if not jit then
    print("0 passed, 0 failed (no FFI on " .. _VERSION .. ")")
    return
end
local ffi = require "ffi"

t.test("a cdata pointer reads and writes the region's bytes", function()
    local r = memreg.new(16)
    local p = ffi.cast("uint8_t*", r:ptr())
    p[0] = 42
    p[15] = 255
    t.eq(r:read_u8(0), 42)
    t.eq(r:read_u8(15), 255)
    r:write_u32(4, 0xdeadbeef)
    local words = ffi.cast("uint32_t*", r:ptr())
    t.eq(words[1], 0xdeadbeef)
    ffi.copy(p + 8, "hello", 5)
    t.eq(r:tostring(8, 5), "hello")
    t.eq(ffi.string(p + 8, 5), "hello")
    ffi.fill(p, 4, 7)
    t.eq(r:read_u32(0), 0x07070707)
end)

t.test("structs over a region, as with ffi.new", function()
    ffi.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } memreg_test_rgba; ]]
    local n = 100
    local r = memreg.new(n * ffi.sizeof("memreg_test_rgba"))
    local pixels = ffi.cast("memreg_test_rgba*", r:ptr())
    for i = 0, n - 1 do
        pixels[i].red = i
        pixels[i].alpha = 255
    end
    t.eq(r:read_u8(4 * 99), 99)
    t.eq(r:read_u8(4 * 99 + 3), 255)
end)

t.test("after a resize the pointer must be made again", function()
    local r = memreg.fromstring("abcd")
    r:resize(2^20)                             -- large enough that realloc moves it
    local p = ffi.cast("uint8_t*", r:ptr())    -- cast again after the resize
    t.eq(ffi.string(p, 4), "abcd")
    t.eq(p[2^20 - 1], 0)
end)

t.test("the pointer is plain data: ffi.cast keeps nothing alive", function()
    local r = memreg.new(8)
    local p = ffi.cast("uint8_t*", r:ptr())
    t.eq(tonumber(ffi.cast("uintptr_t", p)), tonumber(ffi.cast("uintptr_t", r:ptr())))
    -- a region stored next to its pointer keeps it valid (the pattern to use)
    local view = {region = r, ptr = p}
    r = nil
    collectgarbage()
    view.ptr[0] = 1
    t.eq(view.region:read_u8(0), 1)
end)

t.done()
