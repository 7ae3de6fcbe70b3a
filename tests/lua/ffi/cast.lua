-- ffi.cast (LuaJIT's FFI tutorial): pointers from scalars, numbers from pointers.
local ffi = require "memreg.ffi"

local a = ffi.new("int", 1)
local b = ffi.new("int", 2)
local arr = ffi.new("int[?]", 2, 100, 200)

local pa = ffi.cast("int *", a)
local pb = ffi.cast("int *", b)

local c = ffi.cast("int", pa)
local d = ffi.cast("int", pb)

print(tonumber(c), tonumber(d), tonumber(arr[0]), tonumber(arr[1]))   -->1      2     100     200
