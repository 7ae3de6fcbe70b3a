// memreg/lua/allocators.hpp — memreg's heap and arena from Lua.
//
//   local h = memreg.heap{initial = 65536, max = 1048576}  -- both optional (max 0: none)
//   local r = h:alloc(n)       -- a zero-filled region, or nil and a message when the
//                              -- heap's maximum would be passed
//   h:stats()                  -- {live_bytes, live_blocks, peak_bytes, capacity_bytes,
//                              --  maximum_bytes}
//   h:validate()               -- true, or raises naming the corruption found
//   local a = memreg.arena([chunk])   -- chunk: the first chunk's size (default 4096)
//   a:alloc(n)                 -- like heap:alloc
//   a:reset()                  -- gives everything back: its regions become invalid
//
// Regions keep their allocator alive: the heap or arena is a counted box that the
// Lua object and every block from it hold, so collecting the heap object while
// regions from it live is safe (and so is any order of finalizers). A heap or arena
// object reached after its __gc ran (from another finalizer) raises "heap used
// after it was collected"; every method looks its box up again after the last
// call that can allocate, since a finalizer run there can collect it.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "../arena.hpp"
#include "../heap.hpp"
#include "collectable.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

/// An allocator shared by its Lua object and the blocks it gave out.
template <class A>
struct allocator_box {
    template <class... Args>
    explicit allocator_box(Args&&... args) : allocator(std::forward<Args>(args)...) {}
    A allocator;
    std::uint64_t epoch = 0;  // bumped by an arena's reset
    std::size_t refs = 1;     // the Lua object + one per block
    watch_list watchers;      // cells of memreg.ffi views of its blocks (watch.hpp)
};

template <class A>
void unref(allocator_box<A>* box) noexcept {
    if (--box->refs == 0) delete box;
}

using heap_box = allocator_box<memreg::heap<>>;
using arena_box = allocator_box<memreg::arena<>>;

/// A block from a heap or an arena. Blocks from an arena die with its reset.
template <class A>
class box_block final : public owned_block<A> {
public:
    box_block(allocator_box<A>* box, region bytes, const char* kind) noexcept
        : owned_block<A>(box->allocator, bytes, kind), box_(box), epoch_(box->epoch) {
        ++box_->refs;
    }
    ~box_block() override {
        box_block::release();
        unref(box_);
    }
    void release() noexcept override {
        if (this->released()) return;
        if (box_->epoch == epoch_) {
            owned_block<A>::release();
        } else {
            this->invalidate();  // the arena already took the memory back
        }
    }
    bool try_resize(std::size_t n) noexcept override {
        return alive() && owned_block<A>::try_resize(n);
    }
    [[nodiscard]] bool alive() const noexcept override {
        return !this->released() && box_->epoch == epoch_;
    }
    [[nodiscard]] watch_list* source_watchers() noexcept override { return &box_->watchers; }

private:
    allocator_box<A>* box_;
    std::uint64_t epoch_;
};

template <class A> struct box_names;
template <> struct box_names<memreg::heap<>> {
    static constexpr const char* metatable = heap_metatable;
    static constexpr const char* kind = "heap";
    static constexpr const char* alloc = "heap:alloc";
};
template <> struct box_names<memreg::arena<>> {
    static constexpr const char* metatable = arena_metatable;
    static constexpr const char* kind = "arena";
    static constexpr const char* alloc = "arena:alloc";
};

/// The Lua object of a heap or arena: its box (nullptr once collected) and its
/// link in the state's list (lifetime.hpp), which lets go of the box if lua_close
/// does not finalize the object.
template <class A>
struct box_userdata {
    allocator_box<A>* box = nullptr;
    tracked node;
};

template <class A>
void kill_box(void* p) noexcept {
    auto* ud = static_cast<box_userdata<A>*>(p);
    ud->node.unlink();
    if (ud->box != nullptr) unref(std::exchange(ud->box, nullptr));
}

/// The box behind the heap or arena object at argument arg; raises for another
/// type and for an object whose __gc already ran.
template <class A>
allocator_box<A>& check_box(lua_State* L, int arg, const char* fname) {
    auto* p = static_cast<box_userdata<A>*>(test_udata(L, arg, box_names<A>::metatable));
    if (p == nullptr) throw_type(L, arg, fname, box_names<A>::kind);
    if (p->box == nullptr) throw_collected(fname, box_names<A>::kind);
    return *p->box;
}

/// __gc: lets go of the box (once: a second call, or one on an object reached
/// again after it, does nothing). Refuses anything but a heap or arena object,
/// which only a direct call through debug.getmetatable can pass.
template <class A>
int box_gc(lua_State* L) {
    auto* p = static_cast<box_userdata<A>*>(test_udata(L, 1, box_names<A>::metatable));
    if (p == nullptr) throw_type(L, 1, "__gc", box_names<A>::kind);
    kill_box<A>(p);
    return 0;
}

/// Pushes a new Lua object for a box made by make() (which may throw).
template <class A, class Make>
void push_box(lua_State* L, const char* fname, Make make) {
    ensure_objects(L, fname);
    auto* p = new (lua_newuserdata(L, sizeof(box_userdata<A>))) box_userdata<A>{};
    luaL_getmetatable(L, box_names<A>::metatable);
    lua_setmetatable(L, -2);
    track(L, p->node, p, kill_box<A>, fname);  // the allocations are done
    p->box = make();
}

