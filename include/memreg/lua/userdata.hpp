// memreg/lua/userdata.hpp — a region as a Lua value.
//
// A region userdata is a view (offset, size) into a `block`: the memory a region and
// all its sub-regions share. The block counts the userdata that point at it and is
// destroyed (giving its memory back) when the last one is collected, so a sub-region
// keeps its parent's memory alive without a Lua-level reference. Each block has a
// generation, bumped whenever its memory is freed or moved (free, resize); a view
// made under another generation is invalid, which is how r:free() and r:resize()
// invalidate every sub-region at once. A block may also depend on something else
// (an arena's reset count) through alive().
//
// Host-owned memory (push_region) is a block that frees nothing and anchors the
// host's owner value in a weak-keyed registry table, so the owner lives at least as
// long as any region over its memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "../allocator.hpp"
#include "../region.hpp"
#include "../to_region.hpp"
#include "collectable.hpp"
#include "lifetime.hpp"
#include "protect.hpp"
#include "watch.hpp"

namespace memreg::lua {

// region_metatable and anchors_key: the registry keys, in config.hpp.

namespace detail {

/// Memory shared by a region and its sub-regions.
class block {
public:
    block() = default;
    block(const block&) = delete;
    block& operator=(const block&) = delete;
    virtual ~block() = default;

    /// Gives the memory back (if this block owns it) and invalidates every view.
    /// Idempotent. Derived destructors call it.
    virtual void release() noexcept { invalidate(); }
    /// Moves to n bytes, keeping the contents; false (and nothing changed) when the
    /// memory cannot be resized or the allocator has no room.
    virtual bool try_resize(std::size_t /*n*/) noexcept { return false; }
    /// Why resize is refused, for the message ("" when it is allowed).
    [[nodiscard]] virtual const char* not_resizable() const noexcept {
        return "memory owned by the host cannot be resized";
    }
    /// Memory that something else can take away (an arena's reset) says so here.
    [[nodiscard]] virtual bool alive() const noexcept { return !released_; }
    /// What owns the memory, for tostring: "malloc", "heap", "arena", "file", "host".
    [[nodiscard]] virtual const char* kind() const noexcept { return "host"; }
    /// Writes flushed to where the memory comes from (mapped files); a no-op elsewhere.
    virtual void flush(std::size_t /*offset*/, std::size_t /*count*/) {}

    [[nodiscard]] region bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }
    [[nodiscard]] bool released() const noexcept { return released_; }
    /// Whether every way this memory can stop being usable goes through invalidate(),
    /// moved_to() or its source's watchers (watch.hpp), so a cell can stand for
    /// valid(). A mapped file is not: its truncation is found by asking.
    [[nodiscard]] virtual bool watchable() const noexcept { return true; }
    /// The watchers of what else can take the memory away (an arena's reset).
    [[nodiscard]] virtual watch_list* source_watchers() noexcept { return nullptr; }

    std::size_t refs = 0;    // region userdata pointing here
    bool anchored = false;   // a host owner value is anchored to a view of it
    watch_list watchers;     // cells of memreg.ffi views of it (watch.hpp)

protected:
    explicit block(region bytes) noexcept : bytes_(bytes) {}
    void invalidate() noexcept {
        released_ = true;
        bytes_ = {};
        ++generation_;
        watchers.bump();
    }
    void moved_to(region bytes) noexcept {
        bytes_ = bytes;
        ++generation_;
        watchers.bump();
    }
    region bytes_;

private:
    std::uint64_t generation_ = 0;
    bool released_ = false;

};

/// Memory the host owns: never freed by the binding.
class host_block final : public block {
public:
    explicit host_block(region bytes) noexcept : block(bytes) {}
};

/// Memory from any memreg allocator that the block owns; A must outlive it (it is
/// a stateless allocator, or a counted box that the derived class holds).
template <allocator A>
class owned_block : public block {
public:
    owned_block(A& a, region bytes, const char* kind) noexcept
        : block(bytes), allocator_(&a), kind_(kind) {}
    ~owned_block() override { owned_block::release(); }

