// memreg/lua/scalars.hpp — r:read_<type> and r:write_<type> for i8 … u64, f32, f64.
//
//   r:read_u32(off [, count] [, order])   -> count values (1 by default)
//   r:write_u32(off, v1 [, v2, ...] [, order])  writes the values one after another
//
// `order` is "le"/"little"/"<", "be"/"big"/">" or "native"/"=" (the default: C's
// layout of the machine, which is little-endian on x86 and ARM). Integers are
// stored modulo 2^bits, like a C cast (write_u8(r, 0, 257) stores 1); 64-bit values
// follow the policy in config.hpp. Reading several values in one call returns
// them all, which saves a call per value in hot loops.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "../byte_order.hpp"
#include "resolve.hpp"

namespace memreg::lua::detail {

/// At most this many values in one batched read (they all go on the Lua stack).
inline constexpr std::size_t max_batch = 4096;

/// Argument arg as a byte order.
inline std::endian check_order(lua_State* L, int arg, const char* fname) {
    std::size_t n = 0;
    const char* s = check_string(L, arg, fname, n);
    const std::string text(s, n);
    if (text == "native" || text == "=") return std::endian::native;
    if (text == "le" || text == "little" || text == "<") return std::endian::little;
    if (text == "be" || text == "big" || text == ">") return std::endian::big;
    throw_argument(arg, fname, "byte order must be 'le', 'be' or 'native', got '" + text + "'");
}

/// T from sizeof(T) bytes at p (any alignment), in the given byte order.
template <class T>
T load(const std::byte* p, std::endian order) noexcept {
    return memreg::detail::load_bytes<T>(p, order);
}

template <class T>
void store(std::byte* p, T value, std::endian order) noexcept {
    memreg::detail::store_bytes<T>(p, value, order);
}

/// The names of each scalar type's functions, in one table: the region methods
/// (r:read_u32, r:write_u32) and memreg.buffer's, which are Luau's (buffer.readu32,
/// buffer.writeu32).
template <class T> struct scalar_names;
#define MEMREG_LUA_SCALAR(type, suffix)                                    \
    template <> struct scalar_names<type> {                                \
        static constexpr const char* read = "read_" #suffix;               \
        static constexpr const char* write = "write_" #suffix;             \
        static constexpr const char* luau_read = "read" #suffix;           \
        static constexpr const char* luau_write = "write" #suffix;         \
    };
MEMREG_LUA_SCALAR(std::int8_t, i8)
MEMREG_LUA_SCALAR(std::uint8_t, u8)
MEMREG_LUA_SCALAR(std::int16_t, i16)
MEMREG_LUA_SCALAR(std::uint16_t, u16)
MEMREG_LUA_SCALAR(std::int32_t, i32)
MEMREG_LUA_SCALAR(std::uint32_t, u32)
MEMREG_LUA_SCALAR(std::int64_t, i64)
MEMREG_LUA_SCALAR(std::uint64_t, u64)
MEMREG_LUA_SCALAR(float, f32)
MEMREG_LUA_SCALAR(double, f64)
#undef MEMREG_LUA_SCALAR

/// Calls f(std::type_identity<T>{}) for each scalar type, in the order above.
template <class F>
void for_each_scalar(F f) {
    f(std::type_identity<std::int8_t>{});
    f(std::type_identity<std::uint8_t>{});
    f(std::type_identity<std::int16_t>{});
    f(std::type_identity<std::uint16_t>{});
    f(std::type_identity<std::int32_t>{});
    f(std::type_identity<std::uint32_t>{});
    f(std::type_identity<std::int64_t>{});
    f(std::type_identity<std::uint64_t>{});
    f(std::type_identity<float>{});
    f(std::type_identity<double>{});
}

/// table[name] = f (at the absolute index table).
inline void set_function(lua_State* L, int table, const char* name, lua_CFunction f) {
    lua_pushcfunction(L, f);
    lua_setfield(L, table, name);
}

template <class T>
void push_scalar(lua_State* L, T value, const char* fname) {
    if constexpr (std::is_floating_point_v<T>) {
        lua_pushnumber(L, static_cast<lua_Number>(value));
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        push_int64(L, value, fname);
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        push_uint64(L, value, fname);
    } else {
        lua_pushinteger(L, static_cast<lua_Integer>(value));
    }
}

template <class T>
T check_scalar(lua_State* L, int arg, const char* fname) {
    if constexpr (std::is_floating_point_v<T>) {
        // f32: beyond float's range is infinity, not undefined behaviour.
        const double d = check_number(L, arg, fname);
        if constexpr (std::is_same_v<T, float>) return memreg::detail::to_float(d);
        else return d;
    } else if constexpr (std::is_same_v<T, std::int64_t>) {
        return check_int64(L, arg, fname);
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        return check_uint64(L, arg, fname);
    } else {
        // Wraps like a C cast: the low bits of the integer.
        return static_cast<T>(static_cast<std::uint64_t>(check_integer(L, arg, fname)));
    }
}

/// r:read_T(off [, count] [, order])
template <class T>
int read_scalar(lua_State* L) {
    constexpr const char* fname = scalar_names<T>::read;
    const region_arg r(L, 1, fname);
    const std::size_t offset = check_offset(L, 2, fname);
    std::size_t count = 1;
    int next = 3;
    if (lua_type(L, next) == LUA_TNUMBER) {
        count = check_offset(L, next, fname, "count");
        if (count > max_batch)
            throw_argument(next, fname, "count " + std::to_string(count) +
                                            " is more than the maximum of " +
                                            std::to_string(max_batch) + " values in one read");
        ++next;
    }
    const std::endian order = lua_isnoneornil(L, next) ? std::endian::native
                                                       : check_order(L, next, fname);
    (void)r.span(offset, count * sizeof(T));  // a bad range fails before the stack grows
    // LUA_MINSTACK (20) slots are always there; only bigger batches need a check,
    // and it can allocate: the region is resolved after it. Pushing numbers does
    // not allocate, so one resolve serves every value.
    if (count >= LUA_MINSTACK && !lua_checkstack(L, static_cast<int>(count) + 1))
        throw out_of_range(memreg::detail::message(fname).arg("count", count).because(
            "too many values for the Lua stack"));
    const std::byte* p = r.span(offset, count * sizeof(T)).data();
    for (std::size_t i = 0; i < count; ++i, p += sizeof(T))
        push_scalar<T>(L, load<T>(p, order), fname);
    return static_cast<int>(count);
}

/// r:write_T(off, v1 [, v2, ...] [, order])
template <class T>
int write_scalar(lua_State* L) {
    constexpr const char* fname = scalar_names<T>::write;
    const region_arg r(L, 1, fname, access_mode::write);
    const std::size_t offset = check_offset(L, 2, fname);
    int last = lua_gettop(L);
    std::endian order = std::endian::native;
    if (last >= 4 && lua_type(L, last) == LUA_TSTRING) order = check_order(L, last--, fname);
    if (last < 3) check_scalar<T>(L, 3, fname);  // "number expected, got no value"
    const auto count = static_cast<std::size_t>(last - 2);
    (void)r.span(offset, count * sizeof(T));  // the range first, then the values
    if (count == 1) {
        const T value = check_scalar<T>(L, 3, fname);
        store<T>(r.span(offset, sizeof(T)).data(), value, order);
        return 0;
    }
    // Every value is checked before any is written, so a bad one leaves the region as
    // it was: up to 4 KiB of values are converted once into a staging buffer, larger
    // batches are checked in a first pass. Checking numbers does not allocate, so
    // the region resolved after the checks is current while it is written.
    constexpr std::size_t staged = 4096 / sizeof(T);
    if (count <= staged) {
        std::byte staging[4096];
        std::byte* q = staging;
        for (int arg = 3; arg <= last; ++arg, q += sizeof(T))
            store<T>(q, check_scalar<T>(L, arg, fname), order);
        std::memcpy(r.span(offset, count * sizeof(T)).data(), staging, count * sizeof(T));
        return 0;
    }
    for (int arg = 3; arg <= last; ++arg) check_scalar<T>(L, arg, fname);
    std::byte* p = r.span(offset, count * sizeof(T)).data();
    for (int arg = 3; arg <= last; ++arg, p += sizeof(T)) store<T>(p, check_scalar<T>(L, arg, fname), order);
    return 0;
}

/// Adds read_<T> and write_<T> for every scalar type to the table at `methods`.
inline void register_scalars(lua_State* L, int methods) {
    methods = absolute(L, methods);
    for_each_scalar([&](auto type) {
        using T = typename decltype(type)::type;
        set_function(L, methods, scalar_names<T>::read, protect<read_scalar<T>>);
        set_function(L, methods, scalar_names<T>::write, protect<write_scalar<T>>);
    });
}

}  // namespace memreg::lua::detail
