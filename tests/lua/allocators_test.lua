-- memreg.heap and memreg.arena from Lua: allocation, limits, stats, validate, reset,
-- and lifetimes (regions keep their allocator alive).
local t = require "harness"
local memreg = require "memreg"

t.test("a heap hands out zero-filled regions and counts them", function()
    local h = memreg.heap{initial = 65536}
    local a = h:alloc(100)
    local b = h:alloc(3000)
    t.eq(#a, 100); t.eq(#b, 3000)
    t.eq(a:read_u8(99), 0)
    assert(tostring(a):find("100 bytes, heap"))
    local s = h:stats()
    t.eq(s.live_blocks, 2)
    t.eq(s.live_bytes, 3100)
    t.eq(s.maximum_bytes, 0)
    assert(s.capacity_bytes >= 65536)
    t.eq(h:validate(), true)
    a:free()
    t.eq(h:stats().live_blocks, 1)
    t.eq(h:stats().peak_bytes, 3100)
    b = nil
    collectgarbage(); collectgarbage()
    t.eq(h:stats().live_blocks, 0)
    t.eq(#h:alloc(0), 0)
end)

t.test("a bounded heap says no with nil and a message; freeing makes room", function()
    local h = memreg.heap{max = 64 * 1024}
    local blocks = {}
    local r, err
    for i = 1, 1000 do
        r, err = h:alloc(4096)
        if not r then break end
        blocks[i] = r
    end
    t.eq(r, nil)
    t.eq(err, "heap:alloc(size=4096): the heap has no room for it")
    assert(#blocks > 4 and #blocks < 16, #blocks)
    blocks[1]:free()
    assert(h:alloc(4096))
    t.eq(h:validate(), true)
end)

t.test("resize moves a heap region within the heap's maximum", function()
    local h = memreg.heap{max = 256 * 1024}
    local r = h:alloc(16)
    r:write_string(0, "blob")
    t.eq(r:resize(4096), r)
    t.eq(r:read_string(0, 4), "blob")
    t.eq(r:read_u8(4095), 0)
    local ok, err = r:resize(1024 * 1024)
    t.eq(ok, nil)
    t.eq(err, "resize(size=1048576, old=4096): the heap allocator has no room")
    t.eq(#r, 4096)
    t.eq(r:read_string(0, 4), "blob")
end)

t.test("regions keep their heap alive", function()
    local r = memreg.heap():alloc(32)
    collectgarbage(); collectgarbage()
    r:fill(7)
    t.eq(r:read_u8(31), 7)
    r = nil
    collectgarbage(); collectgarbage()
end)

t.test("an arena's reset invalidates its regions and their sub-regions", function()
    local a = memreg.arena(1024)
    local r = a:alloc(100)
    local s = r:sub(10, 10)
    r:write_u32(0, 42)
    t.eq(r:read_u32(0), 42)
    assert(tostring(r):find("100 bytes, arena"))
    a:reset()
    t.eq(r:valid(), false); t.eq(s:valid(), false)
    local invalid = "region is invalid (freed, resized or its arena reset)"
    t.raises("bad argument #1 to 'read_u32' (" .. invalid .. ")", r.read_u32, r, 0)
    t.raises("bad argument #1 to 'write_u8' (" .. invalid .. ")", s.write_u8, s, 0, 1)
    r:free()  -- still fine: free is idempotent
    local r2 = a:alloc(5000)  -- bigger than the first chunk: the arena grows
    t.eq(#r2, 5000); t.eq(r2:read_u8(4999), 0)
    t.eq(memreg.arena():alloc(8):read_u8(7), 0)
end)

t.test("allocator misuse raises naming the function", function()
    local h = memreg.heap()
    t.raises("bad argument #2 to 'heap:alloc' (size must not be negative, got -8)", h.alloc, h, -8)
    t.raises("bad argument #2 to 'heap:alloc' (size 8589934592 is larger than the maximum", h.alloc, h, 2^33)
    t.raises("bad argument #1 to 'heap:alloc' (heap expected, got table)", h.alloc, {}, 8)
    t.raises("bad argument #1 to 'heap:stats' (heap expected, got arena)", h.stats, memreg.arena())
    t.raises("bad argument #1 to 'heap' (table expected, got number)", memreg.heap, 5)
    t.raises("bad argument #1 to 'heap' (field 'max' must be a non-negative integer)",
             memreg.heap, {max = -1})
    -- The maximum: 4 GiB, SIZE_MAX where size_t has 32 bits (i686).
    t.raises("bad argument #1 to 'heap' (field 'initial' 1099511627776 is larger than the maximum " ..
             (memreg.sizeof("void *") == 4 and "4294967295" or "4294967296") .. ")",
             memreg.heap, {initial = 2^40})
    t.raises("bad argument #1 to 'heap' (field 'initial' must be a non-negative integer)",
             memreg.heap, {initial = 0.5})
    t.raises("heap(initial=1048576, maximum=65536): the initial size is larger than the maximum",
             memreg.heap, {initial = 1048576, max = 65536})
    t.raises("bad argument #1 to 'arena' (chunk size must be positive)", memreg.arena, 0)
    local a = memreg.arena()
    t.raises("bad argument #2 to 'arena:alloc' (number expected, got string)", a.alloc, a, "x")
    t.raises("bad argument #1 to 'arena:reset' (arena expected, got heap)", a.reset, h)
end)

local on_gc = t.on_collect

t.test("a heap or arena reached after its __gc raises 'used after it was collected'", function()
    -- A finalizer that runs first (made after the objects) keeps them reachable.
    local saved = {}
    local function keeper(h, a) on_gc(function() saved.heap, saved.arena = h, a end) end
    keeper(memreg.heap(), memreg.arena())
    collectgarbage(); collectgarbage()
    local h, a = saved.heap, saved.arena
    assert(h and a, "the finalizer kept them")
    t.raises("heap:alloc(): heap used after it was collected", h.alloc, h, 8)
    t.raises("heap:stats(): heap used after it was collected", h.stats, h)
    t.raises("heap:validate(): heap used after it was collected", h.validate, h)
    t.raises("arena:alloc(): arena used after it was collected", a.alloc, a, 8)
    t.raises("arena:reset(): arena used after it was collected", a.reset, a)
end)

t.test("__gc called by hand: only on its own type, once", function()
    if not debug or not debug.getmetatable then return end
    local h, a = memreg.heap(), memreg.arena()
    local hgc, agc = debug.getmetatable(h).__gc, debug.getmetatable(a).__gc
    t.raises("bad argument #1 to '__gc' (heap expected, got region)", hgc, memreg.new(16))
    t.raises("bad argument #1 to '__gc' (heap expected, got arena)", hgc, a)
    t.raises("bad argument #1 to '__gc' (arena expected, got string)", agc, "x")
    local r = h:alloc(32)  -- keeps the heap's memory alive after its object is gone
    hgc(h); hgc(h)
    t.raises("heap:alloc(): heap used after it was collected", h.alloc, h, 8)
    r:fill(9)
    t.eq(r:read_u8(31), 9)
    agc(a)
    t.raises("arena:alloc(): arena used after it was collected", a.alloc, a, 8)
end)

t.done()
