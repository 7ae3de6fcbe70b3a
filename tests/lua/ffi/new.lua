-- ffi.new and ctype constructors (LuaJIT's FFI tutorial), without the C library calls.
local ffi = require "memreg.ffi"
ffi.cdef[[
  struct point{
      int x;
      int y;
  };
  typedef struct point *pointp;
]]

local ct = ffi.typeof("int")
local a = ffi.new(ct, 10)
local b = ffi.new("int", 20)
print("ffi.new():", type(ct), ct, tostring(a):match("^cdata<int>"), a + b)

local ct1 = ffi.typeof("struct point")
local ct2 = ffi.typeof("struct point *[?]")

local pa = ct1({1,1})
local pb = ct1({2,2})

local pts = ffi.new(ct2, 2, ffi.cast("struct point *", pa), ffi.cast("struct point *", pb))
print(pts[0].x + pts[1].x, pts[0].y + pts[1].y)
print(ct1, ct2, ffi.sizeof(pts))
