-- A perpetual finalizer that does something hostile at the k-th GC step inside a
-- call: the machinery of tests/lua/gc_injection.lua and of the findings tests.
--
--   local hostile = require "gc.hostile"
--   local fired, ok, n, results = hostile.run(function() call(o) end, function() o.r:free() end, k)
--   for k, fired, ok, ... in hostile.steps(call, action) -- k = 1, 2, … until not fired
--
-- The finalizer belongs to an object whose __gc makes another one like it, so there
-- is always one waiting: every GC cycle that finishes inside the call runs it once.
local hostile = {}

local state = {armed = false, count = 0, k = 0, action = nil, fired = false}
-- hostile.state.fired: whether the action has run. A call under test that must know
-- whether it ran *inside* it reads this field right after the binding returns: a
-- field read allocates nothing, while a function call may allocate a CallInfo, and
-- under the torture Lua that allocation runs a collection (and so the action) after
-- the binding has returned but before hostile.run disarms.
hostile.state = state

local make_sentinel
local function finalizer()
    local s = state
    if s.armed then
        s.count = s.count + 1
        if s.count == s.k and s.action then
            s.fired = true
            pcall(s.action)
        end
    end
    make_sentinel()
end
if _VERSION == "Lua 5.1" then  -- 5.1 and LuaJIT: only userdata have __gc
    make_sentinel = function()
        local p = newproxy(true)
        getmetatable(p).__gc = finalizer
    end
else
    local mt = {__gc = finalizer}
    make_sentinel = function() setmetatable({}, mt) end
end
make_sentinel()

-- As eager a collector as each version allows: a new cycle at once, big steps. Not
-- under the torture Lua, which collects at every check anyway; there, a GC debt on
-- top of HARDMEMTESTS makes Lua's own checkGC (lvm.c) reuse a stack pointer that a
-- finalizer moved (HARDSTACKTESTS): a fault of the test macros, not of the binding.
hostile.torture = os.getenv("MEMREG_LUA_TORTURE") == "1"
local function eager_collector()
    if hostile.torture then return end
    pcall(collectgarbage, "incremental")
    pcall(collectgarbage, "setpause", 0)
    pcall(collectgarbage, "setstepmul", 1000)
end

local function results(ok, ...) return ok, select("#", ...), {...} end

--- Runs call() with action() at the k-th finalizer run inside it (k = 0: never).
--- Returns whether the action ran, then pcall's status, the number of results and
--- the results in a table.
function hostile.run(call, action, k)
    collectgarbage("collect")
    state.count, state.k, state.fired, state.action = 0, k, false, action
    eager_collector()
    -- Disarmed the moment the call returns or raises: packing its results allocates.
    local function finish(...)
        state.armed = false
        return ...
    end
    local function on_error(e)
        state.armed = false
        return e
    end
    state.armed = true
    local ok, n, values = results(xpcall(function() return finish(call()) end, on_error))
    state.armed = false
    state.action = nil
    return state.fired, ok, n, values
end

--- For k = 1, 2, …: o = setup(); runs call(o) with action(o) at step k; check(o, k,
--- fired, ok, ...) sees every run; stops at the first k the call finishes before.
--- Returns how many runs had the action inside the call.
function hostile.steps(setup, call, action, check, max_k)
    local fired_runs = 0
    for k = 1, max_k or 400 do
        local o = setup()
        local fired, ok, n, values = hostile.run(function() return call(o) end,
                                                 function() action(o) end, k)
        if fired then fired_runs = fired_runs + 1 end
        check(o, k, fired, ok, (unpack or table.unpack)(values, 1, n))
        if not fired then return fired_runs end
    end
    error("still collecting after " .. (max_k or 400) .. " steps", 2)
end

return hostile
