-- The FFI programs of LuaJIT's FFI tutorial in tests/lua/ffi/, changed only in their
-- `require "memreg.ffi"`, must print what LuaJIT's FFI prints for them. Each
-- tests/lua/ffi/<name>.luajit is the output of
--     sed 's/require *(\?["'"'"']memreg\.ffi["'"'"'])\?/require "ffi"/' <name>.lua | luajit -
-- (LuaJIT 2.1). Where memreg.ffi differs on purpose (docs/ffi.md), `differences`
-- below says which line and why; nothing else may differ.
local t = require "harness"

local dir = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."

-- On LuaJIT memreg.ffi is built on LuaJIT's ffi and prints exactly what it prints; only
-- the deliberate difference (an out-of-bounds fill) remains.
local differences = jit and {
    fill = {replace_all = "error: fill(offset=0, count=20): outside region of size 5\n"},
} or {
    -- LuaJIT writes past the 5-byte array; memreg.ffi refuses.
    fill = {replace_all = "error: fill(offset=0, count=20): outside region of size 5\n"},
    -- An anonymous struct: LuaJIT prints its type number, memreg.ffi its typedef name.
    typeof = {["ctype<struct 100>"] = "ctype<struct s2>"},
    -- C data are tables; int arithmetic gives a Lua number, not an int64_t box.
    new = {["ffi.new():\tcdata\tctype<int>\tcdata<int>\t30LL"] = "ffi.new():\ttable\tctype<int>\tcdata<int>\t30"},
}
-- LuaJIT's output is x86-64's: two pointers are 16 bytes there, 8 where pointers have 4.
if not jit and require("memreg").sizeof("void *") == 4 then
    differences.new["ctype<struct point>\tctype<struct point *[?]>\t16"] =
        "ctype<struct point>\tctype<struct point *[?]>\t8"
end

local function read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

-- Runs a program in this state with print captured; collects its garbage after it,
-- as lua_close would (finalizers print too).
local function run(path)
    local out = {}
    local real_print = print
    print = function(...)
        local parts = {}
        for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
        out[#out + 1] = table.concat(parts, "\t") .. "\n"
    end
    local ok, err = pcall(dofile, path)
    collectgarbage(); collectgarbage()
    print = real_print
    if not ok then out[#out + 1] = "error: " .. tostring(err):gsub("^[^:]*:%d+: ", "") .. "\n" end
    return table.concat(out)
end

-- LuaJIT's output with memreg.ffi's documented differences applied.
local function expected(name)
    local text = read(dir .. "/ffi/" .. name .. ".luajit")
    local d = differences[name]
    if not d then return text end
    if d.replace_all then return d.replace_all end
    return (text:gsub("[^\n]*", function(line) return d[line] end))
end

-- Lua 5.3+ prints a float with an integral value as "3.0" where LuaJIT prints "3".
local function normalized(text)
    if not t.int64 then return text end
    return (text:gsub("(%f[%w%.%-]%-?%d+)%.0%f[^%w%.]", "%1"))
end

-- typeof first: LuaJIT numbers anonymous structs in the order types are made, and its
-- recorded output is a fresh state's.
for _, name in ipairs {"typeof", "rgba", "cast", "new", "metatype", "gc", "fill"} do
    t.test(name, function()
        local got = normalized(run(dir .. "/ffi/" .. name .. ".lua"))
        local want = expected(name)
        if got ~= want then
            error("output differs from LuaJIT's:\n--- got\n" .. got .. "--- LuaJIT\n" .. want, 0)
        end
    end)
end

t.done()
