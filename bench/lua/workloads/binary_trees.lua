-- binary-trees (the Benchmarks Game's allocation benchmark, Lua #2): many small
-- tables of one size, built and dropped in bursts, one tree kept for the whole run.
--   binary_trees.lua [depth=15]        prints the node count (the checksum)
local function BottomUpTree(depth)
    if depth > 0 then
        depth = depth - 1
        local left, right = BottomUpTree(depth), BottomUpTree(depth)
        return { left, right }
    else
        return { }
    end
end

local function ItemCheck(tree)
    if tree[1] then
        return 1 + ItemCheck(tree[1]) + ItemCheck(tree[2])
    else
        return 1
    end
end

local N = tonumber((...)) or 15
local mindepth = 4
local maxdepth = mindepth + 2
if maxdepth < N then maxdepth = N end
local total = 0
do
    local stretchdepth = maxdepth + 1
    total = total + ItemCheck(BottomUpTree(stretchdepth))
end
local longlivedtree = BottomUpTree(maxdepth)
for depth = mindepth, maxdepth, 2 do
    local iterations = 2 ^ (maxdepth - depth + mindepth)
    local check = 0
    for _ = 1, iterations do
        check = check + ItemCheck(BottomUpTree(depth))
    end
    total = total + check
end
total = total + ItemCheck(longlivedtree)
print(string.format("%.0f", total))
