-- The heap blob program (after a LuaJIT FFI wrapper of Windows'
-- HeapCreate/HeapAlloc), with memreg: a heap object whose blobs free themselves
-- when collected, checked for validity and size, and resized.
local memreg = require "memreg"

-- CreateHeap(initialSize, maxSize): here memreg.heap{initial = …, max = …}.
local gheap = memreg.heap{initial = 64 * 1024, max = 1024 * 1024}

-- gheap:Alloc(1024)
local blob = gheap:alloc(1024)
print("Blob IsValid: ", blob:valid(), #blob)
assert(blob:valid() and #blob == 1024)

-- Do lots of fun things with the blob…
blob:write_string(0, "a blob of heap memory")
blob:write_u32(1020, 0xC0FFEE)

-- …resize it (the contents move with it)…
assert(blob:resize(4096))
print("Resized: ", blob:valid(), #blob, blob:read_cstring(0))
assert(#blob == 4096 and blob:read_u32(1020) == 0xC0FFEE)

-- …and the heap's maximum is enforced: a blob that does not fit is nil plus why.
local too_big, why = gheap:alloc(2 * 1024 * 1024)
print("Too big: ", too_big, why)
assert(too_big == nil and why:find("no room", 1, true))

local stats = gheap:stats()
print("Live blocks: ", stats.live_blocks, "live bytes: ", stats.live_bytes)
assert(stats.live_blocks == 1 and stats.live_bytes == 4096)

-- Get rid of it by setting the reference to nil: the collector frees it.
blob = nil
collectgarbage()
collectgarbage()
stats = gheap:stats()
print("After collectgarbage(): live blocks: ", stats.live_blocks, "peak bytes: ", stats.peak_bytes)
assert(stats.live_blocks == 0 and stats.live_bytes == 0)
assert(gheap:validate())
print("heap_blob: ok")
