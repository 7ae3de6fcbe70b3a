-- ffi.gc (LuaJIT's FFI tutorial): a finalizer on C data.
local ffi = require("memreg.ffi")

ffi.cdef[[
  typedef struct {
    double x;
    double y;
  } point_t;
]]

local point = ffi.new("point_t", {3.0, 4.0})
local p = ffi.gc(point, function()
      print("finalizer")
    end)

print(p.x, p.y)

p = nil

print("terminate")
