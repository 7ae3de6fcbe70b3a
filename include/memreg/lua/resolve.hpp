// memreg/lua/resolve.hpp — a region argument whose memory is looked up when it is used.
//
// The rule every binding function follows (docs/lua-ext.md): any Lua API call that
// can allocate can run a GC step, and a GC step can run any __gc finalizer, which
// can free, resize or reset any region. So a function gathers and converts all its
// arguments and creates every Lua value it needs *first*, and only then resolves a
// region's address and size — or resolves again after every call that can allocate.
// region_arg makes that the easy way: it keeps the userdata (which stays on the Lua
// stack for the whole call, so the pointer to it stays good), never an address, and
// span()/size() re-check validity, access and bounds each time they are asked.
#pragma once

#include <cstddef>
#include <cstring>

#include "userdata.hpp"

namespace memreg::lua::detail {

/// Throws out_of_range unless [offset, offset + count) lies in a region of `size`.
inline void check_range(const char* fname, std::size_t offset, std::size_t count,
                        std::size_t size) {
    if (offset > size || count > size - offset)
        memreg::detail::throw_outside(fname, offset, count, size);
}

enum class access_mode { read, write };

/// Region argument `arg` of the running C function `fname`.
class region_arg {
public:
    /// Checks now that the value is a valid region (writable when `mode` says so):
    /// "bad argument #1 to 'fill' (region expected, got nil)" otherwise.
    region_arg(lua_State* L, int arg, const char* fname, access_mode mode = access_mode::read)
        : region_arg(check_any_userdata(L, arg, fname), arg, fname, mode) {
        check();
    }
    /// A region userdata the caller found and checked its own way (memreg.buffer
    /// words its messages as Luau does).
    region_arg(region_userdata& ud, int arg, const char* fname, access_mode mode) noexcept
        : ud_(&ud), arg_(arg), fname_(fname), write_(mode == access_mode::write) {}

    /// The size now; throws if the region is no longer valid.
    [[nodiscard]] std::size_t size() const {
        check();
        return ud_->size();
    }
    /// The `count` bytes at `offset`, now: valid until the next Lua call that can
    /// allocate. Throws if the region is no longer valid or the range is outside it.
    [[nodiscard]] region span(std::size_t offset, std::size_t count) const {
        check();
        check_range(fname_, offset, count, ud_->size());
        return count == 0 ? region() : region(ud_->bytes().data() + offset, count);
    }
    /// All the bytes, now (same lifetime as span's).
    [[nodiscard]] region bytes() const {
        check();
        return ud_->bytes();
    }
    /// The userdata itself (its state may change under any allocating call too).
    [[nodiscard]] region_userdata& userdata() const noexcept { return *ud_; }
    [[nodiscard]] int index() const noexcept { return arg_; }
    [[nodiscard]] const char* function() const noexcept { return fname_; }

private:
    void check() const {
        if (!ud_->valid()) {
            if (ud_->collected()) throw_collected(fname_, region_what);
            throw_argument(arg_, fname_, invalid_problem);
        }
        if (write_ && ud_->read_only()) throw_read_only(fname_, ud_->size());
    }

    region_userdata* ud_;
    int arg_;
    const char* fname_;
    bool write_;
};

/// Strings up to this size are copied out through the C stack.
inline constexpr std::size_t small_string = 512;

/// Pushes `count` bytes at `offset` of r as a Lua string. lua_pushlstring may run a
/// GC step *before* it copies (Lua 5.1, 5.2, LuaJIT), so the bytes are first copied
/// somewhere no finalizer can touch: a C stack buffer when small, else a staging
/// userdata allocated before the region is resolved.
inline void push_string(lua_State* L, const region_arg& r, std::size_t offset,
                        std::size_t count) {
    if (count <= small_string) {
        char copy[small_string];
        const region bytes = r.span(offset, count);
        if (count != 0) std::memcpy(copy, bytes.data(), count);
        lua_pushlstring(L, copy, count);
        return;
    }
    (void)r.span(offset, count);  // refuse a bad range before allocating for it
    void* staging = lua_newuserdata(L, count);
    std::memcpy(staging, r.span(offset, count).data(), count);
    lua_pushlstring(L, static_cast<const char*>(staging), count);
    lua_remove(L, -2);
}

}  // namespace memreg::lua::detail
