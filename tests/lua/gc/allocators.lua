-- GC-injection specs for memreg.heap / memreg.arena and their methods (driver and
-- format: tests/lua/gc_injection.lua). Besides the standard actions (drop the heap,
-- reset the arena), `collect` runs the object's own __gc from the finalizer (as a
-- finalizer that reaches a dying heap can): the call must then raise "used after
-- it was collected", never use the freed allocator.
local memreg = require "memreg"

local function collect(field)
    return function(o)
        local object = o[field]
        if object ~= nil then debug.getmetatable(object).__gc(object) end
    end
end

local function heap() return {heap = memreg.heap()} end
local function arena()
    local a = memreg.arena(1024)
    return {arena = a, region = a:alloc(2048)}
end

local collect_heap = {collect = collect("heap")}
local collect_arena = {collect = collect("arena")}

return {
    ["memreg.heap"] = {
        setup = function() return {} end,
        call = function() return memreg.heap{initial = 4096, max = 1048576} end,
        result = function(h) return h:stats().maximum_bytes end,
    },
    ["memreg.arena"] = {
        setup = function() return {} end,
        call = function() return memreg.arena(2048) end,
        result = function(a) return #a:alloc(16) end,
    },
    ["heap.alloc"] = {
        {setup = heap, call = function(o) return o.heap:alloc(256) end, actions = collect_heap},
        -- A bounded heap that says no: the message is made after the lookup.
        {setup = function() return {heap = memreg.heap{max = 65536}} end,
         call = function(o) return o.heap:alloc(1048576) end, actions = collect_heap},
    },
    ["heap.stats"] = {setup = heap, call = function(o) return o.heap:stats().live_blocks end,
                      actions = collect_heap},
    ["heap.validate"] = {setup = heap, call = function(o) return o.heap:validate() end,
                         actions = collect_heap},
    ["heap.__gc"] = {
        setup = heap,
        call = function(o) return debug.getmetatable(o.heap).__gc(o.heap) end,
        actions = collect_heap,
    },
    ["arena.alloc"] = {setup = arena, call = function(o) return o.arena:alloc(512) end,
                       actions = collect_arena},
    ["arena.reset"] = {setup = arena, call = function(o) return o.arena:reset() end,
                       actions = collect_arena},
    ["arena.__gc"] = {
        setup = arena,
        call = function(o) return debug.getmetatable(o.arena).__gc(o.arena) end,
        actions = collect_arena,
    },
}
