-- A lower bound for memreg.ffi on PUC Lua (docs/ffi.md, Speed): the image benchmark's
-- grey loop when each of its six field accesses per pixel is a C metamethod that does
-- nothing (__index = rawlen, __newindex = rawequal) and the element is a local, against
-- the tables version's loop. Any design in which `img[i].red` is a metamethod call
-- costs at least the first time.
--
--   lua5.4 bench/lua/metamethod_floor.lua [side=400] [iterations=10]
local side = tonumber(arg[1] or 400)
local passes = tonumber(arg[2] or 10)
local n = side * side
local clock, floor = os.clock, math.floor

local e = setmetatable({}, {__index = rawlen, __newindex = rawequal})
local start = clock()
for _ = 1, passes do
    for _ = 0, n - 1 do
        local y = 0.3 * e.red + 0.59 * e.green + 0.11 * e.blue
        e.red = y; e.green = y; e.blue = y
    end
end
local metamethods = clock() - start

local img = {}
for i = 1, n do img[i] = {red = 0, green = i % 256, blue = 0, alpha = 255} end
start = clock()
for _ = 1, passes do
    for i = 1, n do
        local p = img[i]
        local y = floor(0.3 * p.red + 0.59 * p.green + 0.11 * p.blue)
        p.red = y; p.green = y; p.blue = y
    end
end
local tables = clock() - start
print(string.format("six no-op C metamethods per pixel %.3f s, tables %.3f s: %.2fx",
                    metamethods, tables, metamethods / tables))
