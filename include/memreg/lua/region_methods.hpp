// memreg/lua/region_methods.hpp — memreg.new, memreg.fromstring and the methods
// every region has: #r, free/__gc/__close, valid, resize, sub, ptr, tostring, fill,
// clear, copy, read_string, write_string, read_cstring, write_cstring, read_ptr,
// write_ptr (read_<T>/write_<T> are in scalars.hpp). Offsets are 0-based byte offsets,
// as in C and LuaJIT's FFI.
//
// Names: a method that reads or writes a value at an offset is read_<what> /
// write_<what> (read_u8, read_string, read_cstring, read_ptr). memreg.buffer keeps
// Luau's own names (readu8, readstring): it is Luau's library, for Luau code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "resolve.hpp"
#include "scalars.hpp"
#include "userdata.hpp"

namespace memreg::lua::detail {

/// Optional (off, len) at args first, first+1: defaults to the whole rest of the
/// region; checked against its size.
struct span_args {
    std::size_t offset;
    std::size_t count;
};
inline span_args check_span(lua_State* L, int first, const char* fname, std::size_t size) {
    const std::size_t offset = opt_offset(L, first, fname, 0);
    if (offset > size) memreg::detail::throw_outside(fname, offset, 0, size);
    const std::size_t count = opt_offset(L, first + 1, fname, size - offset, "length");
    check_range(fname, offset, count, size);
    return {offset, count};
}

/// memreg.new(n): n zero bytes, freed when collected (or by r:free()).
inline int region_new(lua_State* L) {
    new_region(L, check_size(L, 1, "new"), "new");
    return 1;
}

/// memreg.fromstring(s): a new region holding a copy of s's bytes.
inline int region_fromstring(lua_State* L) {
    std::size_t n = 0;
    const char* s = check_string(L, 1, "fromstring", n);
    new_region_from(L, s, n, "fromstring");
    return 1;
}

/// memreg.isregion(v): true for a region (valid or not), false for anything else.
inline int region_isregion(lua_State* L) {
    lua_pushboolean(L, to_userdata(L, 1) != nullptr);
    return 1;
}

inline int region_len(lua_State* L) {
    push_size(L, region_arg(L, 1, "len").size(), "len");
    return 1;
}

/// r:free(): gives the memory back now (the owner; sub-regions only stop being
/// usable). Every view of freed memory becomes invalid. Idempotent.
inline int region_free(lua_State* L) {
    region_userdata& ud = check_any_userdata(L, 1, "free");
    if (ud.owner() && ud.valid()) region_access::memory(ud)->release();
    region_access::mark_freed(ud);
    return 0;
}

/// r:valid(): false once r is freed, resized, reset — or collected: the one method
/// a collected region answers (code that keeps weak tables of regions asks it).
inline int region_valid(lua_State* L) {
    const region_userdata* ud = to_userdata(L, 1);
    if (ud == nullptr) throw_type(L, 1, "valid", "region");
    lua_pushboolean(L, ud->valid());
    return 1;
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_not_resizable(const char* fname,
                                                                       std::size_t n,
                                                                       const char* why) {
    throw bad_argument(memreg::detail::message(fname).arg("size", n).because(why));
}

/// r:resize(n) -> r, or nil and a message when the allocator has no room (r is then
/// unchanged). The memory may move: sub-regions become invalid. New bytes are zero.
inline int region_resize(lua_State* L) {
    constexpr const char* fname = "resize";
    region_userdata& ud = check_userdata(L, 1, fname);
    const std::size_t n = check_size(L, 2, fname);
    if (!ud.owner())
        throw_not_resizable(fname, n,
                            "a sub-region cannot be resized (resize the region it was made from)");
    block& memory = *region_access::memory(ud);
    const char* refused = memory.not_resizable();
    if (*refused != '\0') throw_not_resizable(fname, n, refused);
    const std::size_t old = ud.size();
    if (!memory.try_resize(n)) {
        lua_pushnil(L);
        const auto message = memreg::detail::message(fname)
                                 .arg("size", n)
                                 .arg("old", old)
                                 .because("the ", memory.kind(), " allocator has no room");
        lua_pushstring(L, message.c_str());
        return 2;
    }
    region_access::resized(ud, n);
    if (n > old) std::memset(ud.bytes().data() + old, 0, n - old);
    lua_settop(L, 1);
    return 1;
}

/// r:sub(off [, len]): a region over len bytes at off (default: to the end). It keeps
/// the memory alive, and is invalid once r's memory is freed, resized or reset.
inline int region_sub(lua_State* L) {
    constexpr const char* fname = "sub";
    const region_arg r(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::size_t size = r.size();
    if (offset > size) memreg::detail::throw_outside(fname, offset, 0, size);
    const std::size_t count = opt_offset(L, 3, fname, size - offset, "length");
    (void)r.span(offset, count);
    push_view(L, 1, offset, count);
    return 1;
}

/// r:ptr(): the address as a light userdata, for other C bindings and LuaJIT's FFI.
inline int region_ptr(lua_State* L) {
    lua_pushlightuserdata(L, region_arg(L, 1, "ptr").bytes().data());
    return 1;
}

/// r:tostring([off [, len]]): the bytes as a Lua string.
inline int region_tostring(lua_State* L) {
    constexpr const char* fname = "tostring";
    const region_arg r(L, 1, fname);
    const span_args s = check_span(L, 2, fname, r.size());
    push_string(L, r, s.offset, s.count);
    return 1;
}

/// r:fill(byte [, off [, len]]): memset (the byte is taken modulo 256).
inline int region_fill(lua_State* L) {
    constexpr const char* fname = "fill";
    const region_arg r(L, 1, fname, access_mode::write);
    const auto value = static_cast<unsigned char>(check_integer(L, 2, fname));
    const span_args s = check_span(L, 3, fname, r.size());
    if (s.count != 0) std::memset(r.span(s.offset, s.count).data(), value, s.count);
    return 0;
}

/// r:clear([off [, len]]): zero bytes.
inline int region_clear(lua_State* L) {
    constexpr const char* fname = "clear";
    const region_arg r(L, 1, fname, access_mode::write);
    const span_args s = check_span(L, 2, fname, r.size());
    if (s.count != 0) std::memset(r.span(s.offset, s.count).data(), 0, s.count);
    return 0;
}

/// The bytes of argument arg, a valid region or a string: resolved when asked,
/// like region_arg (a string stays where it is while it is on the stack).
class source_arg {
public:
    source_arg(lua_State* L, int arg, const char* fname) : fname_(fname) {
        if (lua_type(L, arg) == LUA_TSTRING) {
            std::size_t n = 0;
            const char* s = lua_tolstring(L, arg, &n);
            string_ = {reinterpret_cast<const std::byte*>(s), n};
            return;
        }
        if (to_userdata(L, arg) == nullptr) throw_type(L, arg, fname, "region or string");
        region_.emplace(L, arg, fname);
    }
    [[nodiscard]] std::size_t size() const { return region_ ? region_->size() : string_.size(); }
    [[nodiscard]] const_region span(std::size_t offset, std::size_t count) const {
        if (region_) return region_->span(offset, count);
        check_range(fname_, offset, count, string_.size());
        return {string_.data() + offset, count};
    }

private:
    const char* fname_;
    std::optional<region_arg> region_;
    const_region string_;
};

/// r:copy(dst_off, src [, src_off [, len]]): memmove from a region (this one too) or
/// a string; len defaults to the rest of src.
inline int region_copy(lua_State* L) {
    constexpr const char* fname = "copy";
    const region_arg r(L, 1, fname, access_mode::write);
    const std::size_t dst = check_offset(L, 2, fname);
    const source_arg src(L, 3, fname);
    const span_args s = check_span(L, 4, fname, src.size());
    const region target = r.span(dst, s.count);
    if (s.count != 0) std::memmove(target.data(), src.span(s.offset, s.count).data(), s.count);
    return 0;
}

/// r:read_string(off, len): len bytes at off as a string.
inline int region_read_string(lua_State* L) {
    constexpr const char* fname = "read_string";
    const region_arg r(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::size_t count = check_offset(L, 3, fname, "length");
    push_string(L, r, offset, count);
    return 1;
}

/// The string argument of r:write_string / r:write_cstring, checked: the region
/// (writable), the offset (argument 2), the string (argument 3).
struct string_write {
    region_arg region;
    std::size_t offset;
    const char* text;
    std::size_t length;
};
inline string_write check_string_write(lua_State* L, const char* fname) {
    const region_arg r(L, 1, fname, access_mode::write);
    const std::size_t offset = check_offset(L, 2, fname);
    std::size_t n = 0;
    const char* s = check_string(L, 3, fname, n);
    return {r, offset, s, n};
}

/// Writes count bytes of w's string at w.offset, then `terminator` zero bytes (0 or
/// 1), and pushes the offset just past them (r:write_string, r:write_cstring).
inline int write_string_at(lua_State* L, const string_write& w, std::size_t count,
                           std::size_t terminator, const char* fname) {
    const region target = w.region.span(w.offset, count + terminator);
    if (count != 0) std::memcpy(target.data(), w.text, count);
    if (terminator != 0) target[count] = std::byte{0};
    push_size(L, w.offset + count + terminator, fname);
    return 1;
}

/// r:write_string(off, s [, len]): the first len bytes of s (default all) at off.
/// Returns the offset just past them.
inline int region_write_string(lua_State* L) {
    constexpr const char* fname = "write_string";
    const string_write w = check_string_write(L, fname);
    const std::size_t count = opt_offset(L, 4, fname, w.length, "length");
    if (count > w.length)
        throw_argument(4, fname, "length " + std::to_string(count) +
                                     " is longer than the string (" + std::to_string(w.length) +
                                     ")");
    return write_string_at(L, w, count, 0, fname);
}

/// r:write_cstring(off, s): s and a terminating zero byte at off (s must not contain
/// a zero byte). Returns the offset just past the terminator.
inline int region_write_cstring(lua_State* L) {
    constexpr const char* fname = "write_cstring";
    const string_write w = check_string_write(L, fname);
    if (std::memchr(w.text, 0, w.length) != nullptr)
        throw_argument(3, fname, "string contains a zero byte");
    return write_string_at(L, w, w.length, 1, fname);
}

/// r:read_cstring(off): the zero-terminated string at off (the terminator must lie
/// inside the region: a missing one is an error, not a read past the end).
inline int region_read_cstring(lua_State* L) {
    constexpr const char* fname = "read_cstring";
    const region_arg r(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    const std::size_t size = r.size();
    if (offset >= size) memreg::detail::throw_outside(fname, offset, 1, size);
    const region rest = r.span(offset, size - offset);
    const void* nul = std::memchr(rest.data(), 0, rest.size());
    if (nul == nullptr)
        throw out_of_range(memreg::detail::message(fname).arg("offset", offset).because(
            "no zero byte before the end of region of size " + std::to_string(size)));
    push_string(L, r, offset,
                static_cast<std::size_t>(static_cast<const std::byte*>(nul) - rest.data()));
    return 1;
}

/// The address argument arg stands for: a region (its first byte), a light
/// userdata, or nil (NULL).
inline void* check_address(lua_State* L, int arg, const char* fname) {
    if (lua_isnil(L, arg)) return nullptr;
    if (lua_type(L, arg) == LUA_TLIGHTUSERDATA) return lua_touserdata(L, arg);
    if (to_userdata(L, arg) == nullptr) throw_type(L, arg, fname, "region, light userdata or nil");
    return region_arg(L, arg, fname).bytes().data();
}

/// r:write_ptr(off, p): stores the address p (a region, r:ptr(), or nil for NULL)
/// as a native pointer at off, for C code that reads pointers from the buffer.
inline int region_write_ptr(lua_State* L) {
    constexpr const char* fname = "write_ptr";
    const region_arg r(L, 1, fname, access_mode::write);
    const std::size_t offset = check_offset(L, 2, fname);
    if (lua_isnone(L, 3)) throw_type(L, 3, fname, "region, light userdata or nil");
    void* address = check_address(L, 3, fname);
    std::memcpy(r.span(offset, sizeof address).data(), &address, sizeof address);
    return 0;
}

/// r:read_ptr(off): the native pointer at off as a light userdata (nil for NULL).
/// Lua cannot follow it; compare it with r:ptr() or hand it to C.
inline int region_read_ptr(lua_State* L) {
    constexpr const char* fname = "read_ptr";
    const region_arg r(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    void* address = nullptr;
    std::memcpy(&address, r.span(offset, sizeof address).data(), sizeof address);
    if (address == nullptr) lua_pushnil(L);
    else lua_pushlightuserdata(L, address);
    return 1;
}

/// __tostring: "memreg.region(16 bytes, malloc): 0x5581..." or "memreg.region(invalid)".
inline int region_describe(lua_State* L) {
    region_userdata& ud = check_any_userdata(L, 1, "__tostring");
    if (!ud.valid()) {
        lua_pushliteral(L, "memreg.region(invalid)");
        return 1;
    }
    char text[128];
    std::snprintf(text, sizeof text, "memreg.region(%zu bytes, %s%s): %s", ud.size(),
                  ud.kind(), ud.read_only() ? ", read-only" : "",
                  format_address(ud.bytes().data()).text);
    lua_pushstring(L, text);
    return 1;
}

/// Adds the region methods to the table at `methods`, the metamethods to the
/// region metatable and new/fromstring/isregion to the module table at `module`.
inline void register_regions(lua_State* L, int module, int methods) {
    static const luaL_Reg module_functions[] = {
        {"new", protect<region_new>},
        {"fromstring", protect<region_fromstring>},
        {"isregion", protect<region_isregion>},
        {nullptr, nullptr},
    };
    static const luaL_Reg method_functions[] = {
        {"len", protect<region_len>},
        {"free", protect<region_free>},
        {"valid", protect<region_valid>},
        {"resize", protect<region_resize>},
        {"sub", protect<region_sub>},
        {"ptr", protect<region_ptr>},
        {"tostring", protect<region_tostring>},
        {"fill", protect<region_fill>},
        {"clear", protect<region_clear>},
        {"copy", protect<region_copy>},
        {"read_string", protect<region_read_string>},
        {"write_string", protect<region_write_string>},
        {"write_cstring", protect<region_write_cstring>},
        {"read_cstring", protect<region_read_cstring>},
        {"write_ptr", protect<region_write_ptr>},
        {"read_ptr", protect<region_read_ptr>},
        {nullptr, nullptr},
    };
    // Deprecated names (0.1.0), the same functions; removed in the next minor version.
    static constexpr alias deprecated[] = {
        {"readstring", "read_string"},
        {"writestring", "write_string"},
        {"writecstring", "write_cstring"},
        {"cstring", "read_cstring"},
    };
    static const luaL_Reg metamethods[] = {
        {"__len", protect<region_len>},
        {"__close", protect<region_free>},
        {"__tostring", protect<region_describe>},
        {nullptr, nullptr},
    };
    set_functions(L, module, module_functions);
    set_functions(L, methods, method_functions);
    set_aliases(L, methods, deprecated);
    register_scalars(L, methods);
    push_metatable(L);
    set_functions(L, -1, metamethods);
    lua_pop(L, 1);
}

}  // namespace memreg::lua::detail
