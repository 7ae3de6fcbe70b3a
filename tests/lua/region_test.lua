-- Regions from Lua: creation, access, sub-regions, lifetime and every misuse,
-- under every Lua version (see harness.lua).
local t = require "harness"
local memreg = require "memreg"
local hostile = require "gc.hostile"

-- The machine's pointer and size_t width (4 on i686) and the region size limit: 4 GiB,
-- SIZE_MAX where size_t has 32 bits.
local ptr_size = memreg.sizeof("void *")
local max_size = ptr_size == 4 and 4294967295 or 4294967296

t.test("new is zero-filled and has a length", function()
    local r = memreg.new(16)
    t.eq(#r, 16)
    t.eq(r:len(), 16)
    for i = 0, 15 do t.eq(r:read_u8(i), 0) end
    t.eq(memreg.isregion(r), true)
    t.eq(memreg.isregion({}), false)
    t.eq(memreg.isregion("x"), false)
    t.eq(#memreg.new(0), 0)
    assert(tostring(r):find("^memreg%.region%(16 bytes, malloc%): "))
end)

t.test("fromstring copies the bytes; tostring gives them back", function()
    local r = memreg.fromstring("hello\0world")
    t.eq(#r, 11)
    t.eq(r:tostring(), "hello\0world")
    t.eq(r:tostring(6), "world")
    t.eq(r:tostring(1, 3), "ell")
    t.eq(r:tostring(11), "")
    t.eq(r:read_string(0, 5), "hello")
    t.eq(r:read_cstring(0), "hello")
    t.raises("read_cstring(offset=6): no zero byte before the end of region of size 11",
             r.read_cstring, r, 6)
end)

t.test("methods that read or write at an offset are read_<what> / write_<what>", function()
    local deprecated = {readstring = "read_string", writestring = "write_string",
                        writecstring = "write_cstring", cstring = "read_cstring"}
    local methods = debug.getmetatable(memreg.new(1)).__index
    for name, f in pairs(methods) do
        if deprecated[name] then
            t.eq(f, methods[deprecated[name]], name .. " is the deprecated name of " .. deprecated[name])
        else
            assert(not name:match("^read%a") and not name:match("^write%a") and name ~= "cstring",
                   "method " .. name .. " breaks the read_<what> / write_<what> convention")
        end
    end
    for _, name in pairs(deprecated) do assert(methods[name], name) end
end)

t.test("typed reads and writes, every type, both byte orders", function()
    local r = memreg.new(16)
    r:write_u8(0, 255); t.eq(r:read_u8(0), 255); t.eq(r:read_i8(0), -1)
    r:write_i16(0, -2); t.eq(r:read_i16(0), -2); t.eq(r:read_u16(0), 65534)
    r:write_u32(0, 0xdeadbeef); t.eq(r:read_u32(0), 0xdeadbeef)
    t.eq(r:read_i32(0), 0xdeadbeef - 2^32)
    r:write_u32(0, 0x01020304, "be")
    t.eq(r:read_u8(0), 1); t.eq(r:read_u8(3), 4)
    t.eq(r:read_u32(0, "be"), 0x01020304)
    t.eq(r:read_u32(0, "le"), 0x04030201)
    t.eq(r:read_u16(1, "big"), 0x0203)
    r:write_f32(4, 1.5); t.eq(r:read_f32(4), 1.5)
    r:write_f64(8, -0.1); t.eq(r:read_f64(8), -0.1)
    r:write_f64(8, 2.5, ">"); t.eq(r:read_f64(8, ">"), 2.5)
    t.eq(r:read_u8(8), 0x40)
    r:write_i64(8, -5); t.eq(r:read_i64(8), -5)
    r:write_u64(8, 2^53); t.eq(r:read_u64(8), 2^53)
    r:write_i64(0, -2^53); t.eq(r:read_i64(0), -2^53)
    -- unaligned access is fine
    r:write_u32(1, 7); t.eq(r:read_u32(1), 7)
end)

t.test("integer writes wrap like a C cast", function()
    local r = memreg.new(8)
    r:write_u8(0, 257); t.eq(r:read_u8(0), 1)
    r:write_u8(0, -1); t.eq(r:read_u8(0), 255)
    r:write_i8(0, 200); t.eq(r:read_i8(0), -56)
    r:write_u16(0, 65536 + 3); t.eq(r:read_u16(0), 3)
    r:write_u32(0, -1); t.eq(r:read_u32(0), 4294967295)
end)

t.test("batched reads and writes", function()
    local r = memreg.new(16)
    r:write_u8(0, 1, 2, 3, 4, 5)
    local a, b, c, d, e = r:read_u8(0, 5)
    t.eq(a, 1); t.eq(b, 2); t.eq(c, 3); t.eq(d, 4); t.eq(e, 5)
    t.eq(select("#", r:read_u8(0, 16)), 16)
    t.eq(select("#", r:read_u8(0, 0)), 0)
    r:write_u16(0, 0x0102, 0x0304, "be")
    local x, y = r:read_u16(0, 2, "be")
    t.eq(x, 0x0102); t.eq(y, 0x0304)
    t.eq(r:read_u8(0), 1)
    r:write_f64(0, 1.25, -3)
    local f, g = r:read_f64(0, 2)
    t.eq(f, 1.25); t.eq(g, -3)
    -- a bad value leaves the region as it was
    r:write_u8(0, 9, 9, 9)
    t.raises("bad argument #5 to 'write_u8' (number expected, got table)",
             r.write_u8, r, 0, 1, 2, {})
    t.eq(r:read_u8(0), 9)
    -- large batches (beyond the 4 KiB staging buffer) are all-or-nothing too
    local unpack = table.unpack or unpack
    local big = memreg.new(8 * 600)
    local values = {}
    for i = 1, 600 do values[i] = i + 0.5 end
    big:write_f64(0, unpack(values))
    t.eq(big:read_f64(8 * 599), 600.5)
    values[599] = {}
    t.raises("bad argument #601 to 'write_f64' (number expected, got table)",
             big.write_f64, big, 0, unpack(values))
    t.eq(big:read_f64(0), 1.5)
    values[599] = 599.5
    values[600] = 0
    for i = 1, 600 do values[i] = -values[i] end
    big:write_f64(0, unpack(values))
    t.eq(big:read_f64(0), -1.5); t.eq(big:read_f64(8 * 599), 0)
    t.raises("bad argument #3 to 'read_u8' (count 5000 is more than the maximum of 4096",
             r.read_u8, r, 0, 5000)
    t.raises("read_u8(offset=0, count=17): outside region of size 16", r.read_u8, r, 0, 17)
    t.raises("write_u32(offset=8, count=12): outside region of size 16",
             r.write_u32, r, 8, 1, 2, 3)
end)

t.test("64-bit values follow the documented policy", function()
    local r = memreg.new(8)
    if t.int64 then
        r:write_i64(0, math.maxinteger); t.eq(r:read_i64(0), math.maxinteger)
        r:write_u64(0, -1); t.eq(r:read_u64(0), -1)            -- same bits, like string.unpack("J")
        t.eq(r:read_u32(0), 0xffffffff)
        r:write_u64(0, 2^63); t.eq(r:read_u64(0), math.mininteger)
        r:write_i64(0, 2^60); t.eq(r:read_i64(0), 2^60)
        t.raises("bad argument #3 to 'write_i64' (number has no integer representation, got 1.5)",
                 r.write_i64, r, 0, 1.5)
        t.raises("bad argument #3 to 'write_i64' (number has no integer representation",
                 r.write_i64, r, 0, 2^63)
    else
        -- no 64-bit integers: only |v| <= 2^53 travels, anything else is an error
        r:write_u32(0, 0xffffffff); r:write_u32(4, 0xffffffff)
        t.raises("read_u64: 64-bit value 18446744073709551615 cannot be represented exactly",
                 r.read_u64, r, 0)
        t.eq(r:read_i64(0), -1)                                  -- exact, so fine
        r:write_u32(4, 0x00200000); r:write_u32(0, 1)            -- 2^53 + 1
        t.raises("read_i64: 64-bit value 9007199254740993 cannot be represented exactly",
                 r.read_i64, r, 0)
        t.raises("bad argument #3 to 'write_i64' (64-bit value 18014398509481984 is not exact",
                 r.write_i64, r, 0, 2^54)
        t.raises("bad argument #3 to 'write_u64' (unsigned 64-bit value -1 is outside 0..2^53",
                 r.write_u64, r, 0, -1)
        r:write_i64(0, -2^53); t.eq(r:read_i64(0), -2^53)
    end
end)

t.test("fill, clear, copy and strings", function()
    local r = memreg.new(8)
    r:fill(0x41); t.eq(r:tostring(), "AAAAAAAA")
    r:fill(0x42, 2, 3); t.eq(r:tostring(), "AABBBAAA")
    r:fill(0x143, 7); t.eq(r:tostring(), "AABBBAAC")
    r:clear(0, 2); t.eq(r:tostring(), "\0\0BBBAAC")
    r:clear(); t.eq(r:tostring(), ("\0"):rep(8))
    r:copy(0, "abcdefgh"); t.eq(r:tostring(), "abcdefgh")
    r:copy(2, r, 0, 4); t.eq(r:tostring(), "ababcdgh")   -- overlapping: memmove
    r:copy(0, "xyz", 1); t.eq(r:tostring(), "yzabcdgh")
    r:copy(6, memreg.fromstring("12345"), 3, 2); t.eq(r:tostring(), "yzabcd45")
    t.eq(r:write_string(0, "hi"), 2); t.eq(r:tostring(), "hiabcd45")
    t.eq(r:write_string(2, "XYZ", 1), 3); t.eq(r:tostring(), "hiXbcd45")
    t.eq(r:write_cstring(3, "ok"), 6); t.eq(r:read_cstring(3), "ok")
    t.raises("read_cstring(offset=6): no zero byte before the end of region of size 8", r.read_cstring, r, 6)
    t.raises("read_cstring(offset=8, count=1): outside region of size 8", r.read_cstring, r, 8)
    t.raises("bad argument #3 to 'write_cstring' (string contains a zero byte)",
             r.write_cstring, r, 0, "a\0b")
    t.raises("write_cstring(offset=5, count=4): outside region of size 8",
             r.write_cstring, r, 5, "abc")
    t.raises("bad argument #4 to 'write_string' (length 9 is longer than the string (3))",
             r.write_string, r, 0, "abc", 9)
    t.raises("copy(offset=6, count=3): outside region of size 8", r.copy, r, 6, "abc")
    t.raises("copy(offset=4, count=0): outside region of size 3", r.copy, r, 0, "abc", 4)
    t.raises("bad argument #3 to 'copy' (region or string expected, got number)", r.copy, r, 0, 5)
    t.raises("fill(offset=2, count=7): outside region of size 8", r.fill, r, 0, 2, 7)
end)

t.test("sub-regions share memory and keep it alive", function()
    local r = memreg.fromstring("0123456789")
    local s = r:sub(2, 4)
    t.eq(#s, 4); t.eq(s:tostring(), "2345")
    s:write_u8(0, 65); t.eq(r:tostring(), "01A3456789")
    t.eq(#r:sub(3), 7)
    t.eq(#r:sub(10), 0)
    local ss = s:sub(1, 2); t.eq(ss:tostring(), "34")
    t.raises("sub(offset=11, count=0): outside region of size 10", r.sub, r, 11)
    t.raises("sub(offset=8, count=3): outside region of size 10", r.sub, r, 8, 3)
    t.raises("sub(offset=2, count=3): outside region of size 4", s.sub, s, 2, 3)
    -- the parent's memory lives as long as a sub-region does
    r = nil
    collectgarbage(); collectgarbage()
    t.eq(s:tostring(), "A345"); t.eq(ss:tostring(), "34")
end)

t.test("free is one idempotent release that invalidates every view", function()
    local r = memreg.new(8)
    local s = r:sub(0, 4)
    t.eq(r:valid(), true); t.eq(s:valid(), true)
    r:free()
    t.eq(r:valid(), false); t.eq(s:valid(), false)
    r:free(); r:free()                                            -- idempotent
    t.eq(tostring(r), "memreg.region(invalid)")
    -- A live one: its size, what owns it and its address in hex.
    local live = memreg.new(16)
    t.eq(tostring(live):match("^memreg%.region%(16 bytes, malloc%): 0x%x+$") ~= nil, true, tostring(live))
    local invalid = "region is invalid (freed, resized or its arena reset)"
    t.raises("bad argument #1 to 'read_u8' (" .. invalid .. ")", r.read_u8, r, 0)
    t.raises("bad argument #1 to 'write_u8' (" .. invalid .. ")", s.write_u8, s, 0, 1)
    t.raises("bad argument #1 to 'len' (" .. invalid .. ")", function() return #r end)
    t.raises("bad argument #1 to 'sub' (" .. invalid .. ")", r.sub, r, 0)
    t.raises("bad argument #1 to 'ptr' (" .. invalid .. ")", r.ptr, r)
    -- freeing a sub-region only retires that view
    local p = memreg.new(4)
    local q = p:sub(1)
    q:free()
    t.eq(q:valid(), false); t.eq(p:valid(), true)
    p:write_u8(0, 1)
end)

t.test("resize keeps the bytes, zero-fills growth, invalidates sub-regions", function()
    local r = memreg.fromstring("abcd")
    local s = r:sub(1, 2)
    t.eq(r:resize(8), r)
    t.eq(#r, 8); t.eq(r:tostring(), "abcd\0\0\0\0")
    t.eq(s:valid(), false)
    r:resize(2); t.eq(r:tostring(), "ab")
    r:resize(0); t.eq(#r, 0); t.eq(r:valid(), true)
    r:resize(3); t.eq(r:tostring(), "\0\0\0")
    local s2 = r:sub(1)
    t.raises("resize(size=1): a sub-region cannot be resized", s2.resize, s2, 1)
    t.raises("bad argument #2 to 'resize' (size must not be negative, got -1)", r.resize, r, -1)
    t.raises("bad argument #2 to 'resize' (size 4294967297 is larger than the maximum " .. max_size .. ")",
             r.resize, r, 2^32 + 1)
end)

t.test("ptr is a light userdata at the first byte", function()
    local r = memreg.new(4)
    t.eq(type(r:ptr()), "userdata")
    t.eq(r:sub(0):ptr(), r:ptr())
    assert(r:sub(1):ptr() ~= r:ptr())
end)

t.test("write_ptr and read_ptr store native addresses", function()
    local r = memreg.new(24)
    local other = memreg.new(4)
    r:write_ptr(0, other)
    t.eq(r:read_ptr(0), other:ptr())
    r:write_ptr(8, other:sub(2):ptr())
    t.eq(r:read_ptr(8), other:sub(2):ptr())
    r:write_ptr(16, nil)
    t.eq(r:read_ptr(16), nil)
    t.raises(("write_ptr(offset=%d, count=%d): outside region of size 24"):format(28 - ptr_size, ptr_size),
             r.write_ptr, r, 28 - ptr_size, other)
    t.raises(("read_ptr(offset=%d, count=%d): outside region of size 24"):format(25 - ptr_size, ptr_size),
             r.read_ptr, r, 25 - ptr_size)
    t.raises("bad argument #3 to 'write_ptr' (region, light userdata or nil expected, got number)",
             r.write_ptr, r, 0, 5)
    t.raises("bad argument #3 to 'write_ptr' (region, light userdata or nil expected, got no value)",
             r.write_ptr, r, 0)
    other:free()
    t.raises("bad argument #3 to 'write_ptr' (region is invalid", r.write_ptr, r, 0, other)
end)

t.test("__close releases at the end of a block (5.4)", function()
    if t.version ~= "5.4" then return end
    local f = load([[
        local memreg = ...
        local kept
        do
            local r <close> = memreg.new(4)
            kept = r
            assert(r:valid())
        end
        return kept:valid()
    ]])
    t.eq(f(memreg), false)
end)

t.test("offsets and sizes from Lua are checked, never trusted", function()
    local r = memreg.new(16)
    t.raises("bad argument #2 to 'read_u8' (offset must not be negative, got -1)", r.read_u8, r, -1)
    t.raises("read_u8(offset=2147483648, count=1): outside region of size 16", r.read_u8, r, 2^31)
    t.raises("read_u32(offset=4294967295, count=4): outside region of size 16",
             r.read_u32, r, 2^32 - 1)
    if ptr_size == 4 then  -- an offset above SIZE_MAX is refused, never wrapped
        t.raises("bad argument #2 to 'read_u8' (offset 9007199254740992 does not fit in size_t (at most 4294967295))",
                 r.read_u8, r, 2^53)
    else
        t.raises("read_u8(offset=9007199254740992, count=1): outside region of size 16",
                 r.read_u8, r, 2^53)
    end
    t.raises("bad argument #2 to 'read_u8' (number has no integer representation, got nan)",
             r.read_u8, r, 0/0)
    t.raises("bad argument #2 to 'read_u8' (number has no integer representation, got inf)",
             r.read_u8, r, math.huge)
    t.raises("bad argument #2 to 'read_u8' (number has no integer representation, got 1.5)",
             r.read_u8, r, 1.5)
    t.raises("bad argument #2 to 'read_u8' (number expected, got string)", r.read_u8, r, "1")
    t.raises("bad argument #2 to 'read_u8' (number expected, got no value)", r.read_u8, r)
    t.raises("read_u16(offset=15, count=2): outside region of size 16", r.read_u16, r, 15)
    t.raises("write_f64(offset=9, count=8): outside region of size 16", r.write_f64, r, 9, 1)
    t.raises("bad argument #3 to 'write_u8' (number expected, got nil)", r.write_u8, r, 0, nil)
    t.raises("bad argument #3 to 'read_u32' (byte order must be 'le', 'be' or 'native', got 'xx')",
             r.read_u32, r, 0, "xx")
    t.raises("read_string(offset=10, count=7): outside region of size 16", r.read_string, r, 10, 7)
    t.raises("tostring(offset=17, count=0): outside region of size 16", r.tostring, r, 17)
    t.raises("bad argument #1 to 'read_u8' (region expected, got table)", r.read_u8, {}, 0)
    t.raises("bad argument #1 to 'read_u8' (region expected, got no value)", r.read_u8)
    t.raises("bad argument #1 to 'new' (size must not be negative, got -1)", memreg.new, -1)
    t.raises("bad argument #1 to 'new' (size 1125899906842624 is larger than the maximum " .. max_size .. ")",
             memreg.new, 2^50)
    t.raises("bad argument #1 to 'new' (number has no integer representation, got nan)",
             memreg.new, 0/0)
    t.raises("bad argument #1 to 'new' (number expected, got string)", memreg.new, "8")
    t.raises("bad argument #1 to 'fromstring' (string expected, got number)", memreg.fromstring, 5)
end)

t.test("the metatable is protected", function()
    local r = memreg.new(1)
    t.eq(getmetatable(r), memreg.registry_keys.region)
    t.eq(memreg.registry_keys.region, "memreg.region@" .. memreg.version:match("^memreg (%S+)"))
end)

t.test("many regions come and go (collector frees them)", function()
    for i = 1, 2000 do
        local r = memreg.new(i % 64)
        if i % 3 == 0 then r:free() end
    end
    collectgarbage(); collectgarbage()
end)

-- Issue 9: finalizers that run inside a call, objects used after their __gc.

t.test("r:sub with its parent resized at the k-th GC step inside the call", function()
    hostile.steps(function() return {r = memreg.new(4096)} end,
                  function(o) return o.r:sub(0, 4096) end,
                  function(o) o.r:resize(16) end,
                  function(o, k, fired, ok, s)
                      if ok and s:valid() then
                          t.eq(#s <= #o.r, true, "a valid view inside its parent (step " .. k .. ")")
                          s:fill(0x41)
                      end
                  end)
end)

t.test("writes land in the region as it is when they happen", function()
    -- resized larger (moved) inside the call: the bytes are in the new memory
    hostile.steps(function() return {r = memreg.new(64)} end,
                  function(o) return o.r:write_string(2, "hostile") end,
                  function(o) o.r:resize(65536) end,
                  function(o, k, fired, ok)
                      if ok then t.eq(o.r:read_string(2, 7), "hostile", "step " .. k) end
                  end)
end)

t.test("large strings from a region freed inside the call", function()
    local text = string.rep("abcdefgh", 512)
    hostile.steps(function() return {r = memreg.fromstring(text)} end,
                  function(o) return o.r:tostring() end,
                  function(o) o.r:free() end,
                  function(o, k, fired, ok, s)
                      if ok then t.eq(s, text, "step " .. k) end
                  end)
end)

t.test("the region __gc checks what it is given", function()
    local gc = debug.getmetatable(memreg.new(1)).__gc
    local f = io.tmpfile()
    gc(f) gc({}) gc("x") gc(1) gc()
    f:write("still a file")  -- its first bytes would have been taken for a region's
    f:seek("set", 0)
    t.eq(f:read("*a"), "still a file")
    f:close()
    local r = memreg.new(8)
    gc(r) gc(r)  -- by hand, twice: dead, not freed twice
    t.eq(r:valid(), false)
    t.raises("read_u8(): region used after it was collected", r.read_u8, r, 0)
end)

t.test("a region reached after its __gc is dead", function()
    local seen = {}
    local function finalize(holder) -- runs after the region's own __gc (made later)
        local r = holder.r
        seen.valid = r:valid()
        seen.len = pcall(function() return #r end)
        seen.text = select(2, pcall(tostring, r))
    end
    do
        local holder = {}
        if newproxy then
            local p = newproxy(true)
            getmetatable(p).__gc = function() finalize(holder) end
            holder.p = p
        else
            setmetatable(holder, {__gc = finalize})
        end
        holder.r = memreg.new(32)
    end
    collectgarbage() collectgarbage()
    t.eq(seen.valid, false)
    t.eq(seen.len, false)
    assert(tostring(seen.text):find("region used after it was collected", 1, true), seen.text)
end)

t.test("messages keep zero bytes", function()
    local r = memreg.new(8)
    local err = t.raises("got 'x", r.read_u8, r, 0, "x\0y")
    assert(err:find("x\0y'", 1, true), err)
end)

t.test("sizes above 2^53 are exact or an error, never rounded", function()
    local ok, n = pcall(memreg.sizeof, "char[9007199254740993]")
    if ptr_size == 4 then  -- a 32-bit size_t cannot hold it: refused, never wrapped (to 1)
        assert(not ok and n:find("array size 9007199254740993 exceeds SIZE_MAX (4294967295)", 1, true), n)
        t.raises("array size 4294967297 exceeds SIZE_MAX (4294967295)", memreg.sizeof, "char[4294967297]")
    elseif not ok then
        assert(not t.int64, n)
        assert(n:find("cannot be represented exactly", 1, true), n)
    else
        assert(t.int64, "a size above 2^53 pushed as a number: " .. string.format("%.17g", n))
        t.eq(n, 9007199254740993)
    end
end)

t.done()
