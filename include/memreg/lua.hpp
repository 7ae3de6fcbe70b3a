// memreg/lua.hpp — the optional Lua binding (Lua 5.1–5.4, 5.5, LuaJIT 2.1).
//
// Put the host's Lua include directory on the include path, then:
//   luaL_requiref(L, "memreg", memreg::lua::open, 0);     // Lua 5.2+
//   memreg::lua::preload(L);  // or: require "memreg" finds it (every version)
// Hosts hand memory to Lua with push_region and take regions (and memreg.buffer
// buffers) from Lua with check_region / to_region. A whole state can run on a
// memreg allocator with new_state. No C++ exception ever crosses a Lua frame.
// Not part of the memreg.hpp umbrella: only code that uses Lua includes it.
#pragma once

#include "detail/exceptions_only.hpp"  // needs exceptions

#include "version.hpp"
#include "lua/config.hpp"
#include "lua/protect.hpp"
#include "lua/userdata.hpp"
#include "lua/scalars.hpp"
#include "lua/region_methods.hpp"
#include "lua/allocators.hpp"
#include "lua/files.hpp"
#include "lua/state.hpp"

// ---- lua-ext headers (pack, buffer, struct) go here ----
#include "lua/pack_methods.hpp"
#include "lua/buffer.hpp"
#include "lua/struct.hpp"
// ---- end of lua-ext headers ----

namespace memreg::lua {

/// The `memreg` module: a lua_CFunction that returns the module table (for
/// luaL_requiref, package.preload or luaopen_memreg). Raises a Lua error only when
/// Lua is out of memory.
inline int open(lua_State* L) {
    // The state's list of memreg objects first: it must be older than all of them
    // (lua/lifetime.hpp).
    detail::make_objects(L);
    lua_newtable(L);
    const int module = lua_gettop(L);
    detail::push_methods(L);
    const int methods = lua_gettop(L);

    detail::register_regions(L, module, methods);
    detail::register_allocators(L, module);
    detail::register_files(L, module, methods);

    // ---- lua-ext registration calls go here, e.g.
    //      detail::register_pack(L, methods);
    //      detail::register_buffer(L, module);
    //      detail::register_struct(L, module, methods);
    detail::register_pack(L, module, methods);
    detail::register_buffer(L, module);
    detail::register_struct(L, module, methods);
    // ---- end of lua-ext registration calls ----

#ifdef LUA_LJDIR  // only LuaJIT's luaconf.h defines it
    lua_pushliteral(L, "memreg " MEMREG_VERSION_STRING " (LuaJIT, " LUA_VERSION " API)");
#else
    lua_pushliteral(L, "memreg " MEMREG_VERSION_STRING " (" LUA_VERSION ")");
#endif
    lua_setfield(L, module, "version");
    // The registry keys by kind ("region" -> "memreg.region@<version>"): what the
    // debug library finds the binding's metatables and tables under.
    lua_newtable(L);
    for (const detail::registry_key& k : detail::registry_keys) {
        lua_pushstring(L, k.key);
        lua_setfield(L, -2, k.kind);
    }
    lua_setfield(L, module, "registry_keys");
    lua_settop(L, module);
    return 1;
}

namespace detail {
/// package.preload[name] = opener, when the state has the package library.
inline void preload_module(lua_State* L, const char* name, lua_CFunction opener) {
    lua_getglobal(L, "package");
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    lua_getfield(L, -1, "preload");
    if (lua_istable(L, -1)) {
        lua_pushcfunction(L, opener);
        lua_setfield(L, -2, name);
    }
    lua_pop(L, 2);
}
}  // namespace detail

/// Makes `require "memreg"` load the binding in this state (package.preload).
inline void preload(lua_State* L) { detail::preload_module(L, "memreg", open); }

}  // namespace memreg::lua
