-- The rgba image program from LuaJIT's FFI documentation (LuaJIT's FFI tutorial), written
-- with memreg: a C struct declared with memreg.cdef, an image of N pixels as
-- r:array("rgba_pixel", N) indexed from 0 like an FFI array, and a fast variant
-- that moves pixels in and out of Lua many at a time with batched reads and writes.
-- Runs on Lua 5.1–5.4 and LuaJIT; checks its own results and exits non-zero if
-- they are wrong.
--
--   lua5.4 image.lua [side=64] [iterations=3]
local memreg = require "memreg"

local side = tonumber(arg and arg[1]) or 64
local iterations = tonumber(arg and arg[2]) or 3
local N = side * side
local floor = math.floor
local unpack = table.unpack or unpack

memreg.cdef[[
typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;
]]

-- 1. The FFI program, almost line for line. Two differences from the FFI: the
--    region is zero-filled as ffi.new is, and stores are checked rather than C
--    casts, so the fractional values are floored before they go in (storing 1.5
--    into a uint8_t raises an error instead of truncating).
local function image_ramp_green(n)
    local img = memreg.new(n * memreg.sizeof("rgba_pixel")):array("rgba_pixel", n)
    local f = 255 / (n - 1)
    for i = 0, n - 1 do
        img[i].green = floor(i * f)
        img[i].alpha = 255
    end
    return img
end

local function image_to_grey(img, n)
    for i = 0, n - 1 do
        local p = img[i]
        local y = floor(0.3 * p.red + 0.59 * p.green + 0.11 * p.blue)
        p.red = y; p.green = y; p.blue = y
    end
end

-- 2. The fast variant: the same bytes as a plain region, pixels moved 1024 at a time
--    (4096 bytes: one read_u8 call returns them all, one write_u8 call stores them).
local CHUNK = 1024

local function ramp_batched(n)
    local r = memreg.new(n * 4)
    local f = 255 / (n - 1)
    for i = 0, n - 1 do r:write_u8(i * 4, 0, floor(i * f), 0, 255) end
    return r
end

local function grey_batched(r, n)
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

-- What every pixel must be after the ramp and one or more grey passes.
local function expected(i, n)
    local g = floor(i * (255 / (n - 1)))
    return floor(0.3 * 0 + 0.59 * g + 0.11 * 0)
end

local img = image_ramp_green(N)
local fast = ramp_batched(N)
for _ = 1, iterations do
    image_to_grey(img, N)
    grey_batched(fast, N)
end

-- One pass turns the ramp grey; later passes leave grey pixels as they are
-- (0.3y + 0.59y + 0.11y floors back to y only up to rounding, so compare to a
-- reference that runs the same passes).
local ref = {}
for i = 0, N - 1 do
    local y = expected(i, N)
    for _ = 2, iterations do y = floor(0.3 * y + 0.59 * y + 0.11 * y) end
    ref[i] = y
end

local bad = 0
for i = 0, N - 1 do
    local p = img[i]
    local y = ref[i]
    if p.red ~= y or p.green ~= y or p.blue ~= y or p.alpha ~= 255 then bad = bad + 1 end
    local r, g, b, a = fast:read_u8(i * 4, 4)
    if r ~= y or g ~= y or b ~= y or a ~= 255 then bad = bad + 1 end
end

-- The same memory seen both ways: the array's region is 4 bytes a pixel.
local view_bytes = memreg.sizeof(img)
print(string.format("%d pixels, %d grey passes: r:array and batched agree (%d bytes of pixels)",
                    N, iterations, view_bytes))
if bad ~= 0 then
    io.stderr:write(bad, " wrong pixels\n")
    os.exit(1)
end
