-- The rgba image benchmark from LuaJIT's FFI documentation (LuaJIT's FFI tutorial): make a
-- green ramp of N pixels, then turn it grey ITER times. One variant per run:
--
--   lua5.4 image.lua VARIANT [side=400] [iterations=100]
--
-- VARIANT: tables      the pure-Lua version (a table of 4-field tables), with the
--                      pixel table hoisted into a local (the faster baseline)
--          tables_origin  the pure-Lua code exactly as in the FFI documentation
--                      (img[i] looked up six times per pixel)
--          array       memreg.cdef + r:array, fields by name (like the FFI code)
--          batched     memreg region, pixels read and written 1024 at a time
--          batched32   Lua 5.3+ only: the same, a pixel as one u32 taken apart with
--                      integer bit operations (a quarter of the values to move)
--          ffi         LuaJIT only: ffi.new("rgba_pixel[?]", n)
--          ffi_memreg  LuaJIT only: FFI over a memreg region (ffi.cast of r:ptr())
--          memreg_ffi  the FFI code as it is, with require "memreg.ffi" (every Lua)
--
-- Prints one line: variant, seconds, memory in KiB (Lua heap growth + bytes held
-- outside the Lua heap by memreg), and a checksum that all variants must agree on.
local variant = arg[1] or "tables"
local side = tonumber(arg[2] or 400)
local iterations = tonumber(arg[3] or 100)
local N = side * side
local floor = math.floor
local clock = os.clock

local ramp, grey, checksum
local outside = 0  -- bytes memreg holds outside the Lua heap

if variant == "tables_origin" then
    function ramp(n)
        local img = {}
        local f = 255 / (n - 1)
        for i = 1, n do
            img[i] = {red = 0, green = floor((i - 1) * f), blue = 0, alpha = 255}
        end
        return img
    end
    function grey(img, n)
        for i = 1, n do
            local y = floor(0.3 * img[i].red + 0.59 * img[i].green + 0.11 * img[i].blue)
            img[i].red = y; img[i].green = y; img[i].blue = y
        end
    end
    function checksum(img, n)
        local s = 0
        for i = 1, n do s = s + img[i].red + img[i].alpha end
        return s
    end
elseif variant == "tables" then
    function ramp(n)
        local img = {}
        local f = 255 / (n - 1)
        for i = 1, n do
            img[i] = {red = 0, green = floor((i - 1) * f), blue = 0, alpha = 255}
        end
        return img
    end
    function grey(img, n)
        for i = 1, n do
            local p = img[i]
            local y = floor(0.3 * p.red + 0.59 * p.green + 0.11 * p.blue)
            p.red = y; p.green = y; p.blue = y
        end
    end
    function checksum(img, n)
        local s = 0
        for i = 1, n do s = s + img[i].red + img[i].alpha end
        return s
    end
elseif variant == "batched32" then
    local memreg = require "memreg"
    -- 5.3+ syntax (& >> |), so it is compiled here rather than parsed by 5.1/LuaJIT.
    ramp, grey, checksum = assert(load([[
        local memreg, floor = ...
        local unpack = table.unpack
        local CHUNK = 1024
        local function ramp(n)
            local r = memreg.new(n * 4)
            local f = 255 / (n - 1)
            for i = 0, n - 1 do r:write_u32(i * 4, 0xff000000 | (floor(i * f) << 8), "le") end
            return r
        end
        local function grey(r, n)
            for first = 0, n - 1, CHUNK do
                local count = n - first < CHUNK and n - first or CHUNK
                local off = first * 4
                local w = {r:read_u32(off, count, "le")}
                for k = 1, count do
                    local v = w[k]
                    local y = floor(0.3 * (v & 0xff) + 0.59 * ((v >> 8) & 0xff) +
                                    0.11 * ((v >> 16) & 0xff))
                    w[k] = (v & 0xff000000) | y | (y << 8) | (y << 16)
                end
                w[count + 1] = "le"
                r:write_u32(off, unpack(w, 1, count + 1))
            end
        end
        local function checksum(r, n)
            local s = 0
            for i = 0, n - 1 do s = s + r:read_u8(i * 4) + r:read_u8(i * 4 + 3) end
            return s
        end
        return ramp, grey, checksum
    ]]))(memreg, floor)
    outside = N * 4
