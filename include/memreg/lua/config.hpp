// memreg/lua/config.hpp — the host's Lua headers and what differs between Lua versions.
//
// Compiles against Lua 5.1, 5.2, 5.3, 5.4, 5.5 and LuaJIT 2.1: put the host's Lua include
// directory (e.g. /usr/include/lua5.4) on the include path. Everything version-specific
// the binding needs lives here so the rest reads the same on every version.
//
// 64-bit integer policy. Lua 5.3 and later have 64-bit integers and the binding uses
// them as they are (unsigned 64-bit values above math.maxinteger come back as the
// integer with the same bits, as string.unpack("J") does). Lua 5.1, 5.2 and LuaJIT
// have only doubles: a 64-bit value travels as a number only when it is an integer
// with |v| <= 2^53, where every integer is exact; anything else raises an error that
// names the function — never a silently rounded number.
#pragma once

#include "../detail/exceptions_only.hpp"  // needs exceptions

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>

// Lua's headers declare C functions; a host that compiles Lua as C++ (as many game
// engines do) defines MEMREG_LUA_CXX=1 so they are declared as C++ functions instead.
#if defined(MEMREG_LUA_CXX) && MEMREG_LUA_CXX
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#else
extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}
#endif

#include "../error.hpp"
#include "../version.hpp"

#if !defined(LUA_VERSION_NUM) || LUA_VERSION_NUM < 501
#error "memreg/lua.hpp needs Lua 5.1 or later (or LuaJIT 2.1)"
#endif

/// True when lua_Integer holds every 64-bit integer (Lua 5.3 and later).
#if LUA_VERSION_NUM >= 503
#define MEMREG_LUA_INT64 1
#else
#define MEMREG_LUA_INT64 0
#endif

