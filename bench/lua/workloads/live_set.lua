-- A long-running program whose live set grows and shrinks: a cache that fills
-- to a high-water mark, is mostly evicted, and fills again with objects of other
-- sizes, several times over. What stays live between phases keeps many pages
-- partly used; peak RSS shows how well freed memory is reused across sizes.
--   live_set.lua [cycles=4]            prints a checksum
local cycles = tonumber((...)) or 4
local cache = {}
local order = {}
local head, tail = 1, 0
local live = 0
local checksum = 0

local function insert(key, value)
    cache[key] = value
    tail = tail + 1
    order[tail] = key
    live = live + 1
end

local function evict_down_to(n)
    while live > n do
        local key = order[head]
        order[head] = nil
        head = head + 1
        if cache[key] ~= nil then
            checksum = (checksum + #key) % 1000000007
            cache[key] = nil
            live = live - 1
        end
    end
end

local shapes = {
    function(i) return { i, i * 2 } end,                                   -- small tables
    function(i) return string.rep("v", 20 + i % 90) .. i end,               -- short strings
    function(i) return { name = "n" .. i, values = { i, i + 1, i + 2, i + 3, i + 4 } } end,
    function(i) return string.rep("w", 200 + i % 600) end,                  -- to ~800 B
}

local key = 0
for cycle = 1, cycles do
    for phase = 1, #shapes do
        local make = shapes[(phase + cycle) % #shapes + 1]
        for _ = 1, 40000 do
            key = key + 1
            insert("k" .. key, make(key))
        end
        evict_down_to(4000)  -- 10 % stays: it pins the pages it sits in
        collectgarbage()
    end
    -- order's consumed part: move what is left down, so it does not grow forever
    local compact = {}
    for i = head, tail do compact[#compact + 1] = order[i] end
    order, head, tail = compact, 1, #compact
end
for k, v in pairs(cache) do
    checksum = (checksum + #k + (type(v) == "string" and #v or #v)) % 1000000007
end
print(checksum)
