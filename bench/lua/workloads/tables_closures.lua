-- Table- and closure-heavy: objects with metatables, closures with upvalues,
-- arrays that grow one element at a time (realloc growth), hash parts that rehash,
-- map/filter pipelines that make and drop closures.
--   tables_closures.lua [rounds=6]     prints a checksum
local rounds = tonumber((...)) or 6

local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({ x = x, y = y }, Point) end
function Point:add(o) return Point.new(self.x + o.x, self.y + o.y) end

local function counter(start)
    local c = start
    return function(step) c = c + (step or 1); return c end
end

local function map(t, f)
    local r = {}
    for i = 1, #t do r[#r + 1] = f(t[i], i) end
    return r
end

local function filter(t, f)
    local r = {}
    for i = 1, #t do if f(t[i]) then r[#r + 1] = t[i] end end
    return r
end

local checksum = 0
for round = 1, rounds do
    local objects = {}
    for i = 1, 40000 do
        local p = Point.new(i, round - i)
        objects[#objects + 1] = { position = p:add(p), next = counter(i), tags = { i, i + 1, i + 2 } }
    end
    local acc = 0
    for i = 1, #objects do
        local o = objects[i]
        acc = acc + o.next() + o.next(2) + o.position.x + #o.tags
    end
    local scaled = map(objects, function(o, i) return function() return o.position.y * i end end)
    local kept = filter(scaled, function(f) return f() % 3 == 0 end)
    acc = acc + #kept
    local index = {}
    for i = 1, #objects do index["k" .. (i % 5000)] = objects[i] end
    for k, v in pairs(index) do acc = acc + #k + v.tags[1] end
    local grid = {}
    for y = 1, 200 do
        local row = {}
        for x = 1, 100 do row[x] = { x, y, x * y } end
        grid[y] = row
    end
    for y = 1, 200 do acc = acc + grid[y][y % 100 + 1][3] end
    checksum = (checksum + acc) % 1000000007
end
print(checksum)