namespace memreg::lua {

/// The largest region memreg.new, resize and the allocators hand to Lua (4 GiB, or
/// SIZE_MAX where size_t has 32 bits): a size from Lua beyond it is a mistake, not a
/// request to try.
inline constexpr std::size_t max_size =
    static_cast<std::size_t>(std::min<std::uint64_t>(std::uint64_t{1} << 32, SIZE_MAX));

/// Integers with |v| <= 2^53 are exact as doubles.
inline constexpr std::int64_t max_exact_double = std::int64_t{1} << 53;

// ---- Registry keys ----
//
// Every string key the binding files in the Lua registry — metatable names
// (luaL_newmetatable) and tables — is "memreg.<kind>@<version>", made here and only
// here. Two copies of memreg in one process (a host's and a module's) share a state's
// registry: copies of the same version share metatables and tables (same layout, same
// code), copies of different versions never see, take or misread each other's userdata.
// Light-userdata keys (the addresses of variables of one copy) need no version.
#define MEMREG_LUA_REGISTRY_KEY_(kind) "memreg." kind "@" MEMREG_VERSION_STRING

/// The registry name of the region metatable (luaL_checkudata(L, i, region_metatable)
/// works too). Its __index is the method table that register functions add to.
inline constexpr const char* region_metatable = MEMREG_LUA_REGISTRY_KEY_("region");
/// The registry name of the metatable of ctypes (memreg.typeof's results).
inline constexpr const char* ctype_metatable = MEMREG_LUA_REGISTRY_KEY_("ctype");
/// The registry name of the metatable of typed views (r:view, r:array).
inline constexpr const char* view_metatable = MEMREG_LUA_REGISTRY_KEY_("view");

namespace detail {

/// The weak-keyed table region userdata -> host owner value (push_region).
inline constexpr const char* anchors_key = MEMREG_LUA_REGISTRY_KEY_("anchors");
/// The metatable of the state's owner of memreg objects (lifetime.hpp).
inline constexpr const char* objects_metatable = MEMREG_LUA_REGISTRY_KEY_("objects");
inline constexpr const char* heap_metatable = MEMREG_LUA_REGISTRY_KEY_("heap");
inline constexpr const char* arena_metatable = MEMREG_LUA_REGISTRY_KEY_("arena");
/// The state's cdecl registry (a userdata), and the type name -> ctype cache.
inline constexpr const char* ctypes_key = MEMREG_LUA_REGISTRY_KEY_("cdecl");
inline constexpr const char* ctype_cache_key = MEMREG_LUA_REGISTRY_KEY_("ctype_cache");
/// The metatable of the userdata that holds the cdecl registry.
inline constexpr const char* ctypes_metatable = MEMREG_LUA_REGISTRY_KEY_("cdecl_registry");

/// Every key above by kind, for memreg.registry_keys (tests find the binding's
/// metatables through it; a key missing here is a key the tests cannot see).
struct registry_key {
    const char* kind;
    const char* key;
};
inline constexpr registry_key registry_keys[] = {
    {"region", region_metatable},     {"ctype", ctype_metatable},
    {"view", view_metatable},         {"anchors", anchors_key},
    {"objects", objects_metatable},   {"heap", heap_metatable},
    {"arena", arena_metatable},       {"cdecl", ctypes_key},
    {"ctype_cache", ctype_cache_key}, {"cdecl_registry", ctypes_metatable},
};

/// The registry key's prefix, "memreg.", and its suffix, "@<version>".
inline constexpr char registry_key_prefix[] = "memreg.";
inline constexpr char registry_key_suffix[] = "@" MEMREG_VERSION_STRING;

#undef MEMREG_LUA_REGISTRY_KEY_

/// Writes the readable type name for a metatable name into out (cut to fit):
/// "memreg.region@0.1.0" -> "region"; another memreg version's says whose it is
/// ("region (memreg 0.2.0)", or "region (an older memreg)" for one from before keys
/// had versions). False, nothing written, if it is no memreg name.
inline bool memreg_type_name(const char* name, char* out, std::size_t capacity) noexcept {
    constexpr std::size_t prefix = sizeof registry_key_prefix - 1;
    if (std::strncmp(name, registry_key_prefix, prefix) != 0) return false;
    const char* kind = name + prefix;
    const char* at = std::strchr(kind, '@');
    const int kind_length = static_cast<int>(std::min<std::size_t>(
        at == nullptr ? std::strlen(kind) : static_cast<std::size_t>(at - kind), 64));
    if (at == nullptr)
        std::snprintf(out, capacity, "%.*s (an older memreg)", kind_length, kind);
    else if (std::strcmp(at, registry_key_suffix) == 0)
        std::snprintf(out, capacity, "%.*s", kind_length, kind);
    else
        std::snprintf(out, capacity, "%.*s (memreg %.32s)", kind_length, kind, at + 1);
    return true;
}

/// Room for any memreg_type_name.
inline constexpr std::size_t type_name_capacity = 128;

/// #t without metamethods.
inline std::size_t raw_length(lua_State* L, int idx) {
#if LUA_VERSION_NUM >= 502
    return static_cast<std::size_t>(lua_rawlen(L, idx));
#else
    return static_cast<std::size_t>(lua_objlen(L, idx));
#endif
}

/// An absolute stack index (negative ones are relative to the top).
inline int absolute(lua_State* L, int idx) {
    return idx > 0 || idx <= LUA_REGISTRYINDEX ? idx : lua_gettop(L) + idx + 1;
}

/// Sets table[name] = f for each entry of a {nullptr, nullptr}-terminated list,
/// on every version (luaL_setfuncs is 5.2+, luaL_register is gone in 5.4).
inline void set_functions(lua_State* L, int table, const luaL_Reg* functions) {
    table = absolute(L, table);
    for (; functions->name != nullptr; ++functions) {
        lua_pushcfunction(L, functions->func);
        lua_setfield(L, table, functions->name);
    }
}

/// A deprecated name and the name it stands for.
struct alias {
    const char* old_name;
    const char* name;
};

/// table[old_name] = table[name] for each alias (the same function value, on every
/// version: Lua 5.1 makes a new closure for each lua_pushcfunction).
template <std::size_t N>
void set_aliases(lua_State* L, int table, const alias (&aliases)[N]) {
    table = absolute(L, table);
    for (const alias& a : aliases) {
        lua_getfield(L, table, a.name);
        lua_setfield(L, table, a.old_name);
    }
}

/// Makes the memreg metatable `name` (a registry key above) the first time: files it
/// in the registry (luaL_newmetatable), sets the metamethods of a {nullptr,
/// nullptr}-terminated list, __name (5.3+ sets it; older versions need it for
/// messages) and __metatable (Lua code can neither read nor replace it: its __gc
/// stays). Leaves the metatable on the stack; false, and the metatable as it was,
/// when it existed already (made earlier, or by another copy of the binding of the
/// same version in the process).
inline bool new_metatable(lua_State* L, const char* name, const luaL_Reg* metamethods) {
    if (luaL_newmetatable(L, name) == 0) return false;
    set_functions(L, -1, metamethods);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__metatable");
    return true;
}

/// The userdata at idx if its metatable is the value at `metatable` (a stack index
/// or an upvalue's pseudo-index), else nullptr: the one userdata type test (the
/// callers differ only in where they find the metatable). Allocates nothing.
inline void* udata_with_metatable(lua_State* L, int idx, int metatable) {
    metatable = absolute(L, metatable);
    void* p = lua_touserdata(L, idx);
    if (p == nullptr || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
        return nullptr;
    const bool same = lua_rawequal(L, -1, metatable) != 0;
    lua_pop(L, 1);
    return same ? p : nullptr;
}

/// The userdata at idx if its metatable is the registry's `tname`, else nullptr
/// (luaL_testudata, which Lua 5.1 lacks).
inline void* test_udata(lua_State* L, int idx, const char* tname) {
    idx = absolute(L, idx);
    luaL_getmetatable(L, tname);
    void* p = udata_with_metatable(L, idx, -1);
    lua_pop(L, 1);
    return p;
}

/// The type name of the value at idx, for messages: for memreg's userdata, its
/// metatable's __name made readable (memreg_type_name: "region", "heap", …, or
/// "region (memreg 0.2.0)" for another version's), else Lua's type name.
/// Writes it into out (type_name_capacity bytes) without allocating in C++: for the
/// host API, which raises Lua errors and never throws.
inline void type_name(lua_State* L, int idx, char (&out)[type_name_capacity]) {
    if (lua_type(L, idx) == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        lua_getfield(L, -1, "__name");
        const bool memreg = lua_type(L, -1) == LUA_TSTRING &&
                            memreg_type_name(lua_tostring(L, -1), out, sizeof out);
        lua_pop(L, 2);
        if (memreg) return;
    }
    std::snprintf(out, sizeof out, "%s", luaL_typename(L, idx));
}

inline std::string type_name(lua_State* L, int idx) {
    char name[type_name_capacity];
    type_name(L, idx, name);
    return name;
}

/// An address as the binding's messages and tostring write it: "0x" and lowercase
/// hex digits on every platform (printf's %p differs between C libraries).
struct address_text {
    char text[2 + 2 * sizeof(std::uintptr_t) + 1];
};
inline address_text format_address(const void* p) noexcept {
    address_text a{};
    std::snprintf(a.text, sizeof a.text, "0x%" PRIxPTR, reinterpret_cast<std::uintptr_t>(p));
    return a;
}

/// True if the value at idx is a number (not a string that looks like one).
inline bool is_number(lua_State* L, int idx) { return lua_type(L, idx) == LUA_TNUMBER; }

/// The value at idx as an exact int64_t, if it is a number with an integer value in
/// range: integers as they are (5.3+), floats only when integral and finite.
inline bool to_int64(lua_State* L, int idx, std::int64_t& out) {
    if (!is_number(L, idx)) return false;
#if MEMREG_LUA_INT64
    // An integer, or a float with an exact integer value in range (Lua's own rule):
    // one call instead of isinteger + tointeger + the float path below.
    int exact = 0;
    const lua_Integer i = lua_tointegerx(L, idx, &exact);
    out = static_cast<std::int64_t>(i);
    return exact != 0;
#endif
    const double d = static_cast<double>(lua_tonumber(L, idx));
    // -2^63 is exact as a double; 2^63 is the first value outside int64_t.
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
    if (std::floor(d) != d) return false;
    out = static_cast<std::int64_t>(d);
    return true;
}

/// A short description of a number that is not an integer, for messages
/// ("1.5", "nan", "inf", "1e+300").
inline std::string describe_number(lua_State* L, int idx) {
    if (!is_number(L, idx)) return type_name(L, idx);
#if MEMREG_LUA_INT64
    if (lua_isinteger(L, idx)) return std::to_string(lua_tointeger(L, idx));
#endif
    const double d = static_cast<double>(lua_tonumber(L, idx));
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", d);
    return text;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_not_exact(const char* fname,
                                                                   const std::string& value) {
    throw out_of_range(std::string(fname) + ": 64-bit value " + value +
                       " cannot be represented exactly by this Lua's numbers (only "
                       "integers with |v| <= 2^53 can; Lua 5.3+ has 64-bit integers)");
}

/// Pushes a signed 64-bit value under the 64-bit policy above (throws for values a
/// double cannot hold exactly, on Lua versions without 64-bit integers).
inline void push_int64(lua_State* L, std::int64_t v, const char* fname) {
#if MEMREG_LUA_INT64
    (void)fname;
    lua_pushinteger(L, static_cast<lua_Integer>(v));
#else
    if (v > max_exact_double || v < -max_exact_double) throw_not_exact(fname, std::to_string(v));
    lua_pushnumber(L, static_cast<lua_Number>(v));
#endif
}

/// Pushes an unsigned 64-bit value (Lua 5.3+: values above math.maxinteger wrap
/// to the negative integer with the same bits, like string.unpack("J")).
inline void push_uint64(lua_State* L, std::uint64_t v, const char* fname) {
#if MEMREG_LUA_INT64
    (void)fname;
    lua_pushinteger(L, static_cast<lua_Integer>(v));
#else
    if (v > static_cast<std::uint64_t>(max_exact_double)) throw_not_exact(fname, std::to_string(v));
    lua_pushnumber(L, static_cast<lua_Number>(v));
#endif
}

/// Pushes a size or an offset: every size goes through here. Exact on every
/// version; on Lua versions without 64-bit integers a size above 2^53 (a C type
/// declared that large) is an error naming fname, never a rounded number.
inline void push_size(lua_State* L, std::size_t n, const char* fname = "size") {
    push_uint64(L, n, fname);  // a size is below 2^63: never wrapped
}

}  // namespace detail
}  // namespace memreg::lua
