// memreg/lua/struct_types.hpp — C types from Lua: memreg.cdef, memreg.typeof and the
// ctype userdata (struct_view.hpp has the views, struct.hpp sizeof/alignof/offsetof).
//
//   memreg.cdef[[ typedef struct { uint8_t red, green, blue, alpha; } rgba_pixel; ]]
//   local T = memreg.typeof("rgba_pixel")        -- a ctype: a parsed type, reusable
//   memreg.sizeof(T), memreg.alignof("double"), memreg.offsetof(T, "blue")
//
// Declarations are parsed by memreg's cdecl (the plain-data subset LuaJIT's ffi.cdef
// takes) into runtime layouts with the platform C ABI's sizes and offsets. Each Lua
// state has one registry of names, kept in the Lua registry, like ffi.cdef's.
// Wherever a type is expected, a type name ("rgba_pixel", "struct foo", "int[4]")
// or a ctype works; parsed names are cached, so passing a name in a loop is cheap.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "../cdecl.hpp"
#include "../layout.hpp"
#include "protect.hpp"
#include "userdata.hpp"

namespace memreg::lua {

/// Registry name of the metatable of ctypes (memreg.typeof's results).
inline constexpr const char* ctype_metatable = "memreg.ctype";

namespace detail {

/// Registry keys: the state's cdecl registry, and the name -> ctype cache.
inline constexpr const char* ctypes_key = "memreg.cdecl";
inline constexpr const char* ctype_cache_key = "memreg.ctype_cache";

template <class T>
int destroy_userdata(lua_State* L) {
    if (void* p = lua_touserdata(L, 1)) static_cast<T*>(p)->~T();
    return 0;
}

/// The state's cdecl registry, created on first use.
inline cdecl::registry& ctypes(lua_State* L) {
    lua_getfield(L, LUA_REGISTRYINDEX, ctypes_key);
    if (void* p = lua_touserdata(L, -1)) {
        lua_pop(L, 1);
        return *static_cast<cdecl::registry*>(p);
    }
    lua_pop(L, 1);
    void* p = lua_newuserdata(L, sizeof(cdecl::registry));
    auto* types = new (p) cdecl::registry();
    lua_newtable(L);
    lua_pushcfunction(L, destroy_userdata<cdecl::registry>);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, ctypes_key);
    return *types;
}

/// The ctype userdata at idx, or nullptr.
inline layout* to_ctype(lua_State* L, int idx) {
    void* p = lua_touserdata(L, idx);
    if (p == nullptr || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
        return nullptr;
    luaL_getmetatable(L, ctype_metatable);
    const bool same = lua_rawequal(L, -1, -2) != 0;
    lua_pop(L, 2);
    return same ? static_cast<layout*>(p) : nullptr;
}

inline int ctype_tostring(lua_State* L);
inline int ctype_eq(lua_State* L);

/// Pushes a new ctype (void until assigned) and returns it. Lua may raise "not
/// enough memory" here, so no C++ object with a destructor may be live.
inline layout& new_ctype(lua_State* L) {
    void* p = lua_newuserdata(L, sizeof(layout));
    auto* t = new (p) layout();
    if (luaL_newmetatable(L, ctype_metatable) != 0) {
        lua_pushcfunction(L, destroy_userdata<layout>);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, protect<ctype_tostring>);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, protect<ctype_eq>);
        lua_setfield(L, -2, "__eq");
        lua_pushstring(L, ctype_metatable);
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    return *t;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_cdecl(int arg, const char* fname,
                                                               const error& e) {
    throw_argument(arg, fname, e.what());
}

/// The type at argument arg: a ctype, or a type name (parsed once per state and
/// cached). The returned layout lives as long as the ctype on the stack or in the
/// cache does; copy it to keep it.
inline const layout& check_type(lua_State* L, int arg, const char* fname) {
    arg = absolute(L, arg);
    if (layout* t = to_ctype(L, arg)) return *t;
    if (lua_type(L, arg) != LUA_TSTRING) throw_type(L, arg, fname, "ctype or type name");
    lua_getfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    }
    lua_pushvalue(L, arg);
    lua_rawget(L, -2);
    if (layout* t = to_ctype(L, -1)) {
        lua_pop(L, 2);  // the cache keeps the ctype alive
        return *t;
    }
    lua_pop(L, 1);
    std::size_t n = 0;
    const char* name = lua_tolstring(L, arg, &n);
    layout& parsed = new_ctype(L);
    try {
        parsed = ctypes(L).type(std::string_view(name, n));
    } catch (const error& e) {
        throw_cdecl(arg, fname, e);
    }
    lua_pushvalue(L, arg);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);  // cache[name] = ctype
    layout* t = to_ctype(L, -1);
    lua_pop(L, 2);
    return *t;
}

/// memreg.cdef(text): adds the declarations' names (all or nothing). Definitions
/// change what a name means, so the name cache is dropped.
inline int module_cdef(lua_State* L) {
    constexpr const char* fname = "cdef";
    std::size_t n = 0;
    const char* text = check_string(L, 1, fname, n);
    cdecl::registry& types = ctypes(L);
    try {
        types.define(std::string_view(text, n));
    } catch (const error& e) {
        throw_cdecl(1, fname, e);
    }
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    return 0;
}

inline int ctype_tostring(lua_State* L) {
    const layout* t = to_ctype(L, 1);
    lua_pushfstring(L, "ctype<%s>", t == nullptr ? "?" : t->name().c_str());
    return 1;
}

inline int ctype_eq(lua_State* L) {
    const layout* a = to_ctype(L, 1);
    const layout* b = to_ctype(L, 2);
    lua_pushboolean(L, a != nullptr && b != nullptr && equivalent(*a, *b) && a->name() == b->name());
    return 1;
}

}  // namespace detail
}  // namespace memreg::lua
