// memreg-lua: a tiny Lua host with the binding built in, used to run memreg's Lua
// tests and examples where a stock interpreter cannot be used (sanitizer builds,
// whose instrumented code cannot be loaded into an uninstrumented interpreter) and
// to show the host side of the binding: C functions of the host that take memory
// from Lua.
//
//   memreg-lua script.lua [args...]
//
// Globals it adds: `host.checksum(ptr, n)` — a C-style function taking a raw
// address (r:ptr()) and a length, the way an OS call takes a buffer; and
// `host.checksum_region(r)` — the same over a region, checked by
// memreg::lua::check_region.
#include <memreg/lua.hpp>
#include <memreg/lua/ffi.hpp>

#include <cstdint>
#include <cstdio>

namespace {

/// FNV-1a over n bytes at p: what a C library would do with a buffer.
std::uint32_t fnv1a(const unsigned char* p, std::size_t n) {
    std::uint32_t h = 2166136261u;
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

int checksum(lua_State* L) {
    luaL_checktype(L, 1, LUA_TLIGHTUSERDATA);
    const auto n = static_cast<std::size_t>(luaL_checknumber(L, 2));
    const auto* p = static_cast<const unsigned char*>(lua_touserdata(L, 1));
    lua_pushnumber(L, fnv1a(p, n));
    return 1;
}

int checksum_region(lua_State* L) {
    const memreg::const_region r = memreg::lua::check_const_region(L, 1);
    lua_pushnumber(L, fnv1a(reinterpret_cast<const unsigned char*>(r.data()), r.size()));
    return 1;
}

int traceback(lua_State* L) {
    // debug.traceback exists on every version (luaL_traceback is 5.2+).
    lua_getglobal(L, "debug");
    if (!lua_istable(L, -1)) return 1;
    lua_getfield(L, -1, "traceback");
    lua_pushvalue(L, 1);
    lua_pushinteger(L, 2);
    lua_call(L, 2, 1);
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s script.lua [args...]\n", argv[0]);
        return 2;
    }
    lua_State* L = luaL_newstate();
    if (L == nullptr) return 1;
    luaL_openlibs(L);
    memreg::lua::preload_ffi(L);  // require "memreg" and "memreg.ffi"

    lua_newtable(L);
    lua_pushcfunction(L, checksum);
    lua_setfield(L, -2, "checksum");
    lua_pushcfunction(L, checksum_region);
    lua_setfield(L, -2, "checksum_region");
    lua_setglobal(L, "host");

    lua_newtable(L);  // arg, as the stock interpreters set it
    for (int i = 0; i < argc; ++i) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - 1);
    }
    lua_setglobal(L, "arg");

    lua_pushcfunction(L, traceback);
    int status = luaL_loadfile(L, argv[1]);
    if (status == 0) status = lua_pcall(L, 0, 0, -2);
    if (status != 0) std::fprintf(stderr, "%s\n", lua_tostring(L, -1));
    lua_close(L);
    return status == 0 ? 0 : 1;
}
