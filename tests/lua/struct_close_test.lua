-- The per-state C-declaration registry during lua_close: a finalizer that runs after
-- the registry's own __gc gets a clear error from cdef and from type names, never
-- a destroyed registry (issue 9). Its own script: the registry must be made after
-- the finalizer below, so that lua_close collects the registry first.
local t = require "harness"
local memreg = require "memreg"

local on_collect = t.on_collect

local fail = t.fail_at_close

-- A result of a call made during lua_close: it worked (the registry was not collected
-- yet on this version), or it raised the registry's error.
local function closed_or_ok(what, ok, err)
    -- 5.1 and 5.4 finalize the newest objects first: the registry is gone by now.
    if ok and (t.version == "5.1" or t.version == "5.4") then fail(what .. " worked") end
    if ok then return end
    err = tostring(err)
    if not err:find("the C declaration registry was collected (the Lua state is closing)", 1, true) then
        fail(what .. ": " .. err)
    end
end

local ctype  -- a ctype made before the registry and finalized after it
-- A global: only lua_close collects it.
close_sentinel = on_collect(function()
    closed_or_ok("cdef", pcall(memreg.cdef, "typedef struct { int x; } late;"))
    closed_or_ok("sizeof", pcall(memreg.sizeof, "pair[7]"))  -- not cached yet)
    -- a ctype collected in this same lua_close raises its own error
    local ok, err = pcall(tostring, ctype)
    if not ok and not tostring(err):find("ctype used after it was collected", 1, true) then
        fail("tostring(ctype): " .. tostring(err))
    end
    io.stdout:write("lua_close: finalizer after the registry's __gc ran cleanly\n")
end)
ctype = memreg.typeof("int")

t.test("the registry works before lua_close", function()
    memreg.cdef[[ typedef struct { uint8_t a, b; } pair; ]]
    t.eq(memreg.sizeof("pair"), 2)
end)

t.done()
