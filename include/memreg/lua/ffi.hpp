// memreg/lua/ffi.hpp — `require "memreg.ffi"`: LuaJIT's FFI C-data API (cdef, new,
// typeof, metatype, cast, sizeof, string, copy, fill, gc, ...) on every Lua, over
// memreg regions, with every access checked.
//
//   memreg::lua::preload_ffi(L);           // a C++ host: require "memreg.ffi" works
//   local ffi = require "memreg.ffi"       -- stock interpreters: luaopen_memreg_ffi
//   local img = ffi.new("rgba_pixel[?]", n)
//
// The module is Lua code (ffi/source.hpp) built on memreg's checked region methods
// and ctypes, so it reads and writes memory only through functions that already
// follow the resolve rule (docs/lua-ext.md). This header adds the few facts Lua cannot
// get from memreg's public API: what a ctype is made of, enum constants, addresses as
// numbers, and the target's name. See docs/ffi.md.
#pragma once

#include <bit>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../lua.hpp"
#include "ffi/access.hpp"
#include "ffi/luajit.hpp"
#include "ffi/source.hpp"

namespace memreg::lua {

namespace detail::ffi {

/// The short name the Lua side dispatches reads and writes on.
inline const char* scalar_code(scalar_kind k) noexcept {
    switch (k) {
        case scalar_kind::int8: return "i8";
        case scalar_kind::uint8: return "u8";
        case scalar_kind::int16: return "i16";
        case scalar_kind::uint16: return "u16";
        case scalar_kind::int32: return "i32";
        case scalar_kind::uint32: return "u32";
        case scalar_kind::int64: return "i64";
        case scalar_kind::uint64: return "u64";
        case scalar_kind::float32: return "f32";
        case scalar_kind::float64: return "f64";
        case scalar_kind::boolean: return "bool";
        case scalar_kind::character: return "char";
        case scalar_kind::pointer: return "ptr";
    }
    return "?";
}

inline const char* kind_code(layout_kind k) noexcept {
    switch (k) {
        case layout_kind::void_: return "void";
        case layout_kind::scalar: return "scalar";
        case layout_kind::array: return "array";
        case layout_kind::struct_: return "struct";
        case layout_kind::union_: return "union";
    }
    return "?";
}

/// A private copy of the type at arg: a new ctype on top of the stack that no other
/// Lua code can reach, so no finalizer can collect it while this call allocates.
inline const layout& own_copy(lua_State* L, int arg, const char* fname) {
    prepare_type(L, arg, fname);
    layout& mine = new_ctype(L);
    mine = ctype_at(L, arg, fname);
    return mine;
}

/// info(type) -> kind, size, alignment, name, scalar code | element count | field count,
/// whether it is variable-length ("int[?]", a struct ending in one; size is then its
/// fixed part)
inline int info(lua_State* L) {
    constexpr const char* fname = "ffi.info";
    const layout& t = own_copy(L, 1, fname);
    lua_pushstring(L, kind_code(t.kind()));
    push_size(L, t.size(), fname);
    push_size(L, t.alignment(), fname);
    lua_pushlstring(L, t.name().data(), t.name().size());
    if (t.is_scalar()) lua_pushstring(L, scalar_code(t.scalar()));
    else if (t.is_array()) push_size(L, t.count(), fname);
    else push_size(L, t.fields().size(), fname);
    lua_pushboolean(L, t.is_variable() ? 1 : 0);
    return 6;
}

/// vla(type) -> ctype of the variable-length array of type ("T[?]")
inline int vla(lua_State* L) {
    constexpr const char* fname = "ffi.vla";
    const layout& t = own_copy(L, 1, fname);  // unreachable by finalizers
    layout& result = new_ctype(L);
    try {
        result = layout::variable_array_of(t);
    } catch (const bad_argument& e) {
        throw_argument(1, fname, e.what());
    }
    return 1;
}

/// field(type, i) -> name, offset, ctype of the i-th field (1-based)
inline int field(lua_State* L) {
    constexpr const char* fname = "ffi.field";
    const std::int64_t i = check_integer(L, 2, fname);
    const layout& t = own_copy(L, 1, fname);
    if (i < 1 || static_cast<std::uint64_t>(i) > t.fields().size())
        throw_argument(2, fname, "no such field");
    const layout_field& f = t.fields()[static_cast<std::size_t>(i - 1)];
    if (f.is_bitfield())  // cdecl lays bit-fields out now; this module cannot reach them yet
        throw_argument(1, fname, t.name() + " has a bit-field ('" + f.name +
                                     "'): memreg.ffi does not take bit-fields yet (memreg views do)");
    lua_pushlstring(L, f.name.data(), f.name.size());
    push_size(L, f.offset, fname);
    new_ctype(L) = f.type;
    return 3;
}

/// element(array type) -> ctype of its elements
inline int element(lua_State* L) {
    constexpr const char* fname = "ffi.element";
    const layout& t = own_copy(L, 1, fname);
    if (!t.is_array()) throw_argument(1, fname, "not an array type");
    new_ctype(L) = t.element();
    return 1;
}

/// constant(name) -> the value of an enumerator declared by cdef, or nil
inline int constant(lua_State* L) {
    constexpr const char* fname = "ffi.constant";
    std::size_t n = 0;
    const char* name = check_string(L, 1, fname, n);
    const auto value = ctypes(L, fname).constant(std::string_view(name, n));
    if (!value) return 0;
#if MEMREG_LUA_INT64
    lua_pushinteger(L, static_cast<lua_Integer>(*value));
#else
    lua_pushnumber(L, static_cast<lua_Number>(*value));
#endif
    return 1;
}

/// address(light userdata or nil) -> the address as an integer (0 for nil)
inline int address(lua_State* L) {
    if (!lua_isnil(L, 1) && lua_type(L, 1) != LUA_TLIGHTUSERDATA)
        throw_type(L, 1, "ffi.address", "light userdata");
    const auto a = reinterpret_cast<std::uintptr_t>(lua_touserdata(L, 1));
    push_uint64(L, a, "ffi.address");
    return 1;
}

/// pointer(address) -> a light userdata with that address (nil for 0)
inline int pointer(lua_State* L) {
    const std::int64_t a = check_integer(L, 1, "ffi.pointer");
    if (a == 0) return 0;
    lua_pushlightuserdata(L, reinterpret_cast<void*>(static_cast<std::uintptr_t>(a)));
    return 1;
}

/// target() -> os, arch, pointer bits, "le" | "be", char is signed
inline int target(lua_State* L) {
#if defined(_WIN32)
    lua_pushstring(L, "Windows");
#elif defined(__APPLE__)
    lua_pushstring(L, "OSX");
#elif defined(__linux__)
    lua_pushstring(L, "Linux");
#elif defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    lua_pushstring(L, "BSD");
#elif defined(__unix__)
    lua_pushstring(L, "POSIX");
#else
    lua_pushstring(L, "Other");
#endif
#if defined(__x86_64__) || defined(_M_X64)
    lua_pushstring(L, "x64");
#elif defined(__i386__) || defined(_M_IX86)
    lua_pushstring(L, "x86");
#elif defined(__aarch64__)
    lua_pushstring(L, "arm64");
#elif defined(__arm__)
    lua_pushstring(L, "arm");
#elif defined(__s390x__)
    lua_pushstring(L, "s390x");
#elif defined(__powerpc64__)
    lua_pushstring(L, "ppc64");
#elif defined(__riscv) && __riscv_xlen == 64
    lua_pushstring(L, "riscv64");
#else
    lua_pushstring(L, "other");
#endif
    lua_pushinteger(L, static_cast<lua_Integer>(sizeof(void*) * CHAR_BIT));
    lua_pushstring(L, std::endian::native == std::endian::little ? "le" : "be");
    lua_pushboolean(L, CHAR_MIN < 0);
    return 5;
}

inline void push_natives(lua_State* L) {
    static const luaL_Reg functions[] = {
        {"info", protect<info>},         {"field", protect<field>},
        {"element", protect<element>},   {"constant", protect<constant>},
        {"address", protect<address>},   {"pointer", protect<pointer>},
        {"target", protect<target>},     {"vla", protect<vla>},
        {nullptr, nullptr},
    };
    lua_newtable(L);
    set_functions(L, -1, functions);
    add_access_natives(L, lua_gettop(L));
}

/// Pushes the memreg module: the one require "memreg" gave, else a new one (which
/// becomes package.loaded.memreg, so both names see the same module).
inline void push_memreg(lua_State* L) {
    lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_pushcfunction(L, open);
        lua_call(L, 0, 1);
        return;
    }
    lua_getfield(L, -1, "memreg");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_pushcfunction(L, open);
        lua_call(L, 0, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, "memreg");
    }
    lua_remove(L, -2);
}

}  // namespace detail::ffi

/// The memreg.ffi module: a lua_CFunction returning the module table (for
/// luaL_requiref, package.preload or luaopen_memreg_ffi).
inline int open_ffi(lua_State* L) {
    // LuaJIT (a `jit` library): memreg.ffi is built on its ffi (ffi/luajit_source.hpp).
    lua_getglobal(L, "jit");
    const bool luajit = lua_istable(L, -1);
    lua_pop(L, 1);
    const std::string_view source = luajit ? detail::ffi::luajit_source : detail::ffi::source;
    if (luaL_loadbuffer(L, source.data(), source.size(), "=memreg.ffi") != 0) return lua_error(L);
    detail::ffi::push_memreg(L);
    detail::ffi::push_natives(L);
    if (luajit) detail::ffi::add_luajit_natives(L);
    lua_call(L, 2, 1);
    return 1;
}

/// Makes `require "memreg.ffi"` (and `require "memreg"`) work in this state.
inline void preload_ffi(lua_State* L) {
    preload(L);
    detail::preload_module(L, "memreg.ffi", open_ffi);
}

}  // namespace memreg::lua
