-- Issue 9's findings that no other Lua test script covers on every Lua version (the
-- others: see "What is tested" in docs/lua-ext.md's rule section and README's
-- Reliability section).
local t = require "harness"
local memreg = require "memreg"

t.test("cdef with 20000 array dimensions is refused at once, not ~700 MB and a crash", function()
    local text = "typedef char twenty_thousand" .. ("[1]"):rep(20000) .. ";"
    local start = os.clock()
    local err = t.raises("bad argument #1 to 'cdef'", memreg.cdef, text)
    assert(err:find("nest", 1, true) or err:find("limit", 1, true) or err:find("deep", 1, true), err)
    -- Before the limit this took seconds and ~700 MB (each dimension copied the name).
    assert(os.clock() - start < 5, "took " .. (os.clock() - start) .. " s")
    -- The registry still works, and has not kept the refused name.
    memreg.cdef("typedef char one_dimension[1];")
    t.eq(memreg.sizeof("one_dimension"), 1)
    t.raises("twenty_thousand", memreg.sizeof, "twenty_thousand")
end)

t.test("a format error shows its zero byte (the message is not cut at it)", function()
    local err = t.raises("invalid format option '", memreg.packsize, "i\0")
    assert(err:sub(-5) == "'\\0')", "message cut at the NUL: " .. err)
end)

t.test("a message too long for the binding keeps its start and its reason", function()
    local err = t.raises("bad argument #1 to 'cdef'", memreg.cdef,
                         "typedef char long_name" .. ("[1]"):rep(300) .. ";")
    assert(err:find(" ... ", 1, true), err)
    t.eq(err:sub(-1), ")")  -- the end of the message, not a cut in the middle
end)

t.done()
