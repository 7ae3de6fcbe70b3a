// The host side of memreg.buffer and struct views: a host's C function takes a Luau
// style buffer as a memreg region, and memory the host pushes is a buffer and can be
// viewed as a struct from Lua.
#include <memreg/lua.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

struct state {
    lua_State* L = luaL_newstate();
    state() {
        luaL_openlibs(L);
        lua_pushcfunction(L, memreg::lua::open);
        lua_call(L, 0, 1);
        lua_setglobal(L, "memreg");
    }
    ~state() { lua_close(L); }
    state(const state&) = delete;
    state& operator=(const state&) = delete;

    /// Runs code; "" on success, else the message.
    std::string run(const std::string& code) const {
        if (luaL_loadstring(L, code.c_str()) != 0 || lua_pcall(L, 0, 0, 0) != 0) {
            std::string message = lua_tostring(L, -1);
            lua_pop(L, 1);
            return message;
        }
        return "";
    }
};

/// A host function in plain Lua C API style: the sum of the bytes of a region.
int host_sum(lua_State* L) {
    const memreg::region r = memreg::lua::check_region(L, 1);
    lua_Number sum = 0;
    for (std::byte b : r) sum += std::to_integer<int>(b);
    lua_pushnumber(L, sum);
    return 1;
}

}  // namespace

TEST_CASE("a host function takes a memreg.buffer as a region", "[lua][buffer]") {
    state s;
    lua_register(s.L, "host_sum", host_sum);
    CHECK(s.run("local b = memreg.buffer.create(4)\n"
                "memreg.buffer.writeu32(b, 0, 0x01020304)\n"
                "assert(host_sum(b) == 10)\n"
                "assert(host_sum(b:sub(1, 2)) == 5)") == "");
    // to_region sees the buffer's bytes as they are.
    CHECK(s.run("buf = memreg.buffer.fromstring('abc')") == "");
    lua_getglobal(s.L, "buf");
    const memreg::region r = memreg::lua::to_region(s.L, -1);
    REQUIRE(r.size() == 3);
    CHECK(std::memcmp(r.data(), "abc", 3) == 0);
    lua_pop(s.L, 1);
    // Anything else is refused with the binding's message.
    CHECK(s.run("host_sum('abc')").find("region expected, got string") != std::string::npos);
}

TEST_CASE("host memory pushed to Lua is a buffer and can be viewed as a struct", "[lua][struct]") {
    struct pixel {
        std::uint8_t red, green, blue, alpha;
    };
    std::array<pixel, 2> pixels{};
    state s;
    memreg::lua::push_region(s.L, memreg::region(reinterpret_cast<std::byte*>(pixels.data()),
                                                 sizeof pixels));
    lua_setglobal(s.L, "host_pixels");
    CHECK(s.run("memreg.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } px; ]]\n"
                "local img = host_pixels:array('px', 2)\n"
                "img[1].green = 200\n"
                "memreg.buffer.writeu8(host_pixels, 3, 255)\n"
                "assert(img[0].alpha == 255)\n"
                "assert(memreg.buffer.len(host_pixels) == 8)") == "");
    CHECK(pixels[1].green == 200);
    CHECK(pixels[0].alpha == 255);
    // A read-only host region refuses writes through views and buffer functions.
    const std::array<std::uint8_t, 4> constant{1, 2, 3, 4};
    memreg::lua::push_region(s.L, memreg::const_region(reinterpret_cast<const std::byte*>(
                                                           constant.data()),
                                                       constant.size()));
    lua_setglobal(s.L, "host_constant");
    CHECK(s.run("assert(memreg.buffer.readu8(host_constant, 3) == 4)\n"
                "assert(host_constant:view('px').blue == 3)") == "");
    CHECK(s.run("memreg.buffer.writeu8(host_constant, 0, 9)")
              .find("writeu8(size=4): region is read-only") != std::string::npos);
    CHECK(s.run("host_constant:view('px').red = 9").find("view(size=4): region is read-only") !=
          std::string::npos);
    CHECK(s.run("host_constant:pack(0, 'B', 9)").find("pack(size=4): region is read-only") !=
          std::string::npos);
    CHECK(constant[0] == 1);
}
