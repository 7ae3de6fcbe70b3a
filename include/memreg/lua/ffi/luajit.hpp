// memreg/lua/ffi/luajit.hpp — the natives memreg.ffi uses on LuaJIT (luajit_source.hpp):
// a liveness cell per region view (../watch.hpp), which the handles LuaJIT compiles
// compare instead of asking the region on every access.
#pragma once

#include <cstddef>
#include <new>

#include "../../lua.hpp"
#include "../watch.hpp"
#include "luajit_source.hpp"

namespace memreg::lua::detail::ffi {

inline const char cell_pool_key = 0;    // registry: the pool (plain userdata)
inline const char cell_chunks_key = 0;  // registry: a table anchoring every chunk
inline constexpr std::size_t cell_chunk_slots = 256;

/// The state's pool, made the first time (allocates: call before resolving).
inline cell_pool& make_cell_pool(lua_State* L) {
    push_registry(L, &cell_pool_key);
    if (lua_type(L, -1) == LUA_TUSERDATA && raw_length(L, -1) == sizeof(cell_pool)) {
        auto* pool = static_cast<cell_pool*>(lua_touserdata(L, -1));
        if (pool->magic == cell_pool::magic_value) {
            lua_pop(L, 1);
            return *pool;
        }
    }
    lua_pop(L, 1);
    auto* made = new (lua_newuserdata(L, sizeof(cell_pool))) cell_pool();
    // A finalizer run by that allocation may have made one: keep the first.
    push_registry(L, &cell_pool_key);
    if (lua_type(L, -1) == LUA_TUSERDATA && raw_length(L, -1) == sizeof(cell_pool)) {
        auto* pool = static_cast<cell_pool*>(lua_touserdata(L, -1));
        lua_pop(L, 2);
        return *pool;
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, const_cast<char*>(&cell_pool_key));
    lua_insert(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
    return *made;
}

/// Makes sure the pool has a free cell (allocates a chunk when it has none).
inline void reserve_cell(lua_State* L, cell_pool& pool) {
    if (pool.free != nullptr) return;
    push_registry(L, &cell_chunks_key);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushlightuserdata(L, const_cast<char*>(&cell_chunks_key));
        lua_pushvalue(L, -2);
        lua_rawset(L, LUA_REGISTRYINDEX);
    }
    void* memory = lua_newuserdata(L, sizeof(cell_slot) * cell_chunk_slots);
    lua_rawseti(L, -2, static_cast<int>(raw_length(L, -2) + 1));
    lua_pop(L, 1);
    auto* slots = static_cast<cell_slot*>(memory);
    for (std::size_t i = 0; i < cell_chunk_slots; ++i) {
        new (slots + i) cell_slot();
        slots[i].next_free = pool.free;
        pool.free = slots + i;
    }
}

/// watch(view) -> light userdata: the address of the view's cell (a uint32_t), and
/// whether the cell alone tells the view's validity (false for a mapped file: ask
/// r:valid()); nil when the view is not valid. A view has one cell however often it
/// is asked.
inline int watch(lua_State* L) {
    constexpr const char* fname = "ffi.watch";
    cell_pool& pool = make_cell_pool(L);
    reserve_cell(L, pool);
    // The allocations are done: resolve the view now.
    region_userdata* ud = to_userdata(L, 1);
    if (ud == nullptr) throw_type(L, 1, fname, "region");
    if (ud->collected() || !ud->valid()) return 0;
    block* memory = region_access::memory(*ud);
    view_watch& w = region_access::watch(*ud);
    if (w.cell() == nullptr) {
        cell_slot* c = pool.free;
        pool.free = c->next_free;
        c->next_free = nullptr;
        w.pool = &pool;
        w.on_block.cell = w.on_source.cell = c;
        memory->watchers.add(w.on_block);
        if (watch_list* source = memory->source_watchers()) source->add(w.on_source);
    }
    lua_pushlightuserdata(L, &w.cell()->value);
    lua_pushboolean(L, memory->watchable() ? 1 : 0);
    return 2;
}

inline void add_luajit_natives(lua_State* L) {
    static const luaL_Reg functions[] = {{"watch", protect<watch>}, {nullptr, nullptr}};
    set_functions(L, -1, functions);
}

}  // namespace memreg::lua::detail::ffi
