-- Regions from Lua: creation, access, sub-regions, lifetime and every misuse.
local t = require "harness"
local memreg = require "memreg"

t.test("new is zero-filled and has a length", function()
    local r = memreg.new(16)
    t.eq(#r, 16)
    t.eq(r:len(), 16)
    for i = 0, 15 do t.eq(r:read_u8(i), 0) end
    t.eq(memreg.isregion(r), true)
    t.eq(memreg.isregion({}), false)
end)

t.done()
