-- r:pack / r:unpack / memreg.packsize: string.pack's format language on every Lua
-- version, checked against Lua 5.4's bytes (hard-coded, and string.pack itself
-- where this Lua has it).
local t = require "harness"
local memreg = require "memreg"
local unpack = unpack or table.unpack

local function hex(s)
    return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- format, values, the bytes lua5.4's string.pack gives
local cases = {
    {"<i3 b >I2 h", {-5, 7, 513, -2}, "fbffff070201fffe"},
    {"<!4 b i4 Xi8 d", {1, 2, 1.5}, "0100000002000000000000000000f83f"},
    {">!4 b i4 Xi8 d", {1, 2, 1.5}, "01000000000000023ff8000000000000"},
    {"s1 z c5 x", {"ab", "cd", "ef"}, "026162636400656600000000"},
    {"<i16 >I9 j", {-2, 258, -1}, "feffffffffffffffffffffffffffffff000000000000000102ffffffffffffffff"},
    {"<f", {1e300}, "0000807f"},
    {"!8 b Xd", {1}, "0100000000000000"},
    {"<I4 I2 B", {4294967295, 65535, 255}, "ffffffffffffff"},
    {">d <f", {-0.25, 3.5}, "bfd000000000000000006040"},
}

t.test("pack writes Lua 5.4's bytes and returns the offset after them", function()
    for _, c in ipairs(cases) do
        local r = memreg.new(64)
        local n = r:pack(0, c[1], unpack(c[2]))
        t.eq(hex(r:tostring(0, n)), c[3], c[1])
        if string.pack then
            t.eq(hex(string.pack(c[1], unpack(c[2]))), c[3], "string.pack " .. c[1])
        end
    end
end)

t.test("unpack reads back what pack wrote, then the next offset", function()
    local r = memreg.new(64)
    local fmt = "<!8 b i2 d f s2 z c3"
    local n = r:pack(1, fmt, -1, -300, 2.25, 0.5, "hey", "zz", "ab")
    local a, b, d, f, s, z, c, next = r:unpack(1, fmt)
    t.eq(a, -1); t.eq(b, -300); t.eq(d, 2.25); t.eq(f, 0.5)
    t.eq(s, "hey"); t.eq(z, "zz"); t.eq(c, "ab\0"); t.eq(next, n)
    -- alignment counts from the start of the region: i2 after b at 1 sits at 2
    t.eq(r:read_i16(2, "le"), -300)
end)

t.test("empty regions: zero-length items fit, anything else does not", function()
    local e = memreg.new(0)
    t.eq(e:pack(0, "c0 !8 Xd", ""), 0)
    local s, next = e:unpack(0, "c0")
    t.eq(s, ""); t.eq(next, 0)
    t.raises("unpack(offset=0, count=1): outside region of size 0", e.unpack, e, 0, "b")
    t.raises("unfinished string for format 'z'", e.unpack, e, 0, "z")
    t.raises("pack(offset=0, count=1): outside region of size 0", e.pack, e, 0, "z", "")
end)

t.test("unpack of nothing returns just the offset", function()
    local r = memreg.new(4)
    t.eq(select("#", r:unpack(3, "")), 1)
    t.eq(r:unpack(4, ""), 4)
end)

