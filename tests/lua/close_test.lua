-- memreg objects and lua_close (issue 9). Objects that a finalizer makes while
-- lua_close runs get no __gc of their own (5.4 and 5.5 mark the state closing, 5.1-5.3
-- separate finalizable objects once, LuaJIT at most 10 times), so their C++ memory used
-- to leak (found by the fuzzer: 72 + 100 bytes for a sub-region). The state's list of
-- memreg objects (include/memreg/lua/lifetime.hpp) frees them now.
--
-- How it fails: under the sanitize preset (memreg-lua, detect_leaks=1) LeakSanitizer
-- reports anything made here that is never freed and the test fails; everywhere, the
-- finalizers below check that what they make and use during lua_close works or raises
-- a clear error, and write "FAILED at lua_close" and exit 1 otherwise.
local t = require "harness"

local on_collect = t.on_collect

local fail = t.fail_at_close

-- The errors a call made during lua_close may raise once the state's list has freed
-- the state's memreg objects.
local function closing_error(err)
    err = tostring(err)
    return err:find("the Lua state is closing", 1, true) or err:find("used after it was collected", 1, true)
end

local made = {}     -- what the finalizers make: reachable to the end (a global below)
local keep = {}     -- objects made before lua_close
local paths = {}    -- the files mapped during lua_close

-- Makes one object of every kind that holds C++ resources, and uses it; adds
-- {kind, object} to `into`. The cdecl registry is made here too: no type is used
-- before lua_close.
local function make_everything(memreg, into)
    local function add(kind, v) into[#into + 1] = {kind, v} return v end
    memreg.cdef("typedef struct { int32_t x, y; } closing_point;")
    local r = add("region", memreg.new(100))
    add("region", memreg.fromstring("made during lua_close"))
    add("region", r:sub(1))
    add("region", keep.region:sub(1))                  -- the fuzzer's finding
    local v = add("view", r:view("closing_point", 8))
    v.y = 7
    local a = add("view", r:array("closing_point", 2))
    add("view", a[1])                                  -- a view made by a view
    add("ctype", memreg.typeof("closing_point[3]"))
    local h = add("heap", memreg.heap{max = 4096})
    add("region", h:alloc(64))
    local ar = add("arena", memreg.arena(256))
    add("region", ar:alloc(64))
    add("region", keep.heap:alloc(32))
    add("region", keep.arena:alloc(32))
    local path = os.tmpname()  -- made empty: memreg.createfile wants a new file
    os.remove(path)
    paths[#paths + 1] = path
    add("region", memreg.createfile(path, 64))
    add("region", memreg.map(path, "w"))
    add("region", memreg.buffer.create(16))
    if r:read_u32(12) ~= 7 then fail("a view's store did not reach the region") end
end

-- Every use of a dead object of each kind, and what it must raise.
local uses = {
    region = function(v) return v:fill(1) end,
    view = function(v) return #v end,
    ctype = function(v) return tostring(v) end,
    heap = function(v) return v:alloc(8) end,
    arena = function(v) return v:alloc(8) end,
}

-- 1. Made before the module: lua_close finalizes it after the state's list on every
-- version (newest first), so it sees every memreg object dead and can make none.
early_sentinel = on_collect(function()
    local memreg = package.loaded.memreg
    local function refused(what, ok, err)
        if ok or not closing_error(err) then fail(what .. ": " .. (ok and "worked" or tostring(err))) end
    end
    refused("memreg.new after the list closed", pcall(memreg.new, 8))
    refused("memreg.heap after the list closed", pcall(memreg.heap))
    refused("cdef after the list closed", pcall(memreg.cdef, "typedef int too_late;"))
    refused("typeof after the list closed", pcall(memreg.typeof, "int"))
    for i, entry in ipairs(close_made) do
        local kind, v = entry[1], entry[2]
        if memreg.isregion(v) and v:valid() then fail("made[" .. i .. "] is still valid") end
        refused("made[" .. i .. "] (" .. kind .. ")", pcall(uses[kind], v))
    end
    refused("keep.region", pcall(uses.region, keep.region))
    refused("keep.heap", pcall(uses.heap, keep.heap))
    for _, path in ipairs(paths) do os.remove(path) end
    io.stdout:write("lua_close: after the list closed, all ", #close_made, " objects were dead\n")
end)

local memreg = require "memreg"
keep.region = memreg.new(100)
keep.heap = memreg.heap()
keep.arena = memreg.arena()

-- 2. Made after the module: finalized before the state's list, so everything works.
-- Each run makes another sentinel like itself (the fuzzer's perpetual finalizer):
-- LuaJIT finalizes those in later rounds (by then the objects of the first round may
-- be dead: they may raise), the other versions never do.
local runs = 0
local function late()
    runs = runs + 1
    local ok, err = pcall(make_everything, memreg, made)
    if not ok and (runs == 1 or not closing_error(err)) then
        fail("making objects during lua_close (run " .. runs .. "): " .. tostring(err))
    end
    if runs < 3 then late_sentinel = on_collect(late) end
    io.stdout:write("lua_close: run ", runs, ": ", #made, " objects made\n")
end
late_sentinel = on_collect(late)
close_made = made  -- a global: reachable until lua_close frees everything

t.test("objects made before lua_close work", function()
    keep.region:fill(0x5a)
    t.eq(keep.region:read_u8(99), 0x5a)
    keep.heap:alloc(8):fill(1)
    keep.arena:alloc(8):fill(2)
end)

t.done()