/// h:alloc(n) / a:alloc(n): a zero-filled region, or nil and a message.
template <class A>
int box_alloc(lua_State* L) {
    constexpr const char* fname = box_names<A>::alloc;
    check_box<A>(L, 1, fname);
    const std::size_t n = check_size(L, 2, fname);
    region_userdata& ud = push_empty_userdata(L, fname);
    // Creating the userdata can run a finalizer that collects or resets this
    // allocator: look it up only now.
    allocator_box<A>& box = check_box<A>(L, 1, fname);
    const region bytes = n == 0 ? region() : box.allocator.try_allocate(n, default_alignment);
    if (n != 0 && bytes.empty()) {
        lua_pushnil(L);
        char message[160];
        std::snprintf(message, sizeof message, "%s(size=%zu): the %s has no room for it", fname,
                      n, box_names<A>::kind);
        lua_pushstring(L, message);
        return 2;
    }
    if (n != 0) std::memset(bytes.data(), 0, n);
    block* memory = nullptr;
    try {
        memory = new box_block<A>(&box, bytes, box_names<A>::kind);
    } catch (...) {
        memreg::deallocate(box.allocator, bytes);
        throw;
    }
    attach(ud, memory);
    return 1;
}

/// (64 bits: the caller checks the value before narrowing it to a 32-bit size_t.)
inline std::uint64_t opt_field(lua_State* L, int table, const char* key, const char* fname) {
    lua_getfield(L, table, key);
    std::int64_t v = 0;
    const bool absent = lua_isnil(L, -1);
    const bool ok = absent || (to_int64(L, -1, v) && v >= 0);
    lua_pop(L, 1);
    if (!ok)
        throw_argument(1, fname, std::string("field '") + key +
                                     "' must be a non-negative integer");
    return static_cast<std::uint64_t>(v);
}

/// memreg.heap([{initial = n, max = n}])
inline int heap_new(lua_State* L) {
    constexpr const char* fname = "heap";
    heap_options options;
    if (!lua_isnoneornil(L, 1)) {
        if (!lua_istable(L, 1)) throw_type(L, 1, fname, "table");
        const std::uint64_t initial = opt_field(L, 1, "initial", fname);
        if (initial > max_size)
            throw_argument(1, fname, "field 'initial' " + std::to_string(initial) +
                                         " is larger than the maximum " + std::to_string(max_size));
        options.initial = static_cast<std::size_t>(initial);
        // A maximum beyond the address space is no maximum (SIZE_MAX on 32 bits).
        options.maximum = static_cast<std::size_t>(
            std::min<std::uint64_t>(opt_field(L, 1, "max", fname), SIZE_MAX));
    }
    push_box<memreg::heap<>>(L, fname, [&] { return new heap_box(options); });
    return 1;
}

/// h:stats()
inline int heap_stats_method(lua_State* L) {
    const heap_stats s = check_box<memreg::heap<>>(L, 1, "heap:stats").allocator.stats();
    lua_createtable(L, 0, 5);
    const std::pair<const char*, std::size_t> fields[] = {
        {"live_bytes", s.live_bytes},         {"live_blocks", s.live_blocks},
        {"peak_bytes", s.peak_bytes},         {"capacity_bytes", s.capacity_bytes},
        {"maximum_bytes", s.maximum_bytes},
    };
    for (const auto& [name, value] : fields) {
        push_size(L, value, "heap:stats");
        lua_setfield(L, -2, name);
    }
    return 1;
}

/// h:validate()
inline int heap_validate(lua_State* L) {
    check_box<memreg::heap<>>(L, 1, "heap:validate").allocator.validate();
    lua_pushboolean(L, 1);
    return 1;
}

/// memreg.arena([chunk])
inline int arena_new(lua_State* L) {
    arena_options options;
    if (!lua_isnoneornil(L, 1)) {
        options.first_chunk = check_size(L, 1, "arena");
        if (options.first_chunk == 0) throw_argument(1, "arena", "chunk size must be positive");
    }
    push_box<memreg::arena<>>(L, "arena", [&] { return new arena_box(options); });
    return 1;
}

/// a:reset(): every region from the arena becomes invalid.
inline int arena_reset(lua_State* L) {
    arena_box& box = check_box<memreg::arena<>>(L, 1, "arena:reset");
    ++box.epoch;
    box.watchers.bump();
    box.allocator.reset();
    return 0;
}

template <class A>
void register_box(lua_State* L, const luaL_Reg* methods) {
    static const luaL_Reg metamethods[] = {{"__gc", protect<box_gc<A>>}, {nullptr, nullptr}};
    if (new_metatable(L, box_names<A>::metatable, metamethods)) {
        lua_newtable(L);
        lua_pushcfunction(L, protect<box_alloc<A>>);
        lua_setfield(L, -2, "alloc");
        set_functions(L, -1, methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
}

inline void register_allocators(lua_State* L, int module) {
    static const luaL_Reg heap_methods[] = {
        {"stats", protect<heap_stats_method>},
        {"validate", protect<heap_validate>},
        {nullptr, nullptr},
    };
    static const luaL_Reg arena_methods[] = {
        {"reset", protect<arena_reset>},
        {nullptr, nullptr},
    };
    static const luaL_Reg module_functions[] = {
        {"heap", protect<heap_new>},
        {"arena", protect<arena_new>},
        {nullptr, nullptr},
    };
    register_box<memreg::heap<>>(L, heap_methods);
    register_box<memreg::arena<>>(L, arena_methods);
    set_functions(L, module, module_functions);
}

}  // namespace memreg::lua::detail
