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
//
// Finalized means dead: the __gc of a ctype or of the registry destroys the C++
// object once and marks the userdata collected; a ctype reached again afterwards (a
// finalizer resurrected it) raises "ctype used after it was collected", and cdef
// during lua_close, after the registry's own __gc, raises an error instead of using
// a destroyed registry. Functions that take a type do so in two phases:
// prepare_type (may allocate, so may run finalizers) before anything else, and
// type_at (allocates nothing) once nothing allocates any more.
#pragma once

#include <cstddef>
#include <new>
#include <string>
#include <string_view>

#include "../cdecl.hpp"
#include "../layout.hpp"
#include "collectable.hpp"
#include "protect.hpp"
#include "userdata.hpp"

namespace memreg::lua {

// ctype_metatable, ctypes_key, ctype_cache_key, ctypes_metatable: the registry keys,
// in config.hpp.

namespace detail {

inline constexpr const char* ctype_what = "ctype";
inline constexpr const char* ctypes_what = "cdecl registry";

/// A ctype: a parsed C type.
using ctype_userdata = collectable<layout>;
/// The state's C declarations (memreg.cdef's names).
using ctypes_userdata = collectable<cdecl::registry>;

/// __gc of a collectable<T> userdata whose metatable is `Metatable` (`What` names it
/// in messages). Called by hand (debug.getmetatable(x).__gc(y)), it checks its
/// argument and runs at most once.
template <class T, const char* const& Metatable, const char* const& What>
int collect_userdata(lua_State* L) {
    void* p = test_udata(L, 1, Metatable);
    if (p == nullptr) throw_type(L, 1, "__gc", What);
    static_cast<collectable<T>*>(p)->destroy();
    return 0;
}

/// The ctype userdata at idx, collected or not, or nullptr.
inline ctype_userdata* to_ctype(lua_State* L, int idx) {
    return static_cast<ctype_userdata*>(test_udata(L, idx, ctype_metatable));
}

/// The state's cdecl registry, created on first use. Refused once the registry's
/// __gc has run (only lua_close collects it: it stays in the Lua registry). May
/// allocate; the reference stays good until lua_close.
inline cdecl::registry& ctypes(lua_State* L, const char* fname) {
    lua_getfield(L, LUA_REGISTRYINDEX, ctypes_key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        auto* made = new (lua_newuserdata(L, sizeof(ctypes_userdata))) ctypes_userdata();
        static const luaL_Reg metamethods[] = {
            {"__gc", protect<collect_userdata<cdecl::registry, ctypes_metatable, ctypes_what>>},
            {nullptr, nullptr},
        };
        new_metatable(L, ctypes_metatable, metamethods);
        lua_setmetatable(L, -2);
        made->track(L, fname);  // lua_close frees it if it does not finalize it
        // A finalizer run by the allocations above may have made one already: keep that.
        lua_getfield(L, LUA_REGISTRYINDEX, ctypes_key);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_setfield(L, LUA_REGISTRYINDEX, ctypes_key);
        } else {
            lua_remove(L, -2);
        }
    }
    auto* types = static_cast<ctypes_userdata*>(test_udata(L, -1, ctypes_metatable));
    lua_pop(L, 1);
    if (types == nullptr || !types->alive())
        throw bad_argument(memreg::detail::message(fname).because(
            "the C declaration registry was collected (the Lua state is closing)"));
    return types->get(fname, ctypes_what);
}

inline int ctype_tostring(lua_State* L);
inline int ctype_eq(lua_State* L);

/// Pushes a new ctype (void until assigned) and returns it. Lua may raise "not
/// enough memory" here, so no C++ object with a destructor may be live.
inline layout& new_ctype(lua_State* L) {
    auto* t = new (lua_newuserdata(L, sizeof(ctype_userdata))) ctype_userdata();
    static const luaL_Reg metamethods[] = {
        {"__gc", protect<collect_userdata<layout, ctype_metatable, ctype_what>>},
        {"__tostring", protect<ctype_tostring>},
        {"__eq", protect<ctype_eq>},
        {nullptr, nullptr},
    };
    new_metatable(L, ctype_metatable, metamethods);
    lua_setmetatable(L, -2);
    t->track(L, "typeof");  // lua_close frees it if it does not finalize it
    return t->get("typeof", ctype_what);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_cdecl(int arg, const char* fname,
                                                               const error& e) {
    throw_argument(arg, fname, e.what());
}

/// The live ctype at idx, nullptr if the value is not a ctype; throws if it was collected.
inline const layout* to_live_ctype(lua_State* L, int idx, const char* fname) {
    ctype_userdata* t = to_ctype(L, idx);
    return t == nullptr ? nullptr : &t->get(fname, ctype_what);
}

/// The ctype the cache holds for the type name at arg, pushed; nil (pushed) if none.
/// A collected entry (lua_close finalizes the cache's ctypes too) counts as none.
inline void push_cached_ctype(lua_State* L, int arg, const char* fname) {
    lua_getfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    }
    lua_pushvalue(L, arg);
    lua_rawget(L, -2);
    const ctype_userdata* t = to_ctype(L, -1);
    if (t != nullptr && t->alive()) {
        lua_remove(L, -2);
        return;
    }
    // Parse it into a new ctype and cache that.
    lua_pop(L, 1);
    std::size_t n = 0;
    const char* name = lua_tolstring(L, arg, &n);
    layout& parsed = new_ctype(L);
    const cdecl::registry& types = ctypes(L, fname);  // the last allocation
    try {
        parsed = types.type(std::string_view(name, n));
    } catch (const error& e) {
        throw_cdecl(arg, fname, e);
    }
    lua_pushvalue(L, arg);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);  // cache[name] = ctype
    lua_remove(L, -2);
}