    void release() noexcept override {
        if (released()) return;
        memreg::deallocate(*allocator_, bytes_, default_alignment);
        invalidate();
    }
    bool try_resize(std::size_t n) noexcept override {
        if (released()) return false;
        const region moved = memreg::try_reallocate(*allocator_, bytes_, n, default_alignment);
        if (moved.empty() && n != 0) return false;
        moved_to(moved);
        return true;
    }
    [[nodiscard]] const char* not_resizable() const noexcept override { return ""; }
    [[nodiscard]] const char* kind() const noexcept override { return kind_; }

private:
    A* allocator_;
    const char* kind_;
};

/// The system heap behind memreg.new and memreg.fromstring.
inline malloc_allocator system_allocator;
using malloc_block = owned_block<malloc_allocator>;

}  // namespace detail

namespace detail {
struct region_access;
}

/// The Lua userdata of a region: a view of size() bytes at offset() into memory it
/// shares with the region it was made from and every sub-region (a block). A host
/// reads it (to_userdata) and never changes it: only the binding does, through
/// detail::region_access. Whether it is the owner view (free() gives the memory back)
/// and whether it is read-only are fixed when it is made; push_region of a
/// const_region makes a read-only one.
class region_userdata {
public:
    region_userdata(const region_userdata&) = delete;
    region_userdata& operator=(const region_userdata&) = delete;
    ~region_userdata() = default;

