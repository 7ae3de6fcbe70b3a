-- RiscLua-style fixed buffers: memory that never moves, written and
-- read at byte offsets — C strings, 32-bit words, and the address of another buffer
-- — and handed to a C function of the host by address, the way RiscLua handed its
-- register blocks to SWI calls. Runs in memreg-lua, whose `host` table holds the
-- C functions.
local memreg = require "memreg"

-- dim(n): a fixed buffer of n bytes. A memreg region never moves: its address is
-- the same for its whole life, so C code may keep it.
local message = memreg.new(64)
local regs = memreg.new(32)               -- like RiscLua's 8-register block

-- A C string, and the words and pointer an OS call would read.
local after = message:write_cstring(0, "Hello from a fixed buffer")
regs:write_u32(0, 0x400C0)                -- R0: a reason code
regs:write_u32(4, after - 1)              -- R1: the string length
regs:write_ptr(8, message)                -- R2 (64-bit): the address of the message buffer
regs:write_u32(16, 0xFFFFFFFF)            -- R4: a flag word

-- Read everything back.
assert(regs:read_u32(0) == 0x400C0)
assert(regs:read_u32(4) == #"Hello from a fixed buffer")
assert(regs:read_ptr(8) == message:ptr())
assert(regs:read_i32(16) == -1 and regs:read_u32(16) == 0xFFFFFFFF)
assert(message:read_cstring(0) == "Hello from a fixed buffer")
print(("R0=%#x R1=%d R2=%s string=%q"):format(regs:read_u32(0), regs:read_u32(4),
      tostring(regs:read_ptr(8)), message:read_cstring(0)))

-- The address does not change while the buffer lives, whatever Lua does meanwhile.
local address = message:ptr()
local garbage = {}
for i = 1, 10000 do garbage[i] = {i} end
garbage = nil
collectgarbage()
assert(message:ptr() == address)

-- Pass the buffer to C: by raw address and length (like an OS call), and as a
-- region (the host checks it with memreg::lua::check_region).
local by_address = host.checksum(message:ptr(), #message)
local by_region = host.checksum_region(message)
print(("checksum by address: %d, by region: %d"):format(by_address, by_region))
assert(by_address == by_region)
message:write_u8(0, ("J"):byte())
assert(host.checksum(message:ptr(), #message) ~= by_address)

-- Unlike RiscLua's raw pointers, misuse is an error, not a crash.
local ok, err = pcall(regs.write_u32, regs, 30, 1)
print("out of range: ", err)
assert(not ok and err:find("write_u32(offset=30, count=4): outside region of size 32", 1, true))
message:free()
ok, err = pcall(message.read_cstring, message, 0)
print("after free: ", err)
assert(not ok and err:find("region is invalid", 1, true))
print("fixed_buffers: ok")