t.test("pack and unpack agree with string.pack on a mixed record", function()
    if not string.pack then return end  -- 5.1, 5.2, LuaJIT: only the fixed bytes above
    local fmt = ">I2 i8 s4 n z"
    local s = string.pack(fmt, 1000, -123456789012, "payload", 0.1, "end")
    local r = memreg.fromstring(s)
    local a, b, c, d, e, next = r:unpack(0, fmt)
    local a2, b2, c2, d2, e2, next2 = string.unpack(fmt, s)
    t.eq(a, a2); t.eq(b, b2); t.eq(c, c2); t.eq(d, d2); t.eq(e, e2); t.eq(next, next2 - 1)
    local w = memreg.new(#s)
    t.eq(w:pack(0, fmt, 1000, -123456789012, "payload", 0.1, "end"), #s)
    t.eq(w:tostring(), s)
end)

t.test("packsize is string.packsize", function()
    t.eq(memreg.packsize("!8 b d"), 16)
    t.eq(memreg.packsize("i3 c10 x"), 14)
    t.raises("bad argument #1 to 'packsize' (variable-length format)", memreg.packsize, "i4 s")
    t.raises("bad argument #1 to 'packsize' (invalid format option 'y')", memreg.packsize, "y")
end)

t.test("format errors carry Lua 5.4's messages and name the function", function()
    local r = memreg.new(32)
    t.raises("bad argument #3 to 'pack' (invalid format option 'y')", r.pack, r, 0, "y")
    t.raises("bad argument #3 to 'pack' (integral size (17) out of limits [1,16])", r.pack, r, 0, "i17")
    t.raises("bad argument #3 to 'pack' (missing size for format option 'c')", r.pack, r, 0, "c")
    t.raises("bad argument #3 to 'pack' (invalid next option for option 'X')", r.pack, r, 0, "X")
    t.raises("bad argument #3 to 'unpack' (format asks for alignment not power of 2)",
             r.unpack, r, 0, "!3 i4")
    t.raises("bad argument #3 to 'pack' (string expected, got no value)", r.pack, r, 0)
    t.raises("bad argument #3 to 'unpack' (string expected, got table)", r.unpack, r, 0, {})
end)

t.test("value errors name the value's argument", function()
    local r = memreg.new(32)
    t.raises("bad argument #5 to 'pack' (integer overflow)", r.pack, r, 0, "i4 b", 1, 200)
    t.raises("bad argument #4 to 'pack' (unsigned overflow)", r.pack, r, 0, "B", -1)
    t.raises("bad argument #4 to 'pack' (string longer than given size)", r.pack, r, 0, "c2", "abc")
    t.raises("bad argument #4 to 'pack' (string length does not fit in given size)",
             r.pack, r, 0, "s1", string.rep("x", 256))
    t.raises("bad argument #4 to 'pack' (string contains zeros)", r.pack, r, 0, "z", "a\0b")
    t.raises("bad argument #4 to 'pack' (number expected, got no value)", r.pack, r, 0, "d")
    t.raises("bad argument #4 to 'pack' (number has no integer representation", r.pack, r, 0, "i4", 1.5)
    t.raises("bad argument #4 to 'pack' (string expected, got table)", r.pack, r, 0, "z", {})
end)

t.test("a failed pack writes nothing", function()
    local r = memreg.fromstring("........")
    t.raises("integer overflow", r.pack, r, 0, "b b", 1, 1000)
    t.raises("pack(offset=6, count=4): outside region of size 8", r.pack, r, 2, "i4 i4", 1, 2)
    t.eq(r:tostring(), "........")
end)

t.test("offsets and data outside the region are refused", function()
    local r = memreg.new(16)
    t.raises("unpack(offset=13, count=4): outside region of size 16", r.unpack, r, 13, "i4")
    t.raises("unpack(offset=17, count=0): outside region of size 16", r.unpack, r, 17, "")
    t.raises("pack(offset=2147483648, count=0): outside region of size 16", r.pack, r, 2^31, "b", 1)
    t.raises("offset must not be negative, got -1", r.pack, r, -1, "b", 1)
    t.raises("offset must not be negative, got -2147483649", r.unpack, r, -2^31 - 1, "b")
    t.raises("bad argument #2 to 'unpack' (number has no integer representation", r.unpack, r, 0/0, "b")
    t.raises("bad argument #2 to 'unpack' (number has no integer representation", r.unpack, r, 1/0, "b")
    t.raises("unfinished string for format 'z'", r.unpack, memreg.fromstring("abc"), 0, "z")
    r:write_u8(0, 200)
    t.raises("unpack(offset=1, count=200): outside region of size 16", r.unpack, r, 0, "s1")
end)

t.test("freed regions and non-regions are refused", function()
    local r = memreg.new(8)
    r:free()
    t.raises("bad argument #1 to 'pack' (region is invalid (freed, resized or its arena reset))",
             r.pack, r, 0, "b", 1)
    t.raises("bad argument #1 to 'unpack' (region expected, got string)", memreg.new(1).unpack, "x", 0, "b")
end)

t.test("64-bit values follow the binding's policy", function()
    local r = memreg.new(16)
    r:fill(255)
    t.eq(r:unpack(0, "j"), -1)
    t.eq(r:unpack(0, "J"), -1)  -- the same bits, as string.unpack("J") gives
    r:pack(0, "<j", 2^53)
    t.eq(r:unpack(0, "<j"), 2^53)
    if t.int64 then
        r:pack(0, "<I8", 2^62)
        t.eq(r:unpack(0, "<I8"), 2^62)
        t.eq(math.type(r:unpack(0, "<i4")), "integer")
    else
        -- not exact in a double: an error, never a rounded number
        r:pack(0, "<I8", 2^53)
        r:write_u8(0, 1)  -- 2^53 + 1
        t.raises("cannot be represented exactly", r.unpack, r, 0, "<I8")
        t.raises("is not exact in this Lua's numbers", r.pack, r, 0, "j", 2^60)
    end
end)

t.test("differential: random formats and values give what Lua 5.4's string.pack gives", function()
    if _VERSION ~= "Lua 5.4" then return end  -- the reference is 5.4's string.pack
    local seed = 12345
    local function rand(n)  -- a small LCG, so every run checks the same cases
        seed = (seed * 1103515245 + 12345) % 2147483648
        return seed % n
    end
    local options = {"b", "B", "h", "H", "i", "I", "i3", "I5", "i8", "I16", "i9", "l", "L", "j",
                     "J", "T", "f", "d", "n", "s", "s1", "s2", "z", "x", "c3", "c0", "Xi4", "Xd",
                     "<", ">", "=", "!", "!2", "!8", " ", "y", "i17", "c", "X", "Xc1", "!3 i4"}
    local ints = {0, 1, -1, 127, 128, -129, 255, 256, 32767, 65536, -2^31, 2^32, 2^53,
                  math.maxinteger, math.mininteger, 1.5, 2.0}
    local strs = {"", "a", "abc", "a\0b", string.rep("x", 300)}
    local cases, agreed_errors = 0, 0
    for _ = 1, 1500 do
        local parts = {}
        for i = 1, 1 + rand(4) do parts[i] = options[1 + rand(#options)] end
        local fmt = table.concat(parts, " ")
        -- mostly a value of the kind each option takes (ints include ones that do not
        -- fit and fractions), sometimes a wrong one
        local values = {}
        for i = 1, #parts do
            local letter = parts[i]:match("[%a]")
            local wrong = rand(10) == 0
            if letter == nil or letter == "x" or letter == "X" then
                -- settings and padding take no value
            elseif wrong then
                values[#values + 1] = rand(2) == 0 and strs[1 + rand(#strs)] or {}
            elseif letter:match("[szc]") then
                values[#values + 1] = strs[1 + rand(#strs)]
            elseif letter:match("[fdn]") then
                values[#values + 1] = ints[1 + rand(#ints)] / 3
            else
                values[#values + 1] = ints[1 + rand(#ints)]
            end
        end
        local ok1, s1 = pcall(string.pack, fmt, unpack(values))
        local r = memreg.new(4096)
        local ok2, n2 = pcall(r.pack, r, 0, fmt, unpack(values))
        cases = cases + 1
        if ok1 then
            if not ok2 then error(fmt .. ": string.pack packed, r:pack failed: " .. tostring(n2)) end
            t.eq(r:tostring(0, n2), s1, fmt)
            local a = {string.unpack(fmt, s1)}
            local b = {r:unpack(0, fmt)}
            t.eq(#b, #a, fmt .. " result count")
            for i = 1, #a - 1 do t.eq(b[i], a[i], fmt .. " value " .. i) end
            t.eq(b[#b], a[#a] - 1, fmt .. " next offset")
        else
            if ok2 then error(fmt .. ": string.pack failed (" .. s1 .. "), r:pack did not") end
            -- the problem text Lua gives, without "bad argument #k to 'f' (...)" or position
            local problem = s1:match("%((.*)%)$") or s1:gsub("^.-:%d+: ", "")
            if not tostring(n2):find(problem, 1, true) then
                error(fmt .. ": string.pack says '" .. s1 .. "', r:pack says '" .. tostring(n2) .. "'")
            end
            agreed_errors = agreed_errors + 1
        end
    end
    t.eq(cases, 1500)
    assert(agreed_errors > 100 and agreed_errors < 1000, "a mix of good and bad cases")
end)

-- Runs call() with a finalizer that does action() at the k-th collection inside
-- it, for k = 1, 2, ... until the call ends first; the collector is made as eager
-- as each version allows. check(ok, ...) judges each run. Returns how many runs
-- had the action happen inside the call.
-- A full cycle at every step and a step at every allocation (on), or the defaults
-- (off). The settings count from the end of the next cycle: collect after this.
-- Not on the torture Lua, which collects at every allocation anyway, and whose
-- 5.4.4 runs a finalizer on a freed stack when the incremental parameters are
-- changed like this (plain Lua shows it too: a perpetual finalizer and
-- collectgarbage("incremental", 10, 1000, 30) under HARDMEMTESTS).
local saved_params  -- Lua 5.5's, to put back
local function eager(on)
    if os.getenv("MEMREG_LUA_TORTURE") then return end
    if _VERSION == "Lua 5.5" then
        local names = {"pause", "stepmul", "stepsize"}
        if on then
            collectgarbage("incremental")
            saved_params = saved_params or {}
            for _, name in ipairs(names) do
                saved_params[name] = saved_params[name] or collectgarbage("param", name)
            end
            collectgarbage("param", "pause", 10)
            collectgarbage("param", "stepmul", 1000)
            collectgarbage("param", "stepsize", 0)
        else
            for _, name in ipairs(names) do collectgarbage("param", name, saved_params[name]) end
        end
    elseif _VERSION == "Lua 5.4" then
        -- A step of 2^30 units of work (a whole cycle); 2^24 where Lua's l_mem has 32
        -- bits (i686), which 2^30 units times the step multiplier overflow.
        if on then collectgarbage("incremental", 10, 1000, memreg.sizeof("void *") == 4 and 24 or 30)
        else collectgarbage("incremental", 200, 100, 13) end
    else
        collectgarbage("setpause", on and 0 or 200)
        collectgarbage("setstepmul", on and 1000000 or 200)
    end
end

local function with_finalizer_inside(call, action, check)
    local count, k, armed, fired = 0, 0, false, false
    local function finalizer()
        if armed then
            count = count + 1
            if count == k then fired = true; pcall(action) end
        end
        if newproxy then getmetatable(newproxy(true)).__gc = finalizer
        else setmetatable({}, {__gc = finalizer}) end
    end
    finalizer()
    local hits = 0
    for step = 1, 400 do
        eager(true)
        collectgarbage("collect")
        count, k, fired, armed = 0, step, false, true
        local function judge(...)
            armed = false
            check(...)
        end
        judge(pcall(call))
        if fired then hits = hits + 1 end
        if count < k then break end
    end
    eager(false)
    collectgarbage("collect")
    return hits
end

t.test("pack converts every value before it touches the region", function()
    -- Each number packed as 'z' becomes a string (an allocation, so a GC step and
    -- any finalizer) before the region is looked at.
    local n = 60
    local values = {}
    for i = 1, n do values[i] = i + 0.5 end
    local format = ("z"):rep(n)
    local r = memreg.new(65536)
    local hits = with_finalizer_inside(function()
        return r:pack(0, format, (unpack or table.unpack)(values))
    end, function() r:resize(16) end, function(ok, result)
        if ok then
            t.eq(r:read_string(0, 4), "1.5\0")
            t.eq(r:unpack(0, "z"), "1.5")
        else
            assert(tostring(result):find("pack(offset=", 1, true), result)
        end
        r = memreg.new(65536)
    end)
    assert(hits > 0, "the finalizer never ran inside pack")
end)

t.test("unpack pushes its strings from a copy made before the first push", function()
    local n = 60
    local format = ("c40"):rep(n)
    local r = memreg.new(65536)
    r:fill(0x61)
    local hits = with_finalizer_inside(function() return r:unpack(0, format) end, function()
        r:fill(0x62); r:resize(16)
    end, function(ok, first, ...)
        if ok then
            t.eq(select("#", ...), n)  -- n - 1 strings and the offset
            -- Every string comes from the bytes as they were at the copy.
            local all = first .. table.concat({...}, "", 1, n - 1)
            assert(all == ("a"):rep(40 * n) or all == ("b"):rep(40 * n), "mixed snapshot")
        else
            assert(tostring(first):find("outside region", 1, true), first)
        end
        r = memreg.new(65536)
        r:fill(0x61)
    end)
    assert(hits > 0, "the finalizer never ran inside unpack")
end)

t.done()
