-- GC injection: every function and metamethod of the binding, run while a finalizer
-- does something hostile at the k-th GC step inside the call, for k = 1, 2, … until
-- the call finishes before step k. Any Lua API call that can allocate can run a GC
-- step, and a step can run any finalizer: this is what the resolve rule of
-- docs/lua-ext.md is about, and this test is how it is kept.
--
-- Spec files: tests/lua/gc/<area>.lua return a table, coverage name -> case (or a
-- list of cases). A case:
--
--   ["region.sub"] = {
--       setup = function() local r = memreg.new(64) return {region = r} end,
--       call  = function(o) return o.region:sub(8, 32) end,
--       -- optional:
--       same    = false,  -- results differ between runs (addresses): do not compare
--       result  = function(...) return normalized... end,  -- what to compare
--       check   = function(o, ok, ...) end,  -- more assertions after each run
--       actions = {name = function(o) ... end},  -- hostile actions of its own
--   }
--
-- setup makes fresh objects for every run; call does the one call under test. The
-- standard hostile actions work on these fields of the setup's table, when present:
--   region  free it; resize it to 1 byte; resize it to 64 KiB
--   parent  free it; resize it to 1 byte (region is a sub-region or view of it)
--   arena   reset it
--   heap    drop it (o.heap = nil) so it is collected once nothing else holds it
-- and every case gets `reenter`: the finalizer calls `call(o)` again.
--
-- Each run must either raise a Lua error or complete; when the hostile action did
-- not happen (the call finished before step k) the results must equal those of an
-- undisturbed run, and after every run every valid region among the results and in
-- the setup's table is read and written whole (a sanitizer build sees any stale span).
--
-- Coverage names: memreg.<f> (module functions), memreg.buffer.<f>, ffi.<f> (memreg.ffi), host.<f>
-- (memreg-lua's host functions), <type>.<method> and <type>.<__metamethod> for every
-- metatable named memreg.<type> in the registry (region, heap, arena, view, ctype,
-- …). A name with no spec fails the test, and so does a spec for a name the binding
-- does not have.
--
-- MEMREG_GC_ONLY=<Lua pattern> runs only the names that match it, without the
-- coverage check (for debugging one function). MEMREG_GC_RUN=<spec file> runs only
-- the cases of that file, and MEMREG_GC_RUN=none only the coverage check: CTest runs
-- one test per spec file, so the torture Lua's runs spread over the cores, and one
-- coverage test (lua_lua<v>_gc_injection) that loads every spec and runs none.
--
-- On a stock Lua GC steps inside a call are rare (the driver makes the collector as
-- eager as each version allows); under the torture Lua (HARDMEMTESTS: a full
-- collection at every GC check) every allocating call is a step, which is where
-- this test bites.
local memreg = require "memreg"
local hostile = require "gc.hostile"

local function list_spec_files()
    local listed = os.getenv("MEMREG_GC_SPECS")
    local files = {}
    if listed then
        for file in listed:gmatch("[^%s]+") do files[#files + 1] = file end
    else
        local dir = (arg and arg[0] or ""):match("^(.*)[/\\]") or "."
        local ls = assert(io.popen('ls "' .. dir .. '/gc"'), "cannot list " .. dir .. "/gc")
        for line in ls:lines() do files[#files + 1] = line:match("^(.+)%.lua$") end
        ls:close()
    end
    local specs = {}
    for _, file in ipairs(files) do
        if file ~= "hostile" then specs[#specs + 1] = file end
    end
    table.sort(specs)
    assert(#specs > 0, "no spec files in tests/lua/gc")
    return specs
end
local spec_files = list_spec_files()
local max_k = 400

local failures, runs, fired_runs = {}, 0, 0
local function fail(name, text)
    failures[#failures + 1] = name .. ": " .. text
end

---------------------------------------------------------------------------------------
-- Results.

local function describe(v)
    local t = type(v)
    if t == "string" then return string.format("%q", v) end
    if t == "number" then
        return (math.type and math.type(v) or "number") .. ":" .. string.format("%.17g", v)
    end
    if memreg.isregion(v) then
        return v:valid() and ("region:" .. string.format("%q", v:tostring())) or "region:invalid"
    end
    if t == "table" or t == "userdata" or t == "function" or t == "thread" then return t end
    return tostring(v)
end

local function describe_all(n, ...)
    local parts = {}
    for i = 1, n do parts[i] = describe((select(i, ...))) end
    return table.concat(parts, ", ")
end

-- Reads and writes every valid region in reach whole.
local function touch(v)
    if memreg.isregion(v) and v:valid() then
        v:tostring()
        pcall(v.fill, v, 0x5a)
    end
end

local function touch_all(o, n, ...)
    for _, v in pairs(o) do touch(v) end
    for i = 1, n do touch((select(i, ...))) end
end

---------------------------------------------------------------------------------------
-- One case.

local standard_actions = {
    free = function(o) if memreg.isregion(o.region) then o.region:free() end end,
    shrink = function(o) if memreg.isregion(o.region) then pcall(o.region.resize, o.region, 1) end end,
    grow = function(o)
        if memreg.isregion(o.region) then pcall(o.region.resize, o.region, 65536) end
    end,
    free_parent = function(o) if memreg.isregion(o.parent) then o.parent:free() end end,
    shrink_parent = function(o)
        if memreg.isregion(o.parent) then pcall(o.parent.resize, o.parent, 1) end
    end,
    reset = function(o) if o.arena ~= nil then o.arena:reset() end end,
    drop_heap = function(o) o.heap = nil end,
}
local applies = {
    free = "region", shrink = "region", grow = "region", free_parent = "parent",
    shrink_parent = "parent", reset = "arena", drop_heap = "heap",
}

local unpack = unpack or table.unpack

-- Runs the case once with `action` at step k (k = 0: undisturbed). Returns whether
-- the action happened and the description of the results.
local function run_once(name, case, action_name, action, k)
    local o = case.setup()
    local fired, ok, n, results = hostile.run(function() return case.call(o) end,
                                              action and function() action(o, case) end, k)
    runs = runs + 1
    if fired then fired_runs = fired_runs + 1 end
    local where = (action_name or "undisturbed") .. " at step " .. k
    if not ok and type(results[1]) ~= "string" then
        fail(name, where .. ": raised a non-string error " .. tostring(results[1]))
    end
    local text
    if ok and case.result then
        local normalized = {case.result(unpack(results, 1, n))}
        text = "ok " .. describe_all(#normalized, unpack(normalized))
    elseif ok then
        text = "ok " .. describe_all(n, unpack(results, 1, n))
    else
        text = "error " .. tostring(results[1])
    end
    if case.check then
        local good, err = pcall(case.check, o, ok, unpack(results, 1, n))
        if not good then fail(name, where .. ": check failed: " .. tostring(err)) end
    end
    touch_all(o, n, unpack(results, 1, n))
    return fired, text
end

local function run_case(name, case)
    if type(case.setup) ~= "function" or type(case.call) ~= "function" then
        fail(name, "a case needs setup and call functions")
        return
    end
    local _, expected = run_once(name, case, nil, nil, 0)
    local probe = case.setup()
    local actions = {}
    for action_name, action in pairs(standard_actions) do
        if probe[applies[action_name]] ~= nil then actions[action_name] = action end
    end
    actions.reenter = function(o, c) pcall(c.call, o) end
    for action_name, action in pairs(case.actions or {}) do actions[action_name] = action end
    for action_name, action in pairs(actions) do
        local k = 1
        while true do
            local fired, text = run_once(name, case, action_name, action, k)
            if not fired then
                if case.same ~= false and text ~= expected then
                    fail(name, action_name .. " at step " .. k .. " (not reached): got " .. text ..
                         ", undisturbed run gave " .. expected)
                end
                break
            end
            k = k + 1
            if k > max_k then
                fail(name, action_name .. ": still collecting after " .. max_k .. " steps")
                break
            end
        end
    end
end

---------------------------------------------------------------------------------------
-- Specs and coverage.

local specs, spec_owner = {}, {}
for _, file in ipairs(spec_files) do
    local found, loaded = pcall(require, "gc." .. file)
    if not found then
        fail("gc/" .. file .. ".lua", tostring(loaded))
    elseif type(loaded) ~= "table" then
        fail("gc/" .. file .. ".lua", "returns " .. type(loaded) .. ", not a table of specs")
    else
        for name, case in pairs(loaded) do
            if spec_owner[name] then
                fail(name, "specified twice (gc/" .. spec_owner[name] .. ".lua and gc/" .. file .. ".lua)")
            end
            specs[name], spec_owner[name] = case, file
        end
    end
end

-- One object of each kind, so that every metatable exists before it is listed.
local function make_samples()
    local samples = {memreg.new(8)}
    local function try(f) local ok, v = pcall(f) if ok then samples[#samples + 1] = v end end
    try(function() return memreg.heap():alloc(8) end)
    try(function() return memreg.arena():alloc(8) end)
    try(function()
        memreg.cdef("struct gc_sample { int x; };")
        return memreg.new(8):view("struct gc_sample")
    end)
    try(function() return memreg.typeof("struct gc_sample") end)
    try(function() return memreg.new(8):array("int", 2) end)
    return samples
end

local function coverage_names()
    local names = {}
    local function add(prefix, t, seen)
        for k, v in pairs(t) do
            if type(v) == "function" then
                names[prefix .. k] = true
            elseif type(v) == "table" and not seen[v] then
                seen[v] = true
                add(prefix .. k .. ".", v, seen)
            end
        end
    end
    add("memreg.", memreg, {})
    add("ffi.", require "memreg.ffi", {})  -- memreg.ffi: Lua over the region methods
    -- memreg.ffi's C data: the metamethods its C accessors give structs and arrays
    -- (ffi/access.hpp), as ffi.struct.__index, ffi.array.__newindex, ... (on PUC Lua:
    -- on LuaJIT C data are its ffi's, whose metamethods are LuaJIT's own)
    local ffi = require "memreg.ffi"
    ffi.cdef "typedef struct { int x; } gc_coverage_pt;"
    for kind, ct in pairs(jit and {} or {struct = "gc_coverage_pt", array = "gc_coverage_pt[2]"}) do
        for k, v in pairs(debug.getmetatable(ffi.new(ct))) do
            if type(v) == "function" and debug.getinfo(v, "S").what == "C" then
                names["ffi." .. kind .. "." .. k] = true
            end
        end
    end
    if not jit then  -- a walked array of aggregates: its element cache's __index
        local walked = ffi.new("gc_coverage_pt[3]")
        local _, _ = walked[0], walked[1]
        local f = debug.getmetatable(debug.getmetatable(walked).__index).__index
        if type(f) == "function" and debug.getinfo(f, "S").what == "C" then
            names["ffi.array.cache.__index"] = true
        end
    end
    if type(host) == "table" then add("host.", host, {}) end
    -- luaL_newmetatable files every metatable under its name on every version
    -- (__name is only set by 5.3+): the binding's memreg.registry_keys name them all.
    -- A "memreg." key that is not among them would escape this check: it fails.
    local kinds = {}
    for kind, key in pairs(memreg.registry_keys) do kinds[key] = kind end
    for key, mt in pairs(debug.getregistry()) do
        if type(key) == "string" and key:match("^memreg%.") and not kinds[key] then
            fail(key, "a registry key that memreg.registry_keys does not list")
        end
        local type_name = kinds[key]
        if type_name and type(mt) == "table" then
            for k, v in pairs(mt) do
                if type(v) == "function" then names[type_name .. "." .. k] = true end
            end
            local index = rawget(mt, "__index")
            if type(index) == "table" then
                for k, v in pairs(index) do
                    if type(v) == "function" then names[type_name .. "." .. k] = true end
                end
            end
        end
    end
    return names
end

local samples = make_samples()
local names = coverage_names()
samples = nil

local sorted = {}
for name in pairs(names) do sorted[#sorted + 1] = name end
table.sort(sorted)

local only = os.getenv("MEMREG_GC_ONLY")
local run_file = os.getenv("MEMREG_GC_RUN")  -- nil: every file; "none": coverage only
local function wanted(name)
    if only then return name:find(only) ~= nil end
    if run_file then return spec_owner[name] == run_file end
    return true
end
if run_file and run_file ~= "none" then
    local known = false
    for _, file in ipairs(spec_files) do known = known or file == run_file end
    if not known then fail("MEMREG_GC_RUN", "no spec file gc/" .. run_file .. ".lua") end
end
local check_coverage = not only and (run_file == nil or run_file == "none")
local covered = 0
for _, name in ipairs(sorted) do
    local case = specs[name]
    if case then
        covered = covered + 1
        if not wanted(name) then
            -- another test runs it
        elseif case.setup then
            run_case(name, case)
        else
            for i, c in ipairs(case) do run_case(name .. "#" .. i, c) end
        end
    elseif check_coverage then
        fail(name, "no GC-injection spec (add one in tests/lua/gc/)")
    end
end
for name in pairs(check_coverage and specs or {}) do
    -- host.* exist only in memreg-lua (the test runs there; a stock interpreter skips them)
    if not names[name] and not (name:match("^host%.") and type(host) ~= "table") then fail(name, "spec for a function the binding does not have") end
end

print(string.format("%d functions: %d covered; %d runs, %d with the hostile action inside the call",
                    #sorted, covered, runs, fired_runs))
if #failures > 0 then
    table.sort(failures)
    for _, f in ipairs(failures) do io.stderr:write("FAILED: ", f, "\n") end
    os.exit(1)
end