elseif variant == "array" or variant == "batched" then
    local memreg = require "memreg"
    memreg.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel; ]]
    if variant == "array" then
        function ramp(n)
            local r = memreg.new(n * memreg.sizeof("rgba_pixel"))
            outside = #r
            local img = r:array("rgba_pixel", n)
            local f = 255 / (n - 1)
            for i = 0, n - 1 do
                local p = img[i]
                p.green = floor(i * f)
                p.alpha = 255
            end
            return img
        end
        function grey(img, n)
            for i = 0, n - 1 do
                local p = img[i]
                local y = floor(0.3 * p.red + 0.59 * p.green + 0.11 * p.blue)
                p.red = y; p.green = y; p.blue = y
            end
        end
        function checksum(img, n)
            local s = 0
            for i = 0, n - 1 do s = s + img[i].red + img[i].alpha end
            return s
        end
    else
        local CHUNK = 1024  -- pixels per call: 4096 bytes, read_u8's batch limit
        local unpack = table.unpack or unpack
        function ramp(n)
            local r = memreg.new(n * 4)
            outside = #r
            local f = 255 / (n - 1)
            for i = 0, n - 1 do r:write_u8(i * 4, 0, floor(i * f), 0, 255) end
            return r
        end
        function grey(r, n)
            local px = {}
            for first = 0, n - 1, CHUNK do
                local count = n - first < CHUNK and n - first or CHUNK
                local off = first * 4
                local b = {r:read_u8(off, count * 4)}
                for k = 1, count * 4, 4 do
                    local y = floor(0.3 * b[k] + 0.59 * b[k + 1] + 0.11 * b[k + 2])
                    b[k] = y; b[k + 1] = y; b[k + 2] = y
                end
                r:write_u8(off, unpack(b, 1, count * 4))
            end
        end
        function checksum(r, n)
            local s = 0
            for i = 0, n - 1 do s = s + r:read_u8(i * 4) + r:read_u8(i * 4 + 3) end
            return s
        end
    end
elseif variant == "ffi" or variant == "ffi_memreg" or variant == "memreg_ffi" then
    -- memreg_ffi: the FFI program as it is, through require "memreg.ffi" (every Lua)
    local ffi = require(variant == "memreg_ffi" and "memreg.ffi" or "ffi")
    ffi.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel; ]]
    local keep  -- the memreg region behind the FFI pointer must stay referenced
    local function new_image(n)
        if variant == "ffi" then return ffi.new("rgba_pixel[?]", n) end
        if variant == "memreg_ffi" then
            outside = n * ffi.sizeof("rgba_pixel")
            return ffi.new("rgba_pixel[?]", n)
        end
        local memreg = require "memreg"
        keep = memreg.new(n * ffi.sizeof("rgba_pixel"))
        outside = #keep
        return ffi.cast("rgba_pixel*", keep:ptr())
    end
    function ramp(n)
        local img = new_image(n)
        local f = 255 / (n - 1)
        for i = 0, n - 1 do
            img[i].green = i * f
            img[i].alpha = 255
        end
        return img
    end
    function grey(img, n)
        for i = 0, n - 1 do
            local y = 0.3 * img[i].red + 0.59 * img[i].green + 0.11 * img[i].blue
            img[i].red = y; img[i].green = y; img[i].blue = y
        end
    end
    function checksum(img, n)
        local s = 0
        for i = 0, n - 1 do s = s + img[i].red + img[i].alpha end
        return s
    end
else
    error("unknown variant " .. variant)
end

collectgarbage(); collectgarbage()
local before = collectgarbage("count")
local start = clock()
local img = ramp(N)
for _ = 1, iterations do grey(img, N) end
local seconds = clock() - start
collectgarbage(); collectgarbage()
local kib = collectgarbage("count") - before + outside / 1024
print(string.format("%-10s %8.3f s %10.0f KiB  checksum %d", variant, seconds, kib, checksum(img, N)))
