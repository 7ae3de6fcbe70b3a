// memreg/lua/state.hpp — a whole Lua state on a memreg allocator.
//
// lua_alloc<A> is a lua_Alloc over any memreg allocator: Lua's realloc-style calls
// become try_allocate / try_reallocate / deallocate. When the allocator has no room
// it returns NULL, and Lua raises its "not enough memory" error (after an emergency
// collection on 5.2+); the state stays usable once garbage is collected.
// new_state(a) opens a state with the standard libraries on `a`, which must outlive
// the state.
#pragma once

#include <cstddef>
#include <memory>

#include "../allocator.hpp"
#include "config.hpp"

namespace memreg::lua {

namespace detail {

/// lua_alloc's reallocation, out of line and in tail position: then the paths that
/// allocate and free (inlined into lua_alloc) need no stack frame of their own.
template <allocator A>
[[gnu::noinline]] void* lua_realloc(A& a, region old, std::size_t nsize) noexcept {
    // Lua requires a shrink never to fail (5.1 and LuaJIT assume it): keep the
    // block as it is if the allocator cannot move it.
    const region moved = memreg::try_reallocate(a, old, nsize, default_alignment);
    if (moved.empty()) return nsize <= old.size() ? old.data() : nullptr;
    return moved.data();
}

}  // namespace detail

/// lua_Alloc over the allocator `ud` points to (an A).
template <allocator A>
void* lua_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
    A& a = *static_cast<A*>(ud);
    // Lua allocates with malloc's alignment in mind (it stores doubles and pointers).
    constexpr std::size_t alignment = default_alignment;
    if (ptr == nullptr) {
        // osize is a type tag here, not a size.
        return nsize == 0 ? nullptr : a.try_allocate(nsize, alignment).data();
    }
    const region old(static_cast<std::byte*>(ptr), osize);
    if (nsize == 0) {
        a.deallocate(old, alignment);
        return nullptr;
    }
    return detail::lua_realloc(a, old, nsize);
}

/// Closes the state when the last owner lets go.
struct state_closer {
    void operator()(lua_State* L) const noexcept { lua_close(L); }
};
using unique_state = std::unique_ptr<lua_State, state_closer>;

namespace detail {

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_no_state() {
    throw allocation_failure(
        "new_state(): could not create a Lua state with its libraries on the allocator (out "
        "of memory, or a LuaJIT build that does not accept a custom allocator)");
}

/// Opens the standard libraries; run under lua_pcall, so that running out of
/// memory there is an error new_state can report, not a panic.
inline int open_libraries(lua_State* L) {
    luaL_openlibs(L);
    return 0;
}

/// Runs open_libraries protected; false when it raised (out of memory).
inline bool open_libraries_protected(lua_State* L) {
#if LUA_VERSION_NUM >= 502
    // lua_pushcfunction of a light C function allocates nothing on 5.2+.
    lua_pushcfunction(L, open_libraries);
    if (lua_pcall(L, 0, 0, 0) == LUA_OK) return true;
#else
    if (lua_cpcall(L, open_libraries, nullptr) == 0) return true;
#endif
    lua_pop(L, 1);
    return false;
}

inline int state_panic(lua_State* L) {
    const char* message = lua_tostring(L, -1);
    std::fprintf(stderr, "memreg: unprotected Lua error: %s\n",
                 message != nullptr ? message : "(not a string)");
    return 0;  // Lua aborts after the panic function returns
}

}  // namespace detail

/// A new Lua state whose every allocation goes to `a`, with the standard libraries
/// open. Throws allocation_failure if the state cannot be made or the allocator
/// runs out while the libraries are opened (the state is closed then).
template <allocator A>
[[nodiscard]] unique_state new_state(A& a, bool open_libraries = true) {
#if LUA_VERSION_NUM >= 505
    lua_State* L = lua_newstate(lua_alloc<A>, &a, 0);
#else
    lua_State* L = lua_newstate(lua_alloc<A>, &a);
#endif
    if (L == nullptr) detail::throw_no_state();
    unique_state state(L);
    lua_atpanic(L, detail::state_panic);
    if (open_libraries && !detail::open_libraries_protected(L)) detail::throw_no_state();
    return state;
}

}  // namespace memreg::lua