/// Phase 1 of taking a type: makes argument arg a ctype on the stack (a type name is
/// replaced by its parsed, cached ctype, which the stack then keeps alive for the
/// call). A live ctype, or any value `keep` accepts (a view), stays as it is. May
/// allocate, so call it before resolving any memory.
template <class Keep>
void prepare_type(lua_State* L, int arg, const char* fname, Keep keep) {
    arg = absolute(L, arg);
    if (to_live_ctype(L, arg, fname) != nullptr || keep(L, arg)) return;
    if (lua_type(L, arg) != LUA_TSTRING) throw_type(L, arg, fname, "ctype or type name");
    push_cached_ctype(L, arg, fname);
    lua_replace(L, arg);
}

inline void prepare_type(lua_State* L, int arg, const char* fname) {
    prepare_type(L, arg, fname, [](lua_State*, int) { return false; });
}

/// Phase 2: the type of the ctype that prepare_type left at arg. Allocates nothing;
/// the layout lives as long as the ctype stays on the stack.
inline const layout& ctype_at(lua_State* L, int arg, const char* fname) {
    const layout* t = to_live_ctype(L, arg, fname);
    if (t == nullptr) throw_type(L, arg, fname, "ctype or type name");
    return *t;
}

/// memreg.cdef(text): adds the declarations' names (all or nothing). Definitions
/// change what a name means, so the name cache is dropped.
inline int module_cdef(lua_State* L) {
    constexpr const char* fname = "cdef";
    std::size_t n = 0;
    const char* text = check_string(L, 1, fname, n);
    cdecl::registry& types = ctypes(L, fname);
    try {
        types.define(std::string_view(text, n));
    } catch (const error& e) {
        throw_cdecl(1, fname, e);
    }
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, ctype_cache_key);
    return 0;
}

/// The live ctype at argument arg of a ctype metamethod.
inline const layout& self_ctype(lua_State* L, int arg, const char* fname) {
    const layout* t = to_live_ctype(L, arg, fname);
    if (t == nullptr) throw_type(L, arg, fname, "ctype");
    return *t;
}

inline int ctype_tostring(lua_State* L) {
    const layout& t = self_ctype(L, 1, "tostring");
    lua_pushfstring(L, "ctype<%s>", t.name().c_str());
    return 1;
}

/// ctype == other: false unless both are ctypes (5.3+ calls __eq when either is one).
inline int ctype_eq(lua_State* L) {
    const layout* a = to_live_ctype(L, 1, "__eq");
    const layout* b = to_live_ctype(L, 2, "__eq");
    lua_pushboolean(L, a != nullptr && b != nullptr && equivalent(*a, *b) && a->name() == b->name());
    return 1;
}

}  // namespace detail
}  // namespace memreg::lua
