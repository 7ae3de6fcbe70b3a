-- Finalized means dead (issue 9): every function of every memreg metatable, called on
-- an object reached after its own __gc (resurrected by an older object's finalizer),
-- raises "<what> used after it was collected" — never touches a destroyed C++ object;
-- __gc itself runs again harmlessly. Table-driven over the registry's memreg.*
-- metatables, like tests/lua/gc_injection.lua's coverage check: a function without a
-- case in `calls` fails the test, and so does a case for a function that is gone.
-- Every call is also made on a live object of the same kind and must work there, so
-- the error on the dead one can only come from its being dead.
local t = require "harness"
local memreg = require "memreg"

memreg.cdef[[ struct collected_pair { int32_t a, b; }; ]]

local on_collect = t.on_collect

-- Fresh objects of each kind (never cached: memreg.typeof(ctype) makes a new ctype).
local makers = {
    region = function() return memreg.new(16) end,
    view = function() return memreg.new(16):array("int32_t", 4) end,
    ctype = function() return memreg.typeof(memreg.typeof("struct collected_pair")) end,
    heap = function() return memreg.heap() end,
    arena = function() return memreg.arena() end,
}

-- What each kind says once dead.
local dead_text = {
    region = "region used after it was collected", view = "view used after it was collected",
    ctype = "ctype used after it was collected", heap = "heap used after it was collected",
    arena = "arena used after it was collected",
}

-- calls[kind][name](f, o): calls the metatable's function f on o with arguments that
-- work on a live object. "alive" marks the one answer a dead object still gives.
local function with(...)
    local args, n = {...}, select("#", ...)
    return function(f, o) return f(o, (unpack or table.unpack)(args, 1, n)) end
end
local calls = {
    region = {
        __gc = "gc", __close = with(), __len = with(), __tostring = with(),
        len = with(), free = with(), valid = "alive", resize = with(32), sub = with(0, 4),
        ptr = with(), tostring = with(0, 4), fill = with(1), clear = with(), copy = with(0, "ab"),
        read_string = with(0, 2), write_string = with(0, "ab"), write_cstring = with(0, "ab"),
        read_cstring = with(0), write_ptr = with(0, nil), read_ptr = with(0), flush = with(),
        pack = with(0, "i4", 1), unpack = with(0, "i4"), view = with("struct collected_pair"),
        array = with("int32_t", 2),
    },
    view = {
        __gc = "gc", __index = with(1), __newindex = with(0, 1),
        __len = with(), __tostring = with(),
    },
    ctype = {
        __gc = "gc", __tostring = with(),
        __eq = function(f, o) return f(o, o) end,  -- a dead ctype equals nothing: an error
    },
    heap = {__gc = "gc", alloc = with(8), stats = with(), validate = with()},
    arena = {__gc = "gc", alloc = with(8), reset = with()},
    cdecl_registry = {__gc = "registry"},  -- in the registry: lua_close collects it (below)
    objects = {__gc = "registry"},  -- the state's owner of memreg objects: the same (below)
}
-- The deprecated names (0.1.0) are the same functions.
calls.region.readstring, calls.region.writestring = calls.region.read_string, calls.region.write_string
calls.region.writecstring, calls.region.cstring = calls.region.write_cstring, calls.region.read_cstring
for _, s in ipairs{"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64"} do
    calls.region["read_" .. s] = with(0)
    calls.region["write_" .. s] = with(0, 1)
end
-- memreg.buffer's functions take any region: each, on a dead one.
local buffer_calls = {
    len = with(), tostring = with(), readi8 = with(0), readu8 = with(0), readi16 = with(0),
    readu16 = with(0), readi32 = with(0), readu32 = with(0), readf32 = with(0), readf64 = with(0),
    writei8 = with(0, 1), writeu8 = with(0, 1), writei16 = with(0, 1), writeu16 = with(0, 1),
    writei32 = with(0, 1), writeu32 = with(0, 1), writef32 = with(0, 1), writef64 = with(0, 1),
    readstring = with(0, 2), writestring = with(0, "ab"), copy = with(0, "ab"),
    fill = with(0, 1), readbits = with(0, 3), writebits = with(0, 3, 1),
    create = "none", fromstring = "none",  -- they take no buffer
}
buffer_calls.copy = function(f, o) return f(o, 0, memreg.buffer.create(2)) end
-- memreg's module functions that take an object of these kinds.
local module_calls = {
    sizeof = {view = true, ctype = true}, alignof = {view = true, ctype = true},
    typeof = {view = true, ctype = true}, offsetof = {view = false, ctype = true},
}

-- The metatables, by kind (the binding's memreg.registry_keys: "region" ->
-- "memreg.region@<version>"); a kind without a maker fails.
local function metatables()
    local found = {}
    for _, make in pairs(makers) do make() end  -- every metatable exists now
    local registry = debug.getregistry()
    for kind, key in pairs(memreg.registry_keys) do
        local mt = registry[key]
        if type(mt) == "table" then
            local functions = {}
            for k, v in pairs(mt) do if type(v) == "function" then functions[k] = v end end
            local index = rawget(mt, "__index")
            if type(index) == "table" then
                for k, v in pairs(index) do if type(v) == "function" then functions[k] = v end end
            end
            if next(functions) then found[kind] = functions end
        end
    end
    return found
end
local found = metatables()

t.test("every function of every memreg metatable has a case", function()
    local missing = {}
    for kind, functions in pairs(found) do
        if not calls[kind] then missing[#missing + 1] = kind .. " (a new kind: add a maker and calls)" end
        for name in pairs(functions) do
            if not (calls[kind] and calls[kind][name]) then missing[#missing + 1] = kind .. "." .. name end
        end
    end
    for kind, cases in pairs(calls) do
        for name in pairs(cases) do
            if not (found[kind] and found[kind][name]) then missing[#missing + 1] = "case for a missing " .. kind .. "." .. name end
        end
    end
    for name, v in pairs(memreg.buffer) do
        if type(v) == "function" and not buffer_calls[name] then missing[#missing + 1] = "buffer." .. name end
    end
    table.sort(missing)
    assert(#missing == 0, "not covered: " .. table.concat(missing, ", "))
end)

-- Makes an object of `kind`, drops it, and returns it as the finalizer of an older
-- object saw it: after its own __gc ran. `use(o)` runs inside that finalizer (where
-- the object is still reachable) and its results come back.
local function after_gc(kind, use)
    local results
    do
        local holder = {}
        holder.sentinel = on_collect(function() results = {pcall(use, holder.object)} end)
        holder.object = makers[kind]()  -- newer than the sentinel: finalized first
    end
    collectgarbage() collectgarbage()
    assert(results, kind .. ": the finalizer did not run")
    return results
end

local function check_dead(kind, name, call, f)
    local text = dead_text[kind]
    if call == "gc" then
        -- __gc again, by hand and twice: nothing happens (no destructor runs twice)
        local r = after_gc(kind, function(o) f(o) f(o) return "ok" end)
        assert(r[1] and r[2] == "ok", kind .. ".__gc after __gc: " .. tostring(r[2]))
        return
    end
    if call == "alive" then  -- r:valid() answers false
        local r = after_gc(kind, function(o) return f(o) end)
        assert(r[1] and r[2] == false, kind .. "." .. name .. " after __gc: " .. tostring(r[2]))
        assert(f(makers[kind]()) == true, kind .. "." .. name .. " on a live object")
        return
    end
    local ok, err = pcall(call, f, makers[kind]())
    assert(ok, kind .. "." .. name .. " fails on a live object: " .. tostring(err))
    local r = after_gc(kind, function(o) return call(f, o) end)
    assert(not r[1], kind .. "." .. name .. " worked after __gc")
    assert(tostring(r[2]):find(text, 1, true),
           kind .. "." .. name .. " after __gc: expected '" .. text .. "', got '" .. tostring(r[2]) .. "'")
end

for kind, functions in pairs(found) do
    for name, f in pairs(functions) do
        local call = calls[kind] and calls[kind][name]
        if call and call ~= "registry" then
            t.test(kind .. "." .. name .. " after __gc", function() check_dead(kind, name, call, f) end)
        end
    end
end

for name, call in pairs(buffer_calls) do
    if call ~= "none" then
        t.test("buffer." .. name .. " after __gc", function()
            local f = memreg.buffer[name]
            assert(pcall(call, f, memreg.buffer.create(8)), "buffer." .. name .. " on a live buffer")
            local r = after_gc("region", function(o) return call(f, o) end)
            assert(not r[1] and tostring(r[2]):find("buffer used after it was collected", 1, true),
                   "buffer." .. name .. " after __gc: " .. tostring(r[2]))
        end)
    end
end

for name, kinds in pairs(module_calls) do
    for kind, takes in pairs(kinds) do
        if takes then t.test("memreg." .. name .. "(" .. kind .. ") after __gc", function()
            local f = memreg[name]
            local args = name == "offsetof" and {"b"} or {}
            assert(pcall(f, makers[kind](), args[1]), "memreg." .. name .. " on a live " .. kind)
            local r = after_gc(kind, function(o) return f(o, args[1]) end)
            assert(not r[1] and tostring(r[2]):find(dead_text[kind], 1, true),
                   "memreg." .. name .. "(" .. kind .. ") after __gc: " .. tostring(r[2]))
        end) end
    end
end

-- Host functions of memreg-lua (check_region): a dead region is refused.
if type(host) == "table" then
    t.test("host.checksum_region after __gc", function()
        assert(pcall(host.checksum_region, memreg.new(4)))
        local r = after_gc("region", function(o) return host.checksum_region(o) end)
        assert(not r[1] and tostring(r[2]):find("region used after it was collected", 1, true), tostring(r[2]))
    end)
end

-- Last (it kills the state's declarations): the cdecl registry after its __gc, called
-- by hand (only lua_close collects it; tests/lua/struct_close_test.lua covers that).
t.test("cdecl_registry.__gc, then cdef and type names", function()
    local registry = debug.getregistry()[memreg.registry_keys.cdecl]
    local gc = found.cdecl_registry.__gc
    gc(registry) gc(registry)  -- twice: destroyed once
    t.raises("the C declaration registry was collected", memreg.cdef, "typedef int late_t;")
    t.raises("the C declaration registry was collected", memreg.sizeof, "struct not_cached_yet")
end)

-- Last of all: the state's owner of memreg objects (lifetime.hpp), whose __gc only
-- lua_close runs (tests/lua/close_test.lua), called by hand: every memreg object of
-- the state is dead at once, and none can be made after.
t.test("objects.__gc, then every object is dead and none is made", function()
    local objects_mt = debug.getregistry()[memreg.registry_keys.objects]
    local owner
    for _, v in pairs(debug.getregistry()) do
        if type(v) == "userdata" and debug.getmetatable(v) == objects_mt then owner = v end
    end
    assert(owner, "the state's owner is not in the registry")
    local live = {}
    for kind, make in pairs(makers) do live[kind] = make() end
    local gc = found.objects.__gc
    gc(owner) gc(owner)  -- twice: closed once
    assert(live.region:valid() == false, "a region outlived its state's owner")
    for kind, o in pairs(live) do
        for name, call in pairs(calls[kind]) do
            if type(call) == "function" then
                local ok, err = pcall(call, found[kind][name], o)
                assert(not ok and tostring(err):find(dead_text[kind], 1, true),
                       kind .. "." .. name .. " after the owner's __gc: " .. tostring(err))
            end
        end
    end
    t.raises("the Lua state is closing", memreg.new, 8)
    t.raises("the Lua state is closing", memreg.heap)
end)

t.done()
