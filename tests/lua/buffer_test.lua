-- memreg.buffer: Luau's buffer library (same functions, defaults, 0-based offsets,
-- little-endian data, wrapping writes, memmove copies, size limit and messages).
local t = require "harness"
local memreg = require "memreg"
local hostile = require "gc.hostile"
local buffer = memreg.buffer

local OOB = "buffer access out of bounds"

t.test("create is zero-filled, len and tostring see every byte", function()
    local b = buffer.create(8)
    t.eq(buffer.len(b), 8)
    t.eq(buffer.tostring(b), string.rep("\0", 8))
    t.eq(buffer.len(buffer.create(0)), 0)
    t.eq(buffer.tostring(buffer.create(0)), "")
    t.eq(buffer.readstring(buffer.create(0), 0, 0), "")
    t.eq(buffer.tostring(buffer.fromstring("a\0b")), "a\0b")
    t.eq(buffer.len(buffer.create(2.9)), 2)  -- sizes are cast to int, like Luau
end)

t.test("integers are little-endian and writes wrap", function()
    local b = buffer.create(8)
    buffer.writeu32(b, 0, 0x01020304)
    t.eq(buffer.readu8(b, 0), 4)
    t.eq(buffer.readu8(b, 3), 1)
    t.eq(buffer.readu16(b, 1), 0x0203)
    buffer.writeu8(b, 0, 257)
    t.eq(buffer.readu8(b, 0), 1)
    buffer.writei8(b, 0, -1)
    t.eq(buffer.readu8(b, 0), 255)
    t.eq(buffer.readi8(b, 0), -1)
    buffer.writeu16(b, 0, -1)
    t.eq(buffer.readu16(b, 0), 65535)
    t.eq(buffer.readi16(b, 0), -1)
    buffer.writei32(b, 4, 2^32 + 5)
    t.eq(buffer.readi32(b, 4), 5)
    buffer.writeu32(b, 4, -1)
    t.eq(buffer.readu32(b, 4), 4294967295)
    t.eq(buffer.readi32(b, 4), -1)
    buffer.writeu8(b, 0, 3.99)  -- the integer part
    t.eq(buffer.readu8(b, 0), 3)
    buffer.writeu8(b, 0, 0/0)  -- Luau's cast of NaN gives 0 on x86-64
    t.eq(buffer.readu8(b, 0), 0)
    t.eq(buffer.readu8(b, 1.9), buffer.readu8(b, 1))  -- offsets are cast to int too
end)

t.test("floats", function()
    local b = buffer.create(12)
    buffer.writef32(b, 0, 1.5)
    t.eq(buffer.readf32(b, 0), 1.5)
    t.eq(buffer.tostring(b):sub(1, 4), "\0\0\192\63")
    buffer.writef64(b, 4, -0.1)
    t.eq(buffer.readf64(b, 4), -0.1)
    buffer.writef32(b, 0, 1e300)
    t.eq(buffer.readf32(b, 0), 1 / 0)
    buffer.writef32(b, 0, 0.1)
    local x = buffer.readf32(b, 0)  -- rounded to float precision
    t.eq(x ~= 0.1 and math.abs(x - 0.1) < 1e-8, true, "0.1 as a float")
end)

t.test("readstring and writestring", function()
    local b = buffer.create(8)
    buffer.writestring(b, 2, "hello")
    t.eq(buffer.readstring(b, 2, 5), "hello")
    buffer.writestring(b, 0, "xyz", 2)
    t.eq(buffer.readstring(b, 0, 3), "xyh")
    buffer.writestring(b, 0, 42)  -- numbers are strings, as in Luau
    t.eq(buffer.readstring(b, 0, 2), "42")
    t.eq(buffer.readstring(b, 8, 0), "")
    t.raises("string length overflow", buffer.writestring, b, 0, "abc", 4)
    t.raises("invalid argument #4 to 'writestring' (count)", buffer.writestring, b, 0, "abc", -1)
    t.raises("invalid argument #3 to 'readstring' (size)", buffer.readstring, b, 0, -1)
    t.raises(OOB, buffer.writestring, b, 6, "abc")
    t.raises(OOB, buffer.readstring, b, 6, 3)
end)

t.test("copy is a memmove with Luau's defaults", function()
    local b = buffer.fromstring("0123456789")
    buffer.copy(b, 2, b, 0, 6)
    t.eq(buffer.tostring(b), "0101234589")
    b = buffer.fromstring("0123456789")
    buffer.copy(b, 0, b, 3)
    t.eq(buffer.tostring(b), "3456789789")
    local dst = buffer.create(4)
    buffer.copy(dst, 1, buffer.fromstring("abc"))
    t.eq(buffer.tostring(dst), "\0abc")
    buffer.copy(dst, 0, buffer.fromstring("xyz"), 1, 2)
    t.eq(buffer.tostring(dst), "yzbc")
    t.raises(OOB, buffer.copy, dst, 2, buffer.fromstring("abc"))
    t.raises(OOB, buffer.copy, dst, 0, buffer.fromstring("abc"), 4)
    t.raises(OOB, buffer.copy, dst, 0, buffer.fromstring("abc"), 0, -1)
    t.raises(OOB, buffer.copy, dst, 0, buffer.fromstring("abc"), -1, 1)
end)