    /// False once freed, resized, its arena reset, its file truncated, or collected.
    [[nodiscard]] bool valid() const noexcept {
        return !freed_ && memory_ != nullptr && memory_->generation() == generation_ &&
               memory_->alive();
    }
    /// The bytes; only meaningful while valid() (empty once it has no memory; a host
    /// wants to_region(L, idx), which checks).
    [[nodiscard]] region bytes() const noexcept {
        return size_ == 0 || memory_ == nullptr
                   ? region()
                   : region(memory_->bytes().data() + offset_, size_);
    }
    /// The offset into the memory it shares (0 for the owner view) and the size.
    [[nodiscard]] std::size_t offset() const noexcept { return offset_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// The region the memory was made for, not a sub-region or view of it.
    [[nodiscard]] bool owner() const noexcept { return owner_; }
    /// Writes from Lua raise an error.
    [[nodiscard]] bool read_only() const noexcept { return read_only_; }
    /// free() or __close ran on it.
    [[nodiscard]] bool freed() const noexcept { return freed_; }
    /// Its __gc ran (or lua_close freed it): every use raises.
    [[nodiscard]] bool collected() const noexcept { return collected_; }
    /// What owns the memory: "malloc", "heap", "arena", "file", "host"; "" once it
    /// has none (collected).
    [[nodiscard]] const char* kind() const noexcept {
        return memory_ != nullptr ? memory_->kind() : "";
    }

private:
    friend struct detail::region_access;
    region_userdata(bool owner, bool read_only) noexcept
        : owner_(owner), read_only_(read_only) {}

    detail::block* memory_ = nullptr;  // null until attached, and once released
    std::uint64_t generation_ = 0;     // memory_->generation() when this view was made
    std::size_t offset_ = 0;
    std::size_t size_ = 0;
    const bool owner_;
    const bool read_only_;
    bool freed_ = false;
    bool collected_ = false;
    detail::tracked node_;      // its link in the state's list (lifetime.hpp)
    detail::view_watch watch_;  // its liveness cell, when memreg.ffi watches it
};

namespace detail {

/// The binding's side of region_userdata: making one and changing its state.
struct region_access {
    /// A new one in the userdata memory at p, with no memory yet.
    static region_userdata* construct(void* p, bool owner, bool read_only) noexcept {
        return new (p) region_userdata(owner, read_only);
    }
    /// A new one as a member of another userdata (a view's target).
    static region_userdata make(bool owner, bool read_only) noexcept {
        return region_userdata(owner, read_only);
    }
    /// Points ud at `count` bytes at `at_offset` of `to`, as it was at `at_generation`.
    static void attach(region_userdata& ud, block* to, std::uint64_t at_generation,
                       std::size_t at_offset, std::size_t count) noexcept {
        ++to->refs;
        ud.memory_ = to;
        ud.generation_ = at_generation;
        ud.offset_ = at_offset;
        ud.size_ = count;
    }
    /// The memory moved to n bytes (resize): ud follows it.
    static void resized(region_userdata& ud, std::size_t n) noexcept {
        ud.generation_ = ud.memory_->generation();
        ud.size_ = n;
    }
    static void mark_freed(region_userdata& ud) noexcept {
        ud.freed_ = true;
        ud.watch_.retire();
    }
    static void mark_collected(region_userdata& ud) noexcept { ud.collected_ = true; }
    /// Lets go of the memory (deleting the block with its last view) and unlinks ud.
    static void release(region_userdata& ud) noexcept {
        ud.watch_.retire();
        ud.node_.unlink();
        block* const held = ud.memory_;
        ud.memory_ = nullptr;
        ud.freed_ = true;
        if (held != nullptr && --held->refs == 0) delete held;
    }
    [[nodiscard]] static block* memory(const region_userdata& ud) noexcept { return ud.memory_; }
    [[nodiscard]] static std::uint64_t generation(const region_userdata& ud) noexcept {
        return ud.generation_;
    }
    [[nodiscard]] static tracked& node(region_userdata& ud) noexcept { return ud.node_; }
    [[nodiscard]] static view_watch& watch(region_userdata& ud) noexcept { return ud.watch_; }
};

inline void release_view(region_userdata& ud) noexcept { region_access::release(ud); }

/// What __gc does, and what lua_close does to a region it does not finalize.
inline void collect_region(region_userdata& ud) noexcept {
    region_access::mark_collected(ud);
    release_view(ud);
}

inline void kill_region(void* ud) noexcept { collect_region(*static_cast<region_userdata*>(ud)); }

inline region_userdata* to_userdata(lua_State* L, int idx);

/// __gc. Like every metamethod it checks what it is given: Lua code can call it
/// (debug.getmetatable(r).__gc(x)) with anything, and twice.
inline int region_gc(lua_State* L) {
    if (region_userdata* ud = to_userdata(L, 1)) collect_region(*ud);
    return 0;
}

/// The registry also holds the metatable under this address: a light userdata key
/// is found without hashing or comparing a string, on every region argument.
inline const char metatable_key = 0;

/// Pushes the region metatable, creating it (with __gc, __len and an empty method
/// table as __index) the first time. Safe to call before open(): a host may push
/// regions into a state that never loaded the module.
inline void push_metatable(lua_State* L) {
    lua_pushlightuserdata(L, const_cast<char*>(&metatable_key));
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    static const luaL_Reg metamethods[] = {{"__gc", region_gc}, {nullptr, nullptr}};
    // Another copy of the binding of this version in the process (a host's and a
    // loaded module's) may have made it already: it is then shared as it is.
    if (new_metatable(L, region_metatable, metamethods)) {
        lua_newtable(L);
        lua_setfield(L, -2, "__index");
    }
    lua_pushlightuserdata(L, const_cast<char*>(&metatable_key));
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

/// Pushes the method table (the metatable's __index).
inline void push_methods(lua_State* L) {
    push_metatable(L);
    lua_getfield(L, -1, "__index");
    lua_remove(L, -2);
}

/// The region userdata at idx, or nullptr if the value is something else.
inline region_userdata* to_userdata(lua_State* L, int idx) {
    if (lua_type(L, idx) != LUA_TUSERDATA) return nullptr;  // the common miss, cheaply
    idx = absolute(L, idx);
    lua_pushlightuserdata(L, const_cast<char*>(&metatable_key));
    lua_rawget(L, LUA_REGISTRYINDEX);
    void* p = udata_with_metatable(L, idx, -1);
    lua_pop(L, 1);
    return static_cast<region_userdata*>(p);
}

inline constexpr const char* invalid_problem = "region is invalid (freed, resized or its arena reset)";
inline constexpr const char* region_what = "region";

/// The region userdata at argument arg, valid; throws a bad argument otherwise.
inline region_userdata& check_userdata(lua_State* L, int arg, const char* fname) {
    region_userdata* ud = to_userdata(L, arg);
    if (ud == nullptr) throw_type(L, arg, fname, "region");
    if (ud->collected()) throw_collected(fname, region_what);
    if (!ud->valid()) throw_argument(arg, fname, invalid_problem);
    return *ud;
}

/// The region userdata at argument arg even if it is no longer valid (free,
/// tostring), but not once it was collected.
inline region_userdata& check_any_userdata(lua_State* L, int arg, const char* fname) {
    region_userdata* ud = to_userdata(L, arg);
    if (ud == nullptr) throw_type(L, arg, fname, "region");
    if (ud->collected()) throw_collected(fname, region_what);
    return *ud;
}

/// The bytes of the valid region at argument arg.
inline region check_bytes(lua_State* L, int arg, const char* fname) {
    return check_userdata(L, arg, fname).bytes();
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_read_only(const char* fname,
                                                                   std::size_t size) {
    throw bad_argument(memreg::detail::message(fname).arg("size", size).because(
        "region is read-only"));
}

/// The bytes of the valid, writable region at argument arg.
inline region check_writable(lua_State* L, int arg, const char* fname) {
    region_userdata& ud = check_userdata(L, arg, fname);
    if (ud.read_only()) throw_read_only(fname, ud.size());
    return ud.bytes();
}

/// Whether a new region is the owner view of its memory (fixed when it is made, as
/// is whether it is read-only).
enum class region_role { owner, sub };

/// Pushes a new region userdata with no memory yet, linked into the state's list
/// (lifetime.hpp), or nullptr (nothing pushed) once the state is closing. Lua
/// errors (out of memory) can happen here.
inline region_userdata* push_userdata_or_null(lua_State* L, region_role role, bool read_only) {
    // The owner comes first, so that it is older than every region.
    if (make_objects(L).closed()) return nullptr;
    void* p = lua_newuserdata(L, sizeof(region_userdata));
    region_userdata* ud = region_access::construct(p, role == region_role::owner, read_only);
    push_metatable(L);
    lua_setmetatable(L, -2);
    // The allocations are done: link it (a finalizer run by them may have closed the state).
    if (!try_track(L, region_access::node(*ud), ud, kill_region)) {
        region_access::mark_collected(*ud);
        lua_pop(L, 1);
        return nullptr;
    }
    return ud;
}

/// Pushes a new region userdata with no memory yet; __gc is set and it is in the
/// state's list, so whatever is attached to it later is freed with it. Lua errors
/// (out of memory) can happen here, so call it before creating C++ objects that own
/// resources. Throws "the Lua state is closing" once lua_close has freed the state's
/// memreg objects.
inline region_userdata& push_empty_userdata(lua_State* L, const char* fname = "region",
                                            region_role role = region_role::owner,
                                            bool read_only = false) {
    region_userdata* ud = push_userdata_or_null(L, role, read_only);
    if (ud == nullptr) throw_closing(fname);
    return *ud;
}

/// Points ud at the whole of `memory` (ud is its owner view).
inline void attach(region_userdata& ud, block* memory) noexcept {
    region_access::attach(ud, memory, memory->generation(), 0, memory->bytes().size());
}

/// Attaches a block made by make() (which may throw) to a fresh owner userdata on
/// the stack, without leaking it if anything fails.
template <class Make>
region_userdata& push_block(lua_State* L, const char* fname, Make make, bool read_only = false) {
    region_userdata& ud = push_empty_userdata(L, fname, region_role::owner, read_only);
    attach(ud, make());
    return ud;
}

/// Pushes a new zero-filled region of n bytes from the system heap; throws
/// allocation_failure when it cannot be had.
inline region_userdata& new_region(lua_State* L, std::size_t n, const char* fname = "new") {
    return push_block(L, fname, [&]() -> block* {
        const region bytes = n == 0 ? region() : system_allocator.try_allocate(n, default_alignment);
        if (n != 0 && bytes.empty())
            throw allocation_failure(memreg::detail::message(fname).arg("size", n).because(
                "not enough memory"));
        if (n != 0) std::memset(bytes.data(), 0, n);
        try {
            return new malloc_block(system_allocator, bytes, "malloc");
        } catch (...) {
            memreg::deallocate(system_allocator, bytes);
            throw;
        }
    });
}

/// Pushes a new region holding a copy of the n bytes at s (memreg.fromstring,
/// memreg.buffer.fromstring). s must stay put while Lua allocates: a string on the
/// Lua stack does (Lua strings never move).
inline region_userdata& new_region_from(lua_State* L, const char* s, std::size_t n,
                                        const char* fname) {
    region_userdata& ud = new_region(L, n, fname);
    if (n != 0) std::memcpy(ud.bytes().data(), s, n);
    return ud;
}

/// Pushes a view of `size` bytes at `offset` into the region at parent_idx (a
/// sub-region). The caller has checked the range. What the view points at is
/// captured *before* the new userdata is allocated: a finalizer that frees or
/// resizes the parent during that allocation leaves the view invalid, never
/// spanning memory the parent no longer has. Host anchors are shared with the parent.
inline region_userdata& push_view(lua_State* L, int parent_idx, std::size_t offset,
                                  std::size_t size, const char* fname = "sub") {
    parent_idx = absolute(L, parent_idx);
    const region_userdata* parent = to_userdata(L, parent_idx);
    block* const memory = region_access::memory(*parent);
    const std::uint64_t generation = region_access::generation(*parent);
    const std::size_t start = parent->offset() + offset;
    region_userdata& ud = push_empty_userdata(L, fname, region_role::sub, parent->read_only());
    // The parent's own __gc, called by hand from a finalizer, can have dropped its
    // block: the view is then born dead.
    if (memory == nullptr || region_access::memory(*parent) != memory) {
        region_access::mark_freed(ud);
        return ud;
    }
    region_access::attach(ud, memory, generation, start, size);
    // Keep the host's owner value alive for the sub-region too.
    if (!memory->anchored) return ud;
    lua_getfield(L, LUA_REGISTRYINDEX, anchors_key);
    if (lua_istable(L, -1)) {
        lua_pushvalue(L, parent_idx);
        lua_rawget(L, -2);
        if (!lua_isnil(L, -1)) {
            lua_pushvalue(L, -3);  // the new userdata
            lua_insert(L, -2);
            lua_rawset(L, -3);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return ud;
}

/// anchors[value at ud_idx] = value at owner_idx (weak keys: the owner lives as long
/// as the region does).
inline void anchor(lua_State* L, int ud_idx, int owner_idx) {
    ud_idx = absolute(L, ud_idx);
    owner_idx = absolute(L, owner_idx);
    lua_getfield(L, LUA_REGISTRYINDEX, anchors_key);
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushstring(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, anchors_key);
    }
    lua_pushvalue(L, ud_idx);
    lua_pushvalue(L, owner_idx);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

}  // namespace detail

// ---- The host API: plain Lua C API style (raises Lua errors, never throws) ----

/// The region userdata at idx, or nullptr if the value is not a memreg region
/// (valid or not).
inline region_userdata* to_userdata(lua_State* L, int idx) { return detail::to_userdata(L, idx); }

/// The bytes of the writable memreg region (or memreg.buffer) at idx, or an empty
/// region if the value is not one, is no longer valid, or is read-only (a read-only
/// mapping, a region pushed as const_region: to_const_region gives its bytes).
inline region to_region(lua_State* L, int idx) {
    region_userdata* ud = detail::to_userdata(L, idx);
    return ud != nullptr && ud->valid() && !ud->read_only() ? ud->bytes() : region();
}

/// The bytes of the memreg region at idx, read-only or not, to read; an empty region if
/// the value is not one or is no longer valid.
inline const_region to_const_region(lua_State* L, int idx) {
    region_userdata* ud = detail::to_userdata(L, idx);
    return ud != nullptr && ud->valid() ? const_region(ud->bytes()) : const_region();
}

namespace detail {

/// check_region's checks: a valid memreg region at argument idx, else a Lua error.
inline region_userdata& check_valid_region(lua_State* L, int idx) {
    region_userdata* ud = detail::to_userdata(L, idx);
    if (ud == nullptr) {
        // The readable name, another memreg version's regions included: "region
        // (memreg 0.2.0)".
        char name[detail::type_name_capacity];
        detail::type_name(L, idx, name);
        lua_pushfstring(L, "region expected, got %s", name);
        luaL_argerror(L, idx, lua_tostring(L, -1));
    }
    if (ud->collected()) luaL_argerror(L, idx, "region used after it was collected");
    if (!ud->valid()) luaL_argerror(L, idx, detail::invalid_problem);
    return *ud;
}

}  // namespace detail

/// The bytes of the valid, writable memreg region at argument idx of the running C
/// function; raises a Lua error like luaL_checkudata's otherwise ("region is
/// read-only" for a read-only one: check_const_region reads those). Call it before
/// creating C++ objects with destructors (a Lua error skips them).
inline region check_region(lua_State* L, int idx) {
    region_userdata& ud = detail::check_valid_region(L, idx);
    if (ud.read_only()) luaL_argerror(L, idx, "region is read-only");
    return ud.bytes();
}

/// The bytes of the valid memreg region at argument idx, read-only or not, to read;
/// raises a Lua error as check_region does otherwise.
inline const_region check_const_region(lua_State* L, int idx) {
    return detail::check_valid_region(L, idx).bytes();
}

namespace detail {

inline void push_host_region(lua_State* L, region bytes, int owner_index, bool read_only) {
    if (owner_index != 0) owner_index = absolute(L, owner_index);
    region_userdata* ud = push_userdata_or_null(L, region_role::owner, read_only);
    if (ud == nullptr) luaL_error(L, "push_region: the Lua state is closing");
    auto* memory = new (std::nothrow) host_block(bytes);
    if (memory == nullptr) luaL_error(L, "push_region: not enough memory");
    attach(*ud, memory);
    if (owner_index != 0) {
        memory->anchored = true;
        anchor(L, -1, owner_index);
    }
}

}  // namespace detail

/// Pushes a region over memory the host owns. If owner_index is not 0, the value
/// there (a userdata or table holding the memory) is kept alive as long as the
/// region or any sub-region of it is. The region never frees the memory; r:free()
/// only invalidates it. Raises a Lua error only when Lua itself is out of memory.
inline void push_region(lua_State* L, region bytes, int owner_index = 0) {
    detail::push_host_region(L, bytes, owner_index, false);
}

/// Pushes a read-only region over host memory (writes from Lua raise an error): it
/// is made read-only, never writable for a moment.
inline void push_region(lua_State* L, basic_region<const std::byte> bytes, int owner_index = 0) {
    detail::push_host_region(L, region(const_cast<std::byte*>(bytes.data()), bytes.size()),
                             owner_index, true);
}

}  // namespace memreg::lua
