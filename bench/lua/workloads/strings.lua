-- String-heavy: formatting, concatenation, table.concat, gsub, gmatch, sub and
-- upper, strings as table keys. Strings of every length from a few bytes (short,
-- interned) to kilobytes (long, and the buffers that build them grow by realloc).
--   strings.lua [rounds=12]             prints a checksum
local rounds = tonumber((...)) or 12
local checksum = 0
for round = 1, rounds do
    local parts = {}
    for i = 1, 30000 do
        parts[i] = string.format("%d:%s;%x", i, string.rep("ab", (i * 7 + round) % 40), i * round)
    end
    local text = table.concat(parts, ",")
    local counts = {}
    for word in text:gmatch("[^,]+") do
        local key = word:sub(1, 6):upper()
        counts[key] = (counts[key] or 0) + 1
    end
    local n = 0
    for _, c in pairs(counts) do n = n + c end
    local replaced = text:gsub("ab", "xyz")
    local lines = {}
    for i = 1, 2000 do
        local line = ""
        for j = 1, 12 do line = line .. j .. "-" .. (i % (j + 3)) .. " " end
        lines[#lines + 1] = line
    end
    local long = {}
    for i = 1, 200 do long[i] = string.rep(parts[i], 40 + i % 30) end
    checksum = (checksum + n + #replaced + #table.concat(lines) + #table.concat(long)) % 1000000007
end
print(checksum)
