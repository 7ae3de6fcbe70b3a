// memreg/lua/lifetime.hpp — the per-state list of memreg objects, so that lua_close
// frees what it does not finalize.
//
// Objects made while lua_close runs its finalizers get no __gc of their own (Lua 5.4
// and 5.5 mark the state closing; 5.1, 5.2, 5.3 separate finalizable objects once;
// LuaJIT repeats that at most 10 times), so the C++ resources of a region, view,
// ctype, heap, arena, mapped file or cdecl registry made by such a finalizer would
// leak. Every one of them is therefore linked, from the moment its userdata exists,
// into a list owned by one userdata per state (kept in the registry, made when the
// module opens or the first region is pushed, so before every memreg object of the
// state). The owner's __gc — which only lua_close runs, since the registry holds it —
// does for every object still in the list what that object's own __gc would do:
// frees its resources and marks it dead. An object's own __gc unlinks it. From then
// on the state makes no memreg object ("the Lua state is closing").
//
// This is sound in any finalizer order: an object finalized before the owner has
// left the list; one finalized after it finds itself already dead (its __gc does
// nothing, its methods raise "<what> used after it was collected"); one made after
// it is refused. Finalizers run newest first on every version, so objects made
// after the owner (all of them) normally die before it, and a finalizer that runs
// during lua_close can use every memreg object that has not been finalized yet.
//
// The list holds the address of userdata memory: safe because an object leaves it
// before Lua can free that memory (its __gc runs first; at the end of lua_close, the
// owner's __gc has emptied the list). Plain Lua cannot reach the owner (it is in the
// registry under a light userdata key; its metatable is objects_metatable). The debug
// library can: calling its __gc by hand kills every memreg object of the state, which
// is safe (tests/lua/collected_test.lua does it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "../error.hpp"
#include "config.hpp"

namespace memreg::lua::detail {

/// A link in the state's list of objects holding C++ resources. kill(self) frees
/// them as the object's __gc would (noexcept, no Lua calls); the object unlinks
/// itself in its __gc.
struct tracked {
    tracked() = default;
    tracked(const tracked&) = delete;
    tracked& operator=(const tracked&) = delete;

    tracked* prev = nullptr;
    tracked* next = nullptr;
    void (*kill)(void*) noexcept = nullptr;
    void* self = nullptr;

    [[nodiscard]] bool linked() const noexcept { return prev != nullptr; }
    void unlink() noexcept {
        if (prev == nullptr) return;
        prev->next = next;
        next->prev = prev;
        prev = next = nullptr;
    }
};

/// The owner: a circular list with a sentinel, and whether it has been closed.
class state_objects {
public:
    state_objects() noexcept { head_.prev = head_.next = &head_; }
    state_objects(const state_objects&) = delete;
    state_objects& operator=(const state_objects&) = delete;

    [[nodiscard]] bool closed() const noexcept { return closed_; }

    void link(tracked& node, void* self, void (*kill)(void*) noexcept) noexcept {
        node.unlink();
        node.self = self;
        node.kill = kill;
        node.prev = &head_;
        node.next = head_.next;
        head_.next->prev = &node;
        head_.next = &node;
    }

    /// Kills every object still linked (kill may unlink others: the list is read
    /// afresh each time) and refuses new ones.
    void close() noexcept {
        closed_ = true;
        while (head_.next != &head_) {
            tracked* node = head_.next;
            node->unlink();
            node->kill(node->self);
        }
    }

    /// How many objects are linked (for tests).
    [[nodiscard]] std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const tracked* p = head_.next; p != &head_; p = p->next) ++n;
        return n;
    }

    /// Tells the owner from any other userdata a debug library put under its key.
    static constexpr std::uint64_t magic_value = 0x6d656d7265672e6fULL;  // "memreg.o"
    std::uint64_t magic = magic_value;

private:
    tracked head_;
    bool closed_ = false;
};

