-- A tiny test harness for memreg's Lua test scripts (every Lua version).
--   local t = require "harness"
--   t.test("name", function() ... end)      -- runs it, counts a failure on error
--   t.raises("expected text", f, ...)       -- f(...) must fail with a message containing it
--   t.done()                                -- prints "N passed, M failed"; exits 1 on failures
local t = {passed = 0, failed = 0}

-- The Lua version under test: "5.1" … "5.4", "jit".
t.version = jit and "jit" or _VERSION:match("%d%.%d")
-- True where Lua has 64-bit integers (5.3+).
t.int64 = math.type ~= nil

function t.test(name, f)
    local ok, err = pcall(f)
    if ok then
        t.passed = t.passed + 1
    else
        t.failed = t.failed + 1
        io.stderr:write("FAILED: ", name, "\n  ", tostring(err), "\n")
    end
end

-- Calls f(...) and checks that it raises an error whose message contains `text`
-- (a plain substring, not a pattern).
function t.raises(text, f, ...)
    local ok, err = pcall(f, ...)
    if ok then error("expected an error containing '" .. text .. "', got none", 2) end
    err = tostring(err)
    if not err:find(text, 1, true) then
        error("expected an error containing '" .. text .. "', got '" .. err .. "'", 2)
    end
    return err
end

function t.eq(actual, expected, what)
    if actual ~= expected then
        error((what or "value") .. ": expected " .. tostring(expected) .. ", got " ..
              tostring(actual), 2)
    end
end

--- An object that runs f when it is collected (5.1 and LuaJIT finalize only userdata).
function t.on_collect(f)
    if newproxy then
        local p = newproxy(true)
        getmetatable(p).__gc = f
        return p
    end
    return setmetatable({}, {__gc = f})
end

--- For checks inside finalizers that run during lua_close, where no test is running:
--- says what failed and exits non-zero.
function t.fail_at_close(what)
    io.stderr:write("FAILED at lua_close: ", what, "\n")
    os.exit(1)
end

function t.done()
    print(t.passed .. " passed, " .. t.failed .. " failed")
    if t.failed > 0 then os.exit(1) end
end

return t
