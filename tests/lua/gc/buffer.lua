-- GC-injection specs for memreg.buffer, Luau's buffer library (format: the top of
-- tests/lua/gc_injection.lua). A buffer is a region: the standard actions free and
-- resize it.
local memreg = require "memreg"
local buffer = memreg.buffer

local text = string.rep("0123456789abcdef", 128)
local function buf(n) return function() return {region = buffer.fromstring(text:sub(1, n or 64))} end end

local specs = {
    ["memreg.buffer.create"] = {setup = function() return {} end, call = function() return buffer.create(100) end},
    ["memreg.buffer.fromstring"] = {
        {setup = function() return {} end, call = function() return buffer.fromstring(text) end},
        {setup = function() return {} end, call = function() return buffer.fromstring(12345) end},
    },
    ["memreg.buffer.tostring"] = {
        {setup = buf(), call = function(o) return buffer.tostring(o.region) end},
        {setup = buf(2048), call = function(o) return buffer.tostring(o.region) end},
    },
    ["memreg.buffer.len"] = {setup = buf(), call = function(o) return buffer.len(o.region) end},
    ["memreg.buffer.readstring"] = {
        {setup = buf(), call = function(o) return buffer.readstring(o.region, 4, 30) end},
        {setup = buf(2048), call = function(o) return buffer.readstring(o.region, 8, 2000) end},
    },
    ["memreg.buffer.writestring"] = {
        {setup = buf(), call = function(o) buffer.writestring(o.region, 2, "hostile", 5) return o.region end},
        -- issue 9: the number is converted to a string (an allocation) inside the call
        {setup = buf(), call = function(o) buffer.writestring(o.region, 2, 12345.5) return o.region end},
    },
    ["memreg.buffer.copy"] = {
        {setup = buf(), call = function(o) buffer.copy(o.region, 1, o.region, 0, 40) return o.region end},
        {
            setup = function()
                local s = buffer.fromstring(text:sub(1, 64))
                return {region = buffer.create(64), source = s, parent = s}
            end,
            call = function(o) buffer.copy(o.region, 0, o.source, 4) return o.region end,
        },
    },
    ["memreg.buffer.fill"] = {setup = buf(), call = function(o) buffer.fill(o.region, 3, 0x41, 20) return o.region end},
    ["memreg.buffer.readbits"] = {setup = buf(), call = function(o) return buffer.readbits(o.region, 13, 29) end},
    ["memreg.buffer.writebits"] = {
        setup = buf(),
        call = function(o) buffer.writebits(o.region, 13, 29, 0x12345) return o.region end,
    },
}

for _, suffix in ipairs({"i8", "u8", "i16", "u16", "i32", "u32", "f32", "f64"}) do
    local read, write = buffer["read" .. suffix], buffer["write" .. suffix]
    specs["memreg.buffer.read" .. suffix] = {setup = buf(), call = function(o) return read(o.region, 8) end}
    specs["memreg.buffer.write" .. suffix] = {
        -- a numeric string is converted by the call too
        {setup = buf(), call = function(o) write(o.region, 8, 100) return o.region end},
        {setup = buf(), call = function(o) write(o.region, 8, "42") return o.region end},
    }
end

return specs
