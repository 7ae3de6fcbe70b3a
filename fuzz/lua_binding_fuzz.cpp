// libFuzzer harness for the Lua binding: the input bytes are decoded into a random
// sequence of binding calls (regions, sub-regions, buffers, pack/unpack, struct
// views, frees, resizes, collections) with offsets, sizes, values and formats picked
// from sets that include every edge: 0, the size, size + 1, -1, 2^31, 2^53, NaN,
// inf, fractions, wrong types. Each call runs in its own lua_pcall, so Lua errors
// are expected and ignored; what the fuzzer looks for is a crash, a sanitizer
// report or a leak — anything from Lua that gets past the binding's checks.
//
//   lua_binding_fuzz -runs=20000 [corpus dir]
#include <memreg/lua.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <stdlib.h>

namespace {

/// Reads the input a byte at a time; 0 once it is used up.
class input {
public:
    input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    [[nodiscard]] bool more() const { return pos_ < size_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    template <std::size_t N>
    const char* pick(const char* const (&choices)[N]) {
        return choices[byte() % N];
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

constexpr int slots = 8;  // objs[1..slots] hold what the calls make

// Numbers and values where the bugs live. Allocation sizes are kept small (the
// fuzzer's malloc limit would report a 4 GiB region as a crash); offsets are not.
const char* const sizes[] = {"0",   "1",   "3",   "4",   "8",   "16",   "17",  "64", "100", "4096",
                             "-1",  "1.5", "0/0", "2^53", "2^62", "'8'", "nil", "{}"};
// buffer.create refuses more than 1 GiB before allocating; 2^31 is INT_MIN to Luau.
const char* const buffer_sizes[] = {"0", "1", "4", "17", "-1", "1.5", "2^30 + 1", "2^31", "0/0",
                                    "'x'"};
const char* const lengths[] = {"0", "1", "4", "7", "16", "100", "-1", "1.5", "nil"};  // string.rep
const char* const offsets[] = {"0",     "1",      "2",     "3",    "4",     "7",      "8",
                               "15",    "16",     "17",    "63",   "64",    "-1",     "-8",
                               "2^31",  "-2^31",  "2^31 - 1", "2^32", "2^53", "2^63", "-2^63",
                               "0/0",   "1/0",    "-1/0",  "0.5",  "'x'",   "nil",    "true",
                               "#objs[1]", "#objs[2] - 1", "#objs[3] + 1"};
const char* const values[] = {"0",    "1",   "-1",  "127",   "128",  "255",   "256",   "-129",
                              "65535", "2^31", "2^32", "2^53", "2^63", "-2^63", "1.5",  "-0.0",
                              "0/0",  "1/0", "1e300", "'abc'", "''",  "'a\\0b'", "nil", "true",
                              "{}",   "objs[1]", "objs[2]"};
const char* const format_parts[] = {"<",  ">",  "=",  "!",   "!4",  "!16", "b",  "B",  "h",
                                    "H",  "i",  "I3", "i16", "I9",  "l",   "j",  "J",  "T",
                                    "f",  "d",  "n",  "s1",  "s",   "z",   "x",  "Xi4", "c3",
                                    "c0", "c",  "X",  "i17", " ",   "Xd",  "y",  "s2"};
const char* const scalars[] = {"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "f32", "f64"};
const char* const luau_types[] = {"i8", "u8", "i16", "u16", "i32", "u32", "f32", "f64"};
const char* const types[] = {"'rgba_pixel'", "'struct node'", "'union number'", "'double'",
                             "'uint8_t[3]'", "'void'", "'nosuch'", "memreg.typeof('rgba_pixel')",
                             "7"};
const char* const keys[] = {"'red'",  "'alpha'", "'next'",  "'value'", "'pad'", "'inner'",
                            "'f'",    "'bytes'", "'nosuch'", "0",      "1",     "3",
                            "-1",     "2^31",    "0/0",      "1.5",    "true",  "'x'"};
const char* const declarations[] = {
    "typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;",
    "typedef struct { int x } broken;",
    "struct a { struct a inner; };",
    "typedef char big[4294967296];",
    "union u2 { double d; uint8_t b[8]; };",
    "#pragma pack(1)\nstruct p1 { char c; double d; };",
    "struct { int",
    "typedef int t1; typedef t1 t2[2][3];",
};

const char* const modes[] = {"'r'", "'w'", "'c'", "'x'", "nil"};

std::string slot(input& in);

/// What a finalizer does when it fires: free, resize, reset, drop, truncate a mapped
/// file, or call back into the binding.
std::string hostile(input& in) {
    const std::string a = slot(in);
    switch (in.byte() % 7) {
        case 0: return a + ":free()";
        case 1: return a + ":resize(" + std::string(in.pick(sizes)) + ")";
        case 2: return "allocator:reset()";
        case 3: return "allocator = nil; " + a + " = nil";
        case 4: return "io.open(path(" + std::to_string(in.byte() % 3) + "), 'wb'):close()";
        case 5: return "debug.getmetatable(" + a + ").__gc(" + a + ")";
        default: return a + " = " + slot(in) + ":sub(1)";
    }
}

std::string slot(input& in) { return "objs[" + std::to_string(in.byte() % slots + 1) + "]"; }

std::string format(input& in) {
    std::string f;
    for (int n = in.byte() % 5; n >= 0; --n) f += in.pick(format_parts);
    return "'" + f + "'";
}

/// One Lua statement from the input.
std::string statement(input& in) {
    const std::string a = slot(in);
    const std::string b = slot(in);
    switch (in.byte() % 50) {
        case 0: return a + " = memreg.new(" + in.pick(sizes) + ")";
        case 1: return a + " = memreg.buffer.create(" + in.pick(buffer_sizes) + ")";
        case 2: return a + " = memreg.fromstring(string.rep('x', " + in.pick(lengths) + "))";
        case 3: return a + " = " + b + ":sub(" + in.pick(offsets) + ", " + in.pick(offsets) + ")";
        case 4: return a + ":free()";
        case 5: return a + ":resize(" + in.pick(sizes) + ")";
        case 6:
            return a + ":pack(" + in.pick(offsets) + ", " + format(in) + ", " + in.pick(values) +
                   ", " + in.pick(values) + ", " + in.pick(values) + ")";
        case 7: return a + ":unpack(" + in.pick(offsets) + ", " + format(in) + ")";
        case 8:
            return std::string("memreg.buffer.read") + in.pick(luau_types) + "(" + a + ", " +
                   in.pick(offsets) + ")";
        case 9:
            return std::string("memreg.buffer.write") + in.pick(luau_types) + "(" + a + ", " +
                   in.pick(offsets) + ", " + in.pick(values) + ")";
        case 10:
            return "memreg.buffer.copy(" + a + ", " + in.pick(offsets) + ", " + b + ", " +
                   in.pick(offsets) + ", " + in.pick(offsets) + ")";
        case 11:
            return "memreg.buffer.fill(" + a + ", " + in.pick(offsets) + ", " + in.pick(values) +
                   ", " + in.pick(offsets) + ")";
        case 12:
            return "memreg.buffer.writebits(" + a + ", " + in.pick(offsets) + ", " +
                   in.pick(offsets) + ", " + in.pick(values) + ")";
        case 13:
            return "memreg.buffer.readbits(" + a + ", " + in.pick(offsets) + ", " +
                   in.pick(offsets) + ")";
        case 14:
            return "memreg.buffer.writestring(" + a + ", " + in.pick(offsets) + ", " +
                   in.pick(values) + ", " + in.pick(offsets) + ")";
        case 15:
            return "local _ = memreg.buffer.readstring(" + a + ", " + in.pick(offsets) + ", " +
                   in.pick(offsets) + ")";
        case 16:
            return a + " = " + b + ":view(" + in.pick(types) + ", " + in.pick(offsets) + ")";
        case 17:
            return a + " = " + b + ":array(" + in.pick(types) + ", " + in.pick(offsets) + ", " +
                   in.pick(offsets) + ")";
        case 18: return "local _ = " + a + "[" + in.pick(keys) + "]";
        case 19: return a + "[" + in.pick(keys) + "] = " + in.pick(values);
        case 20:
            return std::string("local _ = ") + a + ":read_" + in.pick(scalars) + "(" +
                   in.pick(offsets) + ", " + in.pick(offsets) + ")";
        case 21:
            return a + ":write_" + std::string(in.pick(scalars)) + "(" + in.pick(offsets) + ", " +
                   in.pick(values) + ", " + in.pick(values) + ")";
        case 22: return std::string("memreg.cdef[[") + in.pick(declarations) + "]]";
        // Allocators: regions from a bounded heap and an arena, whose reset
        // invalidates every region (and view) made from it.
        case 23: return "allocator = memreg.heap{initial = 256, max = 4096}";
        case 24: return "allocator = memreg.arena(" + std::string(in.pick(sizes)) + ")";
        case 25: return a + " = allocator:alloc(" + in.pick(sizes) + ")";
        case 26: return "allocator:reset()";
        // Issue 9's mechanism: a perpetual finalizer that performs a hostile action at
        // its k-th run, which with the eager collector lands inside a binding call.
        case 28: return "arm(" + std::to_string(in.byte() % 16 + 1) + ", function() " + hostile(in) + " end)";
        case 29: return "collectgarbage('step', " + std::to_string(in.byte() % 4) + ")";
        // Objects used after their own __gc (the raw metamethod, reached through debug).
        case 30: return "debug.getmetatable(" + a + ").__gc(" + b + ")";
        case 31: return "local _ = #" + a + ", tostring(" + a + "), memreg.sizeof(" + a + ")";
        case 32: return a + " = memreg.createfile(path(" + std::to_string(in.byte() % 3) + "), " + in.pick(sizes) + ")";
        case 33: return a + " = memreg.map(path(" + std::to_string(in.byte() % 3) + "), " + in.pick(modes) + ")";
        // The rest of the region methods and the module's type queries.
        case 27:
            return a + ":copy(" + std::string(in.pick(offsets)) + ", " + b + ", " +
                   in.pick(offsets) + ", " + in.pick(offsets) + ")";
        case 34:
            return a + ":fill(" + std::string(in.pick(values)) + ", " + in.pick(offsets) + ", " +
                   in.pick(offsets) + ")";
        case 35: return a + ":clear(" + std::string(in.pick(offsets)) + ", " + in.pick(offsets) + ")";
        case 36:
            return "local _ = " + a + ":tostring(" + in.pick(offsets) + ", " + in.pick(offsets) +
                   ")";
        case 37:
            return a + ":write_string(" + std::string(in.pick(offsets)) + ", " + in.pick(values) +
                   ", " + in.pick(offsets) + ")";
        case 38: return "local _ = " + a + ":read_cstring(" + in.pick(offsets) + ")";
        case 39:
            return a + ":write_cstring(" + std::string(in.pick(offsets)) + ", " + in.pick(values) +
                   ")";
        case 40: return a + ":write_ptr(" + std::string(in.pick(offsets)) + ", " + b + ")";
        case 41: return "local _ = " + a + ":read_ptr(" + in.pick(offsets) + "), " + a + ":ptr()";
        case 42: return a + ":flush()";
        case 43:
            return std::string("local _ = memreg.offsetof(") + in.pick(types) + ", " +
                   in.pick(keys) + "), memreg.alignof(" + in.pick(types) + "), memreg.typeof(" +
                   a + ")";
        case 44: return std::string("local _ = memreg.packsize(") + format(in) + ")";
        case 45:
            return "local _ = allocator.stats and allocator:stats(), allocator.validate and "
                   "allocator:validate()";
        case 46: return "local _ = " + a + ":valid(), memreg.isregion(" + a + "), memreg.buffer.len(" + a + ")";
        case 47: return "do local c <close> = " + a + " end";
        default: return in.byte() % 2 == 0 ? "collectgarbage()" : a + " = nil";
    }
}

}  // namespace

// Mapped files live in a directory of their own, made once per process.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    static char dir[] = "/tmp/memreg-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) __builtin_trap();
    setenv("MEMREG_FUZZ_DIR", dir, 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lua_State* L = luaL_newstate();
    if (L == nullptr) return 0;
    luaL_openlibs(L);
    lua_pushcfunction(L, memreg::lua::open);
    lua_call(L, 0, 1);
    lua_setglobal(L, "memreg");
    const char* setup =
        "objs = {}\n"
        "function path(i) return os.getenv('MEMREG_FUZZ_DIR') .. '/f' .. i end\n"
        "function arm(k, action)\n"
        "  local count, mt = 0, {}\n"
        "  mt.__gc = function() count = count + 1\n"
        "    if count == k then pcall(action) end; setmetatable({}, mt) end\n"
        "  setmetatable({}, mt)\n"
        "end\n"
        // Eager: a step at (nearly) every allocation; not on the torture Lua (RULES).
        "if not os.getenv('MEMREG_LUA_TORTURE') then collectgarbage('incremental', 10, 1000, 0) end\n"
        "allocator = memreg.arena(64)\n"
        "memreg.cdef[[\n"
        "typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel;\n"
        "struct node { struct node *next; double value; uint16_t pad[3];\n"
        "              struct { int32_t f; } inner; };\n"
        "union number { int32_t i; float f; uint8_t bytes[4]; };\n"
        "]]\n";
    if (luaL_dostring(L, setup) != 0) __builtin_trap();  // the binding itself is broken
    input in(data, size);
    for (int n = 0; n < 64 && in.more(); ++n) {
        const std::string code = statement(in);
        if (std::getenv("MEMREG_FUZZ_PRINT") != nullptr) std::fprintf(stderr, "%s\n", code.c_str());
        if (luaL_loadstring(L, code.c_str()) == 0) lua_pcall(L, 0, 0, 0);
        lua_settop(L, 0);
    }
    lua_close(L);
    return 0;
}