t.test("fill sets bytes to the low 8 bits of the value", function()
    local b = buffer.create(6)
    buffer.fill(b, 1, 0x141, 3)
    t.eq(buffer.tostring(b), "\0AAA\0\0")
    buffer.fill(b, 4, 66)
    t.eq(buffer.tostring(b), "\0AAABB")
    buffer.fill(b, 6, 1)  -- nothing left: fine
    t.raises(OOB, buffer.fill, b, 5, 1, 2)
    t.raises(OOB, buffer.fill, b, 7, 1)
    t.raises(OOB, buffer.fill, b, 0, 1, -1)
end)

t.test("readbits and writebits", function()
    local b = buffer.create(4)
    buffer.writebits(b, 3, 10, 0x3ff)
    t.eq(buffer.readbits(b, 3, 10), 0x3ff)
    t.eq(buffer.readu16(b, 0), 0x1ff8)
    t.eq(buffer.readbits(b, 0, 3), 0)
    buffer.writebits(b, 0, 32, 0xdeadbeef)
    t.eq(buffer.readu32(b, 0), 0xdeadbeef)
    t.eq(buffer.readbits(b, 4, 8), 0xee)
    buffer.writebits(b, 8, 4, 0x1ff)  -- only the low 4 bits
    t.eq(buffer.readbits(b, 8, 8), 0xbf)
    t.eq(buffer.readbits(b, 32, 0), 0)
    t.raises("bit count is out of range of [0; 32]", buffer.readbits, b, 0, 33)
    t.raises("bit count is out of range of [0; 32]", buffer.writebits, b, 0, -1, 0)
    t.raises(OOB, buffer.readbits, b, 30, 3)
    t.raises(OOB, buffer.readbits, b, -1, 1)
    t.raises(OOB, buffer.writebits, b, 2^62, 1, 0)
    t.raises(OOB, buffer.readbits, b, 0/0, 1)
end)

t.test("every access outside the buffer fails the same way", function()
    local b = buffer.create(4)
    for _, off in ipairs({4, -1, 2^31, -2^31, 2^31 - 1, 2^32, 2^53, 1/0, -1/0, 0/0}) do
        t.raises(OOB, buffer.readu8, b, off)
        t.raises(OOB, buffer.writeu8, b, off, 1)
    end
    t.raises(OOB, buffer.readu32, b, 1)
    t.raises(OOB, buffer.writef64, b, 0, 1)
    t.raises(OOB, buffer.readf32, b, 2)
end)

t.test("sizes: negative is refused, above 1 GiB is too big", function()
    t.raises("invalid argument #1 to 'create' (size)", buffer.create, -1)
    t.raises("invalid argument #1 to 'create' (size)", buffer.create, 2^31)  -- INT_MIN after the cast
    t.raises("memory allocation error: block too big", buffer.create, 2^30 + 1)
    t.raises("memory allocation error: block too big", buffer.create, 2^31 - 1)
end)

t.test("argument errors use Luau's wording", function()
    local b = buffer.create(4)
    t.raises("invalid argument #1 to 'readu8' (buffer expected, got string)", buffer.readu8, "x", 0)
    t.raises("invalid argument #1 to 'len' (buffer expected, got table)", buffer.len, {})
    t.raises("missing argument #2 to 'readu8' (number expected)", buffer.readu8, b)
    t.raises("invalid argument #2 to 'writeu8' (number expected, got boolean)", buffer.writeu8, b, true, 1)
    t.raises("missing argument #3 to 'writei32' (number expected)", buffer.writei32, b, 0)
    t.raises("invalid argument #1 to 'create' (number expected, got nil)", buffer.create, nil)
    t.raises("invalid argument #1 to 'fromstring' (string expected, got table)", buffer.fromstring, {})
    t.raises("invalid argument #3 to 'copy' (buffer expected, got string)", buffer.copy, b, 0, "abc")
end)

t.test("buffers are regions and regions are buffers", function()
    local b = buffer.create(4)
    b:write_u8(1, 7)
    t.eq(buffer.readu8(b, 1), 7)
    t.eq(#b, 4)
    local r = memreg.new(6)
    buffer.writestring(r, 0, "region")
    t.eq(r:tostring(), "region")
    local s = r:sub(2, 3)
    t.eq(buffer.len(s), 3)
    t.eq(buffer.tostring(s), "gio")
    t.raises(OOB, buffer.readu8, s, 3)
    r:free()
    t.raises("invalid argument #1 to 'readu8' (region is invalid (freed, resized or its arena reset))",
             buffer.readu8, s, 0)
end)

t.test("writestring converts a number before it resolves the buffer (issue 9)", function()
    local expected = tostring(12345.5)
    for _, action in ipairs({"free", "grow", "shrink"}) do
        hostile.steps(function() return {b = buffer.create(64), inside = false} end,
                      function(o)
                          buffer.writestring(o.b, 2, 12345.5)
                          o.inside = hostile.state.fired  -- not after the call returned
                      end,
                      function(o)
                          if action == "free" then o.b:free()
                          else o.b:resize(action == "grow" and 65536 or 1) end
                      end,
                      function(o, k, fired, ok)
                          -- freed or shrunk inside the call: the call must have raised
                          if ok and (o.inside or not fired) then
                              t.eq(buffer.readstring(o.b, 2, #expected), expected, action .. " at step " .. k)
                          end
                      end)
    end
end)

t.done()
