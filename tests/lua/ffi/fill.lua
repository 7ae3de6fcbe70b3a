-- ffi.fill (LuaJIT's FFI tutorial). The original fills 20 bytes into a 5-byte array: LuaJIT
-- writes past it, memreg.ffi raises (the expected output is memreg's error).
local ffi = require("memreg.ffi")

local a = ffi.new("unsigned char[?]", 5)

ffi.fill(a, 20, 10)

for i=0, 4 do

  print(tonumber(a[i]))
end