/// Registry keys (light userdata: found without hashing). The owner itself is under
/// no name; its metatable is also under objects_metatable's (config.hpp).
inline const char objects_key = 0;
inline const char objects_metatable_key = 0;

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_closing(const char* fname) {
    throw bad_argument(memreg::detail::message(fname).because(
        "the Lua state is closing (its memreg objects have been freed)"));
}

/// Pushes registry[key].
inline void push_registry(lua_State* L, const char* key) {
    lua_pushlightuserdata(L, const_cast<char*>(key));
    lua_rawget(L, LUA_REGISTRYINDEX);
}

/// The owner at idx if it is one, else nullptr. Allocates nothing. Only the
/// binding (and the debug library) can put a value under its registry key: a full
/// userdata of its size with its magic number is it (cheaper than comparing the
/// metatable, on every object made).
inline state_objects* to_objects(lua_State* L, int idx) {
    if (lua_type(L, idx) != LUA_TUSERDATA || raw_length(L, idx) != sizeof(state_objects))
        return nullptr;
    auto* objects = static_cast<state_objects*>(lua_touserdata(L, idx));
    return objects->magic == state_objects::magic_value ? objects : nullptr;
}

/// The state's owner, or nullptr when there is none yet. Allocates nothing.
inline state_objects* find_objects(lua_State* L) {
    push_registry(L, &objects_key);
    state_objects* objects = to_objects(L, -1);
    lua_pop(L, 1);
    return objects;
}

/// __gc of the owner (checks what it is given, like every metamethod).
inline int objects_gc(lua_State* L) {
    if (state_objects* objects = to_objects(L, 1)) objects->close();
    return 0;
}

/// The state's owner, made the first time (that allocates, so it can run
/// finalizers, and raise a Lua memory error: call it before resolving anything or
/// making C++ objects). It may be closed.
inline state_objects& make_objects(lua_State* L) {
    if (state_objects* objects = find_objects(L)) return *objects;
    auto* made = new (lua_newuserdata(L, sizeof(state_objects))) state_objects();
    push_registry(L, &objects_metatable_key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        // Filed under its name too, like every memreg metatable, so that the tests'
        // coverage checks (which find the metatables by memreg.registry_keys) see its __gc.
        static const luaL_Reg metamethods[] = {{"__gc", objects_gc}, {nullptr, nullptr}};
        new_metatable(L, objects_metatable, metamethods);
        lua_pushlightuserdata(L, const_cast<char*>(&objects_metatable_key));
        lua_pushvalue(L, -2);
        lua_rawset(L, LUA_REGISTRYINDEX);
    }
    lua_setmetatable(L, -2);
    // A finalizer run by the allocations above may have made one already: keep that.
    if (state_objects* objects = find_objects(L)) {
        lua_pop(L, 1);
        return *objects;
    }
    lua_pushlightuserdata(L, const_cast<char*>(&objects_key));
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
    return *made;
}

/// make_objects, throwing "the Lua state is closing" once it is closed.
inline state_objects& ensure_objects(lua_State* L, const char* fname) {
    state_objects& objects = make_objects(L);
    if (objects.closed()) throw_closing(fname);
    return objects;
}

/// Links node (of the object self) into the state's list; false, and nothing
/// linked, when there is no owner or it is closed. Allocates nothing: call it after
/// the object's last allocation, with ensure_objects called before the first.
inline bool try_track(lua_State* L, tracked& node, void* self, void (*kill)(void*) noexcept) {
    state_objects* objects = find_objects(L);
    if (objects == nullptr || objects->closed()) return false;
    objects->link(node, self, kill);
    return true;
}

/// try_track, throwing "the Lua state is closing" when it cannot link.
inline void track(lua_State* L, tracked& node, void* self, void (*kill)(void*) noexcept,
                  const char* fname) {
    if (!try_track(L, node, self, kill)) throw_closing(fname);
}

}  // namespace memreg::lua::detail
