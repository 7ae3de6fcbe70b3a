// memreg/lua/watch.hpp — liveness cells: memory-resident "is this region still
// the one it was" flags that Lua code compiled by LuaJIT can test without a C call.
//
// memreg.ffi on LuaJIT (ffi/luajit_source.hpp) hands out FFI handles — plain cdata
// structs that carry a pointer, a count, the address of a cell and the value the cell
// had when the handle was made. A handle is usable while `cell == value`. The binding
// adds one to the cell whenever the region (view) the cell watches stops being usable:
// the view freed or collected, its memory freed or moved (free, resize), its arena
// reset. Values only grow, so a handle never becomes usable again, even after the cell
// is given to another view.
//
// A cell is a slot of a chunk that is a full userdata anchored in the registry for the
// state's life (no __gc: Lua frees it only after the last finalizer of lua_close), so
// a handle that outlives everything still reads valid memory. The pool's free list
// runs through the slots; the pool itself is a registry userdata too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace memreg::lua::detail {

/// One cell: the value handles compare, and the free-list link while unused.
struct cell_slot {
    std::uint32_t value = 0;
    cell_slot* next_free = nullptr;
};

/// The per-state pool (registry userdata, plain data).
struct cell_pool {
    static constexpr std::uint64_t magic_value = 0x6d656d7265672e63ULL;  // "memreg.c"
    std::uint64_t magic = magic_value;
    cell_slot* free = nullptr;
};

/// A cell's link in a list of cells to bump (a block's, an arena's).
struct watcher {
    watcher() = default;
    watcher(const watcher&) = delete;
    watcher& operator=(const watcher&) = delete;
    ~watcher() { unlink(); }

    watcher* prev = nullptr;
    watcher* next = nullptr;
    cell_slot* cell = nullptr;

    [[nodiscard]] bool linked() const noexcept { return prev != nullptr; }
    void unlink() noexcept {
        if (prev == nullptr) return;
        prev->next = next;
        next->prev = prev;
        prev = next = nullptr;
    }
};

/// The cells that die with something (a block's memory, an arena's reset).
class watch_list {
public:
    watch_list() noexcept { head_.prev = head_.next = &head_; }
    watch_list(const watch_list&) = delete;
    watch_list& operator=(const watch_list&) = delete;
    ~watch_list() {
        while (head_.next != &head_) head_.next->unlink();
        head_.prev = head_.next = nullptr;
    }

    void add(watcher& w) noexcept {
        w.unlink();
        w.prev = &head_;
        w.next = head_.next;
        head_.next->prev = &w;
        head_.next = &w;
    }
    /// Every cell in the list: its handles are stale from now on.
    void bump() noexcept {
        for (watcher* w = head_.next; w != &head_; w = w->next)
            if (w->cell != nullptr) ++w->cell->value;
    }

private:
    watcher head_;
};

/// What a region view holds when memreg.ffi watches it: its cell (shared by both
/// links) and the pool it goes back to.
struct view_watch {
    watcher on_block;   // in its block's list
    watcher on_source;  // in its arena's list (arena blocks), else unlinked
    cell_pool* pool = nullptr;

    [[nodiscard]] cell_slot* cell() const noexcept { return on_block.cell; }
    /// The view stops being usable: bump its cell, unlink it, give the cell back.
    void retire() noexcept {
        cell_slot* const c = on_block.cell;
        if (c == nullptr) return;
        ++c->value;
        on_block.unlink();
        on_source.unlink();
        on_block.cell = on_source.cell = nullptr;
        c->next_free = pool->free;
        pool->free = c;
        pool = nullptr;
    }
};

}  // namespace memreg::lua::detail
