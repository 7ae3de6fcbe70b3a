-- Mapped files from Lua: memreg.createfile, memreg.map in every mode, r:flush, and misuse.
local t = require "harness"
local memreg = require "memreg"

local dir = os.getenv("MEMREG_TEST_DIR") or "."
local path = dir .. "/files_test_" .. t.version .. ".bin"
os.remove(path)

local function slurp(p)
    local f = assert(io.open(p, "rb"))
    local s = f:read("*a")
    f:close()
    return s
end

t.test("memreg.create is the deprecated name of memreg.createfile", function()
    t.eq(memreg.create, memreg.createfile)
end)

t.test("createfile maps a new zero-filled file read_write; writes reach the file", function()
    local r = memreg.createfile(path, 8)
    t.eq(#r, 8)
    t.eq(r:tostring(), ("\0"):rep(8))
    assert(tostring(r):find("8 bytes, file"))
    r:write_string(0, "memreg!!")
    t.eq(r:flush(), r)
    t.eq(slurp(path), "memreg!!")
    r:free()
    t.eq(r:valid(), false)
    -- The message is the file layer's (read_write_file::create).
    t.raises("create(path=" .. path .. ", size=4)", memreg.createfile, path, 4)
end)

t.test("map read_only gives a read-only region", function()
    local r = memreg.map(path)
    t.eq(r:tostring(), "memreg!!")
    assert(tostring(r):find("read-only", 1, true))
    t.raises("write_u8(size=8): region is read-only", r.write_u8, r, 0, 1)
    t.raises("fill(size=8): region is read-only", r.fill, r, 0)
    t.raises("copy(size=8): region is read-only", r.copy, r, 0, "x")
    t.raises("write_string(size=8): region is read-only", r.write_string, r, 0, "x")
    local s = r:sub(2, 2)
    t.raises("write_u8(size=2): region is read-only", s.write_u8, s, 0, 1)
    t.eq(s:tostring(), "mr")
    t.raises("resize(size=16): a mapped file cannot be resized from Lua", r.resize, r, 16)
    r:flush()  -- nothing to write back: a no-op
    r = memreg.map(path, "read_only")
    t.eq(r:read_u8(0), ("m"):byte())
end)

t.test("map read_write writes through; copy_on_write never does", function()
    local w = memreg.map(path, "w")
    w:write_string(0, "MEM")
    w:flush()
    t.eq(slurp(path), "MEMreg!!")
    local c = memreg.map(path, "c")
    c:write_string(0, "xyz")
    t.eq(c:tostring(0, 3), "xyz")
    c:flush()
    t.eq(slurp(path), "MEMreg!!")
    c:free(); w:free()
end)

t.test("the mapping lives while a sub-region does", function()
    local s = memreg.map(path):sub(3, 3)
    collectgarbage(); collectgarbage()
    t.eq(s:tostring(), "reg")
end)

t.test("file errors name the operation, the path and the reason", function()
    local missing = dir .. "/no such file " .. t.version
    local err = t.raises("path=" .. missing, memreg.map, missing)
    assert(err:find("No such file or directory"), err)
    t.raises("bad argument #2 to 'map' (mode must be 'r' (read_only), 'w' (read_write) or 'c' " ..
             "(copy_on_write), got 'x')", memreg.map, path, "x")
    t.raises("bad argument #1 to 'map' (string expected, got nil)", memreg.map, nil)
    t.raises("bad argument #2 to 'createfile' (size must not be negative, got -1)",
             memreg.createfile, path .. ".new", -1)
end)

t.test("a path with a NUL byte is refused, not cut short", function()
    local f = assert(io.open(path, "wb")); f:write("exists"); f:close()
    t.raises("bad argument #1 to 'map' (path contains a NUL byte at " .. #path,
             memreg.map, path .. "\0.txt")
    t.raises("bad argument #1 to 'createfile' (path contains a NUL byte at 0", memreg.createfile, "\0", 4)
    t.eq(memreg.map(path):tostring(), "exists")
end)

t.test("a file truncated under its mapping makes the region invalid, not SIGBUS", function()
    local invalid = "region is invalid"
    for _, mode in ipairs{"r", "w", "c"} do
        local f = assert(io.open(path, "wb")); f:write(("x"):rep(10000)); f:close()
        local r = memreg.map(path, mode)
        local s = r:sub(8192, 16)
        t.eq(r:read_u8(9999), 120)
        assert(io.open(path, "wb")):close()  -- the same program empties the file
        t.eq(r:valid(), false, mode)
        t.eq(s:valid(), false, mode)
        t.raises(invalid, r.read_u8, r, 9999)
        t.raises(invalid, s.tostring, s)
        t.raises(invalid, r.unpack, r, 0, "b")
        t.raises(invalid, r.flush, r)
        -- It stays invalid even when the file grows back.
        f = assert(io.open(path, "wb")); f:write(("y"):rep(10000)); f:close()
        t.eq(r:valid(), false, mode)
        r:free()
    end
    -- A file that only grows keeps its mapping valid.
    local r = memreg.map(path)
    local f = assert(io.open(path, "ab")); f:write("more"); f:close()
    t.eq(r:valid(), true)
    t.eq(r:read_u8(0), ("y"):byte())
end)

os.remove(path)
t.done()
